import KubeAPI
import SchedulerFramework

/// A validated, defaulted `KubeSchedulerConfiguration` (kubescheduler.config.k8s.io/v1), the form the
/// runtime consumes. Produced by ``ConfigurationLoader``.
public struct SchedulerConfiguration: Sendable {
    public var parallelism: Int = 16
    /// 0 means upstream's adaptive formula.
    public var percentageOfNodesToScore: Int = 0
    public var podInitialBackoffSeconds: Int64 = 1
    public var podMaxBackoffSeconds: Int64 = 10
    public var profiles: [Profile] = []
    public var leaderElection = LeaderElection()
    public var clientConnection = ClientConnection()
    public var delayCacheUntilActive = false
    /// Where the configuration came from (a file path, or `<built-in>`), for messages.
    public var source: String = "<built-in>"
    /// `enableProfiling` (upstream default true).
    public var enableProfiling = true
    /// `enableContentionProfiling` (upstream default true when profiling is enabled).
    public var enableContentionProfiling = true
    /// The configured HTTP extenders, validated as upstream does. Not run yet by this scheduler.
    public var extenders: [Extender] = []
    /// Things that are accepted but worth telling the user (ignored extenders, args for unknown plugins, …),
    /// one line each, prefixed with the file name.
    public var warnings: [String] = []

    public init() {}

    /// One scheduling profile: a scheduler name and its plugins, already merged with upstream's
    /// defaults (per extension point, including MultiPoint). MultiPoint expansion happens when the
    /// runtime builds the profile, because it needs to know which extension points each plugin implements.
    public struct Profile: Sendable {
        public var schedulerName: String
        /// nil means use the global value.
        public var percentageOfNodesToScore: Int?
        public var plugins: Plugins
        /// Plugin name → its raw args (absent: the plugin's defaults).
        public var pluginConfig: [String: any PluginArgsSource]
        /// Plugin name → the config path of its args, for messages (`profiles[0].pluginConfig[1].args`).
        public var pluginConfigPaths: [String: String]
        /// This profile's index in the file, for messages.
        public var index: Int

        public init(schedulerName: String, percentageOfNodesToScore: Int? = nil, plugins: Plugins,
                    pluginConfig: [String: any PluginArgsSource] = [:], pluginConfigPaths: [String: String] = [:], index: Int = 0) {
            self.schedulerName = schedulerName
            self.percentageOfNodesToScore = percentageOfNodesToScore
            self.plugins = plugins
            self.pluginConfig = pluginConfig
            self.pluginConfigPaths = pluginConfigPaths
            self.index = index
        }
    }

    public struct LeaderElection: Sendable, Equatable {
        public var leaderElect = true
        public var leaseDurationSeconds: Double = 15
        public var renewDeadlineSeconds: Double = 10
        public var retryPeriodSeconds: Double = 2
        public var resourceLock = "leases"
        public var resourceName = "kube-scheduler"
        public var resourceNamespace = "kube-system"
        public init() {}
    }

    public struct ClientConnection: Sendable, Equatable {
        public var kubeconfig = ""
        public var acceptContentTypes = ""
        public var qps: Float = 50
        public var burst: Int = 100
        public var contentType = "application/vnd.kubernetes.protobuf"
        public init() {}
    }
}

extension SchedulerConfiguration {
    /// One `extenders` entry (`kubescheduler.config.k8s.io/v1` `Extender`).
    public struct Extender: Sendable, Equatable {
        public var urlPrefix = ""
        public var filterVerb = ""
        public var preemptVerb = ""
        public var prioritizeVerb = ""
        public var weight: Int64 = 0
        public var bindVerb = ""
        public var enableHTTPS = false
        public var tlsConfig: TLSConfig?
        /// `httpTimeout`; 0 means upstream's default of 5 s.
        public var httpTimeoutSeconds: Double = 0
        public var nodeCacheCapable = false
        public var managedResources: [ManagedResource] = []
        public var ignorable = false
        public init() {}

        public struct ManagedResource: Sendable, Equatable {
            public var name: String
            public var ignoredByScheduler: Bool
            public init(name: String, ignoredByScheduler: Bool = false) {
                self.name = name
                self.ignoredByScheduler = ignoredByScheduler
            }
        }

        public struct TLSConfig: Sendable, Equatable {
            public var insecure = false
            public var serverName = ""
            public var certFile = ""
            public var keyFile = ""
            public var caFile = ""
            public var certData: [UInt8] = []
            public var keyData: [UInt8] = []
            public var caData: [UInt8] = []
            public init() {}
        }
    }
}

/// An enabled plugin and its score weight (0 = unset).
public struct PluginEntry: Sendable, Equatable {
    public var name: String
    public var weight: Int32
    public init(_ name: String, weight: Int32 = 0) {
        self.name = name
        self.weight = weight
    }
}

/// `enabled`/`disabled` for one extension point.
public struct PluginSet: Sendable, Equatable {
    public var enabled: [PluginEntry]
    public var disabled: [String]
    public init(enabled: [PluginEntry] = [], disabled: [String] = []) {
        self.enabled = enabled
        self.disabled = disabled
    }
}

/// A profile's `plugins` block: one ``PluginSet`` per extension point.
public struct Plugins: Sendable, Equatable {
    public var sets: [ExtensionPoint: PluginSet]
    public init(sets: [ExtensionPoint: PluginSet] = [:]) { self.sets = sets }

    public subscript(point: ExtensionPoint) -> PluginSet {
        get { sets[point] ?? PluginSet() }
        set { sets[point] = newValue }
    }
}

/// A configuration that cannot be used; the message names the file, the profile and the field.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// All problems, one per line.
    public var message: String
    /// Each problem on its own (upstream aggregates every validation error rather than stopping at the first).
    public var problems: [String]
    public init(_ message: String) {
        self.message = message
        self.problems = [message]
    }
    /// An error listing several problems.
    public init(problems: [String]) {
        self.problems = problems
        self.message = problems.joined(separator: "\n")
    }
    public var description: String { message }
}
