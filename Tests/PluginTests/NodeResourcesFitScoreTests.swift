import KubeAPI
import PluginSupport
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import NodeResourcesFitPlugin

private let extendedRes = "abc.com/xyz"
private let extendedResourceSet = [
    ResourceSpec(name: "cpu"), ResourceSpec(name: "memory"), ResourceSpec(name: extendedRes),
]

private func scores(
    _ type: NodeResourcesFitArgs.ScoringStrategyType,
    resources: [ResourceSpec] = ResourceSpec.defaultResources,
    shape: [NodeResourcesFitArgs.UtilizationShapePoint]? = nil,
    pod: PodBuilder,
    nodes: [NodeInfo],
    runPreScore: Bool = true
) throws -> [Int64] {
    let strategy = NodeResourcesFitArgs.ScoringStrategy(
        type: type,
        resources: resources,
        requestedToCapacityRatio: shape.map { .init(shape: $0) }
    )
    let plugin = try NodeResourcesFit(args: NodeResourcesFitArgs(scoringStrategy: strategy), handle: FakeHandle())
    return rawScores(plugin, pod: pod.info(), nodes: nodes, runPreScore: runPreScore)
}

private func req(_ cpu: String, _ memory: String) -> [String: String] { ["cpu": cpu, "memory": memory] }

struct ScoreCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    let nodes: [(String, [String: String])]
    var existing: [(String, PodBuilder)] = []
    var resources = ResourceSpec.defaultResources
    let expected: [Int64]
    var testDescription: String { name }

    var nodeInfos: [NodeInfo] {
        nodes.map { name, capacity in
            nodeInfo(name, capacity, pods: existing.filter { $0.0 == name }.map(\.1))
        }
    }
}

/// Upstream's `TestLeastAllocatedScoringStrategy` (valid-args cases).
private let leastAllocatedCases: [ScoreCase] = [
    ScoreCase(
        name: "nothing scheduled, nothing requested",
        pod: PodBuilder("p"),
        nodes: [("node1", req("4000", "10000")), ("node2", req("4000", "10000"))],
        expected: [100, 100]
    ),
    ScoreCase(
        name: "nothing scheduled, resources requested, differently sized nodes",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("4000", "10000")), ("node2", req("6000", "10000"))],
        expected: [37, 50]
    ),
    ScoreCase(
        name: "no resources requested, pods scheduled",
        pod: PodBuilder("p"),
        nodes: [("node1", req("4000", "10000")), ("node2", req("4000", "10000"))],
        existing: [
            ("node1", PodBuilder("a")), ("node1", PodBuilder("b")), ("node2", PodBuilder("c")),
            ("node2", PodBuilder("d")),
        ],
        expected: [100, 100]
    ),
    ScoreCase(
        name: "no resources requested, pods scheduled with resources",
        pod: PodBuilder("p"),
        nodes: [("node1", req("10000", "20000")), ("node2", req("10000", "20000"))],
        existing: [
            ("node1", PodBuilder("a").container(req("3000", "0"))),
            ("node1", PodBuilder("b").container(req("3000", "0"))),
            ("node2", PodBuilder("c").container(req("3000", "0"))),
            ("node2", PodBuilder("d").container(req("3000", "5000"))),
        ],
        expected: [70, 57]
    ),
    ScoreCase(
        name: "resources requested, pods scheduled with resources",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("10000", "20000")), ("node2", req("10000", "20000"))],
        existing: [
            ("node1", PodBuilder("a").container(req("3000", "0"))),
            ("node2", PodBuilder("b").container(req("3000", "5000"))),
        ],
        expected: [57, 45]
    ),
    ScoreCase(
        name: "resources requested, pods scheduled with resources, differently sized nodes",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("10000", "20000")), ("node2", req("10000", "50000"))],
        existing: [
            ("node1", PodBuilder("a").container(req("3000", "0"))),
            ("node2", PodBuilder("b").container(req("3000", "5000"))),
        ],
        expected: [57, 60]
    ),
    ScoreCase(
        name: "requested resources exceed node capacity",
        pod: PodBuilder("p").container(req("3000", "0")),
        nodes: [("node1", req("4000", "10000")), ("node2", req("4000", "10000"))],
        existing: [
            ("node1", PodBuilder("a").container(req("3000", "0"))),
            ("node2", PodBuilder("b").container(req("3000", "5000"))),
        ],
        expected: [50, 25]
    ),
    ScoreCase(
        name: "zero node resources, pods scheduled with resources",
        pod: PodBuilder("p"),
        nodes: [("node1", [:]), ("node2", [:])],
        existing: [
            ("node1", PodBuilder("a").container(req("3000", "0"))),
            ("node2", PodBuilder("b").container(req("3000", "5000"))),
        ],
        expected: [0, 0]
    ),
    ScoreCase(
        name: "nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("4000", "10000")), ("node2", req("6000", "10000"))],
        resources: [ResourceSpec(name: "memory", weight: 2), ResourceSpec(name: "cpu", weight: 1)],
        expected: [41, 50]
    ),
    ScoreCase(
        name: "bypass extended resource if the pod does not request",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("6000", "10000")), ("node2", ["cpu": "6000", "memory": "10000", extendedRes: "4"])],
        resources: extendedResourceSet,
        expected: [50, 50]
    ),
    ScoreCase(
        name: "honor extended resource if the pod requests",
        pod: PodBuilder("p").container(["cpu": "3000", "memory": "5000", extendedRes: "2"]),
        nodes: [
            ("node1", ["cpu": "6000", "memory": "10000", extendedRes: "4"]),
            ("node2", ["cpu": "6000", "memory": "10000", extendedRes: "10"]),
        ],
        resources: extendedResourceSet,
        expected: [50, 60]
    ),
    ScoreCase(
        name: "if the node doesn't have a resource",
        pod: PodBuilder("p").container(req("3000", "4000")),
        nodes: [("node1", req("6000", "10000")), ("node2", ["cpu": "6000", "memory": "10000", extendedRes: "4"])],
        resources: [
            ResourceSpec(name: extendedRes, weight: 2), ResourceSpec(name: "cpu"), ResourceSpec(name: "memory"),
        ],
        expected: [55, 55]
    ),
]

@Test(arguments: leastAllocatedCases)
func fitScoreLeastAllocated(_ c: ScoreCase) throws {
    #expect(try scores(.leastAllocated, resources: c.resources, pod: c.pod, nodes: c.nodeInfos) == c.expected)
}

/// Upstream's `TestMostAllocatedScoringStrategy` (valid-args cases).
private let mostAllocatedCases: [ScoreCase] = [
    ScoreCase(
        name: "nothing scheduled, nothing requested",
        pod: PodBuilder("p"),
        nodes: [("node1", req("4000", "10000")), ("node2", req("4000", "10000"))],
        expected: [0, 0]
    ),
    ScoreCase(
        name: "nothing scheduled, resources requested, differently sized nodes",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("4000", "10000")), ("node2", req("6000", "10000"))],
        expected: [62, 50]
    ),
    ScoreCase(
        name: "no resources requested, pods scheduled with resources",
        pod: PodBuilder("p"),
        nodes: [("node1", req("10000", "20000")), ("node2", req("10000", "20000"))],
        existing: [
            ("node1", PodBuilder("a").container(req("3000", "0"))),
            ("node1", PodBuilder("b").container(req("3000", "0"))),
            ("node2", PodBuilder("c").container(req("3000", "0"))),
            ("node2", PodBuilder("d").container(req("3000", "5000"))),
        ],
        expected: [30, 42]
    ),
    ScoreCase(
        name: "resources requested, pods scheduled with resources",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("10000", "20000")), ("node2", req("10000", "20000"))],
        existing: [
            ("node1", PodBuilder("a").container(req("3000", "0"))),
            ("node2", PodBuilder("b").container(req("3000", "5000"))),
        ],
        expected: [42, 55]
    ),
    ScoreCase(
        name: "resources requested equal node capacity",
        pod: PodBuilder("p").container(req("2000", "4000")).container(req("3000", "5000")),
        nodes: [("node1", req("5000", "10000")), ("node2", req("10000", "9000"))],
        expected: [95, 75]
    ),
    ScoreCase(
        name: "nothing scheduled, resources requested, differently sized nodes (weighted)",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("4000", "10000")), ("node2", req("6000", "10000"))],
        resources: [ResourceSpec(name: "memory", weight: 2), ResourceSpec(name: "cpu", weight: 1)],
        expected: [58, 50]
    ),
    ScoreCase(
        name: "no resources requested, pods scheduled, nonzero request for resource",
        pod: PodBuilder("p").container(),
        nodes: [("node1", req("250m", "1000Mi")), ("node2", req("250m", "1000Mi"))],
        existing: [("node1", PodBuilder("a").container()), ("node1", PodBuilder("b").container())],
        expected: [80, 30]
    ),
    ScoreCase(
        name: "bypass extended resource if the pod does not request",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("6000", "10000")), ("node2", ["cpu": "6000", "memory": "10000", extendedRes: "4"])],
        resources: extendedResourceSet,
        expected: [50, 50]
    ),
    ScoreCase(
        name: "honor extended resource if the pod request",
        pod: PodBuilder("p").container(["cpu": "3000", "memory": "5000", extendedRes: "2"]),
        nodes: [
            ("node1", ["cpu": "6000", "memory": "10000", extendedRes: "4"]),
            ("node2", ["cpu": "6000", "memory": "10000", extendedRes: "10"]),
        ],
        resources: extendedResourceSet,
        expected: [50, 40]
    ),
    ScoreCase(
        name: "if the node doesn't have a resource",
        pod: PodBuilder("p").container(req("3000", "4000")),
        nodes: [("node1", req("6000", "10000")), ("node2", ["cpu": "6000", "memory": "10000", extendedRes: "4"])],
        resources: [
            ResourceSpec(name: extendedRes, weight: 2), ResourceSpec(name: "cpu"), ResourceSpec(name: "memory"),
        ],
        expected: [45, 45]
    ),
]

@Test(arguments: mostAllocatedCases)
func fitScoreMostAllocated(_ c: ScoreCase) throws {
    #expect(try scores(.mostAllocated, resources: c.resources, pod: c.pod, nodes: c.nodeInfos) == c.expected)
}

private let leastRequestedShape = [
    NodeResourcesFitArgs.UtilizationShapePoint(utilization: 0, score: 10), .init(utilization: 100, score: 0),
]
private let mostRequestedShape = [
    NodeResourcesFitArgs.UtilizationShapePoint(utilization: 0, score: 0), .init(utilization: 100, score: 10),
]

/// Upstream's `TestRequestedToCapacityRatioScoringStrategy`.
@Test(arguments: [
    ScoreCase(
        name: "nothing scheduled, nothing requested (default - least requested nodes have priority)",
        pod: PodBuilder("p"),
        nodes: [("node1", req("4000", "10000")), ("node2", req("4000", "10000"))],
        existing: [("node1", PodBuilder("a")), ("node1", PodBuilder("b"))],
        expected: [100, 100]
    ),
    ScoreCase(
        name:
            "nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)",
        pod: PodBuilder("p").container(req("1000", "2000")).container(req("2000", "3000")),
        nodes: [("node1", req("4000", "10000")), ("node2", req("6000", "10000"))],
        existing: [("node1", PodBuilder("a")), ("node1", PodBuilder("b"))],
        expected: [38, 50]
    ),
    ScoreCase(
        name: "no resources requested, pods scheduled with resources (default - least requested nodes have priority)",
        pod: PodBuilder("p"),
        nodes: [("node1", req("4000", "10000")), ("node2", req("6000", "10000"))],
        existing: [
            ("node1", PodBuilder("a").container(req("3000", "5000"))),
            ("node2", PodBuilder("b").container(req("3000", "5000"))),
        ],
        expected: [38, 50]
    ),
])
func fitScoreRequestedToCapacityRatio(_ c: ScoreCase) throws {
    #expect(
        try scores(.requestedToCapacityRatio, shape: leastRequestedShape, pod: c.pod, nodes: c.nodeInfos) == c.expected
    )
}

/// Upstream's `TestFitScore`, with and without PreScore.
@Test(arguments: [true, false])
func fitScoreStrategies(runPreScore: Bool) throws {
    let nodes = [
        nodeInfo("node1", req("4000", "10000"), pods: [PodBuilder("a").container(req("2000", "4000"))]),
        nodeInfo("node2", req("6000", "10000"), pods: [PodBuilder("b").container(req("1000", "2000"))]),
    ]
    let big = PodBuilder("p").container(req("3000", "5000"))
    let small = PodBuilder("p").container(req("1000", "2000"))
    #expect(
        try scores(
            .requestedToCapacityRatio,
            shape: leastRequestedShape,
            pod: big,
            nodes: nodes,
            runPreScore: runPreScore
        ) == [10, 32]
    )
    #expect(
        try scores(
            .requestedToCapacityRatio,
            shape: mostRequestedShape,
            pod: big,
            nodes: nodes,
            runPreScore: runPreScore
        ) == [95, 68]
    )
    #expect(try scores(.mostAllocated, pod: small, nodes: nodes, runPreScore: runPreScore) == [67, 36])
    #expect(try scores(.leastAllocated, pod: small, nodes: nodes, runPreScore: runPreScore) == [32, 63])
}

/// Upstream's `TestResourceBinPackingSingleExtended` (shape 0→0, 100→1 over intel.com/foo).
@Test(arguments: [
    ("nothing scheduled, nothing requested", PodBuilder("p"), [PodBuilder](), [Int64(0), 0]),
    (
        "resources requested, pods scheduled with less resources", PodBuilder("p").container(["intel.com/foo": "2"]),
        [], [2, 5]
    ),
    (
        "resources requested, pods scheduled with resources, on node with existing pod running ",
        PodBuilder("p").container(["intel.com/foo": "2"]), [PodBuilder("e").container(["intel.com/foo": "2"])], [2, 10]
    ),
    (
        "resources requested, pods scheduled with more resources", PodBuilder("p").container(["intel.com/foo": "4"]),
        [], [5, 10]
    ),
])
func fitScoreBinPackingSingleExtended(
    _ name: String,
    _ pod: PodBuilder,
    _ onNode2: [PodBuilder],
    _ expected: [Int64]
) throws {
    let nodes = [
        nodeInfo("node1", ["cpu": "4", "memory": "10000Mi", "intel.com/foo": "8"]),
        nodeInfo("node2", ["cpu": "4", "memory": "10000Mi", "intel.com/foo": "4"], pods: onNode2),
    ]
    let shape = [
        NodeResourcesFitArgs.UtilizationShapePoint(utilization: 0, score: 0), .init(utilization: 100, score: 1),
    ]
    #expect(
        try scores(
            .requestedToCapacityRatio,
            resources: [ResourceSpec(name: "intel.com/foo")],
            shape: shape,
            pod: pod,
            nodes: nodes
        ) == expected
    )
}

/// Upstream's `TestResourceBinPackingMultipleExtended`: weights 3 and 5, final average rounded.
@Test func fitScoreBinPackingMultipleExtendedRoundsTheAverage() throws {
    let nodes = [
        nodeInfo("node1", ["cpu": "4", "memory": "10000Mi", "intel.com/foo": "8", "intel.com/bar": "4"]),
        nodeInfo("node2", ["cpu": "4", "memory": "10000Mi", "intel.com/foo": "4", "intel.com/bar": "8"]),
    ]
    let shape = [
        NodeResourcesFitArgs.UtilizationShapePoint(utilization: 0, score: 0), .init(utilization: 100, score: 1),
    ]
    let resources = [ResourceSpec(name: "intel.com/foo", weight: 3), ResourceSpec(name: "intel.com/bar", weight: 5)]
    // node1: foo 25% → 2, bar 50% → 5: (2×3 + 5×5) / 8 = 3.875 → 4; node2: (5×3 + 2×5) / 8 = 3.125 → 3.
    let pod = PodBuilder("p").container(["intel.com/foo": "2", "intel.com/bar": "2"])
    #expect(
        try scores(.requestedToCapacityRatio, resources: resources, shape: shape, pod: pod, nodes: nodes) == [4, 3]
    )
    #expect(
        try scores(.requestedToCapacityRatio, resources: resources, shape: shape, pod: PodBuilder("p"), nodes: nodes)
            == [0, 0]
    )
}

/// Upstream's `TestBrokenLinearFunction` (scores as given, not scaled): (shape points, [(p, expected)]).
struct BrokenLinearCase: Sendable {
    let points: [Point]
    let assertions: [Point]
    struct Point: Sendable {
        let x: Int64
        let y: Int64
        init(_ x: Int64, _ y: Int64) {
            self.x = x
            self.y = y
        }
    }
}

private typealias P = BrokenLinearCase.Point

private let brokenLinearCases: [BrokenLinearCase] = [
    BrokenLinearCase(
        points: [P(10, 1), P(90, 9)],
        assertions: [
            P(-10, 1), P(0, 1), P(9, 1), P(10, 1), P(15, 1), P(19, 1), P(20, 2), P(89, 8), P(90, 9), P(99, 9),
            P(100, 9), P(110, 9),
        ]
    ),
    BrokenLinearCase(
        points: [P(0, 2), P(40, 10), P(100, 0)],
        assertions: [P(-10, 2), P(0, 2), P(20, 6), P(30, 8), P(40, 10), P(70, 5), P(100, 0), P(110, 0)]
    ),
    BrokenLinearCase(
        points: [P(0, 2), P(40, 2), P(100, 2)],
        assertions: [P(-10, 2), P(0, 2), P(20, 2), P(30, 2), P(40, 2), P(70, 2), P(100, 2), P(110, 2)]
    ),
]

@Test(arguments: brokenLinearCases)
func fitBrokenLinearFunction(_ c: BrokenLinearCase) {
    let shape = c.points.map { (utilization: $0.x, score: $0.y) }
    for assertion in c.assertions {
        #expect(NodeResourcesFit.brokenLinear(shape, assertion.x) == assertion.y, "p=\(assertion.x)")
    }
}

@Test func fitScoreUsesNonZeroDefaultsForCpuAndMemoryOnly() {
    // A container without requests counts 100m cpu and 200Mi memory for scoring, but not for Filter.
    let info = PodBuilder("p").container([:]).container(["cpu": "0"]).info()
    #expect(info.request.milliCPU == 0 && info.request.memory == 0)
    #expect(info.nonZeroRequest.milliCPU == 100)
    #expect(info.nonZeroRequest.memory == 2 * 200 * 1024 * 1024)
}

@Test func fitScoreWithoutResourcesIsAnError() throws {
    let strategy = NodeResourcesFitArgs.ScoringStrategy(type: .leastAllocated, resources: [])
    let plugin = try NodeResourcesFit(args: NodeResourcesFitArgs(scoringStrategy: strategy), handle: FakeHandle())
    let result = plugin.score(state: CycleState(), pod: PodBuilder("p").info(), node: nodeInfo("n", req("1", "1Gi")))
    #expect(result.score == 0)
    #expect(result.status == .error("resources not found"))
}
