#!/usr/bin/env bash
# Runs every built-in bench workload (default variants) plus the budget runs of BENCHMARKS.md, in release mode,
# one after another, and appends one JSON object per run to the output file (default: benchmarks.jsonl).
#
#   scripts/run-benchmarks.sh [OUTPUT.jsonl] [REPEATS]
#
# Each run's stderr (progress, notes) goes to OUTPUT.log. Nothing else should run on the machine meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks.jsonl}
repeats=${2:-3}
log="${out%.jsonl}.log"
swift build -c release >/dev/null
bin=.build/release/swift-kube-scheduler
: > "$out"
: > "$log"

run() {
  echo "== $*" >> "$log"
  "$bin" bench "$@" --output json --quiet 2>> "$log" >> "$out" || true
}

# Budget workloads, repeated.
for i in $(seq "$repeats"); do
  run --workload SchedulingBasic --variant 5000Nodes_10000Pods --sample-interval 0.1
  run --workload SchedulingDaemonset --variant 15000Nodes --sample-interval 0.1
  run --workload SchedulingNodeAffinity --variant 5000Nodes_10000Pods --sample-interval 0.1
  run --workload SchedulingPodAntiAffinity --variant 5000Nodes_2000Pods --sample-interval 0.05
  run --workload TopologySpreading --variant 5000Nodes_5000Pods --sample-interval 0.05
  run --workload SchedulingPodAffinity --variant 5000Nodes_5000Pods --sample-interval 0.05
done

# Every other built-in workload, default variant.
for w in SchedulingPreferredPodAffinity SchedulingPreferredPodAntiAffinity PreferredTopologySpreading MixedSchedulingBasePod \
         SchedulingCSIPVs PreemptionBasic Unschedulable SchedulingWithMixedChurn; do
  run --workload "$w" --sample-interval 0.05
done
run --workload SchedulingBasic --variant 5000Nodes_50000Pods --sample-interval 0.5

# Memory: 5000 nodes with 20,000 pods.
run --workload SchedulingBasic --variant 5000Nodes_10000Pods --init-pods 10000 --measured-pods 10000 --sample-interval 0.1
# Scale: 100,000 nodes and 100,000 pods.
run --workload SchedulingBasic --variant 5000Nodes_10000Pods --nodes 100000 --init-pods 0 --measured-pods 100000 --sample-interval 1
