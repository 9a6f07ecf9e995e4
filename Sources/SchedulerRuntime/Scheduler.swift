import KubeAPI
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import Synchronization

/// Receives the outcome of every attempt; `simulate` and tests use it to report placements.
package protocol SchedulingObserver: Sendable {
    func podScheduled(_ pod: Pod, nodeName: String)
    func podFailed(_ pod: Pod, status: Status, message: String)
    /// `victim`, running on `nodeName`, was evicted to make room for `preemptor`.
    func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod)
    /// PostFilter plugin `plugin` ran for `pod` and returned `status`, nominating `nominatedNode` (explain reports it).
    func postFilterRan(_ pod: Pod, plugin: String, status: Status, nominatedNode: String?)
}

extension SchedulingObserver {
    package func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod) {}
    package func postFilterRan(_ pod: Pod, plugin: String, status: Status, nominatedNode: String?) {}
}

/// The scheduler: the scheduling loop (one pod at a time, Filter and Score in parallel across nodes),
/// asynchronous binding cycles, and the handlers that keep the queue and cache current from cluster
/// events. It talks to the cluster only through ``ClusterClient``.
package final class Scheduler: Sendable {
    package let queue: SchedulingQueue
    package let cache: SchedulerCache
    package let objects: ObjectStore
    package let profiles: [String: ProfileFramework]
    package let client: any ClusterClient
    package let configuration: SchedulerConfiguration
    /// The configured HTTP extenders, in order (Extenders.swift).
    package let extenders: [any Extender]
    let observer: (any SchedulingObserver)?
    let instrumentation: any SchedulerInstrumentation
    let clock: any SchedulerClock

    /// State owned by the scheduling loop.
    struct LoopState {
        var snapshot = Snapshot()
        var nextStartNodeIndex = 0
        var generator: SeededGenerator
    }
    let loop: Mutex<LoopState>
    /// Every pod the informers have seen, by uid (failure handling re-reads the latest copy).
    let podStore = Mutex<[String: Pod]>([:])
    /// The pods of each PodGroup (Coscheduling), kept with `podStore`.
    let podGroupMembers = PodGroupMembers()
    /// Every node the informers have seen, by name (to tell what an update changed).
    let nodeStore = Mutex<[String: Node]>([:])
    /// How many binding cycles and status writes are still running, and who waits for none to be.
    private let inFlightWork = Mutex(InFlightWork())
    let waitingPods = WaitingPods()
    /// Counts cluster changes that could affect scheduling (not status-only updates of pending pods).
    let changes = Atomic<Int>(0)
    /// Whether Filter scans are narrowed through the snapshot's label index (NodeLabelNarrowing.swift); off
    /// only for tests comparing against the full scan.
    package let narrowsByNodeLabels = Atomic<Bool>(true)
    /// How many cycles' scans were narrowed so far.
    package let narrowedScans = Atomic<Int>(0)
    /// How many cycles the scheduling loop has run (SchedulingLoop.swift).
    package let cycles = Atomic<Int>(0)
    /// The queue's backoff and leftover flushes, on this scheduler's clock.
    package let queueTimers: QueueFlushTimers

    /// Builds every profile of `configuration` from `registry`.
    package init(
        configuration: SchedulerConfiguration,
        registry: PluginRegistry,
        client: any ClusterClient,
        clock: any SchedulerClock = RealClock(),
        seed: UInt64 = 1,
        observer: (any SchedulingObserver)? = nil,
        instrumentation: any SchedulerInstrumentation = NoInstrumentation(),
        extenders: [any Extender]? = nil
    ) throws(ConfigurationError) {
        self.configuration = configuration
        if let extenders {
            self.extenders = extenders
        } else {
            self.extenders = try Self.makeExtenders(configuration)
        }
        self.client = client
        self.observer = observer
        self.instrumentation = instrumentation
        self.clock = clock
        let objects = ObjectStore()
        self.objects = objects
        var profiles: [String: ProfileFramework] = [:]
        var first: ProfileFramework?
        var boxes: [(ServicesBox, String)] = []
        for profile in configuration.profiles {
            let box = ServicesBox()
            boxes.append((box, profile.schedulerName))
            let handle = RuntimeHandle(
                profileName: profile.schedulerName,
                client: client,
                objects: objects,
                parallelism: configuration.parallelism,
                servicesBox: box
            )
            let framework = try ProfileFramework(
                profile: profile,
                registry: registry,
                handle: handle,
                source: configuration.source,
                instrumentation: instrumentation
            )
            profiles[profile.schedulerName] = framework
            if first == nil { first = framework }
        }
        guard let first else {
            throw ConfigurationError("\(configuration.source): profiles: at least one profile is required")
        }
        self.profiles = profiles
        self.cache = SchedulerCache()
        let sort = first.queueSort
        var queueConfiguration = SchedulingQueue.Configuration()
        queueConfiguration.initialBackoff = .seconds(configuration.podInitialBackoffSeconds)
        queueConfiguration.maxBackoff = .seconds(configuration.podMaxBackoffSeconds)
        let frameworks = profiles
        let queue = SchedulingQueue(
            clock: clock,
            configuration: queueConfiguration,
            less: { sort.less($0, $1) },
            preEnqueue: { pod in frameworks[pod.pod.schedulerName]?.runPreEnqueue(pod) ?? .success },
            events: profiles.mapValues(\.events)
        )
        self.queue = queue
        self.queueTimers = QueueFlushTimers(queue: queue, clock: clock)
        self.loop = Mutex(LoopState(generator: SeededGenerator(seed: seed)))
        for (box, name) in boxes {
            if let framework = profiles[name] { box.services = ProfileServices(framework: framework, scheduler: self) }
        }
    }

    /// Whether a profile serves pods with this `schedulerName`.
    package func handles(_ pod: Pod) -> Bool { profiles[pod.schedulerName] != nil }

    /// Runs `body`, reporting its duration and status at `point`.
    @inline(__always)
    func timed<T>(_ point: ExtensionPoint, _ profile: String, _ body: () -> T, status: (T) -> Status.Code) -> T {
        let start = ContinuousClock.now
        let result = body()
        instrumentation.extensionPointFinished(
            point,
            profile: profile,
            status: status(result),
            duration: ContinuousClock.now - start
        )
        return result
    }

    /// A counter of cluster changes that could make a pending pod schedulable.
    package var changeCount: Int { changes.load(ordering: .relaxed) }

    // MARK: The loop

    /// Schedules pods until the queue is closed or the calling task is cancelled: the loop `run`, `bench` and
    /// `simulate` share. The cycles run on the loop's own thread (SchedulingLoop.swift); the backoff and
    /// unschedulable-leftover flushes on ``queueTimers`` (SchedulerQueueTimers.swift), on real time unless a
    /// `pacing` drives them (and ends the run when nothing can progress). Returns once the cycle in progress has
    /// ended.
    package func run(pacing: (any SchedulingPacing)? = nil) async {
        let timers = pacing == nil ? queueTimers.startOnRealTime() : nil
        defer { timers?.cancel() }
        let loop = SchedulingLoop(scheduler: self, pacing: pacing)
        loop.start()
        await withTaskCancellationHandler {
            await loop.join()
        } onCancel: {
            loop.stop()
        }
    }

    /// Runs `work` as a tracked task so ``waitForInFlightWork()`` can wait for it. The task is created outside
    /// the lock and only a counter is kept, so a binding that finishes at once never contends with the loop.
    func track(_ work: @escaping @Sendable () async -> Void) {
        inFlightWork.withLock { $0.count += 1 }
        Task { [self] in
            await work()
            let waiters = self.inFlightWork.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.count -= 1
                guard state.count == 0 else { return [] }
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            waiters.forEach { $0.resume() }
        }
    }

    /// Waits until every binding cycle and status write started so far (and any started meanwhile) has finished.
    /// Returns early when the waiting task is cancelled, so a caller can bound the wait (a shutdown's grace
    /// period) even when some work never ends.
    package func waitForInFlightWork() async {
        let ticket = inFlightWork.withLock { state -> Int in
            state.nextTicket += 1
            return state.nextTicket
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let idle = inFlightWork.withLock { state -> Bool in
                    if state.count == 0 || Task.isCancelled { return true }
                    state.waiters[ticket] = continuation
                    return false
                }
                if idle { continuation.resume() }
            }
        } onCancel: {
            inFlightWork.withLock { $0.waiters.removeValue(forKey: ticket) }?.resume()
        }
    }

    /// Permit's waiting pods, for plugins that allow or reject them.
    package var permitWaitingPods: WaitingPods { waitingPods }

    /// How many binding cycles and status writes are running or parked at Permit.
    package var inFlightWorkCount: Int { inFlightWork.withLock { $0.count } }
}

/// Work the scheduler started and has not seen finish (binding cycles, status writes), and the tasks waiting
/// for it to reach zero, each under a ticket so a cancelled wait can leave.
private struct InFlightWork {
    var count = 0
    var nextTicket = 0
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
}
