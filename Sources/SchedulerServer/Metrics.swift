import Synchronization

/// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text exposition
/// format (version 0.0.4) with upstream's `[STABLE]`/`[BETA]`/`[ALPHA]` help prefixes.
package final class MetricsRegistry: Sendable {
    /// Upstream's stability levels, shown at the start of the help text.
    package enum Stability: String, Sendable {
        case stable = "STABLE"
        case beta = "BETA"
        case alpha = "ALPHA"
    }

    private let families = Mutex<[any MetricFamily]>([])
    private let collectors = Mutex<[@Sendable () -> Void]>([])

    /// An empty registry.
    package init() {}

    /// Registers a counter; `help` gets the stability prefix.
    package func counter(_ name: String, help: String, stability: Stability = .alpha, labels: [String] = []) -> Counter
    {
        register(Counter(name: name, help: "[\(stability.rawValue)] \(help)", labelNames: labels))
    }

    /// Registers a gauge.
    package func gauge(_ name: String, help: String, stability: Stability = .alpha, labels: [String] = []) -> Gauge {
        register(Gauge(name: name, help: "[\(stability.rawValue)] \(help)", labelNames: labels))
    }

    /// Registers a histogram with fixed upper bounds `buckets` (ascending; `+Inf` is implied).
    package func histogram(
        _ name: String,
        help: String,
        stability: Stability = .alpha,
        labels: [String] = [],
        buckets: [Double]
    ) -> Histogram {
        register(Histogram(name: name, help: "[\(stability.rawValue)] \(help)", labelNames: labels, buckets: buckets))
    }

    /// Runs `collect` before every render (gauges sampled at scrape time, such as queue lengths).
    package func onCollect(_ collect: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(collect) }
    }

    private func register<M: MetricFamily>(_ metric: M) -> M {
        families.withLock { $0.append(metric) }
        return metric
    }

    /// The exposition text.
    package func render() -> String {
        collectors.withLock { $0 }.forEach { $0() }
        var out = ""
        for family in families.withLock({ $0 }).sorted(by: { $0.name < $1.name }) {
            family.render(into: &out)
        }
        return out
    }

    /// `exp(start, factor, count)` buckets, as Prometheus' `ExponentialBuckets`.
    package static func exponentialBuckets(start: Double, factor: Double, count: Int) -> [Double] {
        var buckets: [Double] = []
        var value = start
        for _ in 0..<count {
            buckets.append(value)
            value *= factor
        }
        return buckets
    }

    // MARK: Formatting

    static func format(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func labels(_ names: [String], _ values: [String], extra: (String, String)? = nil) -> String {
        var pairs = zip(names, values).map { "\($0)=\"\(escape($1))\"" }
        if let extra { pairs.append("\(extra.0)=\"\(extra.1)\"") }
        return pairs.isEmpty ? "" : "{" + pairs.joined(separator: ",") + "}"
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}

/// A metric family the registry renders.
protocol MetricFamily: Sendable {
    var name: String { get }
    func render(into out: inout String)
}

/// A monotonically increasing value per label set.
package final class Counter: MetricFamily, Sendable {
    let name: String
    let help: String
    let labelNames: [String]
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }

    /// Adds `amount` to the series of `labels` (values in the order of the label names).
    package func increment(_ labels: [String] = [], by amount: Double = 1) {
        values.withLock { $0[labels, default: 0] += amount }
    }

    /// The current value of `labels`.
    package func value(_ labels: [String] = []) -> Double { values.withLock { $0[labels] ?? 0 } }

    func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
        for (labels, value) in values.withLock({ $0 }).sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out += "\(name)\(MetricsRegistry.labels(labelNames, labels)) \(MetricsRegistry.format(value))\n"
        }
    }
}

/// A value that goes up and down per label set.
package final class Gauge: MetricFamily, Sendable {
    let name: String
    let help: String
    let labelNames: [String]
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }

    /// Sets the series of `labels` to `value`.
    package func set(_ labels: [String] = [], _ value: Double) {
        values.withLock { $0[labels] = value }
    }

    /// The current value of `labels`.
    package func value(_ labels: [String] = []) -> Double { values.withLock { $0[labels] ?? 0 } }

    func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
        for (labels, value) in values.withLock({ $0 }).sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out += "\(name)\(MetricsRegistry.labels(labelNames, labels)) \(MetricsRegistry.format(value))\n"
        }
    }
}

/// Observations counted into fixed buckets per label set (`_bucket`, `_sum`, `_count`).
package final class Histogram: MetricFamily, Sendable {
    struct Series {
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    let name: String
    let help: String
    let labelNames: [String]
    let buckets: [Double]
    private let series = Mutex<[[String]: Series]>([:])

    init(name: String, help: String, labelNames: [String], buckets: [Double]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.buckets = buckets
    }

    /// Counts one observation of `value` in the series of `labels`.
    package func observe(_ labels: [String] = [], _ value: Double) {
        let index = buckets.firstIndex { value <= $0 } ?? buckets.count
        series.withLock { all in
            var s = all[labels] ?? Series(counts: Array(repeating: 0, count: buckets.count + 1))
            s.counts[index] += 1
            s.sum += value
            s.count += 1
            all[labels] = s
        }
    }

    /// Observations so far for `labels`.
    package func count(_ labels: [String] = []) -> UInt64 { series.withLock { $0[labels]?.count ?? 0 } }

    func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (labels, s) in series.withLock({ $0 }).sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var cumulative: UInt64 = 0
            for (i, bound) in buckets.enumerated() {
                cumulative += s.counts[i]
                out +=
                    "\(name)_bucket\(MetricsRegistry.labels(labelNames, labels, extra: ("le", MetricsRegistry.format(bound)))) \(cumulative)\n"
            }
            out += "\(name)_bucket\(MetricsRegistry.labels(labelNames, labels, extra: ("le", "+Inf"))) \(s.count)\n"
            out += "\(name)_sum\(MetricsRegistry.labels(labelNames, labels)) \(MetricsRegistry.format(s.sum))\n"
            out += "\(name)_count\(MetricsRegistry.labels(labelNames, labels)) \(s.count)\n"
        }
    }
}
