import KubeAPI
import SchedulerFramework
import SchedulerTesting
import TaintTolerationPlugin
import Testing

private func node(_ name: String, _ taints: [Taint]) -> NodeInfo {
    taints.reduce(NodeBuilder(name)) { $0.taint(key: $1.key, value: $1.value, effect: $1.effect) }.info()
}

private func pod(_ tolerations: [Toleration]) -> PodBuilder {
    tolerations.reduce(PodBuilder("p")) {
        $0.toleration(key: $1.key, operator: $1.operator, value: $1.value, effect: $1.effect)
    }
}

struct TaintFilterCase: CustomTestStringConvertible, Sendable {
    let name: String
    let tolerations: [Toleration]
    let taints: [Taint]
    let fits: Bool
    var testDescription: String { name }
}

/// Upstream's `TestTaintTolerationFilter`, with the v1.35 reason.
@Test(arguments: [
    TaintFilterCase(
        name: "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
        tolerations: [],
        taints: [Taint(key: "dedicated", value: "user1", effect: "NoSchedule")],
        fits: false
    ),
    TaintFilterCase(
        name: "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
        tolerations: [Toleration(key: "dedicated", operator: "Equal", value: "user1", effect: "NoSchedule")],
        taints: [Taint(key: "dedicated", value: "user1", effect: "NoSchedule")],
        fits: true
    ),
    TaintFilterCase(
        name: "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
        tolerations: [Toleration(key: "dedicated", operator: "Equal", value: "user2", effect: "NoSchedule")],
        taints: [Taint(key: "dedicated", value: "user1", effect: "NoSchedule")],
        fits: false
    ),
    TaintFilterCase(
        name:
            "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",
        tolerations: [Toleration(key: "foo", operator: "Exists", effect: "NoSchedule")],
        taints: [Taint(key: "foo", value: "bar", effect: "NoSchedule")],
        fits: true
    ),
    TaintFilterCase(
        name:
            "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node",
        tolerations: [
            Toleration(key: "dedicated", operator: "Equal", value: "user2", effect: "NoSchedule"),
            Toleration(key: "foo", operator: "Exists", effect: "NoSchedule"),
        ],
        taints: [
            Taint(key: "dedicated", value: "user2", effect: "NoSchedule"),
            Taint(key: "foo", value: "bar", effect: "NoSchedule"),
        ],
        fits: true
    ),
    TaintFilterCase(
        name:
            "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
        tolerations: [Toleration(key: "foo", operator: "Equal", value: "bar", effect: "PreferNoSchedule")],
        taints: [Taint(key: "foo", value: "bar", effect: "NoSchedule")],
        fits: false
    ),
    TaintFilterCase(
        name:
            "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",
        tolerations: [Toleration(key: "foo", operator: "Equal", value: "bar")],
        taints: [Taint(key: "foo", value: "bar", effect: "NoSchedule")],
        fits: true
    ),
    TaintFilterCase(
        name:
            "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
        tolerations: [Toleration(key: "dedicated", operator: "Equal", value: "user2", effect: "NoSchedule")],
        taints: [Taint(key: "dedicated", value: "user1", effect: "PreferNoSchedule")],
        fits: true
    ),
    TaintFilterCase(
        name:
            "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
        tolerations: [],
        taints: [Taint(key: "dedicated", value: "user1", effect: "PreferNoSchedule")],
        fits: true
    ),
    TaintFilterCase(
        name: "An empty key with operator Exists tolerates every taint",
        tolerations: [Toleration(operator: "Exists")],
        taints: [Taint(key: "a", value: "1", effect: "NoSchedule"), Taint(key: "b", effect: "NoExecute")],
        fits: true
    ),
    TaintFilterCase(
        name: "An empty key with operator Exists and an effect tolerates only that effect",
        tolerations: [Toleration(operator: "Exists", effect: "NoSchedule")],
        taints: [Taint(key: "a", value: "1", effect: "NoSchedule"), Taint(key: "b", effect: "NoExecute")],
        fits: false
    ),
    TaintFilterCase(
        name: "An untolerated NoExecute taint rejects the node",
        tolerations: [],
        taints: [Taint(key: "node.kubernetes.io/not-ready", effect: "NoExecute")],
        fits: false
    ),
    TaintFilterCase(
        name: "A NoExecute toleration with tolerationSeconds tolerates the taint for scheduling",
        tolerations: [Toleration(key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute")],
        taints: [Taint(key: "node.kubernetes.io/not-ready", effect: "NoExecute")],
        fits: true
    ),
    TaintFilterCase(
        name: "Equal with an empty value matches a taint without value only",
        tolerations: [Toleration(key: "foo", operator: "Equal", effect: "NoSchedule")],
        taints: [Taint(key: "foo", value: "bar", effect: "NoSchedule")],
        fits: false
    ),
    TaintFilterCase(
        name: "Default operator is Equal",
        tolerations: [Toleration(key: "foo", value: "bar")],
        taints: [Taint(key: "foo", value: "bar", effect: "NoExecute")],
        fits: true
    ),
    TaintFilterCase(
        name: "Gt is alpha and off: never tolerates",
        tolerations: [Toleration(key: "foo", operator: "Gt", value: "1", effect: "NoSchedule")],
        taints: [Taint(key: "foo", value: "5", effect: "NoSchedule")],
        fits: false
    ),
])
func taintTolerationFilter(_ c: TaintFilterCase) {
    let plugin = TaintToleration(handle: FakeHandle())
    let status = plugin.filter(state: CycleState(), pod: pod(c.tolerations).info(), node: node("node", c.taints))
    if c.fits {
        #expect(status == .success)
    } else {
        #expect(status.code == .unschedulableAndUnresolvable)
        #expect(status.reasons == ["node(s) had untolerated taint(s)"])
    }
}

@Test func taintTolerationFindsFirstUntoleratedTaintInNodeOrder() {
    let taints = [
        Taint(key: "a", effect: "PreferNoSchedule"), Taint(key: "b", effect: "NoExecute"),
        Taint(key: "c", effect: "NoSchedule"),
    ]
    #expect(TaintToleration.firstUntoleratedTaint(taints, tolerations: [])?.key == "b")
    #expect(
        TaintToleration.firstUntoleratedTaint(taints, tolerations: [Toleration(key: "b", operator: "Exists")])?.key
            == "c"
    )
}

struct TaintScoreCase: CustomTestStringConvertible, Sendable {
    let name: String
    let tolerations: [Toleration]
    let nodes: [[Taint]]
    let raw: [Int64]
    let normalized: [Int64]
    var testDescription: String { name }
}

/// Upstream's `TestTaintTolerationScore`: raw count of intolerable PreferNoSchedule taints, then reversed.
@Test(arguments: [
    TaintScoreCase(
        name: "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
        tolerations: [Toleration(key: "foo", operator: "Equal", value: "bar", effect: "PreferNoSchedule")],
        nodes: [
            [Taint(key: "foo", value: "bar", effect: "PreferNoSchedule")],
            [Taint(key: "foo", value: "blah", effect: "PreferNoSchedule")],
        ],
        raw: [0, 1],
        normalized: [100, 0]
    ),
    TaintScoreCase(
        name:
            "the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has",
        tolerations: [
            Toleration(key: "cpu-type", operator: "Equal", value: "arm64", effect: "PreferNoSchedule"),
            Toleration(key: "disk-type", operator: "Equal", value: "ssd", effect: "PreferNoSchedule"),
        ],
        nodes: [
            [], [Taint(key: "cpu-type", value: "arm64", effect: "PreferNoSchedule")],
            [
                Taint(key: "cpu-type", value: "arm64", effect: "PreferNoSchedule"),
                Taint(key: "disk-type", value: "ssd", effect: "PreferNoSchedule"),
            ],
        ],
        raw: [0, 0, 0],
        normalized: [100, 100, 100]
    ),
    TaintScoreCase(
        name: "the more intolerable taints a node has, the lower score it gets.",
        tolerations: [Toleration(key: "foo", operator: "Equal", value: "bar", effect: "PreferNoSchedule")],
        nodes: [
            [], [Taint(key: "cpu-type", value: "arm64", effect: "PreferNoSchedule")],
            [
                Taint(key: "cpu-type", value: "arm64", effect: "PreferNoSchedule"),
                Taint(key: "disk-type", value: "ssd", effect: "PreferNoSchedule"),
            ],
        ],
        raw: [0, 1, 2],
        normalized: [100, 50, 0]
    ),
    TaintScoreCase(
        name:
            "only taints and tolerations that have effect PreferNoSchedule are checked by prioritizeTaintsPriority function",
        tolerations: [
            Toleration(key: "cpu-type", operator: "Equal", value: "arm64", effect: "NoSchedule"),
            Toleration(key: "disk-type", operator: "Equal", value: "ssd"),
        ],
        nodes: [
            [], [Taint(key: "cpu-type", value: "arm64", effect: "NoSchedule")],
            [
                Taint(key: "cpu-type", value: "arm64", effect: "PreferNoSchedule"),
                Taint(key: "disk-type", value: "ssd", effect: "PreferNoSchedule"),
            ],
        ],
        raw: [0, 0, 1],
        normalized: [100, 100, 0]
    ),
    TaintScoreCase(
        name: "Default behaviour No taints and tolerations",
        tolerations: [],
        nodes: [[], []],
        raw: [0, 0],
        normalized: [100, 100]
    ),
    TaintScoreCase(
        name: "three nodes: 100 - score × 100 / max truncates",
        tolerations: [],
        nodes: [
            [Taint(key: "a", effect: "PreferNoSchedule")],
            [
                Taint(key: "a", effect: "PreferNoSchedule"), Taint(key: "b", effect: "PreferNoSchedule"),
                Taint(key: "c", effect: "PreferNoSchedule"),
            ],
            [],
        ],
        raw: [1, 3, 0],
        normalized: [67, 0, 100]
    ),
])
func taintTolerationScore(_ c: TaintScoreCase) {
    let plugin = TaintToleration(handle: FakeHandle())
    let nodes = c.nodes.enumerated().map { node("node\($0.offset)", $0.element) }
    let info = pod(c.tolerations).info()
    let state = CycleState()
    #expect(plugin.preScore(state: state, pod: info, nodes: nodeList(nodes)).isSuccess)
    var scores = nodes.map { plugin.score(state: state, pod: info, node: $0).score }
    #expect(scores == c.raw)
    #expect(plugin.normalizeScores(state: state, pod: info, nodes: nodeList(nodes), scores: &scores).isSuccess)
    #expect(scores == c.normalized)
}

@Test func taintTolerationScoreWithoutPreScoreFallsBack() {
    let plugin = TaintToleration(handle: FakeHandle())
    let tainted = node("n", [Taint(key: "a", effect: "PreferNoSchedule"), Taint(key: "b", effect: "PreferNoSchedule")])
    let info = PodBuilder("p").toleration(key: "a", operator: "Exists").info()
    #expect(plugin.score(state: CycleState(), pod: info, node: tainted).score == 1)
}

@Test func taintTolerationEvents() {
    let events = TaintToleration(handle: FakeHandle()).eventsToRegister()
    #expect(events.map(\.event.resource) == [.node, .pod])
    #expect(events[0].event.action == [.add, .updateNodeTaint])
    #expect(events[1].event.action == .updatePodToleration)
    let target = PodBuilder("p").build()
    let tainted = NodeBuilder("n").taint(key: "a", effect: "NoSchedule").build()
    let clean = NodeBuilder("n").build()
    #expect(events[0].hint?(target, .node(tainted), .node(clean)) == .queue)
    #expect(events[0].hint?(target, .node(clean), .node(tainted)) == .skip)
    #expect(events[0].hint?(target, nil, .node(tainted)) == .skip)
    #expect(events[0].hint?(target, nil, .node(clean)) == .queue)
    #expect(events[1].hint?(target, .pod(target), .pod(target)) == .queue)
    #expect(events[1].hint?(target, nil, .pod(PodBuilder("other").build())) == .skip)
}
