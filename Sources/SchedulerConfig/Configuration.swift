import KubeAPI
import SchedulerFramework

/// A validated, defaulted `KubeSchedulerConfiguration` (kubescheduler.config.k8s.io/v1), the form the
/// runtime consumes. Produced by ``ConfigurationLoader``.
package struct SchedulerConfiguration: Sendable {
    package var parallelism: Int = 16
    /// 0 means upstream's adaptive formula.
    package var percentageOfNodesToScore: Int = 0
    package var podInitialBackoffSeconds: Int64 = 1
    package var podMaxBackoffSeconds: Int64 = 10
    package var profiles: [Profile] = []
    package var leaderElection = LeaderElection()
    package var clientConnection = ClientConnection()
    package var delayCacheUntilActive = false
    /// Where the configuration came from (a file path, or `<built-in>`), for messages.
    package var source: String = "<built-in>"
    /// `enableProfiling` (upstream default true).
    package var enableProfiling = true
    /// `enableContentionProfiling` (upstream default true when profiling is enabled).
    package var enableContentionProfiling = true
    /// The configured HTTP extenders, validated as upstream does; the runtime calls them (HTTPExtender).
    package var extenders: [Extender] = []
    /// Things that are accepted but worth telling the user (ignored extenders, args for unknown plugins, …),
    /// one line each, prefixed with the file name.
    package var warnings: [String] = []

    package init() {}

    /// One scheduling profile: a scheduler name and its plugins, already merged with upstream's
    /// defaults (per extension point, including MultiPoint). MultiPoint expansion happens when the
    /// runtime builds the profile, because it needs to know which extension points each plugin implements.
    package struct Profile: Sendable {
        package var schedulerName: String
        /// nil means use the global value.
        package var percentageOfNodesToScore: Int?
        package var plugins: Plugins
        /// Plugin name → its raw args (absent: the plugin's defaults).
        package var pluginConfig: [String: any PluginArgsSource]
        /// Plugin name → the config path of its args, for messages (`profiles[0].pluginConfig[1].args`).
        package var pluginConfigPaths: [String: String]
        /// This profile's index in the file, for messages.
        package var index: Int

        package init(
            schedulerName: String,
            percentageOfNodesToScore: Int? = nil,
            plugins: Plugins,
            pluginConfig: [String: any PluginArgsSource] = [:],
            pluginConfigPaths: [String: String] = [:],
            index: Int = 0
        ) {
            self.schedulerName = schedulerName
            self.percentageOfNodesToScore = percentageOfNodesToScore
            self.plugins = plugins
            self.pluginConfig = pluginConfig
            self.pluginConfigPaths = pluginConfigPaths
            self.index = index
        }
    }

    package struct LeaderElection: Sendable, Equatable {
        package var leaderElect = true
        package var leaseDurationSeconds: Double = 15
        package var renewDeadlineSeconds: Double = 10
        package var retryPeriodSeconds: Double = 2
        package var resourceLock = "leases"
        package var resourceName = "kube-scheduler"
        package var resourceNamespace = "kube-system"
        package init() {}
    }

    package struct ClientConnection: Sendable, Equatable {
        package var kubeconfig = ""
        package var acceptContentTypes = ""
        package var qps: Float = 50
        package var burst: Int = 100
        package var contentType = "application/vnd.kubernetes.protobuf"
        package init() {}
    }
}

extension SchedulerConfiguration {
    /// One `extenders` entry (`kubescheduler.config.k8s.io/v1` `Extender`).
    package struct Extender: Sendable, Equatable {
        package var urlPrefix = ""
        package var filterVerb = ""
        package var preemptVerb = ""
        package var prioritizeVerb = ""
        package var weight: Int64 = 0
        package var bindVerb = ""
        package var enableHTTPS = false
        package var tlsConfig: TLSConfig?
        /// `httpTimeout`; 0 means upstream's default of 5 s.
        package var httpTimeoutSeconds: Double = 0
        package var nodeCacheCapable = false
        package var managedResources: [ManagedResource] = []
        package var ignorable = false
        package init() {}

        package struct ManagedResource: Sendable, Equatable {
            package var name: String
            package var ignoredByScheduler: Bool
            package init(name: String, ignoredByScheduler: Bool = false) {
                self.name = name
                self.ignoredByScheduler = ignoredByScheduler
            }
        }

        package struct TLSConfig: Sendable, Equatable {
            package var insecure = false
            package var serverName = ""
            package var certFile = ""
            package var keyFile = ""
            package var caFile = ""
            package var certData: [UInt8] = []
            package var keyData: [UInt8] = []
            package var caData: [UInt8] = []
            package init() {}
        }
    }
}

/// An enabled plugin and its score weight (0 = unset).
package struct PluginEntry: Sendable, Equatable {
    package var name: String
    package var weight: Int32
    package init(_ name: String, weight: Int32 = 0) {
        self.name = name
        self.weight = weight
    }
}

/// `enabled`/`disabled` for one extension point.
package struct PluginSet: Sendable, Equatable {
    package var enabled: [PluginEntry]
    package var disabled: [String]
    package init(enabled: [PluginEntry] = [], disabled: [String] = []) {
        self.enabled = enabled
        self.disabled = disabled
    }
}

/// A profile's `plugins` block: one ``PluginSet`` per extension point.
package struct Plugins: Sendable, Equatable {
    package var sets: [ExtensionPoint: PluginSet]
    package init(sets: [ExtensionPoint: PluginSet] = [:]) { self.sets = sets }

    package subscript(point: ExtensionPoint) -> PluginSet {
        get { sets[point] ?? PluginSet() }
        set { sets[point] = newValue }
    }
}

/// A configuration that cannot be used; the message names the file, the profile and the field.
package struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// All problems, one per line.
    package var message: String
    /// Each problem on its own (upstream aggregates every validation error rather than stopping at the first).
    package var problems: [String]
    package init(_ message: String) {
        self.message = message
        self.problems = [message]
    }
    /// An error listing several problems.
    package init(problems: [String]) {
        self.problems = problems
        self.message = problems.joined(separator: "\n")
    }
    package var description: String { message }
}
