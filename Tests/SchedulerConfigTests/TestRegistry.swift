import InTreePlugins
import SchedulerConfig
import SchedulerFramework

/// A stand-in plugin: the configuration layer only needs names and args types.
final class DummyPlugin: Plugin {
    let name: String
    init(name: String) { self.name = name }
}

/// `NodeResourcesFitArgs`, cut down to what the tests need, with upstream's defaults and checks.
struct FitArgs: PluginArgs, Equatable {
    struct ResourceSpec: Decodable, Sendable, Equatable {
        var name: String
        var weight: Int64
        init(name: String, weight: Int64) {
            self.name = name
            self.weight = weight
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
            weight = try c.decodeIfPresent(Int64.self, forKey: .weight) ?? 0
        }
        enum CodingKeys: String, CodingKey { case name, weight }
    }
    struct ScoringStrategy: Decodable, Sendable, Equatable {
        var type: String
        var resources: [ResourceSpec]
        init(type: String, resources: [ResourceSpec]) {
            self.type = type
            self.resources = resources
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decodeIfPresent(String.self, forKey: .type) ?? "LeastAllocated"
            resources = try c.decodeIfPresent([ResourceSpec].self, forKey: .resources) ?? FitArgs.defaultResources
        }
        enum CodingKeys: String, CodingKey { case type, resources }
    }

    static let defaultResources = [ResourceSpec(name: "cpu", weight: 1), ResourceSpec(name: "memory", weight: 1)]
    var ignoredResources: [String]
    var scoringStrategy: ScoringStrategy

    static var defaults: FitArgs {
        FitArgs(
            ignoredResources: [],
            scoringStrategy: ScoringStrategy(type: "LeastAllocated", resources: defaultResources)
        )
    }

    init(ignoredResources: [String], scoringStrategy: ScoringStrategy) {
        self.ignoredResources = ignoredResources
        self.scoringStrategy = scoringStrategy
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ignoredResources = try c.decodeIfPresent([String].self, forKey: .ignoredResources) ?? []
        scoringStrategy =
            try c.decodeIfPresent(ScoringStrategy.self, forKey: .scoringStrategy) ?? FitArgs.defaults.scoringStrategy
    }
    enum CodingKeys: String, CodingKey { case ignoredResources, scoringStrategy }

    func validate() throws(PluginArgsError) {
        let supported = ["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"]
        guard supported.contains(scoringStrategy.type) else {
            throw PluginArgsError(
                field: "scoringStrategy.type",
                "Unsupported value: \"\(scoringStrategy.type)\": supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\""
            )
        }
        for (index, resource) in scoringStrategy.resources.enumerated()
        where resource.weight <= 0 || resource.weight > 100 {
            throw PluginArgsError(
                field: "scoringStrategy.resources[\(index)].weight",
                "Invalid value: \(resource.weight): resource weight of \(resource.name) should be in (0, 100]"
            )
        }
    }
}

enum TestRegistry {
    /// A fixed set of upstream plugin names, registered as stand-ins, so these tests do not change each
    /// time a plugin lands. The shipped-profile tests use ``shipped`` (the real in-tree names) instead.
    static let inTree = [
        PluginName.prioritySort, PluginName.schedulingGates, PluginName.nodeName, PluginName.nodeUnschedulable,
        PluginName.nodeResourcesFit, PluginName.nodeResourcesBalancedAllocation, PluginName.nodeAffinity,
        PluginName.taintToleration, PluginName.defaultBinder,
    ]

    static func make(extra: [String] = []) -> PluginRegistry {
        var registry = PluginRegistry()
        for name in inTree + extra where name != PluginName.nodeResourcesFit {
            try? registry.register(name) { _ in DummyPlugin(name: name) }
        }
        try? registry.register(PluginName.nodeResourcesFit, args: FitArgs.self) { _, _ in
            DummyPlugin(name: PluginName.nodeResourcesFit)
        }
        return registry
    }

    static let standard = make()

    /// Every plugin this project ships, as stand-ins (for the files in `profiles/`).
    static let shipped = make(extra: makeInTreeRegistry().names)
}
