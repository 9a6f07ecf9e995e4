import Foundation

/// A self-contained HTML page (inline CSS and SVG, no scripts or external files) for one or more results:
/// the summary table, throughput over time, the attempt-latency histogram and each extension point's share.
package enum HTMLReport {
    /// The page for `results` (several when profiles are compared).
    package static func render(_ results: [BenchResult]) -> String {
        guard let first = results.first else { return "" }
        let title = "\(first.workload)/\(first.variant)"
        var body = "<h1>\(escape(title))</h1>\n"
        body += "<p class=\"sub\">\(escape(first.mode)) cluster · seed \(first.seed) · swift-kube-scheduler bench</p>\n"
        body += "<pre>\(escape(BenchOutput.text(results)))</pre>\n"
        for (index, result) in results.enumerated() {
            let color = palette[index % palette.count]
            if results.count > 1 {
                body +=
                    "<h2>\(escape(result.profile)) <span class=\"sub\">\(escape(result.profileSource))</span></h2>\n"
            }
            body += "<div class=\"charts\">\n"
            body +=
                "<figure>\(throughputChart(result, color: color))<figcaption>Throughput over time (pods/s)</figcaption></figure>\n"
            body +=
                "<figure>\(latencyChart(result, color: color))<figcaption>Scheduling-attempt latency</figcaption></figure>\n"
            body +=
                "<figure>\(extensionPointChart(result, color: color))<figcaption>Time per extension point (share of measured attempts)</figcaption></figure>\n"
            body += "</div>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) — bench</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
            h1{margin-bottom:0}.sub{color:#777;font-weight:normal;font-size:0.9em}
            pre{background:#f6f8fa;padding:1em;border-radius:6px;overflow-x:auto}
            .charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}figcaption{text-align:center;color:#555;font-size:0.9em}
            svg text{font-size:11px;fill:#444}
            </style></head><body>
            \(body)</body></html>

            """
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    static let width = 380.0
    static let height = 240.0
    static let margin = (left: 56.0, right: 12.0, top: 12.0, bottom: 36.0)

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func format(_ value: Double) -> String {
        if value >= 10_000 { return String(format: "%.0fk", value / 1000) }
        if value >= 100 { return String(format: "%.0f", value) }
        if value >= 1 { return String(format: "%.1f", value) }
        return String(format: "%.2g", value)
    }

    /// The sampled throughput; for runs too short for several samples, a finer series (20 steps) is drawn.
    static func throughputChart(_ result: BenchResult, color: String) -> String {
        var points = result.samples.map { ($0.time, $0.podsPerSecond) }
        var caption = "samples every \(BenchOutput.trim(result.sampleInterval)) s"
        if points.count < 5, result.durationSeconds > 0 {
            let step = result.durationSeconds / 20
            points = ThroughputSampler.samples(
                scheduledAt: result.scheduledTimes,
                end: result.durationSeconds,
                interval: step
            )
            .map { ($0.time, $0.podsPerSecond) }
            caption = "\(BenchOutput.trim(step)) s steps"
        }
        guard !points.isEmpty else { return empty("no samples") }
        let maxX = max(points.map(\.0).max() ?? 1, 1e-9)
        let maxY = max(points.map(\.1).max() ?? 1, 1e-9) * 1.1
        let plotWidth = width - margin.left - margin.right
        let plotHeight = height - margin.top - margin.bottom
        func x(_ value: Double) -> Double { margin.left + value / maxX * plotWidth }
        func y(_ value: Double) -> Double { margin.top + plotHeight - value / maxY * plotHeight }
        var svg = frame(xLabel: "seconds into the measured op (\(caption))")
        svg += axisY(maxY: maxY, y: y)
        for i in 0...4 {
            let value = maxX * Double(i) / 4
            svg +=
                "<text x=\"\(fmt(x(value)))\" y=\"\(fmt(height - margin.bottom + 14))\" text-anchor=\"middle\">\(format(value))</text>"
        }
        let path = points.map { "\(fmt(x($0.0))),\(fmt(y($0.1)))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>"
        for point in points {
            svg += "<circle cx=\"\(fmt(x(point.0)))\" cy=\"\(fmt(y(point.1)))\" r=\"2.5\" fill=\"\(color)\"/>"
        }
        if result.throughput.overall > 0 && result.throughput.overall < maxY {
            let lineY = y(result.throughput.overall)
            svg +=
                "<line x1=\"\(fmt(margin.left))\" x2=\"\(fmt(width - margin.right))\" y1=\"\(fmt(lineY))\" y2=\"\(fmt(lineY))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
            svg +=
                "<text x=\"\(fmt(width - margin.right - 4))\" y=\"\(fmt(lineY - 4))\" text-anchor=\"end\">overall \(format(result.throughput.overall))</text>"
        }
        return svg + "</svg>"
    }

    /// Log2 buckets of attempt latency (count per bucket).
    static func latencyChart(_ result: BenchResult, color: String) -> String {
        let buckets = result.latencyBuckets
        guard !buckets.isEmpty else { return empty("no attempts measured") }
        let maxCount = Double(buckets.map(\.count).max() ?? 1)
        let plotWidth = width - margin.left - margin.right
        let plotHeight = height - margin.top - margin.bottom
        let barWidth = plotWidth / Double(buckets.count)
        func y(_ value: Double) -> Double { margin.top + plotHeight - value / (maxCount * 1.1) * plotHeight }
        var svg = frame(xLabel: "attempt duration (upper bound of each bucket)")
        svg += axisY(maxY: maxCount * 1.1, y: y)
        let labelEvery = max(1, (buckets.count + 4) / 5)
        for (i, bucket) in buckets.enumerated() {
            let left = margin.left + Double(i) * barWidth
            let top = y(Double(bucket.count))
            svg +=
                "<rect x=\"\(fmt(left + 1))\" y=\"\(fmt(top))\" width=\"\(fmt(max(barWidth - 2, 1)))\" height=\"\(fmt(margin.top + plotHeight - top))\" fill=\"\(color)\"><title>≤ \(duration(bucket.upperBoundSeconds)): \(bucket.count)</title></rect>"
            if i % labelEvery == 0 {
                svg +=
                    "<text x=\"\(fmt(left + barWidth / 2))\" y=\"\(fmt(height - margin.bottom + 14))\" text-anchor=\"middle\">\(duration(bucket.upperBoundSeconds))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// Horizontal bars: each extension point's share of the time spent in all of them.
    static func extensionPointChart(_ result: BenchResult, color: String) -> String {
        let points = result.extensionPoints
        let total = points.reduce(0) { $0 + $1.seconds }
        guard total > 0 else { return empty("no extension-point timings") }
        let rowHeight = (height - margin.top - 8) / Double(max(points.count, 1))
        let left = 70.0
        let plotWidth = width - left - 60
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\">"
        for (i, point) in points.enumerated() {
            let share = point.seconds / total
            let top = margin.top + Double(i) * rowHeight
            svg +=
                "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(top + rowHeight * 0.65))\" text-anchor=\"end\">\(escape(point.name))</text>"
            svg +=
                "<rect x=\"\(fmt(left))\" y=\"\(fmt(top + 2))\" width=\"\(fmt(max(share * plotWidth, 1)))\" height=\"\(fmt(max(rowHeight - 4, 1)))\" fill=\"\(color)\"><title>\(escape(point.name)): \(String(format: "%.4f", point.seconds)) s</title></rect>"
            svg +=
                "<text x=\"\(fmt(left + share * plotWidth + 4))\" y=\"\(fmt(top + rowHeight * 0.65))\">\(String(format: "%.1f%%", share * 100))</text>"
        }
        return svg + "</svg>"
    }

    static func frame(xLabel: String) -> String {
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\">"
        svg +=
            "<line x1=\"\(fmt(margin.left))\" y1=\"\(fmt(margin.top))\" x2=\"\(fmt(margin.left))\" y2=\"\(fmt(height - margin.bottom))\" stroke=\"#444\"/>"
        svg +=
            "<line x1=\"\(fmt(margin.left))\" y1=\"\(fmt(height - margin.bottom))\" x2=\"\(fmt(width - margin.right))\" y2=\"\(fmt(height - margin.bottom))\" stroke=\"#444\"/>"
        svg +=
            "<text x=\"\(fmt((margin.left + width - margin.right) / 2))\" y=\"\(fmt(height - 6))\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        return svg
    }

    static func axisY(maxY: Double, y: (Double) -> Double) -> String {
        var svg = ""
        for i in 0...4 {
            let value = maxY * Double(i) / 4
            svg +=
                "<line x1=\"\(fmt(margin.left - 3))\" x2=\"\(fmt(width - margin.right))\" y1=\"\(fmt(y(value)))\" y2=\"\(fmt(y(value)))\" stroke=\"#eee\"/>"
            svg +=
                "<text x=\"\(fmt(margin.left - 6))\" y=\"\(fmt(y(value) + 4))\" text-anchor=\"end\">\(format(value))</text>"
        }
        return svg
    }

    static func empty(_ message: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\"><text x=\"\(fmt(width / 2))\" y=\"\(fmt(height / 2))\" text-anchor=\"middle\">\(escape(message))</text></svg>"
    }

    static func duration(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.1fs", seconds) }
        if seconds >= 1e-3 { return String(format: "%.1fms", seconds * 1e3) }
        return String(format: "%.0fµs", seconds * 1e6)
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
}
