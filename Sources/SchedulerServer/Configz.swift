import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework

/// The effective configuration as `/configz` serves it: `{"componentconfig": <KubeSchedulerConfiguration>}`.
/// Plugin sets are shown after merging with upstream's defaults; plugin args as written in the file.
package enum Configz {
    /// The `/configz` body for `configuration`.
    package static func json(_ configuration: SchedulerConfiguration) -> String {
        JSON.object([("componentconfig", componentConfig(configuration))]).render()
    }

    static func componentConfig(_ c: SchedulerConfiguration) -> JSON {
        let le = c.leaderElection
        let cc = c.clientConnection
        var fields: [(String, JSON)] = [
            ("apiVersion", .string("kubescheduler.config.k8s.io/v1")),
            ("kind", .string("KubeSchedulerConfiguration")),
            ("parallelism", .number(Double(c.parallelism))),
            (
                "leaderElection",
                .object([
                    ("leaderElect", .bool(le.leaderElect)),
                    ("leaseDuration", .string(goDuration(le.leaseDurationSeconds))),
                    ("renewDeadline", .string(goDuration(le.renewDeadlineSeconds))),
                    ("retryPeriod", .string(goDuration(le.retryPeriodSeconds))),
                    ("resourceLock", .string(le.resourceLock)),
                    ("resourceName", .string(le.resourceName)),
                    ("resourceNamespace", .string(le.resourceNamespace)),
                ])
            ),
            (
                "clientConnection",
                .object([
                    ("kubeconfig", .string(cc.kubeconfig)),
                    ("acceptContentTypes", .string(cc.acceptContentTypes)),
                    ("contentType", .string(cc.contentType)),
                    ("qps", .number(Double(cc.qps))),
                    ("burst", .number(Double(cc.burst))),
                ])
            ),
            ("enableProfiling", .bool(c.enableProfiling)),
            ("enableContentionProfiling", .bool(c.enableContentionProfiling)),
            ("percentageOfNodesToScore", .number(Double(c.percentageOfNodesToScore))),
            ("podInitialBackoffSeconds", .number(Double(c.podInitialBackoffSeconds))),
            ("podMaxBackoffSeconds", .number(Double(c.podMaxBackoffSeconds))),
            ("delayCacheUntilActive", .bool(c.delayCacheUntilActive)),
        ]
        fields.append(("profiles", .array(c.profiles.map(profile))))
        return .object(fields)
    }

    static func profile(_ p: SchedulerConfiguration.Profile) -> JSON {
        var fields: [(String, JSON)] = [("schedulerName", .string(p.schedulerName))]
        if let percentage = p.percentageOfNodesToScore {
            fields.append(("percentageOfNodesToScore", .number(Double(percentage))))
        }
        var plugins: [(String, JSON)] = []
        for point in ExtensionPoint.allCases {
            let set = p.plugins[point]
            guard !set.enabled.isEmpty || !set.disabled.isEmpty else { continue }
            var entry: [(String, JSON)] = []
            if !set.enabled.isEmpty {
                entry.append(
                    (
                        "enabled",
                        .array(
                            set.enabled.map { plugin in
                                var f: [(String, JSON)] = [("name", .string(plugin.name))]
                                if plugin.weight != 0 { f.append(("weight", .number(Double(plugin.weight)))) }
                                return .object(f)
                            }
                        )
                    )
                )
            }
            if !set.disabled.isEmpty {
                entry.append(("disabled", .array(set.disabled.map { .object([("name", .string($0))]) })))
            }
            plugins.append((point.rawValue, .object(entry)))
        }
        fields.append(("plugins", .object(plugins)))
        let configs = p.pluginConfig.keys.sorted().map { name -> JSON in
            var args = JSON.null
            if let source = p.pluginConfig[name] as? ConfigPluginArgs { args = json(source.value) }
            return .object([("name", .string(name)), ("args", args)])
        }
        fields.append(("pluginConfig", .array(configs)))
        return .object(fields)
    }

    static func json(_ value: PositionedValue) -> JSON {
        switch value.content {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .number(Double(i))
        case .float(let d): .number(d)
        case .string(let s): .string(s)
        case .sequence(let items): .array(items.map(json))
        case .mapping(let entries): .object(entries.map { ($0.key, json($0.value)) })
        }
    }

    /// Go's `time.Duration` text for whole or fractional seconds (`15s`, `1.5s`).
    static func goDuration(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int64(seconds))s" : "\(seconds)s"
    }
}

/// A JSON value written in order (objects keep their field order).
indirect enum JSON: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    func render() -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return d.isFinite ? "\(d)" : "null"
        case .string(let s): return Self.quote(s)
        case .array(let items): return "[" + items.map { $0.render() }.joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.map { Self.quote($0.0) + ":" + $0.1.render() }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String { jsonQuoted(s) }
}
