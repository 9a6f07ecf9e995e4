import Foundation

/// The JSON and text renderings of bench results.
package enum BenchOutput {
    /// One result as one JSON object, keys in the documented order:
    /// `{"workload":…,"variant":…,"mode":…,"profile":…,"nodes":…,"initPods":…,"measuredPods":…,"scheduled":…,
    /// "unschedulable":…,"durationSeconds":…,"throughput":{"overall","average","p50","p90","p95","p99"},
    /// "attemptLatencySeconds":{"p50","p90","p99","max"},"extensionPoints":{…},"placement":{"nodesUsed",
    /// "cpuAllocation":{"mean","stddev"},"memoryAllocation":{"mean","stddev"}},"peakRSSBytes":…,"seed":…,
    /// "threshold":…,"passed":…,"inFlight":{"pods","events"}}`.
    package static func json(_ result: BenchResult) -> String {
        var fields: [(String, String)] = [
            ("workload", jsonString(result.workload)),
            ("variant", jsonString(result.variant)),
            ("mode", jsonString(result.mode)),
            ("profile", jsonString(result.profile)),
            ("nodes", String(result.nodes)),
            ("initPods", String(result.initPods)),
            ("measuredPods", String(result.measuredPods)),
            ("scheduled", String(result.scheduled)),
            ("unschedulable", String(result.unschedulable)),
            ("durationSeconds", number(result.durationSeconds, places: 6)),
        ]
        let t = result.throughput
        fields.append(
            (
                "throughput",
                object([
                    ("overall", number(t.overall, places: 2)), ("average", number(t.average, places: 2)),
                    ("p50", number(t.p50, places: 2)),
                    ("p90", number(t.p90, places: 2)), ("p95", number(t.p95, places: 2)),
                    ("p99", number(t.p99, places: 2)),
                ])
            )
        )
        let l = result.attemptLatency
        fields.append(
            (
                "attemptLatencySeconds",
                object([
                    ("p50", number(l.p50, places: 6)), ("p90", number(l.p90, places: 6)),
                    ("p99", number(l.p99, places: 6)),
                    ("max", number(l.max, places: 6)),
                ])
            )
        )
        fields.append(
            ("extensionPoints", object(result.extensionPoints.map { ($0.name, number($0.seconds, places: 6)) }))
        )
        let p = result.placement
        fields.append(
            (
                "placement",
                object([
                    ("nodesUsed", String(p.nodesUsed)),
                    (
                        "cpuAllocation",
                        object([
                            ("mean", number(p.cpuAllocation.mean, places: 6)),
                            ("stddev", number(p.cpuAllocation.stddev, places: 6)),
                        ])
                    ),
                    (
                        "memoryAllocation",
                        object([
                            ("mean", number(p.memoryAllocation.mean, places: 6)),
                            ("stddev", number(p.memoryAllocation.stddev, places: 6)),
                        ])
                    ),
                ])
            )
        )
        fields.append(("peakRSSBytes", String(result.peakRSSBytes)))
        fields.append(("seed", String(result.seed)))
        fields.append(("threshold", result.threshold.map { number($0, places: 2) } ?? "null"))
        fields.append(("passed", result.passed.map { $0 ? "true" : "false" } ?? "null"))
        fields.append(
            ("inFlight", object([("pods", String(result.inFlightPods)), ("events", String(result.inFlightEvents))]))
        )
        return object(fields)
    }

    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { jsonString($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// A JSON number rounded to `places` decimals (no trailing zeros; NaN and infinities become 0).
    static func number(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "0" }
        let scale = pow(10.0, Double(places))
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(format: "%.\(places)f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    // MARK: Text

    /// The final table for one result (or several side by side, for `--compare`).
    package static func text(_ results: [BenchResult]) -> String {
        guard let first = results.first else { return "" }
        var lines: [String] = []
        lines.append("\(first.workload)/\(first.variant)  (\(first.mode) cluster, seed \(first.seed))")
        lines.append("")
        var rows: [(String, [String])] = []
        func row(_ label: String, _ value: (BenchResult) -> String) { rows.append((label, results.map(value))) }
        row("profile") {
            results.count > 1 ? "\($0.profile) (\(($0.profileSource as NSString).lastPathComponent))" : $0.profile
        }
        row("nodes") { String($0.nodes) }
        row("init pods") { String($0.initPods) }
        row("measured pods") { String($0.measuredPods) }
        row("scheduled") { String($0.scheduled) }
        row("unschedulable") { String($0.unschedulable) }
        row("duration") { seconds($0.durationSeconds) }
        row("throughput overall") { rate($0.throughput.overall) }
        row("throughput average") {
            $0.throughput.sampleCount > 0
                ? rate($0.throughput.average) + "  (\($0.throughput.sampleCount) × \(trim($0.sampleInterval)) s)"
                : "n/a (no samples)"
        }
        row("throughput p50/p90/p99") { t in
            t.throughput.sampleCount > 0
                ? [t.throughput.p50, t.throughput.p90, t.throughput.p99].map { String(format: "%.0f", $0) }.joined(
                    separator: " / "
                ) : "n/a"
        }
        row("attempt latency p50/p90/p99") { r in
            [r.attemptLatency.p50, r.attemptLatency.p90, r.attemptLatency.p99].map(milliseconds).joined(
                separator: " / "
            )
        }
        row("attempt latency max") { milliseconds($0.attemptLatency.max) }
        row("extension points") { r in
            let total = r.extensionPoints.reduce(0) { $0 + $1.seconds }
            guard total > 0 else { return "-" }
            return r.extensionPoints.sorted { $0.seconds > $1.seconds }.prefix(4)
                .map { "\($0.name) \(String(format: "%.0f", $0.seconds / total * 100))%" }.joined(separator: ", ")
        }
        row("nodes used") { "\($0.placement.nodesUsed) of \($0.placement.nodesTotal)" }
        row("cpu allocation mean ± sd") { percent($0.placement.cpuAllocation) }
        row("memory allocation mean ± sd") { percent($0.placement.memoryAllocation) }
        row("peak RSS") { String(format: "%.0f MiB", Double($0.peakRSSBytes) / 1_048_576) }
        if results.contains(where: { $0.threshold != nil }) {
            row("threshold") { r in
                guard let threshold = r.threshold else { return "-" }
                return "\(trim(threshold)) pods/s: \(r.passed == true ? "PASS" : "FAIL")"
            }
        }
        let labelWidth = rows.map(\.0.count).max() ?? 0
        var widths = Array(repeating: 0, count: results.count)
        for (_, values) in rows { for (i, value) in values.enumerated() { widths[i] = max(widths[i], value.count) } }
        for (label, values) in rows {
            var line = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            for (i, value) in values.enumerated() {
                line +=
                    "   "
                    + (i == values.count - 1 ? value : value.padding(toLength: widths[i], withPad: " ", startingAt: 0))
            }
            lines.append(line)
        }
        var notes: [String] = []
        for result in results { for note in result.notes where !notes.contains(note) { notes.append(note) } }
        if !notes.isEmpty {
            lines.append("")
            for note in notes { lines.append("note: \(note)") }
        }
        return lines.joined(separator: "\n")
    }

    static func trim(_ value: Double) -> String { number(value, places: 3) }
    static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }
    static func rate(_ value: Double) -> String { String(format: "%.1f pods/s", value) }
    static func milliseconds(_ value: Double) -> String { String(format: "%.3f ms", value * 1000) }
    static func percent(_ value: MeanAndDeviation) -> String {
        String(format: "%.2f%% ± %.2f%%", value.mean * 100, value.stddev * 100)
    }
}
