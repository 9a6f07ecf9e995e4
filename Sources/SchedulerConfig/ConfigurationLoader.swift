import KubeDecoding
import SchedulerFramework

/// Reads, defaults and validates a `KubeSchedulerConfiguration` (`kubescheduler.config.k8s.io/v1`) the way
/// upstream kube-scheduler v1.35 does, against the plugins of a ``SchedulerFramework/PluginRegistry``.
///
/// Decoding is strict (unknown or misspelt fields are refused with their line and column). Defaulting follows
/// `pkg/scheduler/apis/config/v1/defaults.go`: one `default-scheduler` profile when there are none, upstream's
/// default MultiPoint plugins (restricted to the registry's plugins) merged with each profile's `plugins`.
/// Validation follows `validation.go`, plus the checks upstream makes when it builds each profile's framework
/// (unknown plugin names, plugins listed twice, args that do not decode or validate). Every problem is
/// reported, one line each: `config.yaml:12:7: profiles[1].schedulerName: Duplicate value: "x"`.
package enum ConfigurationLoader {
    /// The only configuration version upstream still serves.
    package static let apiVersion = "kubescheduler.config.k8s.io/v1"
    /// The configuration kind.
    package static let kind = "KubeSchedulerConfiguration"
    /// The name a single unnamed profile gets.
    package static let defaultSchedulerName = "default-scheduler"

    /// Loads the configuration file at `path`.
    ///
    /// - Parameters:
    ///   - path: The file to read.
    ///   - registry: The plugins that exist; the default plugin set is upstream's restricted to them.
    /// - Returns: The defaulted, validated configuration (with ``SchedulerConfiguration/warnings``).
    /// - Throws: ``ConfigurationError`` listing every problem.
    package static func load(
        path: String,
        registry: PluginRegistry
    ) throws(ConfigurationError) -> SchedulerConfiguration {
        try validate(path: path, registry: registry).get()
    }

    /// Loads a configuration from its text.
    ///
    /// - Parameters:
    ///   - contents: YAML or JSON text.
    ///   - source: The file name used in messages.
    ///   - registry: The plugins that exist.
    /// - Throws: ``ConfigurationError`` listing every problem.
    package static func load(
        contents: String,
        source: String,
        registry: PluginRegistry
    ) throws(ConfigurationError) -> SchedulerConfiguration {
        try validate(contents: contents, source: source, registry: registry).get()
    }

    /// Checks the configuration file at `path` and reports every problem and warning (for `config validate`).
    package static func validate(path: String, registry: PluginRegistry) -> ConfigurationReport {
        let text: String
        do {
            text = try ManifestLoader.readText(path: path)
        } catch {
            return ConfigurationReport(configuration: nil, problems: [error.description], warnings: [])
        }
        return validate(contents: text, source: path, registry: registry)
    }

    /// Checks a configuration given as text and reports every problem and warning.
    package static func validate(contents: String, source: String, registry: PluginRegistry) -> ConfigurationReport {
        var builder = ConfigurationBuilder(source: source, registry: registry)
        let configuration = builder.build(contents: contents)
        return ConfigurationReport(
            configuration: builder.problems.isEmpty ? configuration : nil,
            problems: builder.problems.map { $0.rendered(source: source) },
            warnings: builder.warnings
        )
    }

    /// Upstream's default configuration (an empty file), with the registry's plugins.
    package static func defaultConfiguration(registry: PluginRegistry) -> SchedulerConfiguration {
        defaultConfiguration(availablePlugins: registry.names)
    }

    /// Upstream's default configuration with the default plugin set restricted to `availablePlugins`:
    /// one `default-scheduler` profile, parallelism 16, backoff 1 s to 10 s, leader election with a lease of
    /// 15 s (renew 10 s, retry 2 s), client QPS 50 and burst 100.
    package static func defaultConfiguration(availablePlugins: some Collection<String>) -> SchedulerConfiguration {
        var configuration = SchedulerConfiguration()
        configuration.profiles = [
            SchedulerConfiguration.Profile(
                schedulerName: defaultSchedulerName,
                plugins: DefaultPlugins.plugins(available: availablePlugins)
            )
        ]
        return configuration
    }
}

/// The outcome of checking a configuration: the configuration when it is valid, and all problems and warnings.
package struct ConfigurationReport: Sendable {
    /// The defaulted configuration, when there are no problems.
    package var configuration: SchedulerConfiguration?
    /// One line per problem, prefixed with `FILE:LINE:COLUMN: ` where the position is known.
    package var problems: [String]
    /// One line per warning.
    package var warnings: [String]

    /// Creates a report.
    package init(configuration: SchedulerConfiguration?, problems: [String], warnings: [String]) {
        self.configuration = configuration
        self.problems = problems
        self.warnings = warnings
    }

    /// Whether the configuration is usable.
    package var isValid: Bool { problems.isEmpty && configuration != nil }

    /// The configuration, or a ``ConfigurationError`` listing the problems.
    package func get() throws(ConfigurationError) -> SchedulerConfiguration {
        guard let configuration, problems.isEmpty else {
            throw ConfigurationError(problems: problems.isEmpty ? ["invalid configuration"] : problems)
        }
        return configuration
    }
}

// MARK: - Building and validating

/// One problem: where, and the text after the file name.
struct ConfigurationProblem {
    var position: SourcePosition?
    var text: String

    func rendered(source: String) -> String {
        if let position { return "\(source):\(position.line):\(position.column): \(text)" }
        return "\(source): \(text)"
    }
}

struct ConfigurationBuilder {
    let source: String
    let registry: PluginRegistry
    var root = PositionedValue(.null)
    var problems: [ConfigurationProblem] = []
    var warnings: [String] = []

    init(source: String, registry: PluginRegistry) {
        self.source = source
        self.registry = registry
    }

    // MARK: Problems

    mutating func fail(_ error: DecodeError) {
        problems.append(ConfigurationProblem(position: error.position, text: error.detail))
    }

    /// `<path>: <body>`, positioned at the path (or its nearest written ancestor).
    mutating func fail(_ path: [PathComponent], _ body: String) {
        let text = path.isEmpty ? body : "\(path.fieldPath): \(body)"
        problems.append(ConfigurationProblem(position: root.nearestPosition(along: path), text: text))
    }

    mutating func invalid(_ path: [PathComponent], _ value: String, _ detail: String) {
        fail(path, "Invalid value: \(value): \(detail)")
    }

    mutating func warn(_ path: [PathComponent], _ text: String) {
        let position = root.nearestPosition(along: path).map { ":\($0.line):\($0.column)" } ?? ""
        let field = path.isEmpty ? "" : "\(path.fieldPath): "
        warnings.append("\(source)\(position): \(field)\(text)")
    }

    // MARK: Build

    mutating func build(contents: String) -> SchedulerConfiguration? {
        do {
            root = try DocumentParser.document(in: contents, source: source)
        } catch {
            fail(error)
            return nil
        }
        guard checkTypeMeta() else { return nil }
        let decoded: V1Configuration
        do {
            decoded = try PositionedDecoder(source: source, isStrict: true).decode(V1Configuration.self, from: root)
        } catch {
            fail(error)
            return nil
        }
        var configuration = convert(decoded)
        validate(configuration, decoded)
        configuration.warnings = warnings
        return configuration
    }

    /// The document must be a `KubeSchedulerConfiguration` of `kubescheduler.config.k8s.io/v1`.
    mutating func checkTypeMeta() -> Bool {
        guard root.entries != nil else {
            if root.isNull {
                fail(
                    [],
                    "Object 'Kind' is missing: the configuration is empty (expected apiVersion \(quoted(ConfigurationLoader.apiVersion)) and kind \(quoted(ConfigurationLoader.kind)))"
                )
            } else {
                fail([], "expected a KubeSchedulerConfiguration mapping, got \(root.kindDescription)")
            }
            return false
        }
        let apiVersion = root["apiVersion"]
        let kind = root["kind"]
        guard let apiVersionText = apiVersion?.string, !apiVersionText.isEmpty else {
            fail(
                [.key("apiVersion")],
                "Required value: apiVersion not set (expected \(quoted(ConfigurationLoader.apiVersion)))"
            )
            return false
        }
        guard let kindText = kind?.string, !kindText.isEmpty else {
            fail([.key("kind")], "Required value: kind not set (expected \(quoted(ConfigurationLoader.kind)))")
            return false
        }
        if apiVersionText != ConfigurationLoader.apiVersion {
            var message = "no kind \(quoted(kindText)) is registered for version \(quoted(apiVersionText))"
            if apiVersionText.hasPrefix("kubescheduler.config.k8s.io/") {
                message +=
                    "; only \(ConfigurationLoader.apiVersion) is supported (the v1beta versions were removed upstream)"
            } else {
                message += " (expected \(quoted(ConfigurationLoader.apiVersion)))"
            }
            fail([.key("apiVersion")], message)
            return false
        }
        if kindText != ConfigurationLoader.kind {
            fail(
                [.key("kind")],
                "no kind \(quoted(kindText)) is registered for version \(quoted(apiVersionText)) (expected \(quoted(ConfigurationLoader.kind)))"
            )
            return false
        }
        return true
    }

    /// Upstream's `SetDefaults_KubeSchedulerConfiguration`, then conversion to the internal form.
    mutating func convert(_ v1: V1Configuration) -> SchedulerConfiguration {
        var configuration = SchedulerConfiguration()
        configuration.source = source
        configuration.parallelism = Int(v1.parallelism ?? 16)
        configuration.percentageOfNodesToScore = Int(v1.percentageOfNodesToScore ?? 0)
        configuration.podInitialBackoffSeconds = v1.podInitialBackoffSeconds ?? 1
        configuration.podMaxBackoffSeconds = v1.podMaxBackoffSeconds ?? 10
        configuration.delayCacheUntilActive = v1.delayCacheUntilActive ?? false
        configuration.enableProfiling = v1.enableProfiling ?? true
        configuration.enableContentionProfiling = v1.enableContentionProfiling ?? configuration.enableProfiling

        let election = v1.leaderElection
        configuration.leaderElection.leaderElect = election?.leaderElect ?? true
        // A zero duration (unset or "0s") takes the recommended default, as `RecommendedDefaultLeaderElectionConfiguration`.
        func duration(_ value: GoDuration?, _ fallback: Double) -> Double {
            guard let value, value.nanoseconds != 0 else { return fallback }
            return value.seconds
        }
        configuration.leaderElection.leaseDurationSeconds = duration(election?.leaseDuration, 15)
        configuration.leaderElection.renewDeadlineSeconds = duration(election?.renewDeadline, 10)
        configuration.leaderElection.retryPeriodSeconds = duration(election?.retryPeriod, 2)
        configuration.leaderElection.resourceLock = nonEmpty(election?.resourceLock) ?? "leases"
        configuration.leaderElection.resourceName = nonEmpty(election?.resourceName) ?? "kube-scheduler"
        configuration.leaderElection.resourceNamespace = nonEmpty(election?.resourceNamespace) ?? "kube-system"

        let client = v1.clientConnection
        configuration.clientConnection.kubeconfig = client?.kubeconfig ?? ""
        configuration.clientConnection.acceptContentTypes = client?.acceptContentTypes ?? ""
        configuration.clientConnection.contentType =
            nonEmpty(client?.contentType) ?? "application/vnd.kubernetes.protobuf"
        configuration.clientConnection.qps = (client?.qps).flatMap { $0 == 0 ? nil : $0 } ?? 50
        configuration.clientConnection.burst = (client?.burst).flatMap { $0 == 0 ? nil : Int($0) } ?? 100

        var profiles = v1.profiles ?? []
        if profiles.isEmpty { profiles = [V1Profile()] }
        if profiles.count == 1 && profiles[0].schedulerName == nil {
            profiles[0].schedulerName = ConfigurationLoader.defaultSchedulerName
        }
        let defaults = DefaultPlugins.plugins(available: registry.names)
        for (index, profile) in profiles.enumerated() {
            let custom = profile.plugins.map(Self.plugins(from:))
            var result = SchedulerConfiguration.Profile(
                schedulerName: profile.schedulerName ?? "",
                percentageOfNodesToScore: profile.percentageOfNodesToScore.map(Int.init),
                plugins: DefaultPlugins.merge(custom, into: defaults),
                index: index
            )
            for (entryIndex, entry) in (profile.pluginConfig ?? []).enumerated() {
                let name = entry.name ?? ""
                guard result.pluginConfig[name] == nil else { continue }  // A duplicate; refused by validation.
                let path: [PathComponent] = [
                    .key("profiles"), .index(index), .key("pluginConfig"), .index(entryIndex), .key("args"),
                ]
                result.pluginConfig[name] = ConfigPluginArgs(
                    pluginName: name,
                    value: entry.args ?? PositionedValue(.null),
                    source: source,
                    path: path
                )
                result.pluginConfigPaths[name] = path.fieldPath
            }
            configuration.profiles.append(result)
        }

        configuration.extenders = (v1.extenders ?? []).map(Self.extender(from:))
        applyExtenderIgnoredResources(to: &configuration, source: source)
        return configuration
    }

    static func plugins(from v1: V1Plugins) -> Plugins {
        var plugins = Plugins()
        for (point, set) in v1.sets {
            plugins[point] = PluginSet(
                enabled: (set.enabled ?? []).map { PluginEntry($0.name ?? "", weight: $0.weight ?? 0) },
                disabled: (set.disabled ?? []).map { $0.name ?? "" }
            )
        }
        return plugins
    }

    static func extender(from v1: V1Extender) -> SchedulerConfiguration.Extender {
        var extender = SchedulerConfiguration.Extender()
        extender.urlPrefix = v1.urlPrefix ?? ""
        extender.filterVerb = v1.filterVerb ?? ""
        extender.preemptVerb = v1.preemptVerb ?? ""
        extender.prioritizeVerb = v1.prioritizeVerb ?? ""
        extender.weight = v1.weight ?? 0
        extender.bindVerb = v1.bindVerb ?? ""
        extender.enableHTTPS = v1.enableHTTPS ?? false
        extender.httpTimeoutSeconds = v1.httpTimeout?.seconds ?? 0
        extender.nodeCacheCapable = v1.nodeCacheCapable ?? false
        extender.ignorable = v1.ignorable ?? false
        extender.managedResources = (v1.managedResources ?? []).map {
            .init(name: $0.name ?? "", ignoredByScheduler: $0.ignoredByScheduler ?? false)
        }
        if let tls = v1.tlsConfig {
            var config = SchedulerConfiguration.Extender.TLSConfig()
            config.insecure = tls.insecure ?? false
            config.serverName = tls.serverName ?? ""
            config.certFile = tls.certFile ?? ""
            config.keyFile = tls.keyFile ?? ""
            config.caFile = tls.caFile ?? ""
            config.certData = tls.certData?.bytes ?? []
            config.keyData = tls.keyData?.bytes ?? []
            config.caData = tls.caData?.bytes ?? []
            extender.tlsConfig = config
        }
        return extender
    }
}

private func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
}

/// `"text"`, escaped as Go's `%q` does for the common cases.
func quoted(_ text: String) -> String { goQuote(text) }
