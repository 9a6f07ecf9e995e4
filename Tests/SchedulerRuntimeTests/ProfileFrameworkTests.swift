import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Synchronization
import Testing

/// A shared, thread-safe call log.
private final class Log: Sendable {
    private let entries = Mutex<[String]>([])
    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

/// A plugin that implements Filter, Score and Reserve and records calls.
private final class Recorder: FilterPlugin, ScorePlugin, ReservePlugin, PreFilterPlugin, PermitPlugin, Sendable {
    let name: String
    let log: Log
    let preFilterOutcome: (PreFilterResult?, Status)
    let reserveStatus: Status
    let permitOutcome: (Status, Duration)

    init(
        name: String,
        log: Log? = nil,
        preFilter: (PreFilterResult?, Status) = (nil, .success),
        reserve: Status = .success,
        permit: (Status, Duration) = (.success, .zero)
    ) {
        self.name = name
        self.log = log ?? Log()
        self.preFilterOutcome = preFilter
        self.reserveStatus = reserve
        self.permitOutcome = permit
    }

    func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        preFilterOutcome
    }
    func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        log.append("filter:\(name)")
        return .success
    }
    func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) { (0, .success) }
    func reserve(state: CycleState, pod: PodInfo, nodeName: String) -> Status {
        log.append("reserve:\(name)")
        return reserveStatus
    }
    func unreserve(state: CycleState, pod: PodInfo, nodeName: String) { log.append("unreserve:\(name)") }
    func permit(state: CycleState, pod: PodInfo, nodeName: String) -> (Status, timeout: Duration) { permitOutcome }
}

private final class Sort: QueueSortPlugin {
    let name = "Sort"
    func less(_ lhs: QueuedPodInfo, _ rhs: QueuedPodInfo) -> Bool { lhs.timestamp < rhs.timestamp }
}

private final class Binder: BindPlugin {
    let name = "Binder"
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

private func registry(_ plugins: [Recorder]) -> PluginRegistry {
    var registry = PluginRegistry()
    do {
        try registry.register("Sort") { _ in Sort() }
        try registry.register("Binder") { Binder(client: $0.client) }
        for plugin in plugins { try registry.register(plugin.name) { _ in plugin } }
    } catch {
        Issue.record("\(error)")
    }
    return registry
}

private func profile(_ configure: (inout Plugins) -> Void) -> SchedulerConfiguration.Profile {
    var plugins = Plugins()
    plugins[.queueSort] = PluginSet(enabled: [PluginEntry("Sort")])
    plugins[.bind] = PluginSet(enabled: [PluginEntry("Binder")])
    configure(&plugins)
    return SchedulerConfiguration.Profile(schedulerName: "default-scheduler", plugins: plugins)
}

@Suite(.timeLimit(.minutes(3))) struct ProfileFrameworkTests {
    @Test func multiPointExpansionPutsOverridesFirstThenMultiPointThenOtherExplicitPlugins() throws {
        let names = ["A", "B", "C", "D", "E"]
        let plugins = names.map { Recorder(name: $0) }
        let built = try ProfileFramework(
            profile: profile { p in
                p[.multiPoint] = PluginSet(enabled: [PluginEntry("A"), PluginEntry("B"), PluginEntry("C")])
                // D explicit only, B re-listed (override), C disabled at Filter.
                p[.filter] = PluginSet(enabled: [PluginEntry("D"), PluginEntry("B")], disabled: ["C"])
            },
            registry: registry(plugins),
            handle: FakeHandle()
        )
        #expect(built.filterPlugins.map(\.name) == ["B", "A", "D"])
        // Score was not configured explicitly: MultiPoint order.
        #expect(built.scorePlugins.map(\.plugin.name) == ["A", "B", "C"])
    }

    @Test func disablingStarAtAPointDropsMultiPointPluginsThere() throws {
        let plugins = ["A", "B"].map { Recorder(name: $0) }
        let built = try ProfileFramework(
            profile: profile { p in
                p[.multiPoint] = PluginSet(enabled: [PluginEntry("A"), PluginEntry("B")])
                p[.score] = PluginSet(enabled: [PluginEntry("B")], disabled: ["*"])
            },
            registry: registry(plugins),
            handle: FakeHandle()
        )
        #expect(built.scorePlugins.map(\.plugin.name) == ["B"])
        #expect(built.filterPlugins.map(\.name) == ["A", "B"])
    }

    @Test func scoreWeightAtScoreWinsOverMultiPointAndZeroMeansOne() throws {
        let plugins = ["A", "B", "C"].map { Recorder(name: $0) }
        let built = try ProfileFramework(
            profile: profile { p in
                p[.multiPoint] = PluginSet(enabled: [
                    PluginEntry("A", weight: 3), PluginEntry("B", weight: 2), PluginEntry("C"),
                ])
                p[.score] = PluginSet(enabled: [PluginEntry("B", weight: 7)])
            },
            registry: registry(plugins),
            handle: FakeHandle()
        )
        let weights = Dictionary(uniqueKeysWithValues: built.scorePlugins.map { ($0.plugin.name, $0.weight) })
        #expect(weights == ["A": 3, "B": 7, "C": 1])
    }

    @Test func refusesAPluginAtAnExtensionPointItDoesNotImplement() {
        #expect(
            throws: ConfigurationError("profiles[0].plugins.bind.enabled[1]: plugin \"A\" does not extend Bind plugin")
        ) {
            _ = try ProfileFramework(
                profile: profile { p in p[.bind] = PluginSet(enabled: [PluginEntry("Binder"), PluginEntry("A")]) },
                registry: registry([Recorder(name: "A")]),
                handle: FakeHandle()
            )
        }
    }

    @Test func refusesUnknownPluginsAndMissingBindOrQueueSort() {
        #expect(throws: ConfigurationError.self) {
            _ = try ProfileFramework(
                profile: profile { p in p[.filter] = PluginSet(enabled: [PluginEntry("Nope")]) },
                registry: registry([]),
                handle: FakeHandle()
            )
        }
        #expect(
            throws: ConfigurationError(
                "profiles[0].plugins.bind: at least one bind plugin is needed for profile with scheduler name \"default-scheduler\""
            )
        ) {
            _ = try ProfileFramework(
                profile: profile { p in p[.bind] = PluginSet() },
                registry: registry([]),
                handle: FakeHandle()
            )
        }
        #expect(
            throws: ConfigurationError(
                "profiles[0].plugins.queueSort: only one queue sort plugin required for profile with scheduler name \"default-scheduler\", but got 0"
            )
        ) {
            _ = try ProfileFramework(
                profile: profile { p in p[.queueSort] = PluginSet() },
                registry: registry([]),
                handle: FakeHandle()
            )
        }
    }

    @Test func preFilterResultsIntersectAndAnEmptyIntersectionIsUnresolvable() throws {
        let a = Recorder(name: "A", preFilter: (PreFilterResult(nodeNames: ["n1", "n2"]), .success))
        let b = Recorder(name: "B", preFilter: (PreFilterResult(nodeNames: ["n2", "n3"]), .success))
        let c = Recorder(name: "C", preFilter: (PreFilterResult(nodeNames: ["n3"]), .success))
        let built = try ProfileFramework(
            profile: profile { p in
                p[.preFilter] = PluginSet(enabled: [PluginEntry("A"), PluginEntry("B"), PluginEntry("C")])
            },
            registry: registry([a, b, c]),
            handle: FakeHandle()
        )
        let (result, status, _, narrowing) = built.runPreFilter(
            state: CycleState(),
            pod: PodBuilder("p").info(),
            snapshot: Snapshot()
        )
        #expect(result?.nodeNames == [])
        #expect(status.code == .unschedulableAndUnresolvable)
        #expect(status.message == "node(s) didn't satisfy plugin(s) [A B C] simultaneously")
        #expect(narrowing == ["A", "B", "C"])
    }

    @Test func preFilterSkipRemovesThatPluginsFilterAndUnschedulableKeepsRunningOthers() throws {
        let log = Log()
        let skipper = Recorder(name: "Skipper", log: log, preFilter: (nil, .skip))
        let keeper = Recorder(name: "Keeper", log: log)
        let built = try ProfileFramework(
            profile: profile { p in
                p[.preFilter] = PluginSet(enabled: [PluginEntry("Skipper")])
                p[.filter] = PluginSet(enabled: [PluginEntry("Skipper"), PluginEntry("Keeper")])
            },
            registry: registry([skipper, keeper]),
            handle: FakeHandle()
        )
        let state = CycleState()
        _ = built.runPreFilter(state: state, pod: PodBuilder("p").info(), snapshot: Snapshot())
        #expect(state.skipFilterPlugins == ["Skipper"])
        _ = built.runFilter(state: state, pod: PodBuilder("p").info(), node: NodeBuilder("n").info())
        #expect(log.all == ["filter:Keeper"])

        let first = Recorder(name: "First", preFilter: (nil, Status(.unschedulable, "first says no")))
        let second = Recorder(
            name: "Second",
            preFilter: (nil, Status(.unschedulableAndUnresolvable, "second says never"))
        )
        let both = try ProfileFramework(
            profile: profile { p in p[.preFilter] = PluginSet(enabled: [PluginEntry("First"), PluginEntry("Second")]) },
            registry: registry([first, second]),
            handle: FakeHandle()
        )
        let (_, status, rejectors, _) = both.runPreFilter(
            state: CycleState(),
            pod: PodBuilder("p").info(),
            snapshot: Snapshot()
        )
        #expect(status.message == "second says never")
        #expect(status.plugin == "Second")
        #expect(rejectors == ["First", "Second"])
    }
}

@Suite(.timeLimit(.minutes(3))) struct ReservePermitTests {
    private func run(
        _ plugins: [Recorder],
        configure: (inout Plugins) -> Void,
        afterFirstPass: (Scheduler) -> Void = { _ in }
    ) async throws -> (EmbeddedCluster, Scheduler) {
        let cluster = EmbeddedCluster()
        try cluster.create(.node(NodeBuilder("n1").build()))
        try cluster.create(.pod(PodBuilder("p").build()))
        var configuration = SchedulerConfiguration()
        configuration.profiles = [profile(configure)]
        let scheduler = try Scheduler(
            configuration: configuration,
            registry: registry(plugins),
            client: cluster,
            clock: SimulatedClock()
        )
        let informers = Informers(client: cluster, scheduler: scheduler)
        try await informers.start()
        while informers.processedEventCount < cluster.emittedEventCount { await Task.yield() }
        if let pod = scheduler.queue.pop() { scheduler.scheduleOne(pod) }
        afterFirstPass(scheduler)
        await scheduler.waitForInFlightWork()
        while informers.processedEventCount < cluster.emittedEventCount { await Task.yield() }
        informers.stop()
        return (cluster, scheduler)
    }

    @Test func reserveFailureUnreservesEveryPluginInReverseOrderAndForgets() async throws {
        let log = Log()
        let a = Recorder(name: "A", log: log)
        let b = Recorder(name: "B", log: log, reserve: Status(.unschedulable, "no room reserved"))
        let (cluster, scheduler) = try await run([a, b]) { p in
            p[.reserve] = PluginSet(enabled: [PluginEntry("A"), PluginEntry("B")])
        }
        #expect(log.all == ["reserve:A", "reserve:B", "unreserve:B", "unreserve:A"])
        #expect(scheduler.cache.podCount == 0)
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == nil)
        let condition = cluster.pod(namespace: "default", name: "p")?.status?.conditions?.first
        #expect(condition?.message == "0/1 nodes are available: 1 no room reserved.")
        #expect(scheduler.queue.location(of: "default/p") == .unschedulable)
    }

    @Test func permitRejectionUnreservesAndRequeues() async throws {
        let log = Log()
        let gate = Recorder(name: "Gate", log: log, permit: (Status(.unschedulable, "not now"), .zero))
        let (cluster, scheduler) = try await run([gate]) { p in
            p[.reserve] = PluginSet(enabled: [PluginEntry("Gate")])
            p[.permit] = PluginSet(enabled: [PluginEntry("Gate")])
        }
        #expect(log.all == ["reserve:Gate", "unreserve:Gate"])
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == nil)
        #expect(scheduler.queue.location(of: "default/p") == .unschedulable)
    }

    @Test func permitWaitBindsOnceAllowed() async throws {
        let gate = Recorder(name: "Gate", permit: (Status(.wait), .seconds(60)))
        let (cluster, _) = try await run(
            [gate],
            configure: { p in p[.permit] = PluginSet(enabled: [PluginEntry("Gate")]) },
            afterFirstPass: { scheduler in scheduler.permitWaitingPods.waiter(uid: "default/p")?.allow(plugin: "Gate") }
        )
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == "n1")
    }

    @Test func permitWaitRejectedByAnotherPluginIsRequeued() async throws {
        let gate = Recorder(name: "Gate", permit: (Status(.wait), .seconds(60)))
        let (cluster, scheduler) = try await run(
            [gate],
            configure: { p in p[.permit] = PluginSet(enabled: [PluginEntry("Gate")]) },
            afterFirstPass: { scheduler in
                scheduler.permitWaitingPods.waiter(uid: "default/p")?.reject(plugin: "Gate", message: "quorum lost")
            }
        )
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == nil)
        #expect(scheduler.cache.podCount == 0)
        #expect(
            cluster.pod(namespace: "default", name: "p")?.status?.conditions?.first?.message
                == "0/1 nodes are available: 1 quorum lost."
        )
    }

    @Test func permitWaitTimesOut() async throws {
        let gate = Recorder(name: "Gate", permit: (Status(.wait), .milliseconds(50)))
        let (cluster, scheduler) = try await run([gate]) { p in p[.permit] = PluginSet(enabled: [PluginEntry("Gate")]) }
        #expect(cluster.pod(namespace: "default", name: "p")?.spec.nodeName == nil)
        #expect(scheduler.cache.podCount == 0)
        let message = cluster.pod(namespace: "default", name: "p")?.status?.conditions?.first?.message ?? ""
        #expect(message.contains("rejected due to timeout after waiting"))
        #expect(message.contains("at plugin Gate"))
    }
}
