#!/usr/bin/env bash
# Alternating A/B runs of two scheduler binaries on one bench workload (A B A B …), for a machine whose
# wall-clock figures swing: each pair runs back to back, and the summary gives per-binary medians of the
# overall throughput, user CPU seconds and peak RSS, the median of the per-pair ratios B/A, and B's
# extension-point shares (median run).
#
#   scripts/ab-bench.sh OLD_BINARY NEW_BINARY PAIRS -- BENCH_ARGS...
#   e.g. scripts/ab-bench.sh /tmp/old/swift-kube-scheduler .build/release/swift-kube-scheduler 5 -- \
#          --workload TopologySpreading --variant 5000Nodes_5000Pods --sample-interval 0.05
#
# Raw results go to ab-results/<timestamp>-*.jsonl (one JSON object per run, with "binary" and "userCPU" added).
set -euo pipefail
old=$1 new=$2 pairs=$3
shift 3
[ "${1:-}" = "--" ] && shift
args=("$@")
mkdir -p ab-results
out="ab-results/$(date +%Y%m%dT%H%M%S)-$$.jsonl"
run() {
  local label=$1 bin=$2 tmp
  tmp=$(mktemp)
  /usr/bin/time -f "%U" -o "$tmp.time" "$bin" bench "${args[@]}" --output json --quiet > "$tmp" 2>/dev/null || true
  python3 - "$label" "$tmp" "$tmp.time" >> "$out" <<'PY'
import json, sys
label, path, tpath = sys.argv[1:4]
try:
    d = json.load(open(path))
except Exception:
    d = {"error": open(path).read()[:200]}
d["binary"] = label
d["userCPU"] = float(open(tpath).read().strip().splitlines()[-1])
print(json.dumps(d))
PY
  rm -f "$tmp" "$tmp.time"
}
for i in $(seq "$pairs"); do
  run A "$old"
  run B "$new"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def tp(r): return (r.get("throughput") or {}).get("overall") or 0.0
a = [r for r in rows if r["binary"] == "A"]
b = [r for r in rows if r["binary"] == "B"]
ratios = [tp(y) / tp(x) for x, y in zip(a, b) if tp(x) > 0]
def med(xs): return statistics.median(xs) if xs else float("nan")
name = f'{rows[0].get("workload")}/{rows[0].get("variant")}'
print(f"{name}: A {med([tp(r) for r in a]):,.0f} pods/s (user {med([r['userCPU'] for r in a]):.1f} s, RSS {med([r.get('peakRSSBytes', 0) for r in a]) / 2**20:.0f} MiB)"
      f" | B {med([tp(r) for r in b]):,.0f} pods/s (user {med([r['userCPU'] for r in b]):.1f} s, RSS {med([r.get('peakRSSBytes', 0) for r in b]) / 2**20:.0f} MiB)"
      f" | median ratio B/A {med(ratios):.2f} over {len(ratios)} pairs; B runs {[round(tp(r)) for r in b]}, A runs {[round(tp(r)) for r in a]}")
bs = sorted(b, key=tp)
if bs:
    ep = bs[len(bs) // 2].get("extensionPoints") or {}
    total = sum(ep.values()) or 1
    print("  B extension points: " + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sorted(ep.items(), key=lambda kv: -kv[1]) if v / total >= 0.01))
    as_ = sorted(a, key=tp)
    ep = as_[len(as_) // 2].get("extensionPoints") or {}
    total = sum(ep.values()) or 1
    print("  A extension points: " + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sorted(ep.items(), key=lambda kv: -kv[1]) if v / total >= 0.01))
print(f"  raw: {sys.argv[1]}")
PY
