import KubeAPI
import NodeResourcesFitPlugin
import PluginSupport
import SchedulerFramework
import SchedulerTesting
import Testing

@Test func fitArgsDefaults() {
    let args = NodeResourcesFitArgs.defaults
    #expect(args.ignoredResources.isEmpty)
    #expect(args.ignoredResourceGroups.isEmpty)
    #expect(args.scoringStrategy.type == .leastAllocated)
    #expect(
        args.scoringStrategy.resources == [
            ResourceSpec(name: "cpu", weight: 1), ResourceSpec(name: "memory", weight: 1),
        ]
    )
    #expect(args.scoringStrategy.requestedToCapacityRatio == nil)
}

@Test func fitArgsDecodingEmptyObjectGivesDefaults() throws {
    #expect(try decodeArgs(NodeResourcesFitArgs.self, "{}") == .defaults)
}

@Test func fitArgsDecodingKeepsDefaultsForMissingFields() throws {
    let args = try decodeArgs(NodeResourcesFitArgs.self, #"{"ignoredResources": ["example.com/foo"]}"#)
    #expect(args.ignoredResources == ["example.com/foo"])
    #expect(args.scoringStrategy == .default)
}

@Test func fitArgsDecodingDefaultsResourcesAndZeroWeights() throws {
    let empty = try decodeArgs(NodeResourcesFitArgs.self, #"{"scoringStrategy": {"type": "MostAllocated"}}"#)
    #expect(empty.scoringStrategy.type == .mostAllocated)
    #expect(empty.scoringStrategy.resources == ResourceSpec.defaultResources)

    let weights = try decodeArgs(
        NodeResourcesFitArgs.self,
        """
        {"scoringStrategy": {"type": "LeastAllocated", "resources": [{"name": "cpu", "weight": 0}, {"name": "memory"}, {"name": "nvidia.com/gpu", "weight": 5}]}}
        """
    )
    #expect(
        weights.scoringStrategy.resources == [
            ResourceSpec(name: "cpu", weight: 1), ResourceSpec(name: "memory", weight: 1),
            ResourceSpec(name: "nvidia.com/gpu", weight: 5),
        ]
    )
    try weights.validate()
}

@Test func fitArgsDecodingRequestedToCapacityRatio() throws {
    let args = try decodeArgs(
        NodeResourcesFitArgs.self,
        """
        {"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]}}}
        """
    )
    #expect(
        args.scoringStrategy.requestedToCapacityRatio?.shape == [
            .init(utilization: 0, score: 0), .init(utilization: 100, score: 10),
        ]
    )
    try args.validate()
}

struct ArgsRefusal: CustomTestStringConvertible, Sendable {
    let name: String
    let args: NodeResourcesFitArgs
    let field: String
    let message: String
    var testDescription: String { name }
}

private func strategy(
    _ type: NodeResourcesFitArgs.ScoringStrategyType,
    _ resources: [ResourceSpec] = ResourceSpec.defaultResources,
    shape: [NodeResourcesFitArgs.UtilizationShapePoint]? = nil
) -> NodeResourcesFitArgs {
    NodeResourcesFitArgs(
        scoringStrategy: .init(
            type: type,
            resources: resources,
            requestedToCapacityRatio: shape.map { .init(shape: $0) }
        )
    )
}

@Test(arguments: [
    ArgsRefusal(
        name: "unknown strategy type",
        args: strategy(.init(rawValue: "Foo")),
        field: "scoringStrategy.type",
        message:
            #"Unsupported value: "Foo": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio""#
    ),
    ArgsRefusal(
        name: "strategy without type",
        args: strategy(.init(rawValue: "")),
        field: "scoringStrategy.type",
        message:
            #"Unsupported value: "": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio""#
    ),
    ArgsRefusal(
        name: "resource with negative weight",
        args: strategy(.leastAllocated, [ResourceSpec(name: "memory", weight: -1), ResourceSpec(name: "cpu")]),
        field: "scoringStrategy.resources[0].weight",
        message: "Invalid value: -1: resource weight of memory not in valid range (0, 100]"
    ),
    ArgsRefusal(
        name: "resource with zero weight",
        args: strategy(.mostAllocated, [ResourceSpec(name: "memory"), ResourceSpec(name: "cpu", weight: 0)]),
        field: "scoringStrategy.resources[1].weight",
        message: "Invalid value: 0: resource weight of cpu not in valid range (0, 100]"
    ),
    ArgsRefusal(
        name: "resource weight larger than MaxNodeScore",
        args: strategy(.leastAllocated, [ResourceSpec(name: "memory"), ResourceSpec(name: "cpu", weight: 101)]),
        field: "scoringStrategy.resources[1].weight",
        message: "Invalid value: 101: resource weight of cpu not in valid range (0, 100]"
    ),
    ArgsRefusal(
        name: "RequestedToCapacityRatio without shape",
        args: strategy(.requestedToCapacityRatio),
        field: "scoringStrategy.requestedToCapacityRatio",
        message: "Required value: must be specified when type is RequestedToCapacityRatio"
    ),
    ArgsRefusal(
        name: "RequestedToCapacityRatio with empty shape",
        args: strategy(.requestedToCapacityRatio, shape: []),
        field: "scoringStrategy.requestedToCapacityRatio.shape",
        message: "Required value: at least one point must be specified"
    ),
    ArgsRefusal(
        name: "shape not increasing",
        args: strategy(
            .requestedToCapacityRatio,
            shape: [.init(utilization: 10, score: 1), .init(utilization: 10, score: 2)]
        ),
        field: "scoringStrategy.requestedToCapacityRatio.shape[1].utilization",
        message: "Invalid value: 10: values must be sorted in increasing order"
    ),
    ArgsRefusal(
        name: "shape utilization above 100",
        args: strategy(
            .requestedToCapacityRatio,
            shape: [.init(utilization: 0, score: 1), .init(utilization: 101, score: 2)]
        ),
        field: "scoringStrategy.requestedToCapacityRatio.shape[1].utilization",
        message: "Invalid value: 101: not in valid range [0, 100]"
    ),
    ArgsRefusal(
        name: "shape utilization below 0",
        args: strategy(.requestedToCapacityRatio, shape: [.init(utilization: -10, score: 1)]),
        field: "scoringStrategy.requestedToCapacityRatio.shape[0].utilization",
        message: "Invalid value: -10: not in valid range [0, 100]"
    ),
    ArgsRefusal(
        name: "shape score above 10",
        args: strategy(.requestedToCapacityRatio, shape: [.init(utilization: 0, score: 11)]),
        field: "scoringStrategy.requestedToCapacityRatio.shape[0].score",
        message: "Invalid value: 11: not in valid range [0, 10]"
    ),
    ArgsRefusal(
        name: "shape score below 0",
        args: strategy(.requestedToCapacityRatio, shape: [.init(utilization: 0, score: -1)]),
        field: "scoringStrategy.requestedToCapacityRatio.shape[0].score",
        message: "Invalid value: -1: not in valid range [0, 10]"
    ),
    ArgsRefusal(
        name: "shape with another type",
        args: strategy(.leastAllocated, shape: [.init(utilization: 0, score: 1)]),
        field: "scoringStrategy.requestedToCapacityRatio",
        message: "Forbidden: must be nil when type is not RequestedToCapacityRatio"
    ),
    ArgsRefusal(
        name: "resource group with slash",
        args: NodeResourcesFitArgs(ignoredResourceGroups: ["example.com/foo"]),
        field: "ignoredResourceGroups[0]",
        message: #"Invalid value: "example.com/foo": resource group name can't contain '/'"#
    ),
])
func fitArgsValidationRefuses(_ c: ArgsRefusal) {
    #expect(throws: PluginArgsError(field: c.field, c.message)) { try c.args.validate() }
    #expect(throws: PluginArgsError.self) { try NodeResourcesFit(args: c.args, handle: FakeHandle()) }
}

@Test func fitArgsUnknownTypeDecodesThenFailsValidation() throws {
    let args = try decodeArgs(NodeResourcesFitArgs.self, #"{"scoringStrategy": {"type": "Balanced"}}"#)
    #expect(
        throws: PluginArgsError(
            field: "scoringStrategy.type",
            #"Unsupported value: "Balanced": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio""#
        )
    ) {
        try args.validate()
    }
}
