#!/usr/bin/env bash
# Runs issue 11's budget workloads (BENCHMARKS.md, "Issue 11 budgets") REPEATS times each, round-robin so a slow
# spell of the shared machine does not hit one workload's three runs, and appends one JSON object per run to
# OUTPUT.jsonl (stderr to OUTPUT.log). Summarize with scripts/summarize-bench.py OUTPUT.jsonl.
#
#   scripts/issue11-budgets.sh [OUTPUT.jsonl] [REPEATS] [BINARY]
#
# BINARY defaults to a fresh release build. The 100,000-node run is left to its own command (minutes, 1+ GiB):
#   bench --workload SchedulingBasic --variant 5000Nodes_10000Pods --nodes 100000 --init-pods 0 \
#         --measured-pods 100000 --sample-interval 1
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-issue11-budgets.jsonl}
repeats=${2:-3}
bin=${3:-}
if [[ -z "$bin" ]]; then
  swift build -c release >/dev/null
  bin=.build/release/swift-kube-scheduler
fi
log="${out%.jsonl}.log"
workloads=Sources/Bench/Workloads
export SWIFT_KUBE_SCHEDULER_WORKLOADS="$PWD/$workloads"

run() {
  echo "== $*" >> "$log"
  "$bin" bench "$@" --output json --quiet 2>> "$log" >> "$out" || echo "!! failed: $*" >> "$log"
}

for _ in $(seq "$repeats"); do
  run --workload DeploymentPods --sample-interval 0.1
  run --workload SchedulingPodAntiAffinity --variant 5000Nodes_2000Pods --sample-interval 0.05
  run --workload TopologySpreading --variant 5000Nodes_5000Pods --sample-interval 0.05
  run --workload PreferredTopologySpreading --sample-interval 0.05
  run --workload SchedulingPodAffinity --variant 5000Nodes_5000Pods --sample-interval 0.05
  run --workload SchedulingPreferredPodAffinity --sample-interval 0.05
  run --workload SchedulingPreferredPodAntiAffinity --sample-interval 0.05
  run --workload MixedSchedulingBasePod --sample-interval 0.05
  run --workload SchedulingNodeAffinity --variant 5000Nodes_10000Pods --sample-interval 0.1
  run --workload SchedulingBasic --variant 5000Nodes_10000Pods --sample-interval 0.1
  run --workload-file "$workloads/misc/performance-config.yaml" --workload SchedulingWhileGated \
    --variant 1Node_10000GatedPods --sample-interval 0.1
  run --workload PreemptionBasic --variant 1000Nodes --sample-interval 0.1
done
