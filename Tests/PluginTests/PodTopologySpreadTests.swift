import Foundation
import InTreePlugins
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import PodTopologySpreadPlugin

private typealias Plugin = PodTopologySpread

private let doNotSchedule = "DoNotSchedule"
private let scheduleAnyway = "ScheduleAnyway"
private let hostname = "kubernetes.io/hostname"
private let fooSelector = expressions(requirement("foo", "Exists"))
private let barSelector = expressions(requirement("bar", "Exists"))
private let notMatching = Status(.unschedulable, Plugin.reasonConstraintsNotMatch)
private let missingLabel = Status(.unschedulableAndUnresolvable, Plugin.reasonNodeLabelNotMatch)
private let noSchedule = Taint(key: "node.kubernetes.io/unschedulable", effect: Taint.noSchedule)

private func plugin(
    _ args: PodTopologySpreadArgs = .defaults,
    objects: FakeObjectLister = FakeObjectLister()
) throws -> Plugin {
    try Plugin(args: args, handle: FakeHandle(objects: objects))
}

private let listDefaulting = PodTopologySpreadArgs(defaultingType: .list)

private func pod(_ name: String = "p", _ labels: [String: String] = ["foo": ""]) -> PodBuilder {
    PodBuilder(name).labels(labels)
}

private func placed(_ name: String, on node: String, _ labels: [String: String] = ["foo": ""]) -> PodBuilder {
    PodBuilder(name).labels(labels).node(node)
}

/// Four nodes in two zones, labelled `zone` and `node` (upstream's usual layout).
private let abxy = [
    labeledNode("node-a", ["zone": "zone1", "node": "node-a"]),
    labeledNode("node-b", ["zone": "zone1", "node": "node-b"]),
    labeledNode("node-x", ["zone": "zone2", "node": "node-x"]),
    labeledNode("node-y", ["zone": "zone2", "node": "node-y"]),
]
/// Matching pods spread as 2/1/0/3 over node-a, node-b, node-x, node-y.
private let spread2103 = [
    placed("p-a1", on: "node-a"), placed("p-a2", on: "node-a"), placed("p-b1", on: "node-b"),
    placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y"), placed("p-y3", on: "node-y"),
]

struct SpreadFilterCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    var nodes: [Node] = abxy
    var pods: [PodBuilder] = []
    var args = listDefaulting
    var objects = FakeObjectLister()
    var preFilter: Status = .success
    /// One status per node.
    var filter: [Status] = []
    var testDescription: String { name }
}

/// Upstream's `TestSingleConstraint` and `TestMultipleConstraints` (podtopologyspread/filtering_test.go), then
/// minDomains, the node inclusion policies and the defaults.
private let filterCases: [SpreadFilterCase] = [
    SpreadFilterCase(
        name: "no existing pods",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector),
        filter: [.success, .success, .success, .success]
    ),
    SpreadFilterCase(
        name: "no existing pods, incoming pod doesn't match itself",
        pod: pod().spread(1, "zone", doNotSchedule, barSelector),
        filter: [.success, .success, .success, .success]
    ),
    SpreadFilterCase(
        name: "existing pods in a different namespace do not count",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector),
        pods: [
            placed("p-a1", on: "node-a").inNamespace("ns1"), placed("p-b1", on: "node-a").inNamespace("ns2"),
            placed("p-x1", on: "node-x"), placed("p-y1", on: "node-y"),
        ],
        filter: [.success, .success, notMatching, notMatching]
    ),
    SpreadFilterCase(
        name: "pods spread across zones as 3/3, all nodes fit",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector),
        pods: [
            placed("p-a1", on: "node-a"), placed("p-a2", on: "node-a"), placed("p-b1", on: "node-b"),
            placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y"), placed("p-y3", on: "node-y"),
        ],
        filter: [.success, .success, .success, .success]
    ),
    SpreadFilterCase(
        name: "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector),
        nodes: [abxy[0], labeledNode("node-b", ["zon": "zone1", "node": "node-b"]), abxy[2], abxy[3]],
        pods: [
            placed("p-a1", on: "node-a"), placed("p-b1", on: "node-b"), placed("p-x1", on: "node-x"),
            placed("p-y1", on: "node-y"),
        ],
        filter: [.success, missingLabel, notMatching, notMatching]
    ),
    SpreadFilterCase(
        name: "pod cannot be scheduled as all nodes don't have label 'rack'",
        pod: pod().spread(1, "rack", doNotSchedule, fooSelector),
        nodes: [abxy[0], abxy[2]],
        filter: [missingLabel, missingLabel]
    ),
    SpreadFilterCase(
        name: "pods spread across nodes as 2/1/0/3, only node-x fits",
        pod: pod().spread(1, "node", doNotSchedule, fooSelector),
        pods: spread2103,
        filter: [notMatching, notMatching, .success, notMatching]
    ),
    SpreadFilterCase(
        name: "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
        pod: pod().spread(2, "node", doNotSchedule, fooSelector),
        pods: spread2103,
        filter: [notMatching, .success, .success, notMatching]
    ),
    SpreadFilterCase(
        name: "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
        pod: pod("p", ["bar": ""]).spread(1, "node", doNotSchedule, fooSelector),
        pods: spread2103,
        filter: [notMatching, .success, .success, notMatching]
    ),
    SpreadFilterCase(
        name: "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
        pod: pod().requiredNodeAffinity([
            NodeSelectorRequirement(key: "node", operator: "In", values: ["node-a", "node-y"])
        ])
        .spread(1, "node", doNotSchedule, fooSelector),
        pods: spread2103,
        filter: [.success, .success, .success, notMatching]
    ),
    SpreadFilterCase(
        name: "terminating Pods should be excluded",
        pod: pod().spread(1, "node", doNotSchedule, fooSelector),
        nodes: [labeledNode("node-a", ["node": "node-a"]), labeledNode("node-b", ["node": "node-b"])],
        pods: [placed("p-a", on: "node-a").terminating(), placed("p-b", on: "node-b")],
        filter: [.success, notMatching]
    ),
    SpreadFilterCase(
        name: "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector).spread(1, "node", doNotSchedule, fooSelector),
        pods: [
            placed("p-a1", on: "node-a"), placed("p-a2", on: "node-a"), placed("p-b1", on: "node-b"),
            placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y"), placed("p-y3", on: "node-y"),
        ],
        filter: [notMatching, notMatching, .success, notMatching]
    ),
    SpreadFilterCase(
        name: "two Constraints on zone and node, spreads = [3/4, 2/1/0/4]",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector).spread(1, "node", doNotSchedule, fooSelector),
        pods: [
            placed("p-a1", on: "node-a"), placed("p-a2", on: "node-a"), placed("p-b1", on: "node-b"),
            placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y"), placed("p-y3", on: "node-y"),
            placed("p-y4", on: "node-y"),
        ],
        filter: [notMatching, notMatching, notMatching, notMatching]
    ),
    // minDomains: with fewer eligible domains than minDomains the global minimum is 0.
    SpreadFilterCase(
        name:
            "pods spread across zones as 1/1, minDomains 3 is more than the 2 domains, so the global minimum is 0 and no node fits",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector, minDomains: 3),
        pods: [placed("p-a1", on: "node-a"), placed("p-x1", on: "node-x")],
        filter: [notMatching, notMatching, notMatching, notMatching]
    ),
    SpreadFilterCase(
        name: "pods spread across zones as 1/1, minDomains 2 equals the 2 domains, so every node fits",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector, minDomains: 2),
        pods: [placed("p-a1", on: "node-a"), placed("p-x1", on: "node-x")],
        filter: [.success, .success, .success, .success]
    ),
    SpreadFilterCase(
        name:
            "minDomains counts domains without matching pods: 3 zones with 2/1/0 and minDomains 3 keep the real minimum 0",
        pod: pod().spread(2, "zone", doNotSchedule, fooSelector, minDomains: 3),
        nodes: [labeledNode("a", ["zone": "z1"]), labeledNode("b", ["zone": "z2"]), labeledNode("c", ["zone": "z3"])],
        pods: [placed("p1", on: "a"), placed("p2", on: "a"), placed("p3", on: "b")],
        filter: [notMatching, .success, .success]
    ),
    SpreadFilterCase(
        name: "minDomains larger than the domains of a node-scoped spread: minimum 0 even though every node has pods",
        pod: pod().spread(1, "node", doNotSchedule, fooSelector, minDomains: 5),
        pods: [
            placed("p-a1", on: "node-a"), placed("p-b1", on: "node-b"), placed("p-x1", on: "node-x"),
            placed("p-y1", on: "node-y"),
        ],
        filter: [notMatching, notMatching, notMatching, notMatching]
    ),
    // nodeAffinityPolicy.
    SpreadFilterCase(
        name:
            "NodeAffinityPolicy honored with nodeSelector: zone2 has no eligible node, so its count does not raise the minimum",
        pod: pod().nodeSelector(["foo": ""]).spread(1, "zone", doNotSchedule, fooSelector),
        nodes: [labeledNode("node-a", ["zone": "zone1", "foo": ""]), labeledNode("node-x", ["zone": "zone2"])],
        pods: [placed("p-a1", on: "node-a"), placed("p-x1", on: "node-x"), placed("p-x2", on: "node-x")],
        filter: [.success, .success]
    ),
    SpreadFilterCase(
        name: "NodeAffinityPolicy ignored with nodeSelector: zone2 counts, node-x is too full",
        pod: pod().nodeSelector(["foo": ""]).spread(
            1,
            "zone",
            doNotSchedule,
            fooSelector,
            nodeAffinityPolicy: "Ignore"
        ),
        nodes: [labeledNode("node-a", ["zone": "zone1", "foo": ""]), labeledNode("node-x", ["zone": "zone2"])],
        pods: [placed("p-a1", on: "node-a"), placed("p-x1", on: "node-x"), placed("p-x2", on: "node-x")],
        filter: [.success, notMatching]
    ),
    // nodeTaintsPolicy.
    SpreadFilterCase(
        name: "NodeTaintsPolicy ignored (the default): the tainted node's pods count",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector),
        nodes: [
            labeledNode("node-a", ["zone": "zone1"]), labeledNode("node-x", ["zone": "zone2"]),
            labeledNode("node-y", ["zone": "zone2"], taints: [noSchedule]),
        ],
        pods: [placed("p-a1", on: "node-a"), placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y")],
        filter: [.success, notMatching, notMatching]
    ),
    SpreadFilterCase(
        name: "NodeTaintsPolicy honored: the untolerated tainted node is left out",
        pod: pod().spread(1, "zone", doNotSchedule, fooSelector, nodeTaintsPolicy: "Honor"),
        nodes: [
            labeledNode("node-a", ["zone": "zone1"]), labeledNode("node-x", ["zone": "zone2"]),
            labeledNode("node-y", ["zone": "zone2"], taints: [noSchedule]),
        ],
        pods: [placed("p-a1", on: "node-a"), placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y")],
        filter: [notMatching, .success, .success]
    ),
    SpreadFilterCase(
        name: "NodeTaintsPolicy honored with a toleration: the tainted node counts again",
        pod: pod().toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists")
            .spread(1, "zone", doNotSchedule, fooSelector, nodeTaintsPolicy: "Honor"),
        nodes: [
            labeledNode("node-a", ["zone": "zone1"]), labeledNode("node-x", ["zone": "zone2"]),
            labeledNode("node-y", ["zone": "zone2"], taints: [noSchedule]),
        ],
        pods: [placed("p-a1", on: "node-a"), placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y")],
        filter: [.success, notMatching, notMatching]
    ),
    // matchLabelKeys.
    SpreadFilterCase(
        name: "matchLabelKeys: only pods with the same value of the key count",
        pod: pod("p", ["foo": "", "rev": "2"]).spread(1, "node", doNotSchedule, fooSelector, matchLabelKeys: ["rev"]),
        pods: [
            placed("old-a1", on: "node-a", ["foo": "", "rev": "1"]),
            placed("old-a2", on: "node-a", ["foo": "", "rev": "1"]),
            placed("new-b1", on: "node-b", ["foo": "", "rev": "2"]),
            placed("new-x1", on: "node-x", ["foo": "", "rev": "2"]),
        ],
        filter: [.success, notMatching, notMatching, .success]
    ),
    // Defaults.
    SpreadFilterCase(
        name: "no constraints and System defaulting: the system defaults are ScheduleAnyway only, so Filter is skipped",
        pod: pod(),
        args: .defaults,
        preFilter: .skip
    ),
    SpreadFilterCase(
        name: "List defaulting with a hard default constraint and a ReplicaSet selecting the pod",
        pod: pod().owner("ReplicaSet", "rs1"),
        pods: [placed("p-a1", on: "node-a"), placed("p-a2", on: "node-a")],
        args: PodTopologySpreadArgs(
            defaultConstraints: [
                TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: doNotSchedule)
            ],
            defaultingType: .list
        ),
        objects: {
            var objects = FakeObjectLister()
            objects.replicaSetList = [
                ReplicaSet(metadata: ObjectMeta(name: "rs1", namespace: "default"), selector: fooSelector)
            ]
            return objects
        }(),
        filter: [notMatching, notMatching, .success, .success]
    ),
    SpreadFilterCase(
        name: "List defaulting with a hard default constraint but nothing selecting the pod: no constraints",
        pod: pod(),
        args: PodTopologySpreadArgs(
            defaultConstraints: [
                TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: doNotSchedule)
            ],
            defaultingType: .list
        ),
        preFilter: .skip
    ),
    SpreadFilterCase(
        name: "own constraints win over default constraints",
        pod: pod().spread(3, "node", doNotSchedule, fooSelector).owner("ReplicaSet", "rs1"),
        pods: spread2103,
        args: PodTopologySpreadArgs(
            defaultConstraints: [
                TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: doNotSchedule)
            ],
            defaultingType: .list
        ),
        objects: {
            var objects = FakeObjectLister()
            objects.replicaSetList = [
                ReplicaSet(metadata: ObjectMeta(name: "rs1", namespace: "default"), selector: fooSelector)
            ]
            return objects
        }(),
        filter: [.success, .success, .success, notMatching]
    ),
    SpreadFilterCase(
        name: "only ScheduleAnyway constraints: Filter is skipped",
        pod: pod().spread(1, "zone", scheduleAnyway, fooSelector),
        preFilter: .skip
    ),
]

@Suite struct PodTopologySpreadFilterTests {
    @Test(arguments: filterCases)
    func preFilterAndFilter(_ c: SpreadFilterCase) throws {
        let snapshot = makeSnapshot(c.nodes, pods: c.pods)
        let (preFilter, statuses) = runPreFilterAndFilter(
            try plugin(c.args, objects: c.objects),
            pod: c.pod.info(),
            snapshot: snapshot
        )
        #expect(preFilter == c.preFilter)
        if preFilter.isSuccess { #expect(statuses == c.filter) }
    }

    @Test func reasonsAndCodes() {
        #expect(Plugin.reasonConstraintsNotMatch == "node(s) didn't match pod topology spread constraints")
        #expect(
            Plugin.reasonNodeLabelNotMatch
                == "node(s) didn't match pod topology spread constraints (missing required label)"
        )
    }

    @Test func filterWithoutPreFilterIsAnError() throws {
        let status = try plugin().filter(state: CycleState(), pod: pod().info(), node: NodeInfo(node: abxy[0]))
        #expect(status == .error(#"reading "PreFilterPodTopologySpread" from cycleState: not found"#))
    }

    /// Upstream's `TestPreFilterStateAddPod`/`RemovePod` idea: a pod added to node-x raises zone2 and node-x,
    /// removing it restores the counts; the global minimum follows.
    @Test func addAndRemovePodUpdateCountsAndMinimum() throws {
        let plugin = try plugin(listDefaulting)
        let incoming = pod().spread(1, "zone", doNotSchedule, fooSelector).info()
        let snapshot = makeSnapshot(abxy, pods: [placed("p-a1", on: "node-a")])
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: incoming, snapshot: snapshot)
        let prepared = try #require(state.read(Plugin.preFilterKey))
        #expect(prepared.matchCounts == [["zone1": 1, "zone2": 0]])
        #expect(prepared.minMatch(0) == 0)
        #expect(
            abxy.indices.map { plugin.filter(state: state, pod: incoming, node: snapshot.nodes[$0]) } == [
                notMatching, notMatching, .success, .success,
            ]
        )

        let cloned = state.clone()
        let added = placed("new", on: "node-x").info()
        #expect(
            plugin.addPod(state: cloned, podToSchedule: incoming, podToAdd: added, nodeInfo: snapshot.nodes[2])
                == .success
        )
        let afterAdd = try #require(cloned.read(Plugin.preFilterKey))
        #expect(afterAdd.matchCounts == [["zone1": 1, "zone2": 1]])
        #expect(afterAdd.minMatch(0) == 1)
        #expect(
            abxy.indices.map { plugin.filter(state: cloned, pod: incoming, node: snapshot.nodes[$0]) } == [
                .success, .success, .success, .success,
            ]
        )
        // The original state is unchanged.
        #expect(prepared.matchCounts == [["zone1": 1, "zone2": 0]])

        #expect(
            plugin.removePod(state: cloned, podToSchedule: incoming, podToRemove: added, nodeInfo: snapshot.nodes[2])
                == .success
        )
        let afterRemove = try #require(cloned.read(Plugin.preFilterKey))
        #expect(afterRemove.matchCounts == [["zone1": 1, "zone2": 0]])
        #expect(afterRemove.minMatch(0) == 0)

        // Pods of another namespace or not matching the selector do not count.
        _ = plugin.addPod(
            state: cloned,
            podToSchedule: incoming,
            podToAdd: placed("other", on: "node-x").inNamespace("ns1").info(),
            nodeInfo: snapshot.nodes[2]
        )
        _ = plugin.addPod(
            state: cloned,
            podToSchedule: incoming,
            podToAdd: placed("bar", on: "node-x", ["bar": ""]).info(),
            nodeInfo: snapshot.nodes[2]
        )
        #expect(try #require(cloned.read(Plugin.preFilterKey)).matchCounts == [["zone1": 1, "zone2": 0]])
    }

    /// Upstream's `TestCriticalPaths` idea: the first path always holds the minimum.
    @Test func criticalPathsKeepTheMinimumFirst() {
        var paths = CriticalPaths()
        for (value, count) in [("a", 3), ("b", 1), ("c", 2), ("d", 0)] { paths.update(value, count) }
        #expect(paths.first.value == "d" && paths.first.count == 0)
        #expect(paths.second.value == "b" && paths.second.count == 1)
        paths.update("d", 1)
        #expect(paths.first.count == 1)
        paths.update("b", 2)
        #expect(paths.first.value == "d" && paths.first.count == 1)
    }
}

// MARK: - Scoring

struct SpreadScoreCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    var pods: [PodBuilder] = []
    let nodes: [Node]
    var failedNodes: [Node] = []
    var objects = FakeObjectLister()
    var args = PodTopologySpreadArgs.defaults
    let expected: [Int64]
    var testDescription: String { name }
}

private func hostNode(_ name: String, _ extra: [String: String] = [:]) -> Node {
    labeledNode(name, [hostname: name].merging(extra) { $1 })
}

private func placedFoo(_ names: [String: Int]) -> [PodBuilder] {
    names.sorted { $0.key < $1.key }.flatMap { node, count in (1...count).map { placed("p-\(node)\($0)", on: node) } }
}

private let serviceFoo: FakeObjectLister = {
    var objects = FakeObjectLister()
    objects.serviceList = [Service(metadata: ObjectMeta(name: "svc", namespace: "default"), selector: ["foo": ""])]
    return objects
}()

/// Upstream's `TestPodTopologySpreadScore` (podtopologyspread/scoring_test.go).
private let scoreCases: [SpreadScoreCase] = [
    SpreadScoreCase(
        name: "one constraint on node, no existing pods",
        pod: pod().spread(1, hostname, scheduleAnyway, fooSelector),
        nodes: [hostNode("node-a"), hostNode("node-b")],
        expected: [100, 100]
    ),
    SpreadScoreCase(
        name: "one constraint on node, only one node is candidate",
        pod: pod().spread(1, hostname, scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 2, "node-b": 1]),
        nodes: [hostNode("node-a")],
        failedNodes: [hostNode("node-b")],
        expected: [100]
    ),
    SpreadScoreCase(
        name: "one constraint on node, all nodes have the same number of matching pods",
        pod: pod().spread(1, hostname, scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 1, "node-b": 1]),
        nodes: [hostNode("node-a"), hostNode("node-b")],
        expected: [100, 100]
    ),
    SpreadScoreCase(
        name: "one constraint on node, all 4 nodes are candidates",
        pod: pod().spread(1, hostname, scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-d": 3]),
        nodes: [hostNode("node-a"), hostNode("node-b"), hostNode("node-c"), hostNode("node-d")],
        expected: [20, 60, 100, 0]
    ),
    SpreadScoreCase(
        name: "one constraint on node, null selector",
        pod: pod().spread(1, hostname, scheduleAnyway, nil),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-d": 3]),
        nodes: [hostNode("node-a"), hostNode("node-b"), hostNode("node-c"), hostNode("node-d")],
        expected: [100, 100, 100, 100]
    ),
    SpreadScoreCase(
        name: "one constraint on node, all 4 nodes are candidates, maxSkew=2",
        pod: pod().spread(2, hostname, scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-d": 3]),
        nodes: [hostNode("node-a"), hostNode("node-b"), hostNode("node-c"), hostNode("node-d")],
        expected: [33, 66, 100, 16]
    ),
    SpreadScoreCase(
        name: "one constraint on node, all 4 nodes are candidates, maxSkew=3",
        pod: pod().spread(3, hostname, scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 4, "node-b": 3, "node-c": 2, "node-d": 1]),
        nodes: [hostNode("node-a"), hostNode("node-b"), hostNode("node-c"), hostNode("node-d")],
        expected: [44, 66, 77, 100]
    ),
    SpreadScoreCase(
        name: "system defaulting, nodes don't have zone, pods match service",
        pod: pod(),
        pods: placedFoo(["node-a": 4, "node-b": 3, "node-c": 2, "node-d": 1]),
        nodes: [hostNode("node-a"), hostNode("node-b"), hostNode("node-c"), hostNode("node-d")],
        objects: serviceFoo,
        expected: [44, 66, 77, 100]
    ),
    SpreadScoreCase(
        name: "one constraint on node, 3 out of 4 nodes are candidates",
        pod: pod().spread(1, hostname, scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3]),
        nodes: [hostNode("node-a"), hostNode("node-b"), hostNode("node-x")],
        failedNodes: [hostNode("node-y")],
        expected: [33, 83, 100]
    ),
    SpreadScoreCase(
        name: "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
        pod: pod().spread(1, hostname, scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3]),
        nodes: [hostNode("node-a"), labeledNode("node-b", ["n": "node-b"]), hostNode("node-x")],
        failedNodes: [hostNode("node-y")],
        expected: [16, 0, 100]
    ),
    SpreadScoreCase(
        name: "one constraint on zone, 3 out of 4 nodes are candidates",
        pod: pod().spread(1, "zone", scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3]),
        nodes: [
            hostNode("node-a", ["zone": "zone1"]), hostNode("node-b", ["zone": "zone1"]),
            hostNode("node-x", ["zone": "zone2"]),
        ],
        failedNodes: [hostNode("node-y", ["zone": "zone2"])],
        expected: [75, 75, 100]
    ),
    SpreadScoreCase(
        name: "two Constraints on zone and node, 2 out of 4 nodes are candidates",
        pod: pod().spread(1, "zone", scheduleAnyway, fooSelector).spread(1, hostname, scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-x": 2, "node-y": 4]),
        nodes: [hostNode("node-a", ["zone": "zone1"]), hostNode("node-x", ["zone": "zone2"])],
        failedNodes: [hostNode("node-b", ["zone": "zone1"]), hostNode("node-y", ["zone": "zone2"])],
        expected: [100, 63]
    ),
    SpreadScoreCase(
        name: "two Constraints on zone and node, with different labelSelectors",
        pod: pod("p", ["foo": "", "bar": ""]).spread(1, "zone", scheduleAnyway, fooSelector).spread(
            1,
            hostname,
            scheduleAnyway,
            barSelector
        ),
        pods: [
            placed("p-a1", on: "node-a"), placed("p-b1", on: "node-b", ["foo": "", "bar": ""]),
            placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y", ["bar": ""]),
        ],
        nodes: [
            hostNode("node-a", ["zone": "zone1"]), hostNode("node-b", ["zone": "zone1"]),
            hostNode("node-x", ["zone": "zone2"]),
            hostNode("node-y", ["zone": "zone2"]),
        ],
        expected: [60, 20, 100, 60]
    ),
    SpreadScoreCase(
        name: "two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
        pod: pod("p", ["foo": "", "bar": ""]).spread(1, "zone", scheduleAnyway, fooSelector).spread(
            1,
            hostname,
            scheduleAnyway,
            barSelector
        ),
        pods: [
            placed("p-b1", on: "node-b", ["bar": ""]), placed("p-x1", on: "node-x"),
            placed("p-y1", on: "node-y", ["foo": "", "bar": ""]),
        ],
        nodes: [
            hostNode("node-a", ["zone": "zone1"]), hostNode("node-b", ["zone": "zone1"]),
            hostNode("node-x", ["zone": "zone2"]),
            hostNode("node-y", ["zone": "zone2"]),
        ],
        expected: [100, 60, 40, 0]
    ),
    SpreadScoreCase(
        name: "two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
        pod: pod("p", ["foo": "", "bar": ""]).spread(1, "zone", scheduleAnyway, fooSelector).spread(
            1,
            hostname,
            scheduleAnyway,
            barSelector
        ),
        pods: [
            placed("p-a1", on: "node-a"), placed("p-b1", on: "node-b", ["foo": "", "bar": ""]),
            placed("p-y1", on: "node-y"), placed("p-y2", on: "node-y", ["bar": ""]),
        ],
        nodes: [
            hostNode("node-a", ["zone": "zone1"]), hostNode("node-b", ["zone": "zone1"]),
            hostNode("node-x", ["zone": "zone2"]),
        ],
        failedNodes: [hostNode("node-y", ["zone": "zone2"])],
        expected: [50, 25, 100]
    ),
    SpreadScoreCase(
        name: "existing pods in a different namespace do not count",
        pod: pod().spread(1, hostname, scheduleAnyway, fooSelector),
        pods: [
            placed("p-a1", on: "node-a").inNamespace("ns1"), placed("p-a2", on: "node-a"), placed("p-b1", on: "node-b"),
            placed("p-b2", on: "node-b"),
        ],
        nodes: [hostNode("node-a"), hostNode("node-b")],
        expected: [100, 33]
    ),
    SpreadScoreCase(
        name: "terminating Pods should be excluded",
        pod: pod().spread(1, hostname, scheduleAnyway, fooSelector),
        pods: [placed("p-a", on: "node-a").terminating(), placed("p-b", on: "node-b")],
        nodes: [hostNode("node-a"), hostNode("node-b")],
        expected: [100, 0]
    ),
    SpreadScoreCase(
        name: "minDomains has no effect when ScheduleAnyway",
        pod: pod().spread(2, "node", scheduleAnyway, fooSelector, minDomains: 10),
        pods: placedFoo(["node-a": 2, "node-b": 2, "node-c": 1]),
        nodes: [
            labeledNode("node-a", ["node": "node-a"]), labeledNode("node-b", ["node": "node-b"]),
            labeledNode("node-c", ["node": "node-c"]),
        ],
        expected: [75, 75, 100]
    ),
    SpreadScoreCase(
        name: "NodeAffinityPolicy honoed with labelSelectors",
        pod: pod().nodeSelector(["foo": ""]).spread(1, "node", scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-c": 1]),
        nodes: [
            labeledNode("node-a", ["node": "node-a", "foo": ""]), labeledNode("node-b", ["node": "node-b", "foo": ""]),
            labeledNode("node-c", ["node": "node-c"]),
        ],
        expected: [0, 33, 100]
    ),
    SpreadScoreCase(
        name: "NodeAffinityPolicy ignored with labelSelectors",
        pod: pod().nodeSelector(["foo": ""]).spread(
            1,
            "node",
            scheduleAnyway,
            fooSelector,
            nodeAffinityPolicy: "Ignore"
        ),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-c": 1]),
        nodes: [
            labeledNode("node-a", ["node": "node-a", "foo": ""]), labeledNode("node-b", ["node": "node-b", "foo": ""]),
            labeledNode("node-c", ["node": "node-c"]),
        ],
        expected: [66, 100, 100]
    ),
    SpreadScoreCase(
        name: "NodeAffinityPolicy honoed with nodeAffinity",
        pod: pod().requiredNodeAffinity([NodeSelectorRequirement(key: "foo", operator: "In", values: [""])])
            .spread(1, "node", scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-c": 1]),
        nodes: [
            labeledNode("node-a", ["node": "node-a", "foo": ""]), labeledNode("node-b", ["node": "node-b", "foo": ""]),
            labeledNode("node-c", ["node": "node-c"]),
        ],
        expected: [0, 33, 100]
    ),
    SpreadScoreCase(
        name: "NodeAffinityPolicy ignored with nodeAffinity",
        pod: pod().requiredNodeAffinity([NodeSelectorRequirement(key: "foo", operator: "In", values: [""])])
            .spread(1, "node", scheduleAnyway, fooSelector, nodeAffinityPolicy: "Ignore"),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-c": 1]),
        nodes: [
            labeledNode("node-a", ["node": "node-a", "foo": ""]), labeledNode("node-b", ["node": "node-b", "foo": ""]),
            labeledNode("node-c", ["node": "node-c"]),
        ],
        expected: [66, 100, 100]
    ),
    SpreadScoreCase(
        name: "NodeTaintsPolicy honored",
        pod: pod().spread(1, "node", scheduleAnyway, fooSelector, nodeTaintsPolicy: "Honor"),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-c": 1]),
        nodes: [
            labeledNode("node-a", ["node": "node-a"]), labeledNode("node-b", ["node": "node-b"]),
            labeledNode("node-c", ["node": "node-c"], taints: [noSchedule]),
        ],
        expected: [0, 33, 100]
    ),
    SpreadScoreCase(
        name: "NodeTaintsPolicy ignored",
        pod: pod().spread(1, "node", scheduleAnyway, fooSelector),
        pods: placedFoo(["node-a": 2, "node-b": 1, "node-c": 1]),
        nodes: [
            labeledNode("node-a", ["node": "node-a"]), labeledNode("node-b", ["node": "node-b"]),
            labeledNode("node-c", ["node": "node-c"], taints: [noSchedule]),
        ],
        expected: [66, 100, 100]
    ),
    SpreadScoreCase(
        name: "matchLabelKeys ANDed with LabelSelector when LabelSelector is empty",
        pod: pod("p", ["foo": "", "bar": ""]).spread(
            1,
            "zone",
            scheduleAnyway,
            LabelSelector(),
            matchLabelKeys: ["foo"]
        )
        .spread(1, hostname, scheduleAnyway, LabelSelector(), matchLabelKeys: ["bar"]),
        pods: [
            placed("p-a1", on: "node-a"), placed("p-b1", on: "node-b", ["foo": "", "bar": ""]),
            placed("p-y1", on: "node-c"), placed("p-y2", on: "node-c", ["bar": ""]),
        ],
        nodes: [
            hostNode("node-a", ["zone": "zone1"]), hostNode("node-b", ["zone": "zone1"]),
            hostNode("node-c", ["zone": "zone2"]),
            hostNode("node-d", ["zone": "zone2"]),
        ],
        expected: [60, 20, 60, 100]
    ),
    SpreadScoreCase(
        name: "matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
        pod: pod("p", ["foo": "", "bar": "", "baz": ""]).spread(1, "zone", scheduleAnyway, fooSelector)
            .spread(1, hostname, scheduleAnyway, barSelector, matchLabelKeys: ["baz"]),
        pods: [
            placed("p-a1", on: "node-a"), placed("p-b1", on: "node-b", ["foo": "", "bar": "", "baz": ""]),
            placed("p-c1", on: "node-c"), placed("p-c2", on: "node-c", ["bar": ""]),
            placed("p-d3", on: "node-c", ["bar": "", "baz": ""]),
        ],
        nodes: [
            hostNode("node-a", ["zone": "zone1"]), hostNode("node-b", ["zone": "zone1"]),
            hostNode("node-c", ["zone": "zone2"]),
            hostNode("node-d", ["zone": "zone2"]),
        ],
        expected: [60, 20, 60, 100]
    ),
]

@Suite struct PodTopologySpreadScoreTests {
    @Test(arguments: scoreCases)
    func preScoreScoreNormalize(_ c: SpreadScoreCase) throws {
        let snapshot = makeSnapshot(c.nodes + c.failedNodes, pods: c.pods)
        let (status, scores) = runScoring(
            try plugin(c.args, objects: c.objects),
            pod: c.pod.info(),
            nodes: feasible(snapshot, c.nodes.map(\.name))
        )
        #expect(status == .success)
        #expect(scores == c.expected)
    }

    /// Upstream's `TestPreScoreSkip`.
    @Test func theChosenNodesAreSkippedWithoutSoftConstraints() throws {
        let nodes = [hostNode("node-a"), hostNode("node-b")]
        let (skip, _) = runScoring(try plugin(listDefaulting), pod: pod().info(), nodes: feasible(makeSnapshot(nodes)))
        #expect(skip == .skip)
        var objects = FakeObjectLister()
        objects.replicaSetList = [
            ReplicaSet(
                metadata: ObjectMeta(name: "rs1", namespace: "default"),
                selector: expressions(requirement("tar", "Exists"))
            )
        ]
        let args = PodTopologySpreadArgs(
            defaultConstraints: [
                TopologySpreadConstraint(maxSkew: 2, topologyKey: "planet", whenUnsatisfiable: scheduleAnyway)
            ],
            defaultingType: .list
        )
        let (noMatch, _) = runScoring(
            try plugin(args, objects: objects),
            pod: pod("p", ["foo": "bar", "baz": "sup"]).owner("ReplicaSet", "rs2").info(),
            nodes: feasible(makeSnapshot([labeledNode("node-a", ["planet": "mars"])]))
        )
        #expect(noMatch == .skip)
    }

    /// Upstream's `TestPreScoreStateEmptyNodes`, "system default constraints and a replicaset": nodes without a zone
    /// are not ignored under the system defaults; they form the zone "".
    @Test func systemDefaultsTolerateNodesWithoutZone() throws {
        var objects = FakeObjectLister()
        objects.replicaSetList = [
            ReplicaSet(metadata: ObjectMeta(name: "rs1", namespace: "default"), selector: fooSelector)
        ]
        let plugin = try plugin(.defaults, objects: objects)
        let snapshot = makeSnapshot([
            hostNode("node-a", ["topology.kubernetes.io/zone": "mars"]),
            hostNode("node-b", ["topology.kubernetes.io/zone": "mars"]),
            hostNode("node-c"), hostNode("node-d"),
        ])
        let state = CycleState()
        let incoming = pod("p", ["foo": "tar", "baz": "sup"]).owner("ReplicaSet", "rs1").info()
        #expect(plugin.preScore(state: state, pod: incoming, nodes: feasible(snapshot)) == .success)
        let prepared = try #require(state.read(Plugin.preScoreKey))
        #expect(prepared.constraints.map(\.topologyKey) == [hostname, "topology.kubernetes.io/zone"])
        #expect(prepared.constraints.map(\.maxSkew) == [3, 5])
        #expect(prepared.ignoredNodes.isEmpty)
        #expect(prepared.counts[1] == ["mars": 0, "": 0])
        #expect(prepared.weights == [log(6.0), log(4.0)])
    }

    /// Upstream's "node-x doesn't have label zone": with the pod's own constraints such a node is ignored (scored 0).
    @Test func ownConstraintsIgnoreNodesMissingAKey() throws {
        let plugin = try plugin(listDefaulting)
        let incoming = pod().spread(2, "zone", scheduleAnyway, fooSelector).spread(
            1,
            hostname,
            scheduleAnyway,
            barSelector
        ).info()
        let snapshot = makeSnapshot([
            hostNode("node-a", ["zone": "zone1"]), hostNode("node-b", ["zone": "zone1"]), hostNode("node-x"),
        ])
        let state = CycleState()
        #expect(plugin.preScore(state: state, pod: incoming, nodes: feasible(snapshot)) == .success)
        let prepared = try #require(state.read(Plugin.preScoreKey))
        #expect(prepared.ignoredNodes == ["node-x"])
        #expect(prepared.counts[0] == ["zone1": 0])
        #expect(prepared.weights == [log(3.0), log(4.0)])
        var scores = snapshot.nodes.map { plugin.score(state: state, pod: incoming, node: $0).score }
        #expect(scores == [1, 1, 0])
        _ = plugin.normalizeScores(state: state, pod: incoming, nodes: feasible(snapshot), scores: &scores)
        #expect(scores == [100, 100, 0])
    }
}

// MARK: - Default selector

@Suite struct PodTopologySpreadDefaultSelectorTests {
    @Test func servicesSelectingThePodAreMerged() throws {
        var objects = FakeObjectLister()
        objects.serviceList = [
            Service(metadata: ObjectMeta(name: "web", namespace: "default"), selector: ["app": "web"]),
            Service(metadata: ObjectMeta(name: "tier", namespace: "default"), selector: ["tier": "front"]),
            Service(metadata: ObjectMeta(name: "other", namespace: "default"), selector: ["app": "db"]),
            Service(metadata: ObjectMeta(name: "elsewhere", namespace: "prod"), selector: ["app": "web"]),
            Service(metadata: ObjectMeta(name: "headless", namespace: "default"), selector: nil),
        ]
        let selector = try plugin(objects: objects).defaultSelector(
            for: PodBuilder("p").labels(["app": "web", "tier": "front"]).build()
        )
        #expect(selector.requirements.map(\.key) == ["app", "tier"])
        #expect(selector.matches(["app": "web", "tier": "front", "x": "y"]))
        #expect(!selector.matches(["app": "web"]))
    }

    @Test func controllersAddTheirSelectorsByOwnerReference() throws {
        var objects = FakeObjectLister()
        objects.replicationControllerList = [
            try decodeArgs(
                ReplicationController.self,
                #"{"metadata": {"name": "rc", "namespace": "default"}, "spec": {"selector": {"rc": "1"}}}"#
            )
        ]
        objects.replicaSetList = [
            ReplicaSet(
                metadata: ObjectMeta(name: "rs", namespace: "default"),
                selector: expressions(requirement("rs", "Exists"))
            )
        ]
        objects.statefulSetList = [
            StatefulSet(
                metadata: ObjectMeta(name: "ss", namespace: "default"),
                selector: LabelSelector(matchLabels: ["ss": "1"])
            )
        ]
        let plugin = try plugin(objects: objects)
        let base = PodBuilder("p").labels(["rc": "1", "rs": "", "ss": "1"])
        #expect(
            plugin.defaultSelector(for: base.owner("ReplicationController", "rc", apiVersion: "v1").build())
                .requirements.map(\.key) == ["rc"]
        )
        #expect(plugin.defaultSelector(for: base.owner("ReplicaSet", "rs").build()).requirements.map(\.key) == ["rs"])
        #expect(plugin.defaultSelector(for: base.owner("StatefulSet", "ss").build()).requirements.map(\.key) == ["ss"])
        // Wrong group/version, unknown kind or a missing object: nothing is added.
        #expect(
            plugin.defaultSelector(for: base.owner("ReplicaSet", "rs", apiVersion: "extensions/v1beta1").build())
                .isEmpty
        )
        #expect(plugin.defaultSelector(for: base.owner("Deployment", "rs").build()).isEmpty)
        #expect(plugin.defaultSelector(for: base.owner("ReplicaSet", "gone").build()).isEmpty)
        // Only the controller reference counts.
        var notController = base.build()
        notController.metadata.ownerReferences = [
            OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", controller: false)
        ]
        #expect(plugin.defaultSelector(for: notController).isEmpty)
    }
}

// MARK: - Args

@Suite struct PodTopologySpreadArgsTests {
    @Test func decodingDefaultsToSystem() throws {
        #expect(
            try decodeArgs(PodTopologySpreadArgs.self, "{}")
                == PodTopologySpreadArgs(defaultConstraints: [], defaultingType: .system)
        )
        #expect(try decodeArgs(PodTopologySpreadArgs.self, #"{"defaultingType": ""}"#).defaultingType == .system)
        let list = try decodeArgs(
            PodTopologySpreadArgs.self,
            #"""
            {"defaultingType": "List", "defaultConstraints": [{"maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"}]}
            """#
        )
        #expect(
            list
                == PodTopologySpreadArgs(
                    defaultConstraints: [
                        TopologySpreadConstraint(maxSkew: 2, topologyKey: "zone", whenUnsatisfiable: scheduleAnyway)
                    ],
                    defaultingType: .list
                )
        )
        try list.validate()
        try PodTopologySpreadArgs.defaults.validate()
        try PodTopologySpreadArgs(defaultingType: .list).validate()
    }

    @Test func missingFieldsTakeGoZeroValuesAndFailValidation() throws {
        let args = try decodeArgs(
            PodTopologySpreadArgs.self,
            #"{"defaultingType": "List", "defaultConstraints": [{"topologyKey": "zone"}]}"#
        )
        #expect(
            args.defaultConstraints == [
                TopologySpreadConstraint(maxSkew: 0, topologyKey: "zone", whenUnsatisfiable: "")
            ]
        )
        #expect(
            throws: PluginArgsError(
                field: "defaultConstraints[0].maxSkew",
                "Invalid value: 0: not in valid range (0, inf)"
            )
        ) { try args.validate() }
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        let args: PodTopologySpreadArgs
        let error: PluginArgsError
        var testDescription: String { name }
    }

    private static func list(_ constraints: TopologySpreadConstraint...) -> PodTopologySpreadArgs {
        PodTopologySpreadArgs(defaultConstraints: constraints, defaultingType: .list)
    }

    /// Upstream's `TestValidatePodTopologySpreadArgs`, one refusal per rule.
    static let refusals: [Refusal] = [
        Refusal(
            name: "unsupported defaulting type",
            args: PodTopologySpreadArgs(defaultingType: .init(rawValue: "Unknown")),
            error: PluginArgsError(
                field: "defaultingType",
                #"Unsupported value: "Unknown": supported values: "System", "List""#
            )
        ),
        Refusal(
            name: "system defaulting with constraints",
            args: PodTopologySpreadArgs(defaultConstraints: [
                TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: scheduleAnyway)
            ]),
            error: PluginArgsError(
                field: "defaultingType",
                #"Invalid value: "System": when .defaultConstraints are not empty"#
            )
        ),
        Refusal(
            name: "negative maxSkew",
            args: list(TopologySpreadConstraint(maxSkew: -1, topologyKey: "zone", whenUnsatisfiable: scheduleAnyway)),
            error: PluginArgsError(
                field: "defaultConstraints[0].maxSkew",
                "Invalid value: -1: not in valid range (0, inf)"
            )
        ),
        Refusal(
            name: "empty topologyKey",
            args: list(TopologySpreadConstraint(maxSkew: 1, topologyKey: "", whenUnsatisfiable: scheduleAnyway)),
            error: PluginArgsError(field: "defaultConstraints[0].topologyKey", "Required value: can not be empty")
        ),
        Refusal(
            name: "invalid topologyKey",
            args: list(TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone!", whenUnsatisfiable: scheduleAnyway)),
            error: PluginArgsError(
                field: "defaultConstraints[0].topologyKey",
                #"Invalid value: "zone!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#
            )
        ),
        Refusal(
            name: "empty whenUnsatisfiable",
            args: list(TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "")),
            error: PluginArgsError(field: "defaultConstraints[0].whenUnsatisfiable", "Required value: can not be empty")
        ),
        Refusal(
            name: "unsupported whenUnsatisfiable",
            args: list(TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "Sometimes")),
            error: PluginArgsError(
                field: "defaultConstraints[0].whenUnsatisfiable",
                #"Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway""#
            )
        ),
        Refusal(
            name: "label selector",
            args: list(
                TopologySpreadConstraint(
                    maxSkew: 1,
                    topologyKey: "zone",
                    whenUnsatisfiable: scheduleAnyway,
                    labelSelector: fooSelector
                )
            ),
            error: PluginArgsError(
                field: "defaultConstraints[0].labelSelector",
                "Forbidden: constraint must not define a selector, as they deduced for each pod"
            )
        ),
        Refusal(
            name: "duplicate constraint",
            args: list(
                TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: doNotSchedule),
                TopologySpreadConstraint(maxSkew: 2, topologyKey: "zone", whenUnsatisfiable: doNotSchedule)
            ),
            error: PluginArgsError(field: "defaultConstraints[1]", #"Duplicate value: "{zone, DoNotSchedule}""#)
        ),
    ]

    @Test(arguments: refusals)
    func validationRefuses(_ refusal: Refusal) {
        #expect(throws: refusal.error) { try refusal.args.validate() }
        #expect(throws: PluginArgsError.self) { try Plugin(args: refusal.args, handle: FakeHandle()) }
    }

    @Test func sameKeyWithBothActionsIsAllowed() throws {
        try Self.list(
            TopologySpreadConstraint(maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: doNotSchedule),
            TopologySpreadConstraint(maxSkew: 2, topologyKey: "zone", whenUnsatisfiable: scheduleAnyway)
        ).validate()
        try Self.list(
            TopologySpreadConstraint(maxSkew: 1, topologyKey: "example.com/rack", whenUnsatisfiable: doNotSchedule)
        ).validate()
    }

    @Test func registryDecodesTheArgs() throws {
        let made = try makeInTreeRegistry()["PodTopologySpread"]?.make(
            JSONArgs(#"{"defaultingType": "List"}"#),
            FakeHandle()
        )
        #expect((made as? Plugin)?.args.defaultingType == .list)
        #expect(throws: PluginArgsError.self) {
            try makeInTreeRegistry()["PodTopologySpread"]?.validateArgs(JSONArgs(#"{"defaultingType": "Other"}"#))
        }
    }
}

// MARK: - Events

@Suite struct PodTopologySpreadEventsTests {
    let target = PodBuilder("target").labels(["foo": ""]).spread(
        1,
        "zone",
        doNotSchedule,
        fooSelector,
        nodeTaintsPolicy: "Honor"
    ).build()

    @Test func registersPodAndNodeEvents() throws {
        let events = try plugin().eventsToRegister().map(\.event)
        #expect(events.map(\.resource) == [.pod, .node])
        #expect(events[0].action == [.add, .updatePodLabel, .updatePodToleration, .delete])
        #expect(events[1].action == [.add, .delete, .updateNodeLabel, .updateNodeTaint])
    }

    @Test func podHints() throws {
        let plugin = try plugin()
        let scheduledFoo = PodBuilder("a").labels(["foo": ""]).node("n").build()
        let scheduledBar = PodBuilder("b").labels(["bar": ""]).node("n").build()
        let unscheduled = PodBuilder("c").labels(["foo": ""]).build()
        let elsewhere = PodBuilder("d", namespace: "other").labels(["foo": ""]).node("n").build()
        #expect(plugin.hintAfterPodChange(target, old: nil, new: scheduledFoo) == .queue)
        #expect(plugin.hintAfterPodChange(target, old: nil, new: scheduledBar) == .skip)
        #expect(plugin.hintAfterPodChange(target, old: nil, new: unscheduled) == .skip)
        #expect(plugin.hintAfterPodChange(target, old: nil, new: elsewhere) == .skip)
        #expect(plugin.hintAfterPodChange(target, old: scheduledFoo, new: nil) == .queue)
        #expect(plugin.hintAfterPodChange(target, old: scheduledFoo, new: scheduledBar) == .queue)
        #expect(plugin.hintAfterPodChange(target, old: scheduledFoo, new: scheduledFoo) == .skip)
        var tolerating = target
        tolerating.spec.tolerations = [Toleration(operator: "Exists")]
        #expect(plugin.hintAfterPodChange(target, old: target, new: tolerating) == .queue)
    }

    @Test func nodeHints() throws {
        let plugin = try plugin()
        let zoned = labeledNode("n", ["zone": "z1"])
        #expect(plugin.hintAfterNodeChange(target, old: nil, new: zoned) == .queue)
        #expect(plugin.hintAfterNodeChange(target, old: nil, new: labeledNode("n")) == .skip)
        #expect(plugin.hintAfterNodeChange(target, old: zoned, new: nil) == .queue)
        #expect(plugin.hintAfterNodeChange(target, old: zoned, new: labeledNode("n", ["zone": "z2"])) == .queue)
        #expect(
            plugin.hintAfterNodeChange(target, old: zoned, new: labeledNode("n", ["zone": "z1", "x": "y"])) == .skip
        )
        #expect(
            plugin.hintAfterNodeChange(target, old: zoned, new: labeledNode("n", ["zone": "z1"], taints: [noSchedule]))
                == .queue
        )
        #expect(plugin.hintAfterNodeChange(target, old: labeledNode("n"), new: zoned) == .queue)
    }
}
