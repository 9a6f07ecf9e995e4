import Dispatch
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// Where one pod ended up.
package struct PodOutcome: Sendable, Equatable, Codable {
    package enum Status: String, Sendable, Codable {
        case scheduled = "Scheduled"
        case unschedulable = "Unschedulable"
        /// No profile serves the pod's schedulerName.
        case ignored = "Ignored"
        /// Held by scheduling gates.
        case schedulingGated = "SchedulingGated"
        /// The last attempt failed with an internal error.
        case error = "Error"
        /// The API server would not have admitted the pod.
        case rejected = "Rejected"
    }
    package var namespace: String
    package var name: String
    package var node: String?
    package var status: Status
    package var message: String?
    /// The pod's claims and the volumes they ended up bound to (nil when the pod uses no claims).
    package var volumes: [VolumeOutcome]?

    package init(
        namespace: String,
        name: String,
        node: String?,
        status: Status,
        message: String?,
        volumes: [VolumeOutcome]? = nil
    ) {
        self.namespace = namespace
        self.name = name
        self.node = node
        self.status = status
        self.message = message
        self.volumes = volumes
    }
}

/// A pod evicted to make room for another.
package struct PreemptedPod: Sendable, Equatable, Codable {
    package var namespace: String
    package var name: String
    package var node: String
    /// `namespace/name` of the pod it made room for.
    package var preemptor: String?

    package init(namespace: String, name: String, node: String, preemptor: String?) {
        self.namespace = namespace
        self.name = name
        self.node = node
        self.preemptor = preemptor
    }
}

/// The outcome of a simulation, in the order pods were given.
package struct SimulationResult: Sendable, Equatable {
    package var pods: [PodOutcome]
    package var preempted: [PreemptedPod]
    /// Events the scheduler recorded (Scheduled, FailedScheduling, …).
    package var events: [SchedulingEvent]
    /// With an ``ExplainRequest``: each explained pod's attempts, by `namespace/name`.
    package var explanations: [String: PodExplanations] = [:]
    /// How many cycles the shared scheduling loop ran, and how often the queue's flush timers fired.
    package var cycles = 0
    package var queueTimerTicks = QueueFlushTimers.Ticks()
}

/// Runs the scheduler on an embedded cluster until no pending pod can make progress.
///
/// Deterministic for a given seed: one pod at a time, each binding finished and every resulting
/// watch event applied before the next pod is popped; backoff, the queue's flush timers and Permit timeouts
/// run on a simulated clock.
package enum Simulation {
    package static func run(
        configuration: SchedulerConfiguration,
        registry: PluginRegistry,
        objects: [KubeObject],
        seed: UInt64 = 1,
        explain: ExplainRequest? = nil
    ) async throws(ConfigurationError) -> SimulationResult {
        let explainRecorder = explain.map(ExplainRecorder.init)
        let (admitted, rejected) = APIServerDefaults.apply(to: objects)
        let cluster = EmbeddedCluster()
        let clock = SimulatedClock()
        let observer = Recorder(recordsPostFilter: explainRecorder != nil)
        let scheduler = try Scheduler(
            configuration: configuration,
            registry: registry,
            client: cluster,
            clock: clock,
            seed: seed,
            observer: observer
        )

        var pending: [Pod] = []
        for object in admitted {
            do {
                try cluster.create(object)
            } catch {
                throw ConfigurationError("duplicate \(object.kind.rawValue) \(object.key): \(error.message)")
            }
            if case .pod(let pod) = object, pod.nodeName.isEmpty, !pod.isTerminal { pending.append(pod) }
        }

        // Permit timeouts run on the simulated clock, like backoff.
        scheduler.permitWaitingPods.useClockDrivenTimeouts()
        let informers = Informers(client: cluster, scheduler: scheduler)
        do {
            try await informers.start()
        } catch {
            throw ConfigurationError("embedded cluster: \(error.message)")
        }
        await settle(scheduler: scheduler, informers: informers, cluster: cluster)

        // The loop `run` and `bench` use, paced so that each pod's binding and watch events are applied before the
        // next pop, and the clock moves (firing the queue's flush timers) only when no pod can be popped.
        let pacing = SimulationPacing(
            scheduler: scheduler,
            informers: informers,
            cluster: cluster,
            clock: clock,
            observer: observer,
            explain: explainRecorder
        )
        await scheduler.run(pacing: pacing)
        informers.stop()
        cluster.shutdown()

        var outcomes: [PodOutcome] = []
        let rejectedKeys = Set(rejected.map(\.pod.key))
        for original in objects.compactMap(\.pod) where original.nodeName.isEmpty && !original.isTerminal {
            let namespace = original.metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            let key = "\(namespace)/\(original.name)"
            if rejectedKeys.contains(key), let rejection = rejected.first(where: { $0.pod.key == key }) {
                outcomes.append(
                    PodOutcome(
                        namespace: namespace,
                        name: original.name,
                        node: nil,
                        status: .rejected,
                        message: rejection.message
                    )
                )
                continue
            }
            guard let pod = cluster.pod(namespace: namespace, name: original.name) else { continue }
            if !pod.nodeName.isEmpty {
                outcomes.append(
                    PodOutcome(
                        namespace: namespace,
                        name: pod.name,
                        node: pod.nodeName,
                        status: .scheduled,
                        message: nil
                    )
                )
            } else if !scheduler.handles(pod) {
                outcomes.append(
                    PodOutcome(
                        namespace: namespace,
                        name: pod.name,
                        node: nil,
                        status: .ignored,
                        message: "no profile serves schedulerName \"\(pod.schedulerName)\""
                    )
                )
            } else if scheduler.queue.location(of: pod.key) == .gated {
                let gates = (pod.spec.schedulingGates ?? []).map(\.name).joined(separator: " ")
                outcomes.append(
                    PodOutcome(
                        namespace: namespace,
                        name: pod.name,
                        node: nil,
                        status: .schedulingGated,
                        message: "waiting for scheduling gates: [\(gates)]"
                    )
                )
            } else if let failure = observer.lastFailure(uid: pod.uid) {
                outcomes.append(
                    PodOutcome(
                        namespace: namespace,
                        name: pod.name,
                        node: nil,
                        status: failure.status.isRejected ? .unschedulable : .error,
                        message: failure.message
                    )
                )
            } else {
                outcomes.append(
                    PodOutcome(namespace: namespace, name: pod.name, node: nil, status: .unschedulable, message: nil)
                )
            }
        }
        VolumeOutcome.attach(to: &outcomes, cluster: cluster)
        return SimulationResult(
            pods: outcomes,
            preempted: observer.preempted,
            events: cluster.recordedEvents,
            explanations: explainRecorder?.finish(scheduler: scheduler, registry: registry, outcomes: outcomes) ?? [:],
            cycles: scheduler.cycles.load(ordering: .relaxed),
            queueTimerTicks: scheduler.queueTimers.ticks
        )
    }

    /// Waits until bindings and status writes have finished (or are parked at Permit) and every watch event has
    /// been applied.
    fileprivate static func settle(scheduler: Scheduler, informers: Informers, cluster: EmbeddedCluster) async {
        while true {
            await waitForWork(scheduler)
            var spins = 0
            while informers.processedEventCount < cluster.emittedEventCount {
                spins += 1
                if spins < 1000 { await Task.yield() } else { try? await Task.sleep(for: .microseconds(100)) }
            }
            let idle = informers.processedEventCount == cluster.emittedEventCount
            await waitForWork(scheduler)
            if idle && informers.processedEventCount == cluster.emittedEventCount { return }
        }
    }
}

extension Simulation {
    /// Waits for in-flight work except binding cycles parked at Permit without a decision (they wait for other
    /// pods or for the simulated clock, so waiting for them would never end).
    fileprivate static func waitForWork(_ scheduler: Scheduler) async {
        let waiting = scheduler.permitWaitingPods
        guard waiting.undecidedCount > 0 else {
            await scheduler.waitForInFlightWork()
            return
        }
        var spins = 0
        while scheduler.inFlightWorkCount > waiting.undecidedCount {
            spins += 1
            if spins < 1000 { await Task.yield() } else { try? await Task.sleep(for: .microseconds(100)) }
        }
    }
}

/// Paces the shared scheduling loop (SchedulingLoop.swift) for `simulate`, on the loop's thread: it parks pods
/// retried with nothing changed, records explain data around each cycle, settles the cluster after it, and when
/// no pod can be popped moves the simulated clock to the next moment something can progress — a flush-timer tick
/// or a Permit deadline — or ends the run.
private final class SimulationPacing: SchedulingPacing {
    private let scheduler: Scheduler
    private let informers: Informers
    private let cluster: EmbeddedCluster
    private let clock: SimulatedClock
    private let observer: Recorder
    private let explain: ExplainRecorder?
    private struct State {
        /// Pods whose Permit wait ran out, with the change count at the time.
        var timedOut: [String: Int] = [:]
        /// Pods popped again although nothing changed since they last failed, and how often.
        var unchangedRetries: [String: Int] = [:]
    }
    private let state = Mutex(State())

    init(
        scheduler: Scheduler,
        informers: Informers,
        cluster: EmbeddedCluster,
        clock: SimulatedClock,
        observer: Recorder,
        explain: ExplainRecorder?
    ) {
        self.scheduler = scheduler
        self.informers = informers
        self.cluster = cluster
        self.clock = clock
        self.observer = observer
        self.explain = explain
    }

    func willSchedule(_ next: QueuedPodInfo) -> Bool {
        // A rejected pod leaves backoff early when the active queue is empty. Retried twice with nothing changed in
        // the cluster (a gang whose members keep rejecting each other), it rests among the unschedulable pods until
        // a cluster event (or the leftover flush) moves it.
        let uid = next.podInfo.uid
        let unchanged =
            !next.unschedulablePlugins.isEmpty && observer.lastFailureChangeCount(uid: uid) == scheduler.changeCount
        let park = state.withLock { state -> Bool in
            guard unchanged else {
                state.unchangedRetries[uid] = nil
                return false
            }
            state.unchangedRetries[uid, default: 0] += 1
            guard state.unchangedRetries[uid, default: 0] > 1 else { return false }
            state.unchangedRetries[uid] = nil
            return true
        }
        if park {
            scheduler.queue.addUnschedulableIfNotPresent(next, podSchedulingCycle: scheduler.queue.schedulingCycle)
            return false
        }
        explain?.beforeAttempt(next, scheduler: scheduler)
        return true
    }

    func didSchedule(_ next: QueuedPodInfo) {
        let uid = next.podInfo.uid
        explain?.afterAttempt(
            next,
            postFilter: observer.takePostFilterRuns(uid: uid),
            message: observer.lastFailure(uid: uid)?.message
        )
        observer.noteAttempt(uid: uid, changeCount: scheduler.changeCount)
        settle()
    }

    func queueIsEmpty() -> Bool {
        let queue = scheduler.queue
        let backoffExpiry = queue.nextBackoffExpiry()
        // Retrying is pointless when nothing changed since each backing-off pod last failed.
        let backingOff = queue.allPods().filter { queue.location(of: $0.podInfo.key) == .backoff }
        let current = scheduler.changeCount
        let stale = backingOff.allSatisfy { observer.lastFailureChangeCount(uid: $0.podInfo.uid) == current }
        // Pods waiting at Permit (a gang short of members) time out when the clock reaches their deadline, before
        // the run ends at the latest.
        let permitDeadline = scheduler.permitWaitingPods.nextDeadline().flatMap { deadline -> Duration? in
            let beforeBackoff = backoffExpiry.map { deadline <= $0 } ?? true
            return stale || beforeBackoff ? deadline : nil
        }
        let target: Duration
        if let permitDeadline {
            target = permitDeadline
        } else if let backoffExpiry, !stale {
            target = scheduler.queueTimers.backoffTick(atOrAfter: backoffExpiry)
        } else {
            return false
        }
        // The timers fire at each tick on the way, as they would in a scheduler that waited; a pod one of them
        // makes poppable is scheduled at that tick.
        let timers = scheduler.queueTimers
        while timers.nextTick() <= target {
            let tick = timers.nextTick()
            clock.advance(to: tick)
            timers.fireTicks(through: tick)
            if queue.hasPoppablePod { return true }
        }
        guard let permitDeadline else { return true }
        let waiting = scheduler.permitWaitingPods.all().map(\.uid)
        // The same pods timing out again with nothing changed: they would cycle forever.
        let cycling = state.withLock { state -> Bool in
            let cycling = waiting.allSatisfy { state.timedOut[$0] == current }
            for uid in waiting { state.timedOut[uid] = current }
            return cycling
        }
        clock.advance(to: permitDeadline)
        scheduler.permitWaitingPods.expire(now: permitDeadline)
        while cycling, let later = scheduler.permitWaitingPods.nextDeadline() {
            clock.advance(to: later)
            scheduler.permitWaitingPods.expire(now: later)
        }
        settle()
        return !cycling
    }

    /// Runs ``Simulation/settle`` to completion, blocking the loop's thread (never a thread of the cooperative
    /// pool, which the settling tasks need).
    private func settle() {
        let done = DispatchSemaphore(value: 0)
        let (scheduler, informers, cluster) = (scheduler, informers, cluster)
        Task {
            await Simulation.settle(scheduler: scheduler, informers: informers, cluster: cluster)
            done.signal()
        }
        done.wait()
    }
}

/// Collects outcomes reported by the scheduler.
final class Recorder: SchedulingObserver {
    struct Failure {
        var status: Status
        var message: String
        var changeCount: Int
    }
    private let state = Mutex<(failures: [String: Failure], attempts: [String: Int], preempted: [PreemptedPod])>(
        ([:], [:], [])
    )
    /// Whether PostFilter outcomes are kept (for explain), by pod uid, until taken.
    private let recordsPostFilter: Bool
    private let postFilterRuns = Mutex<[String: [PostFilterRun]]>([:])

    init(recordsPostFilter: Bool = false) { self.recordsPostFilter = recordsPostFilter }

    func postFilterRan(_ pod: Pod, plugin: String, status: Status, nominatedNode: String?) {
        guard recordsPostFilter else { return }
        let run = PostFilterRun(plugin: plugin, status: status, nominatedNode: nominatedNode)
        postFilterRuns.withLock { $0[pod.uid, default: []].append(run) }
    }

    func takePostFilterRuns(uid: String) -> [PostFilterRun] {
        postFilterRuns.withLock { $0.removeValue(forKey: uid) ?? [] }
    }

    func podScheduled(_ pod: Pod, nodeName: String) {
        state.withLock { _ = $0.failures.removeValue(forKey: pod.uid) }
    }

    func podFailed(_ pod: Pod, status: Status, message: String) {
        state.withLock { state in
            state.failures[pod.uid] = Failure(
                status: status,
                message: message,
                changeCount: state.attempts[pod.uid] ?? -1
            )
        }
    }

    func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod) {
        state.withLock {
            $0.preempted.append(
                PreemptedPod(namespace: victim.namespace, name: victim.name, node: nodeName, preemptor: preemptor.key)
            )
        }
    }

    func noteAttempt(uid: String, changeCount: Int) {
        state.withLock { state in
            state.attempts[uid] = changeCount
            if state.failures[uid] != nil { state.failures[uid]?.changeCount = changeCount }
        }
    }

    func lastFailure(uid: String) -> Failure? { state.withLock { $0.failures[uid] } }
    func lastFailureChangeCount(uid: String) -> Int? { state.withLock { $0.failures[uid]?.changeCount } }
    var preempted: [PreemptedPod] { state.withLock { $0.preempted } }
}
