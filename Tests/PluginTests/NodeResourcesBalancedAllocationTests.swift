import KubeAPI
import NodeResourcesBalancedAllocationPlugin
import PluginSupport
import SchedulerFramework
import SchedulerTesting
import Testing

private func plugin(
    _ resources: [ResourceSpec] = ResourceSpec.defaultResources
) throws -> NodeResourcesBalancedAllocation {
    try NodeResourcesBalancedAllocation(
        args: NodeResourcesBalancedAllocationArgs(resources: resources),
        handle: FakeHandle()
    )
}

/// Upstream's `makeNode(name, milliCPU, memory)`.
private func machine(
    _ name: String,
    _ milliCPU: Int64,
    _ memory: Int64,
    pods: [PodBuilder] = [],
    extra: [String: String] = [:]
) -> NodeInfo {
    nodeInfo(name, ["cpu": "\(milliCPU)m", "memory": "\(memory)"].merging(extra) { $1 }, pods: pods)
}

private let cpuOnly = PodBuilder("cpu-only").container(["cpu": "1000m", "memory": "0"]).container([
    "cpu": "2000m", "memory": "0",
])
private let cpuAndMemory = PodBuilder("cpu-and-memory").container(["cpu": "1000m", "memory": "2000"]).container([
    "cpu": "2000m", "memory": "3000",
])

struct BalancedCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    let nodes: [NodeInfo]
    let expected: [Int64]
    var testDescription: String { name }
}

/// Upstream's `TestNodeResourcesBalancedAllocation`, scored as v1.35 does: `(1 - |f1 - f2| / 2) × 100`.
@Test(arguments: [
    // cpu 3000/4000 = .75, memory 5000/10000 = .5: std .125 → 87; node2 .5/.5 → 100.
    BalancedCase(
        name: "nothing scheduled, resources requested, differently sized nodes",
        pod: cpuAndMemory,
        nodes: [machine("node1", 4000, 10000), machine("node2", 6000, 10000)],
        expected: [87, 100]
    ),
    // node1 cpu .6, memory .25: std .175 → 82; node2 .6/.5: std .05 → 95.
    BalancedCase(
        name: "resources requested, pods scheduled with resources",
        pod: cpuAndMemory,
        nodes: [machine("node1", 10000, 20000, pods: [cpuOnly]), machine("node2", 10000, 20000, pods: [cpuAndMemory])],
        expected: [82, 95]
    ),
    // node2 memory 10000/50000 = .2: std .2 → 80.
    BalancedCase(
        name: "resources requested, pods scheduled with resources, differently sized nodes",
        pod: cpuAndMemory,
        nodes: [machine("node1", 10000, 20000, pods: [cpuOnly]), machine("node2", 10000, 50000, pods: [cpuAndMemory])],
        expected: [82, 80]
    ),
    // cpu 6000/4000 is capped at 1: node1 1/0 → std .5 → 50; node2 1/.5 → 75.
    BalancedCase(
        name: "requested resources at node capacity",
        pod: cpuOnly,
        nodes: [machine("node1", 4000, 10000, pods: [cpuOnly]), machine("node2", 4000, 10000, pods: [cpuAndMemory])],
        expected: [50, 75]
    ),
    // Nodes without allocatable leave no fractions: std 0 → 100.
    BalancedCase(
        name: "zero node resources, pods scheduled with resources",
        pod: cpuOnly,
        nodes: [machine("node1", 0, 0, pods: [cpuOnly]), machine("node2", 0, 0, pods: [cpuAndMemory])],
        expected: [100, 100]
    ),
])
func balancedAllocationScores(_ c: BalancedCase) throws {
    #expect(rawScores(try plugin(), pod: c.pod.info(), nodes: c.nodes) == c.expected)
}

@Test func balancedAllocationUsesRealRequestsNotDefaults() throws {
    // A container without requests would count 100m/200Mi under NodeResourcesFit; here it counts 0.
    let pod = PodBuilder("p").container(["cpu": "1"]).container([:])
    let node = machine("node", 4000, 1024 * 1024 * 1024, pods: [PodBuilder("e").container([:])])
    // cpu 1000/4000 = .25, memory 0: std .125 → 87.
    #expect(rawScores(try plugin(), pod: pod.info(), nodes: [node]) == [87])
}

@Test func balancedAllocationSkipsBestEffortPods() throws {
    let balanced = try plugin()
    let state = CycleState()
    let node = machine("node", 4000, 10000, pods: [cpuOnly])
    let pod = PodBuilder("p").container([:]).info()
    #expect(balanced.preScore(state: state, pod: pod, nodes: nodeList([node])) == .skip)
    // Without PreScore the best-effort pod still scores 0.
    #expect(balanced.score(state: CycleState(), pod: pod, node: node).score == 0)
}

@Test func balancedAllocationThreeResourcesUsesPopulationStandardDeviation() throws {
    let resources = [ResourceSpec(name: "cpu"), ResourceSpec(name: "memory"), ResourceSpec(name: "nvidia.com/gpu")]
    let node = machine("node", 4000, 10000, extra: ["nvidia.com/gpu": "4"])
    // .25, .5, .25: mean 1/3, std sqrt(((1/12)² × 2 + (1/6)²) / 3) = 0.11785 → 88.
    let withGPU = PodBuilder("p").container(["cpu": "1000m", "memory": "5000", "nvidia.com/gpu": "1"])
    #expect(rawScores(try plugin(resources), pod: withGPU.info(), nodes: [node]) == [88])
    // A scalar the pod does not request is left out: cpu .25 and memory .5 only → 87.
    let withoutGPU = PodBuilder("p").container(["cpu": "1000m", "memory": "5000"])
    #expect(rawScores(try plugin(resources), pod: withoutGPU.info(), nodes: [node]) == [87])
}

@Test func balancedAllocationArgsDecodingDefaults() throws {
    #expect(try decodeArgs(NodeResourcesBalancedAllocationArgs.self, "{}") == .defaults)
    #expect(
        NodeResourcesBalancedAllocationArgs.defaults.resources == [
            ResourceSpec(name: "cpu", weight: 1), ResourceSpec(name: "memory", weight: 1),
        ]
    )
    let args = try decodeArgs(
        NodeResourcesBalancedAllocationArgs.self,
        #"{"resources": [{"name": "cpu"}, {"name": "nvidia.com/gpu", "weight": 0}]}"#
    )
    #expect(args.resources == [ResourceSpec(name: "cpu", weight: 1), ResourceSpec(name: "nvidia.com/gpu", weight: 1)])
    try args.validate()
}

@Test func balancedAllocationArgsValidationRefusesDuplicatesAndWeightsOtherThanOne() {
    let duplicate = NodeResourcesBalancedAllocationArgs(resources: [
        ResourceSpec(name: "cpu"), ResourceSpec(name: "cpu"),
    ])
    #expect(throws: PluginArgsError(field: "resources[1].name", #"Duplicate value: "cpu""#)) {
        try duplicate.validate()
    }
    let weighted = NodeResourcesBalancedAllocationArgs(resources: [
        ResourceSpec(name: "cpu"), ResourceSpec(name: "memory", weight: 2),
    ])
    #expect(throws: PluginArgsError(field: "resources[1].weight", "Invalid value: 2: must be 1")) {
        try weighted.validate()
    }
    #expect(throws: PluginArgsError.self) { try NodeResourcesBalancedAllocation(args: weighted, handle: FakeHandle()) }
}
