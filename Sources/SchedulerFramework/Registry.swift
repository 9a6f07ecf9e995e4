/// Typed arguments of a plugin (`<PluginName>Args` in `pluginConfig`).
///
/// Decoding must fill missing fields with their defaults, as upstream's defaulting does, so that a
/// config that sets one field keeps the defaults of the others.
public protocol PluginArgs: Decodable, Sendable {
    /// The arguments used when the config gives none.
    static var defaults: Self { get }
    /// Checks the values as upstream's validation does.
    func validate() throws(PluginArgsError)
}

extension PluginArgs {
    public func validate() throws(PluginArgsError) {}
}

/// An invalid plugin argument; `field` is the path inside `args` (e.g. `scoringStrategy.type`).
public struct PluginArgsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

/// The raw `args` of a `pluginConfig` entry, decodable into a plugin's typed args. Provided by the
/// configuration layer so the framework does not depend on a YAML library.
public protocol PluginArgsSource: Sendable {
    func decode<T: Decodable>(_ type: T.Type) throws -> T
}

/// Maps plugin names to factories (upstream's `runtime.Registry`). A value: merge in out-of-tree plugins
/// with ``merge(_:)`` and hand the result to the scheduler.
public struct PluginRegistry: Sendable {
    public struct Entry: Sendable {
        public let name: String
        /// Whether `pluginConfig` may carry args for this plugin.
        public let takesArgs: Bool
        /// Decodes (or defaults) and validates the args; used by `config validate`.
        public let validateArgs: @Sendable ((any PluginArgsSource)?) throws -> Void
        /// Builds the plugin for one profile.
        public let make: @Sendable ((any PluginArgsSource)?, any FrameworkHandle) throws -> any Plugin
    }

    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    public func contains(_ name: String) -> Bool { entries[name] != nil }
    public subscript(name: String) -> Entry? { entries[name] }
    public var names: [String] { entries.keys.sorted() }

    /// Registers a plugin without arguments.
    public mutating func register(
        _ name: String,
        factory: @escaping @Sendable (any FrameworkHandle) throws -> any Plugin
    ) throws(RegistryError) {
        guard entries[name] == nil else { throw RegistryError("a plugin named \(name) already exists") }
        entries[name] = Entry(
            name: name,
            takesArgs: false,
            validateArgs: { _ in },
            make: { _, handle in try factory(handle) }
        )
    }

    /// Registers a plugin with typed arguments.
    public mutating func register<Args: PluginArgs>(
        _ name: String,
        args: Args.Type,
        factory: @escaping @Sendable (Args, any FrameworkHandle) throws -> any Plugin
    ) throws(RegistryError) {
        guard entries[name] == nil else { throw RegistryError("a plugin named \(name) already exists") }
        @Sendable func decode(_ source: (any PluginArgsSource)?) throws -> Args {
            let args = try source?.decode(Args.self) ?? Args.defaults
            try args.validate()
            return args
        }
        entries[name] = Entry(
            name: name,
            takesArgs: true,
            validateArgs: { _ = try decode($0) },
            make: { source, handle in try factory(try decode(source), handle) }
        )
    }

    /// Adds every entry of `other`; a name present in both is an error.
    public mutating func merge(_ other: PluginRegistry) throws(RegistryError) {
        for (name, entry) in other.entries {
            guard entries[name] == nil else { throw RegistryError("a plugin named \(name) already exists") }
            entries[name] = entry
        }
    }
}

public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Upstream's in-tree plugin names (`plugins/names`), so configuration defaults can name plugins
/// without importing them.
public enum PluginName {
    public static let prioritySort = "PrioritySort"
    public static let schedulingGates = "SchedulingGates"
    public static let nodeName = "NodeName"
    public static let nodeUnschedulable = "NodeUnschedulable"
    public static let nodeResourcesFit = "NodeResourcesFit"
    public static let nodeResourcesBalancedAllocation = "NodeResourcesBalancedAllocation"
    public static let nodeAffinity = "NodeAffinity"
    public static let taintToleration = "TaintToleration"
    public static let nodePorts = "NodePorts"
    public static let imageLocality = "ImageLocality"
    public static let interPodAffinity = "InterPodAffinity"
    public static let podTopologySpread = "PodTopologySpread"
    public static let volumeRestrictions = "VolumeRestrictions"
    public static let nodeVolumeLimits = "NodeVolumeLimits"
    public static let volumeBinding = "VolumeBinding"
    public static let volumeZone = "VolumeZone"
    public static let defaultPreemption = "DefaultPreemption"
    public static let defaultBinder = "DefaultBinder"
    public static let dynamicResources = "DynamicResources"
    /// kubernetes-sigs/scheduler-plugins' gang scheduling (not enabled by default).
    public static let coscheduling = "Coscheduling"
}
