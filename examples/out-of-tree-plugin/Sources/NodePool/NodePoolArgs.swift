import SwiftKubeScheduler

/// `pluginConfig` args of ``NodePool`` (kind `NodePoolArgs`, apiVersion `kubescheduler.config.k8s.io/v1` when
/// given). Missing fields keep their defaults; unknown fields are refused with their file, line and column.
public struct NodePoolArgs: PluginArgs, Equatable {
    /// The label naming a pod's pool and a node's pool.
    public var poolLabel = "example.com/pool"
    /// The node label holding its hourly cost, an integer.
    public var costLabel = "example.com/cost"
    /// The cost that scores 0; must be positive.
    public var maxCost: Int64 = 100

    public static var defaults: NodePoolArgs { NodePoolArgs() }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self.defaults
        poolLabel = try container.decodeIfPresent(String.self, forKey: .poolLabel) ?? defaults.poolLabel
        costLabel = try container.decodeIfPresent(String.self, forKey: .costLabel) ?? defaults.costLabel
        maxCost = try container.decodeIfPresent(Int64.self, forKey: .maxCost) ?? defaults.maxCost
    }

    enum CodingKeys: String, CodingKey {
        case poolLabel, costLabel, maxCost
    }

    /// Checked when a profile is built and by `my-scheduler config validate`.
    public func validate() throws(PluginArgsError) {
        if poolLabel.isEmpty { throw PluginArgsError(field: "poolLabel", "must not be empty") }
        if costLabel.isEmpty { throw PluginArgsError(field: "costLabel", "must not be empty") }
        if maxCost <= 0 { throw PluginArgsError(field: "maxCost", "must be greater than 0, got \(maxCost)") }
    }
}

extension PluginRegistry {
    /// Registers ``NodePool`` with its typed args.
    public mutating func registerNodePool() throws(RegistryError) {
        try register(NodePool.name, args: NodePoolArgs.self) { args, _ in NodePool(args: args) }
    }
}
