import KubeAPI
import PluginSupport
import SchedulerFramework

/// `NodeResourcesFitArgs` (kubescheduler.config.k8s.io/v1): resources the Filter ignores and the scoring
/// strategy.
///
/// Decoding applies upstream's v1 defaulting: a missing `scoringStrategy` becomes LeastAllocated over
/// cpu and memory, an empty resource list becomes cpu and memory, and a weight of 0 becomes 1. The
/// memberwise initializer takes the values as given (upstream's internal form), so ``validate()`` sees
/// them unchanged.
package struct NodeResourcesFitArgs: PluginArgs, Equatable {
    /// Extended resources (`domain/name`) the Filter does not check.
    package var ignoredResources: [String]
    /// Extended-resource domains (the part before `/`) whose resources the Filter does not check.
    package var ignoredResourceGroups: [String]
    /// How Score ranks feasible nodes.
    package var scoringStrategy: ScoringStrategy

    /// Args with the given values, taken as given (no defaulting).
    package init(
        ignoredResources: [String] = [],
        ignoredResourceGroups: [String] = [],
        scoringStrategy: ScoringStrategy = .default
    ) {
        self.ignoredResources = ignoredResources
        self.ignoredResourceGroups = ignoredResourceGroups
        self.scoringStrategy = scoringStrategy
    }

    /// LeastAllocated over cpu and memory, nothing ignored.
    package static var defaults: NodeResourcesFitArgs { NodeResourcesFitArgs() }

    /// How nodes are scored.
    package struct ScoringStrategy: Codable, Sendable, Equatable {
        /// The strategy.
        package var type: ScoringStrategyType
        /// The resources scored and their weights (1...100).
        package var resources: [ResourceSpec]
        /// Required for, and only allowed with, ``ScoringStrategyType/requestedToCapacityRatio``.
        package var requestedToCapacityRatio: RequestedToCapacityRatioParam?

        /// A strategy with the given values, taken as given (no defaulting).
        package init(
            type: ScoringStrategyType,
            resources: [ResourceSpec] = ResourceSpec.defaultResources,
            requestedToCapacityRatio: RequestedToCapacityRatioParam? = nil
        ) {
            self.type = type
            self.resources = resources
            self.requestedToCapacityRatio = requestedToCapacityRatio
        }

        /// LeastAllocated over cpu and memory, weight 1 each.
        package static let `default` = ScoringStrategy(type: .leastAllocated)

        enum CodingKeys: String, CodingKey { case type, resources, requestedToCapacityRatio }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // The type is not defaulted when a strategy is given: an absent type fails validation.
            type = try c.decodeIfPresent(ScoringStrategyType.self, forKey: .type) ?? ScoringStrategyType(rawValue: "")
            var resources = try c.decodeIfPresent([ResourceSpec].self, forKey: .resources) ?? []
            if resources.isEmpty { resources = ResourceSpec.defaultResources }
            for i in resources.indices where resources[i].weight == 0 { resources[i].weight = 1 }
            self.resources = resources
            requestedToCapacityRatio = try c.decodeIfPresent(
                RequestedToCapacityRatioParam.self,
                forKey: .requestedToCapacityRatio
            )
        }
    }

    /// `LeastAllocated`, `MostAllocated` or `RequestedToCapacityRatio`; any other text fails validation.
    package struct ScoringStrategyType: RawRepresentable, Codable, Sendable, Hashable {
        /// The type as written in the configuration.
        package var rawValue: String
        /// Wraps any text; unsupported text fails ``NodeResourcesFitArgs/validate()``.
        package init(rawValue: String) { self.rawValue = rawValue }
        package init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        package func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }

        /// Favors nodes with more free capacity.
        package static let leastAllocated = ScoringStrategyType(rawValue: "LeastAllocated")
        /// Favors nodes with less free capacity (bin packing).
        package static let mostAllocated = ScoringStrategyType(rawValue: "MostAllocated")
        /// Scores utilization through a configurable broken-linear shape.
        package static let requestedToCapacityRatio = ScoringStrategyType(rawValue: "RequestedToCapacityRatio")
        /// The supported types, sorted as upstream lists them in its error.
        package static let supported: [ScoringStrategyType] = [
            .leastAllocated, .mostAllocated, .requestedToCapacityRatio,
        ]
    }

    /// The RequestedToCapacityRatio function: utilization (0...100) → score (0...10), linear between points.
    package struct RequestedToCapacityRatioParam: Codable, Sendable, Equatable {
        /// The function's points, utilization strictly increasing.
        package var shape: [UtilizationShapePoint]
        /// A function through `shape`.
        package init(shape: [UtilizationShapePoint]) { self.shape = shape }

        enum CodingKeys: String, CodingKey { case shape }
        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            shape = try c.decodeIfPresent([UtilizationShapePoint].self, forKey: .shape) ?? []
        }
    }

    /// One point of the RequestedToCapacityRatio shape.
    package struct UtilizationShapePoint: Codable, Sendable, Equatable {
        /// Utilization in percent, 0...100.
        package var utilization: Int32
        /// Score at that utilization, 0...10 (scaled ×10 when scoring).
        package var score: Int32
        /// A point of the shape.
        package init(utilization: Int32, score: Int32) {
            self.utilization = utilization
            self.score = score
        }

        enum CodingKeys: String, CodingKey { case utilization, score }
        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            utilization = try c.decodeIfPresent(Int32.self, forKey: .utilization) ?? 0
            score = try c.decodeIfPresent(Int32.self, forKey: .score) ?? 0
        }
    }

    enum CodingKeys: String, CodingKey { case ignoredResources, ignoredResourceGroups, scoringStrategy }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ignoredResources = try c.decodeIfPresent([String].self, forKey: .ignoredResources) ?? []
        ignoredResourceGroups = try c.decodeIfPresent([String].self, forKey: .ignoredResourceGroups) ?? []
        scoringStrategy = try c.decodeIfPresent(ScoringStrategy.self, forKey: .scoringStrategy) ?? .default
    }

    /// Upstream's `ValidateNodeResourcesFitArgs`; throws the first problem found.
    package func validate() throws(PluginArgsError) {
        for (i, group) in ignoredResourceGroups.enumerated() where group.contains("/") {
            throw PluginArgsError(
                field: "ignoredResourceGroups[\(i)]",
                "Invalid value: \(goQuoted(group)): resource group name can't contain '/'"
            )
        }
        let strategy = scoringStrategy
        if !ScoringStrategyType.supported.contains(strategy.type) {
            let supported = ScoringStrategyType.supported.map { goQuoted($0.rawValue) }.joined(separator: ", ")
            throw PluginArgsError(
                field: "scoringStrategy.type",
                "Unsupported value: \(goQuoted(strategy.type.rawValue)): supported values: \(supported)"
            )
        }
        for (i, resource) in strategy.resources.enumerated() where resource.weight <= 0 || resource.weight > 100 {
            throw PluginArgsError(
                field: "scoringStrategy.resources[\(i)].weight",
                "Invalid value: \(resource.weight): resource weight of \(resource.name) not in valid range (0, 100]"
            )
        }
        if strategy.type == .requestedToCapacityRatio {
            guard let ratio = strategy.requestedToCapacityRatio else {
                throw PluginArgsError(
                    field: "scoringStrategy.requestedToCapacityRatio",
                    "Required value: must be specified when type is RequestedToCapacityRatio"
                )
            }
            try Self.validateShape(ratio.shape, path: "scoringStrategy.requestedToCapacityRatio.shape")
        } else if strategy.requestedToCapacityRatio != nil {
            throw PluginArgsError(
                field: "scoringStrategy.requestedToCapacityRatio",
                "Forbidden: must be nil when type is not RequestedToCapacityRatio"
            )
        }
    }

    /// Upstream's `validateFunctionShape`: at least one point, utilization strictly increasing and in
    /// 0...100, score in 0...10.
    static func validateShape(_ shape: [UtilizationShapePoint], path: String) throws(PluginArgsError) {
        guard !shape.isEmpty else {
            throw PluginArgsError(field: path, "Required value: at least one point must be specified")
        }
        for i in 1..<shape.count where shape[i - 1].utilization >= shape[i].utilization {
            throw PluginArgsError(
                field: "\(path)[\(i)].utilization",
                "Invalid value: \(shape[i].utilization): values must be sorted in increasing order"
            )
        }
        for (i, point) in shape.enumerated() {
            if point.utilization < 0 || point.utilization > 100 {
                throw PluginArgsError(
                    field: "\(path)[\(i)].utilization",
                    "Invalid value: \(point.utilization): not in valid range [0, 100]"
                )
            }
            if point.score < 0 || point.score > 10 {
                throw PluginArgsError(
                    field: "\(path)[\(i)].score",
                    "Invalid value: \(point.score): not in valid range [0, 10]"
                )
            }
        }
    }
}
