import KubeAPI
import NodeNamePlugin
import NodeUnschedulablePlugin
import PrioritySortPlugin
import SchedulerFramework
import SchedulerTesting
import SchedulingGatesPlugin
import Testing

// MARK: - PrioritySort

@Test func prioritySortOrdersByPriorityThenTimestamp() {
    let sort = PrioritySort(handle: FakeHandle())
    let low = QueuedPodInfo(podInfo: PodBuilder("low").priority(1).info(), timestamp: .seconds(1))
    let high = QueuedPodInfo(podInfo: PodBuilder("high").priority(100).info(), timestamp: .seconds(5))
    let highLater = QueuedPodInfo(podInfo: PodBuilder("high-later").priority(100).info(), timestamp: .seconds(9))
    let unset = QueuedPodInfo(podInfo: PodBuilder("unset").info(), timestamp: .seconds(0))
    #expect(sort.less(high, low))
    #expect(!sort.less(low, high))
    #expect(sort.less(high, highLater))
    #expect(!sort.less(highLater, high))
    #expect(!sort.less(high, high))
    // A pod without priority counts as 0.
    #expect(sort.less(low, unset))
    let ordered = [low, highLater, unset, high].sorted(by: sort.less).map(\.podInfo.name)
    #expect(ordered == ["high", "high-later", "low", "unset"])
}

// MARK: - SchedulingGates

@Test func schedulingGatesHoldsGatedPods() {
    let gates = SchedulingGates(handle: FakeHandle())
    let status = gates.preEnqueue(PodBuilder("p").schedulingGates(["example.com/foo", "example.com/bar"]).info())
    #expect(status.code == .unschedulableAndUnresolvable)
    #expect(status.reasons == ["waiting for scheduling gates: [example.com/foo example.com/bar]"])
    #expect(
        gates.preEnqueue(PodBuilder("p").schedulingGates(["one"]).info()).reasons == [
            "waiting for scheduling gates: [one]"
        ]
    )
    #expect(gates.preEnqueue(PodBuilder("p").info()) == .success)
    #expect(gates.preEnqueue(PodBuilder("p").schedulingGates([]).info()) == .success)
}

@Test func schedulingGatesRequeuesOnlyOnItsOwnPodUpdate() {
    let events = SchedulingGates(handle: FakeHandle()).eventsToRegister()
    #expect(events.count == 1)
    #expect(events[0].event.resource == .pod)
    #expect(events[0].event.action == .updatePodSchedulingGatesEliminated)
    let pod = PodBuilder("p").build()
    #expect(events[0].hint?(pod, .pod(pod), .pod(pod)) == .queue)
    #expect(events[0].hint?(pod, nil, .pod(PodBuilder("other").build())) == .skip)
}

// MARK: - NodeName

@Test(arguments: [
    ("no host specified", PodBuilder("p"), "node1", true),
    ("host matches", PodBuilder("p").node("node1"), "node1", true),
    ("host doesn't match", PodBuilder("p").node("host1"), "node1", false),
])
func nodeNameFilter(_ name: String, _ pod: PodBuilder, _ nodeName: String, _ fits: Bool) {
    let status = NodeName(handle: FakeHandle()).filter(
        state: CycleState(),
        pod: pod.info(),
        node: NodeBuilder(nodeName).info()
    )
    if fits {
        #expect(status == .success)
    } else {
        #expect(status == Status(.unschedulableAndUnresolvable, "node(s) didn't match the requested node name"))
    }
}

@Test func nodeNameRequeuesOnlyForTheNamedNode() {
    let events = NodeName(handle: FakeHandle()).eventsToRegister()
    #expect(events.map(\.event.action) == [.add])
    let pod = PodBuilder("p").node("node1").build()
    #expect(events[0].hint?(pod, nil, .node(NodeBuilder("node1").build())) == .queue)
    #expect(events[0].hint?(pod, nil, .node(NodeBuilder("node2").build())) == .skip)
}

// MARK: - NodeUnschedulable

@Test(arguments: [
    ("Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)", PodBuilder("p"), true, false),
    ("Schedule pod to normal node", PodBuilder("p"), false, true),
    (
        "Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)",
        PodBuilder("p").toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule"),
        true, true
    ),
    (
        "Schedule pod with a catch-all toleration to unschedulable node",
        PodBuilder("p").toleration(operator: "Exists"), true, true
    ),
    (
        "Does not schedule pod tolerating only NoExecute to unschedulable node",
        PodBuilder("p").toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoExecute"),
        true, false
    ),
])
func nodeUnschedulableFilter(_ name: String, _ pod: PodBuilder, _ unschedulable: Bool, _ fits: Bool) {
    let node = NodeBuilder("node").unschedulable(unschedulable).info()
    let status = NodeUnschedulable(handle: FakeHandle()).filter(state: CycleState(), pod: pod.info(), node: node)
    if fits {
        #expect(status == .success)
    } else {
        #expect(status == Status(.unschedulableAndUnresolvable, "node(s) were unschedulable"))
    }
}

@Test func nodeUnschedulableEventHints() {
    let events = NodeUnschedulable(handle: FakeHandle()).eventsToRegister()
    #expect(events.map(\.event.resource) == [.node, .pod])
    #expect(events[0].event.action == [.add, .updateNodeTaint])
    #expect(events[1].event.action == .updatePodToleration)
    let pod = PodBuilder("p").build()
    let cordoned = NodeBuilder("n").unschedulable().build()
    let open = NodeBuilder("n").build()
    #expect(events[0].hint?(pod, nil, .node(open)) == .queue)
    #expect(events[0].hint?(pod, nil, .node(cordoned)) == .skip)
    #expect(events[0].hint?(pod, .node(cordoned), .node(open)) == .queue)
    #expect(events[0].hint?(pod, .node(open), .node(open)) == .skip)
    let tolerating = PodBuilder("p").toleration(
        key: "node.kubernetes.io/unschedulable",
        operator: "Exists",
        effect: "NoSchedule"
    ).build()
    #expect(events[1].hint?(pod, .pod(pod), .pod(tolerating)) == .queue)
    #expect(events[1].hint?(pod, .pod(tolerating), .pod(tolerating)) == .skip)
}
