#!/usr/bin/env python3
"""Summarizes bench JSON lines (one object per run) per workload/variant: median overall pods/s with the range,
median sample average, the four largest extension-point shares of the median run, and median peak RSS.

    scripts/summarize-bench.py runs.jsonl [more.jsonl ...]
"""
import json
import statistics
import sys

runs = {}
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            runs.setdefault((r["workload"], r["variant"]), []).append(r)

print("| Workload / variant | runs | overall pods/s median (range) | samples avg | where the time goes (median run) | peak RSS |")
print("|---|---|---|---|---|---|")
for (workload, variant), rs in runs.items():
    rs.sort(key=lambda r: r["throughput"]["overall"])
    median = rs[len(rs) // 2]
    overall = [r["throughput"]["overall"] for r in rs]
    points = median.get("extensionPoints", {})
    total = sum(points.values()) or 1
    shares = ", ".join(f"{k} {100 * v / total:.0f} %" for k, v in sorted(points.items(), key=lambda kv: -kv[1])[:4])
    rss = statistics.median(r["peakRSSBytes"] for r in rs) / 1048576
    print(
        f"| {workload} / {variant} | {len(rs)} | **{statistics.median(overall):,.0f}** ({min(overall):,.0f} – {max(overall):,.0f}) "
        f"| {statistics.median(r['throughput']['average'] for r in rs):,.0f} | {shares} | {rss:.0f} MiB |"
    )
