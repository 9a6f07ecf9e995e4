import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

// Differences from upstream v1.35 closed by issue 14, each checked against the behaviour upstream has.

private func quantities(_ list: [String: String]) -> ResourceList {
    var result: ResourceList = [:]
    for (name, text) in list { result[name] = Quantity(parsing: text) }
    return result
}

/// A running pod on `node` whose container `c0` asks for `spec`, with the kubelet's allocated and
/// actuated requests in its status.
private func resizedPod(
    _ name: String,
    node: String,
    spec: [String: String],
    allocated: [String: String]?,
    actuated: [String: String]?,
    infeasible: Bool = false
) -> Pod {
    var pod = PodBuilder(name).container(spec).node(node).build()
    var status = PodStatus(phase: "Running")
    status.containerStatuses = [
        ContainerStatus(
            name: "c0",
            allocatedResources: allocated.map(quantities),
            resources: actuated.map { ResourceRequirements(requests: quantities($0)) }
        )
    ]
    if infeasible {
        status.conditions = [PodCondition(type: "PodResizePending", status: "True", reason: "Infeasible")]
    }
    pod.status = status
    return pod
}

/// The default profile over an embedded cluster, drained one pod at a time.
private struct Harness {
    let cluster = EmbeddedCluster()
    let scheduler: Scheduler
    let informers: Informers

    init(config: String? = nil) throws {
        let registry = makeInTreeRegistry()
        let configuration =
            try config.map { try ConfigurationLoader.load(contents: $0, source: "config.yaml", registry: registry) }
            ?? ConfigurationLoader.defaultConfiguration(registry: registry)
        scheduler = try Scheduler(
            configuration: configuration,
            registry: registry,
            client: cluster,
            clock: SimulatedClock()
        )
        informers = Informers(client: cluster, scheduler: scheduler)
    }

    func settle() async {
        await scheduler.waitForInFlightWork()
        while informers.processedEventCount < cluster.emittedEventCount { await Task.yield() }
        await scheduler.waitForInFlightWork()
    }

    /// Schedules until no pod is active or backing off.
    func drain() async {
        await settle()
        while let pod = scheduler.queue.pop() {
            scheduler.scheduleOne(pod)
            await settle()
        }
    }

    func node(of name: String) -> String? { cluster.pod(namespace: "default", name: name)?.spec.nodeName }
}

@Suite(.timeLimit(.minutes(3))) struct UpstreamFidelityTests {
    // MARK: Requests

    @Test func podLevelHugepagesRequestsCount() {
        var pod = PodBuilder("p").container(["cpu": "100m"]).build()
        pod.spec.resources = ResourceRequirements(requests: quantities(["hugepages-2Mi": "4Mi", "cpu": "1"]))
        let request = PodRequests.compute(pod)
        let hugepages: Int64 = 4 << 20
        #expect(request.scalarResources["hugepages-2Mi"] == hugepages, "\(request.scalarResources)")
        #expect(request.milliCPU == 1000)
    }

    @Test func requestsAreSummedExactlyAndRoundedOnce() {
        // Two containers of half a millicore and half a byte: upstream adds the quantities (1m, 1 byte),
        // rounding each first would give 2m and 2 bytes.
        let pod = PodBuilder("p").container(["cpu": "0.5m", "memory": "500m"]).container([
            "cpu": "0.5m", "memory": "500m",
        ]).build()
        let request = PodRequests.compute(pod)
        #expect(request.milliCPU == 1)
        #expect(request.memory == 1)
        // Overhead joins the exact sum too.
        let withOverhead = PodBuilder("q").container(["cpu": "0.4m"]).overhead(["cpu": "0.4m"]).build()
        #expect(PodRequests.compute(withOverhead).milliCPU == 1)
    }

    @Test func nonZeroDefaultsWithPodLevelRequestsOnlyFillWhatNobodyNamed() {
        // Pod-level memory set; one container names cpu, the other does not: upstream adds no cpu
        // default (the pod's requests name cpu) but does not default memory either (pod level has it).
        var pod = PodBuilder("p").container(["cpu": "500m"]).container([:]).build()
        pod.spec.resources = ResourceRequirements(requests: quantities(["memory": "1Gi"]))
        let nonZero = PodRequests.compute(pod, nonMissingDefaults: true)
        #expect(nonZero.milliCPU == 500)
        #expect(nonZero.memory == 1 << 30)
        // Without pod-level requests each container that omits cpu counts 100m.
        let plain = PodBuilder("q").container(["cpu": "500m"]).container([:]).build()
        #expect(PodRequests.compute(plain, nonMissingDefaults: true).milliCPU == 600)
    }

    @Test func runningPodCountsTheLargestOfSpecAllocatedAndActuated() {
        // Resized down in the spec, not yet actuated: the node still holds 2 cpu.
        let shrinking = resizedPod("a", node: "n1", spec: ["cpu": "1"], allocated: ["cpu": "2"], actuated: ["cpu": "2"])
        #expect(PodInfo(shrinking).request.milliCPU == 2000)
        // Allocated but not yet actuated upward.
        let growing = resizedPod("b", node: "n1", spec: ["cpu": "3"], allocated: ["cpu": "3"], actuated: ["cpu": "1"])
        #expect(PodInfo(growing).request.milliCPU == 3000)
        // An infeasible resize counts only what the kubelet holds.
        let infeasible = resizedPod(
            "c",
            node: "n1",
            spec: ["cpu": "8"],
            allocated: ["cpu": "1"],
            actuated: ["cpu": "1"],
            infeasible: true
        )
        #expect(PodInfo(infeasible).request.milliCPU == 1000)
    }

    @Test func scaleDownIsDetectedFromStatusResources() {
        let before = resizedPod("a", node: "n1", spec: ["cpu": "2"], allocated: ["cpu": "2"], actuated: ["cpu": "2"])
        let after = resizedPod("a", node: "n1", spec: ["cpu": "1"], allocated: ["cpu": "1"], actuated: ["cpu": "1"])
        #expect(PodRequests.isScaledDown(old: before, new: after))
        #expect(!PodRequests.isScaledDown(old: after, new: before))
        // Spec lowered but the kubelet still holds 2: nothing was freed yet.
        let pending = resizedPod("a", node: "n1", spec: ["cpu": "1"], allocated: ["cpu": "2"], actuated: ["cpu": "2"])
        #expect(!PodRequests.isScaledDown(old: before, new: pending))
    }

    @Test(.timeLimit(.minutes(1)))
    func resizedDownRunningPodRequeuesPodsRejectedForResources() async throws {
        let harness = try Harness()
        try harness.cluster.create(
            .node(NodeBuilder("n1").capacity(["cpu": "2", "memory": "8Gi", "pods": "10"]).build())
        )
        let big = resizedPod("big", node: "n1", spec: ["cpu": "2"], allocated: ["cpu": "2"], actuated: ["cpu": "2"])
        try harness.cluster.create(.pod(big))
        try harness.cluster.create(.pod(PodBuilder("p").requests(cpu: "1").build()))
        try await harness.informers.start()
        defer { harness.informers.stop() }
        await harness.drain()
        #expect(harness.node(of: "p") == nil)
        #expect(harness.scheduler.queue.location(of: "default/p") == .unschedulable)

        // The kubelet resizes `big` down in place: UpdatePodScaleDown requeues `p`.
        harness.cluster.update(
            .pod(resizedPod("big", node: "n1", spec: ["cpu": "1"], allocated: ["cpu": "1"], actuated: ["cpu": "1"]))
        )
        await harness.drain()
        #expect(harness.node(of: "p") == "n1")
    }

    // MARK: Nominations

    /// `high` (gated, so it never schedules) holds a nomination on the only node; `low` does not fit beside it.
    private func nominatedSetup() async throws -> Harness {
        let harness = try Harness()
        try harness.cluster.create(
            .node(NodeBuilder("n1").capacity(["cpu": "1", "memory": "8Gi", "pods": "10"]).build())
        )
        try harness.cluster.create(
            .pod(
                PodBuilder("high").priority(10).requests(cpu: "1").schedulingGates(["hold"]).nominatedNode("n1").build()
            )
        )
        try harness.cluster.create(.pod(PodBuilder("low").requests(cpu: "1").build()))
        try await harness.informers.start()
        await harness.drain()
        #expect(harness.node(of: "low") == nil)
        #expect(harness.scheduler.queue.location(of: "default/low") == .unschedulable)
        return harness
    }

    @Test(.timeLimit(.minutes(1)))
    func deletingANominatedPodRequeuesThePodsItKeptOut() async throws {
        let harness = try await nominatedSetup()
        defer { harness.informers.stop() }
        try harness.cluster.delete(.pod, key: "default/high")
        await harness.drain()
        #expect(harness.scheduler.queue.nominatedNode(ofPodUID: "default/high") == nil)
        #expect(harness.node(of: "low") == "n1")
    }

    @Test(.timeLimit(.minutes(1)))
    func clearingANominationDropsItAndRequeuesThePodsItKeptOut() async throws {
        let harness = try await nominatedSetup()
        defer { harness.informers.stop() }
        guard var high = harness.cluster.pod(namespace: "default", name: "high") else {
            Issue.record("high is gone")
            return
        }
        high.status?.nominatedNodeName = nil
        harness.cluster.update(.pod(high))
        await harness.drain()
        #expect(harness.scheduler.queue.nominatedNode(ofPodUID: "default/high") == nil)
        #expect(harness.node(of: "low") == "n1")
    }

    @Test(.timeLimit(.minutes(1)))
    func profileWithoutPostFilterKeepsAnExistingNomination() async throws {
        let config = """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
              plugins:
                postFilter:
                  disabled:
                  - name: DefaultPreemption
            """
        let harness = try Harness(config: config)
        defer { harness.informers.stop() }
        try harness.cluster.create(
            .node(NodeBuilder("n1").capacity(["cpu": "1", "memory": "8Gi", "pods": "10"]).build())
        )
        try harness.cluster.create(.pod(PodBuilder("p").requests(cpu: "2").nominatedNode("n1").build()))
        try await harness.informers.start()
        await harness.drain()
        #expect(harness.node(of: "p") == nil)
        #expect(harness.scheduler.queue.nominatedNode(ofPodUID: "default/p") == "n1")
        #expect(harness.cluster.pod(namespace: "default", name: "p")?.status?.nominatedNodeName == "n1")
    }

    // MARK: Queue

    @Test func activateRecordsForceActivateOnlyForTheActivatedPod() {
        let events: SchedulingQueue.EventRegistry = [
            "default-scheduler": ["P": [ClusterEventWithHint(ClusterEvent(resource: .node, action: .add))]]
        ]
        let queue = SchedulingQueue(clock: SimulatedClock(), less: { $0.timestamp < $1.timestamp }, events: events)
        let a = PodBuilder("a").build()
        let b = PodBuilder("b").build()
        queue.add(a)
        queue.add(b)
        guard var first = queue.pop(), var second = queue.pop() else {
            Issue.record("two pods expected")
            return
        }
        let cycle = queue.schedulingCycle
        // `b` is activated while both are in flight (e.g. preemption's API calls failed).
        queue.activate(b)
        first.unschedulablePlugins = ["P"]
        second.unschedulablePlugins = ["P"]
        let (infoA, infoB) = first.podInfo.name == "a" ? (first, second) : (second, first)
        queue.addUnschedulableIfNotPresent(infoA, podSchedulingCycle: cycle)
        queue.addUnschedulableIfNotPresent(infoB, podSchedulingCycle: cycle)
        #expect(queue.location(of: "default/a") == .unschedulable)
        #expect(queue.location(of: "default/b") != .unschedulable)
        #expect(queue.location(of: "default/b") != nil)
    }

    // MARK: Node infos and messages

    @Test func hostPortsAreASetPerNode() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").build())
        let first = PodBuilder("a").hostPort(8080).node("n1").build()
        let second = PodBuilder("b").hostPort(8080).node("n1").build()
        cache.addPod(first)
        cache.addPod(second)
        let port = HostPort(ip: "", protocol: "TCP", port: 8080)
        #expect(cache.snapshot().nodeInfo(named: "n1")?.usedPorts.conflicts(with: port) == true)
        // Upstream keeps one entry for both pods: removing either frees the port.
        cache.removePod(first)
        #expect(cache.snapshot().nodeInfo(named: "n1")?.usedPorts.conflicts(with: port) == false)
    }

    @Test func fitErrorWithoutReasonsHasNoDanglingPeriod() {
        let error = FitError(podKey: "default/p", numAllNodes: 3, diagnosis: Diagnosis())
        #expect(error.message == "0/3 nodes are available:")
        var withPostFilter = Diagnosis()
        withPostFilter.postFilterMessage = "preemption: not eligible"
        #expect(
            FitError(podKey: "default/p", numAllNodes: 3, diagnosis: withPostFilter).message
                == "0/3 nodes are available: preemption: not eligible"
        )
    }
}

@Suite(.timeLimit(.minutes(3))) struct RequeueTests {
    @Test func podWaitingForCapacityIsRetriedWhenANodeAppears() async throws {
        let harness = try Harness()
        defer { harness.informers.stop() }
        try harness.cluster.create(
            .node(NodeBuilder("small").capacity(["cpu": "1", "memory": "8Gi", "pods": "10"]).build())
        )
        try harness.cluster.create(.pod(PodBuilder("late").requests(cpu: "2").build()))
        try await harness.informers.start()
        await harness.drain()
        // No node fits yet: the pod waits for an event.
        #expect(harness.node(of: "late") == nil)
        #expect(harness.scheduler.queue.location(of: "default/late") == .unschedulable)
        try harness.cluster.create(
            .node(NodeBuilder("big").capacity(["cpu": "4", "memory": "8Gi", "pods": "10"]).build())
        )
        await harness.drain()
        #expect(harness.node(of: "late") == "big")
    }

    /// Upstream's `ClusterEvent.Label()`: the given label, else the resource followed by `ActionType.String()`
    /// ("Update" for the catch-all updates, "" for a combination it does not name).
    @Test func eventLabelsReadAsUpstreamNamesThem() {
        #expect(ClusterEvent(resource: .persistentVolume, action: .add).label == "PersistentVolumeAdd")
        #expect(ClusterEvent(resource: .persistentVolume, action: .updateOther).label == "PersistentVolumeUpdate")
        #expect(ClusterEvent(resource: .node, action: .updateNodeTaint).label == "NodeUpdateNodeTaint")
        #expect(
            ClusterEvent(resource: .persistentVolumeClaim, action: .delete).description == "PersistentVolumeClaimDelete"
        )
        #expect(ClusterEvent(resource: .wildcard, action: .all).label == "*All")
        #expect(ClusterEvent(resource: .node, action: [.add, .delete]).label == "Node")
        #expect(ClusterEvent.nodeAdd.label == "NodeAdd")
        #expect(ClusterEvent(resource: .node, action: .add) == ClusterEvent.nodeAdd)
    }
}
