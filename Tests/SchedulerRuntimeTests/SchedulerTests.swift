import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Synchronization
import Testing

// Small plugins so these tests exercise the runtime alone.

private final class TestSort: QueueSortPlugin {
    let name = "TestSort"
    func less(_ lhs: QueuedPodInfo, _ rhs: QueuedPodInfo) -> Bool {
        lhs.podInfo.priority > rhs.podInfo.priority
            || (lhs.podInfo.priority == rhs.podInfo.priority && lhs.timestamp < rhs.timestamp)
    }
}

/// Rejects nodes whose `reject` label is set, with the label's value as the reason.
private final class LabelFilter: FilterPlugin, EnqueueExtensions {
    let name = "LabelFilter"
    func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard let reason = node.node.metadata.labels?["reject"] else { return .success }
        return Status(.unschedulable, reason)
    }
    func eventsToRegister() -> [ClusterEventWithHint] {
        [ClusterEventWithHint(ClusterEvent(resource: .node, action: [.add, .updateNodeLabel]))]
    }
}

/// Scores a node by its `score` label.
private final class LabelScore: ScorePlugin {
    let name = "LabelScore"
    func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        (Int64(node.node.metadata.labels?["score"] ?? "0") ?? 0, .success)
    }
}

/// Binds through the client, like DefaultBinder.
private final class ClientBinder: BindPlugin {
    let name = "ClientBinder"
    let client: any ClusterClient
    init(client: any ClusterClient) { self.client = client }
    func bind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status {
        do {
            try await client.bind(namespace: pod.namespace, name: pod.name, uid: pod.uid, nodeName: nodeName)
            return .success
        } catch {
            return .error(error.message)
        }
    }
}

/// Fails the first `failures` bindings, then binds.
private final class FlakyBinder: BindPlugin {
    let name = "FlakyBinder"
    let client: any ClusterClient
    let remaining: Mutex<Int>
    init(client: any ClusterClient, failures: Int) {
        self.client = client
        self.remaining = Mutex(failures)
    }
    func bind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status {
        let fail = remaining.withLock { count -> Bool in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
        if fail { return .error("injected binding failure") }
        do {
            try await client.bind(namespace: pod.namespace, name: pod.name, uid: pod.uid, nodeName: nodeName)
            return .success
        } catch {
            return .error(error.message)
        }
    }
}

private func registry(bindFailures: Int = 0) -> PluginRegistry {
    var registry = PluginRegistry()
    do {
        try registry.register("TestSort") { _ in TestSort() }
        try registry.register("LabelFilter") { _ in LabelFilter() }
        try registry.register("LabelScore") { _ in LabelScore() }
        try registry.register("ClientBinder") { ClientBinder(client: $0.client) }
        try registry.register("FlakyBinder") { FlakyBinder(client: $0.client, failures: bindFailures) }
    } catch {
        Issue.record("registry: \(error)")
    }
    return registry
}

private func configuration(binder: String = "ClientBinder", score: Bool = true) -> SchedulerConfiguration {
    var plugins = Plugins()
    plugins[.queueSort] = PluginSet(enabled: [PluginEntry("TestSort")])
    plugins[.filter] = PluginSet(enabled: [PluginEntry("LabelFilter")])
    if score { plugins[.score] = PluginSet(enabled: [PluginEntry("LabelScore", weight: 1)]) }
    plugins[.bind] = PluginSet(enabled: [PluginEntry(binder)])
    var configuration = SchedulerConfiguration()
    configuration.profiles = [SchedulerConfiguration.Profile(schedulerName: "default-scheduler", plugins: plugins)]
    configuration.parallelism = 4
    return configuration
}

/// Records outcomes reported by the scheduler.
private final class Outcomes: SchedulingObserver {
    let state = Mutex<(scheduled: [String: String], failed: [String: String], bindCount: [String: Int])>(
        ([:], [:], [:])
    )
    func podScheduled(_ pod: Pod, nodeName: String) {
        state.withLock {
            $0.scheduled[pod.name] = nodeName
            $0.bindCount[pod.name, default: 0] += 1
        }
    }
    func podFailed(_ pod: Pod, status: Status, message: String) { state.withLock { $0.failed[pod.name] = message } }
}

/// Schedules until the active queue is empty, settling bindings and events between pods.
private func drain(_ scheduler: Scheduler, _ informers: Informers, _ cluster: EmbeddedCluster) async {
    func settle() async {
        await scheduler.waitForInFlightWork()
        while informers.processedEventCount < cluster.emittedEventCount { await Task.yield() }
        await scheduler.waitForInFlightWork()
    }
    await settle()
    while let pod = scheduler.queue.pop() {
        scheduler.scheduleOne(pod)
        await settle()
    }
}

@Suite(.timeLimit(.minutes(3))) struct SchedulerTests {
    @Test(arguments: [(50, 50), (100, 100), (200, 100), (1000, 420), (5000, 500), (6000, 300)])
    func numFeasibleNodesToFindFollowsUpstreamsFormula(nodes: Int, expected: Int) {
        #expect(Scheduler.numFeasibleNodesToFind(percentage: 0, numAllNodes: nodes) == expected)
    }

    @Test func explicitPercentageOfNodesToScore() {
        #expect(Scheduler.numFeasibleNodesToFind(percentage: 50, numAllNodes: 1000) == 500)
        #expect(Scheduler.numFeasibleNodesToFind(percentage: 1, numAllNodes: 1000) == 100)
    }

    @Test func picksTheHighestScoringFeasibleNodeAndBindsOnce() async throws {
        let cluster = EmbeddedCluster()
        try cluster.create(.node(NodeBuilder("n1").labels(["score": "10"]).build()))
        try cluster.create(.node(NodeBuilder("n2").labels(["score": "90", "reject": "node(s) were rejected"]).build()))
        try cluster.create(.node(NodeBuilder("n3").labels(["score": "50"]).build()))
        try cluster.create(.pod(PodBuilder("p").build()))
        let outcomes = Outcomes()
        let scheduler = try Scheduler(
            configuration: configuration(),
            registry: registry(),
            client: cluster,
            clock: SimulatedClock(),
            observer: outcomes
        )
        let informers = Informers(client: cluster, scheduler: scheduler)
        try await informers.start()
        await drain(scheduler, informers, cluster)
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == "n3")
        #expect(outcomes.state.withLock { $0.bindCount["p"] } == 1)
        #expect(
            cluster.recordedEvents.contains {
                $0.reason == "Scheduled" && $0.note == "Successfully assigned default/p to n3"
            }
        )
        #expect(scheduler.cache.assumedPodCount == 0)
        informers.stop()
    }

    @Test func fitErrorMessageCountsReasonsSortedAsStrings() async throws {
        let cluster = EmbeddedCluster()
        for i in 0..<12 {
            try cluster.create(.node(NodeBuilder("a\(i)").labels(["reject": "Insufficient cpu"]).build()))
        }
        for i in 0..<2 {
            try cluster.create(
                .node(NodeBuilder("b\(i)").labels(["reject": "node(s) had untolerated taint(s)"]).build())
            )
        }
        try cluster.create(.pod(PodBuilder("p").build()))
        let outcomes = Outcomes()
        let scheduler = try Scheduler(
            configuration: configuration(),
            registry: registry(),
            client: cluster,
            clock: SimulatedClock(),
            observer: outcomes
        )
        let informers = Informers(client: cluster, scheduler: scheduler)
        try await informers.start()
        await drain(scheduler, informers, cluster)
        let message = outcomes.state.withLock { $0.failed["p"] }
        #expect(message == "0/14 nodes are available: 12 Insufficient cpu, 2 node(s) had untolerated taint(s).")
        let pod = cluster.pod(namespace: "default", name: "p")
        let condition = pod?.status?.conditions?.first { $0.type == "PodScheduled" }
        #expect(condition?.status == "False")
        #expect(condition?.reason == "Unschedulable")
        #expect(condition?.message == message)
        #expect(
            cluster.recordedEvents.contains {
                $0.reason == "FailedScheduling" && $0.type == "Warning" && $0.note == message
            }
        )
        #expect(scheduler.queue.location(of: "default/p") == .unschedulable)

        // A node that fits arrives: the pod is requeued (to backoff, popped at once since nothing else is
        // active) and lands there.
        try cluster.create(.node(NodeBuilder("good").build()))
        await drain(scheduler, informers, cluster)
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == "good")
        informers.stop()
    }

    @Test func failedBindingForgetsTheAssumedPodAndRequeuesIt() async throws {
        let cluster = EmbeddedCluster()
        try cluster.create(.node(NodeBuilder("n1").build()))
        try cluster.create(.pod(PodBuilder("p").build()))
        let outcomes = Outcomes()
        let clock = SimulatedClock()
        let scheduler = try Scheduler(
            configuration: configuration(binder: "FlakyBinder"),
            registry: registry(bindFailures: 1),
            client: cluster,
            clock: clock,
            observer: outcomes
        )
        let informers = Informers(client: cluster, scheduler: scheduler)
        try await informers.start()
        await drain(scheduler, informers, cluster)
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == nil)
        #expect(scheduler.cache.assumedPodCount == 0)
        #expect(scheduler.cache.podCount == 0)
        #expect(scheduler.queue.location(of: "default/p") == .backoff)
        #expect(outcomes.state.withLock { $0.failed["p"] }?.contains("injected binding failure") == true)

        clock.advance(by: .seconds(1))
        scheduler.queue.flushBackoffQCompleted()
        await drain(scheduler, informers, cluster)
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == "n1")
        #expect(outcomes.state.withLock { $0.bindCount["p"] } == 1)
        informers.stop()
    }

    @Test func podsOfOtherSchedulersAreLeftAlone() async throws {
        let cluster = EmbeddedCluster()
        try cluster.create(.node(NodeBuilder("n1").build()))
        try cluster.create(.pod(PodBuilder("mine").build()))
        try cluster.create(.pod(PodBuilder("theirs").schedulerName("other-scheduler").build()))
        let scheduler = try Scheduler(
            configuration: configuration(),
            registry: registry(),
            client: cluster,
            clock: SimulatedClock()
        )
        let informers = Informers(client: cluster, scheduler: scheduler)
        try await informers.start()
        await drain(scheduler, informers, cluster)
        #expect(cluster.pod(namespace: "default", name: "mine")?.spec.nodeName == "n1")
        #expect(cluster.pod(namespace: "default", name: "theirs")?.spec.nodeName == nil)
        #expect(scheduler.queue.location(of: "default/theirs") == nil)
        informers.stop()
    }

    @Test func largeClusterFilterIsDeterministicAndOnlyPicksFeasibleNodes() async throws {
        // 1000 nodes, every third rejected; adaptive search looks for 420 feasible nodes.
        func run(seed: UInt64) async throws -> [String: String] {
            let cluster = EmbeddedCluster()
            for i in 0..<1000 {
                var builder = NodeBuilder("n\(i)").labels(["score": String(i % 7)])
                if i % 3 == 0 { builder = builder.label("reject", "no") }
                try cluster.create(.node(builder.build()))
            }
            for i in 0..<20 { try cluster.create(.pod(PodBuilder("p\(i)").build())) }
            let outcomes = Outcomes()
            let scheduler = try Scheduler(
                configuration: configuration(),
                registry: registry(),
                client: cluster,
                clock: SimulatedClock(),
                seed: seed,
                observer: outcomes
            )
            let informers = Informers(client: cluster, scheduler: scheduler)
            try await informers.start()
            await drain(scheduler, informers, cluster)
            informers.stop()
            return outcomes.state.withLock { $0.scheduled }
        }
        let first = try await run(seed: 7)
        let second = try await run(seed: 7)
        #expect(first.count == 20)
        #expect(first == second)
        for (_, node) in first {
            let index = Int(node.dropFirst()) ?? 0
            #expect(index % 3 != 0)
            #expect(index % 7 == 6)  // the best score among scanned nodes
        }
    }
}

@Suite(.timeLimit(.minutes(3))) struct NodeEventTests {
    @Test func nodeLabelUpdateRequeuesPodsRejectedForLabels() async throws {
        let cluster = EmbeddedCluster()
        try cluster.create(.node(NodeBuilder("n1").labels(["reject": "no"]).build()))
        try cluster.create(.pod(PodBuilder("p").build()))
        let scheduler = try Scheduler(
            configuration: configuration(),
            registry: registry(),
            client: cluster,
            clock: SimulatedClock()
        )
        let informers = Informers(client: cluster, scheduler: scheduler)
        try await informers.start()
        await drain(scheduler, informers, cluster)
        #expect(scheduler.queue.location(of: "default/p") == .unschedulable)

        // An unrelated change (annotation) is not an event LabelFilter registered.
        var annotated = NodeBuilder("n1").labels(["reject": "no"]).build()
        annotated.metadata.annotations = ["note": "x"]
        cluster.update(.node(annotated))
        await drain(scheduler, informers, cluster)
        #expect(scheduler.queue.location(of: "default/p") == .unschedulable)

        // Removing the label is an UpdateNodeLabel event: the pod is retried and lands.
        var relabelled = NodeBuilder("n1").build()
        relabelled.metadata.annotations = ["note": "x"]
        cluster.update(.node(relabelled))
        await drain(scheduler, informers, cluster)
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == "n1")
        informers.stop()
    }
}

/// Collects sampled per-plugin durations.
private final class PluginTimings: SchedulerInstrumentation {
    let seen = Mutex<[String]>([])
    func pluginExecuted(plugin: String, extensionPoint: ExtensionPoint, status: Status.Code, duration: Duration) {
        seen.withLock { $0.append("\(extensionPoint.displayName)/\(plugin)") }
    }
}

@Suite(.timeLimit(.minutes(3))) struct PluginMetricsTests {
    @Test func sampledCyclesReportEachPluginsDuration() async throws {
        let cluster = EmbeddedCluster()
        try cluster.create(.node(NodeBuilder("n1").labels(["score": "1"]).build()))
        try cluster.create(.node(NodeBuilder("n2").labels(["score": "2"]).build()))
        try cluster.create(.pod(PodBuilder("p").build()))
        let timings = PluginTimings()
        let scheduler = try Scheduler(
            configuration: configuration(),
            registry: registry(),
            client: cluster,
            clock: SimulatedClock(),
            instrumentation: timings
        )
        let informers = Informers(client: cluster, scheduler: scheduler)
        try await informers.start()
        await drain(scheduler, informers, cluster)
        // The first cycle is a sampled one.
        let seen = Set(timings.seen.withLock { $0 })
        #expect(seen.isSuperset(of: ["Filter/LabelFilter", "Score/LabelScore", "Bind/ClientBinder"]))
        informers.stop()
    }
}
