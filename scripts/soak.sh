#!/usr/bin/env bash
# Soak run (issue 14, point 6): the Soak workload of scripts/soak/performance-config.yaml — 5,000 nodes,
# upstream's mixed churn, pods created, scheduled and deleted cycle after cycle — with the bench process's RSS
# and CPU time sampled every 2 s and every cycle timed, then a summary: peak RSS at the half-way point and at the end
# (growth must stay under 5 %), the throughput of the first and last cycles, and the scheduling queue's in-flight
# bookkeeping (pods popped and not done, events kept for them) sampled at each cycle's end and, when the run
# finished, after its last attempt: a leak keeps pods in flight for good, so the script exits 1 when every one of
# the last ten cycles still had pods in flight, or when bench's final count is not zero.
#
#   scripts/soak.sh [BINARY] [-- BENCH_ARGS...]   e.g. scripts/soak.sh .build/release/swift-kube-scheduler
#
# BINARY defaults to .build/release/swift-kube-scheduler; BENCH_ARGS are added to
# `bench --workload-file scripts/soak/performance-config.yaml --workload Soak --variant 5000Nodes`
# (`--init-pods N` sets the pods per cycle). Output in soak-results/<timestamp>/: result.json (bench's JSON),
# progress.log (bench's progress lines, each prefixed with the Unix time), rss.log, summary.txt.
# SOAK_SECONDS=N stops the run (SIGTERM) after N seconds if the cycles take longer; the summary then covers the
# cycles done.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/swift-kube-scheduler}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
out="soak-results/$(date +%Y%m%dT%H%M%S)"
mkdir -p "$out"

"$bin" bench --workload-file scripts/soak/performance-config.yaml --workload Soak --variant 5000Nodes \
  --output json "$@" > "$out/result.json" \
  2> >(while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done > "$out/progress.log") &
pid=$!
deadline=$(($(date +%s) + ${SOAK_SECONDS:-0}))
while kill -0 "$pid" 2> /dev/null; do
  if [ "${SOAK_SECONDS:-0}" -gt 0 ] && [ "$(date +%s)" -ge "$deadline" ]; then
    echo "stopping the run after $SOAK_SECONDS s" >&2
    kill -TERM "$pid" 2> /dev/null || true
  fi
  now=$(date +%s.%N)
  awk -v t="$now" '/^(VmRSS|VmHWM):/ { printf "%s %s %s\n", t, $1, $2 }' "/proc/$pid/status" >> "$out/rss.log" \
    2> /dev/null || true
  # CPU time (user + system, clock ticks) beside it: CPU per pod does not depend on what else the machine runs.
  awk -v t="$now" '{ printf "%s CPU: %s\n", t, $14 + $15 }' "/proc/$pid/stat" >> "$out/rss.log" 2> /dev/null || true
  sleep 2
done
set +e
wait "$pid"
status=$?
set -e
sleep 1  # let the progress pipe drain

set +e
python3 - "$out" > "$out/summary.txt" << 'PY'
import json, re, statistics, sys
out = sys.argv[1]
import bisect, os
rss, hwm, cpu = [], [], []
for line in open(f"{out}/rss.log"):
    t, key, value = line.split()
    if key == "CPU:":
        cpu.append((float(t), int(value) / os.sysconf("SC_CLK_TCK")))
    else:
        (rss if key == "VmRSS:" else hwm).append((float(t), int(value) / 1024))
def cpu_at(t):
    i = bisect.bisect_left([s for s, _ in cpu], t)
    return cpu[min(i, len(cpu) - 1)][1] if cpu else 0.0
cycles, starts, inflight = [], {}, []
for line in open(f"{out}/progress.log"):
    t, _, text = line.partition(" ")
    if m := re.search(r"creating (\d+) pods in (\S+)$", text.strip()):
        starts[m.group(2)] = (float(t), int(m.group(1)))
    elif (m := re.search(r"deleting (\d+) pods in (\S+?)( \(queue in flight: (\d+) pods, (\d+) events\))?$",
                         text.strip())) and m.group(2) in starts:
        begin, count = starts[m.group(2)]
        cycles.append((begin, count / max(float(t) - begin, 1e-9), (cpu_at(float(t)) - cpu_at(begin)) / count * 1e6))
        if m.group(3):
            inflight.append((int(m.group(4)), int(m.group(5))))
if not hwm or not cycles:
    print("no samples or no cycles"); sys.exit(0)
begin, end = cycles[0][0], hwm[-1][0]
half = begin + (end - begin) / 2
at_half = max(v for t, v in hwm if t <= half)
peak = hwm[-1][1]
print(f"duration {end - begin:.0f} s from the first cycle; {len(cycles)} cycles; {len(rss)} RSS samples")
print(f"cycle throughput per cycle (pods/s): {' '.join(f'{r:.0f}' for _, r, _ in cycles)}")
print(f"peak RSS at half-way {at_half:.0f} MiB, at the end {peak:.0f} MiB: growth {100 * (peak / at_half - 1):.1f} %")
third = [v for t, v in rss if half <= t <= half + (end - half) / 2]
fourth = [v for t, v in rss if t > half + (end - half) / 2]
if third and fourth:
    print(f"median RSS third quarter {statistics.median(third):.0f} MiB, last quarter {statistics.median(fourth):.0f} MiB")
k = max(1, min(10, len(cycles) // 2))
first, last = [r for _, r, _ in cycles[:k]], [r for _, r, _ in cycles[-k:]]
print(f"cycle throughput (pods/s, create to scheduled): first {k} median {statistics.median(first):.0f}, "
      f"last {k} median {statistics.median(last):.0f} ({100 * (statistics.median(last) / statistics.median(first) - 1):+.1f} %), "
      f"min {min(r for _, r, _ in cycles):.0f}, max {max(r for _, r, _ in cycles):.0f}")
if cpu:
    first, last = [c for _, _, c in cycles[:k]], [c for _, _, c in cycles[-k:]]
    print(f"process CPU per pod (µs, user + system): first {k} median {statistics.median(first):.0f}, "
          f"last {k} median {statistics.median(last):.0f} ({100 * (statistics.median(last) / statistics.median(first) - 1):+.1f} %)")
leak = False
if inflight:
    pods, events = [p for p, _ in inflight], [e for _, e in inflight]
    print(f"queue in flight at each cycle's end: pods max {max(pods)}, last {pods[-1]}; "
          f"events max {max(events)}, last {events[-1]}; cycles with pods in flight {sum(p > 0 for p in pods)}")
    leak = len(pods) >= 10 and min(pods[-10:]) > 0
try:
    final = json.load(open(f"{out}/result.json")).get("inFlight")
except (OSError, ValueError):
    final = None
if final is not None:
    print(f"queue in flight after the last attempt: {final['pods']} pods, {final['events']} events")
    leak = leak or final["pods"] > 0 or final["events"] > 0
else:
    print("queue in flight after the last attempt: not reported (the run was stopped before its end)")
if leak:
    print("FAIL: in-flight pods or events leaked")
    sys.exit(1)
PY
summary_status=$?
set -e
cat "$out/summary.txt"
echo "bench exit status $status; results in $out" >&2
[ "$summary_status" -ne 0 ] && exit "$summary_status"
exit $status
