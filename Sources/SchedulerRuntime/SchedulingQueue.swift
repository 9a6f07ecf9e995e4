import DequeModule
import Dispatch
import KubeAPI
import SchedulerFramework
import Synchronization

// Over 450 lines on purpose: every sub-queue lives behind one lock, and the moves between them (pop, requeue,
// event-driven moves, flushes, in-flight events, nominations) share that state's invariants; split across files
// they would have to widen its access.

/// Upstream's priority queue: an active heap ordered by the QueueSort plugin, a backoff heap ordered by
/// backoff expiry, and a map of unschedulable pods parked until a cluster event that could help them
/// (or a timeout). Thread-safe; the scheduling loop pops while informers add, update and move pods.
package final class SchedulingQueue: Sendable {
    /// Events each profile's plugins registered: scheduler name → plugin → events.
    package typealias EventRegistry = [String: [String: [ClusterEventWithHint]]]

    /// Where a pod is, for tests and `simulate`.
    package enum Location: Sendable, Equatable {
        case active, backoff, unschedulable, gated, inFlight
    }

    package struct Configuration: Sendable {
        package var initialBackoff: Duration = .seconds(1)
        package var maxBackoff: Duration = .seconds(10)
        /// Unschedulable pods are retried at the latest after this long (upstream 5 min).
        package var maxInUnschedulablePods: Duration = .seconds(300)
        package init() {}
    }

    private struct InFlightEvent {
        var sequence: Int
        var event: ClusterEvent
        var old: KubeObject?
        var new: KubeObject?
    }

    private struct State {
        var active: IndexedHeap<QueuedPodInfo>
        /// Pods rejected by plugins (upstream `podBackoffQ`); may be popped early when the active queue is empty.
        var backoff: IndexedHeap<(info: QueuedPodInfo, expiry: Duration)>
        /// Pods whose attempt ended in an error (upstream `podErrorBackoffQ`); they always wait.
        var errorBackoff: IndexedHeap<(info: QueuedPodInfo, expiry: Duration)>
        /// Pods rejected in their last attempt, parked until an event may help (gated pods are in `gated`).
        var unschedulable: [String: QueuedPodInfo] = [:]
        /// Pods a PreEnqueue plugin keeps out, by gating plugin (see ``GatedPods``).
        var gated = GatedPods()
        /// uid → event sequence number when popped.
        var inFlight: [String: Int] = [:]
        /// Events recorded while pods were in flight, in sequence order.
        var inFlightEvents = Deque<InFlightEvent>()
        /// In-flight pods in pop order (stale entries are dropped lazily), so the oldest is found in O(1).
        var inFlightOrder = Deque<(uid: String, sequence: Int)>()
        var eventSequence = 0
        var schedulingCycle = 0
        var moveRequestCycle = -1
        /// Nominated pods: node → pods, and uid → node.
        var nominatedByNode: [String: [PodInfo]] = [:]
        var nominatedNodeOfPod: [String: String] = [:]
        var waiters: [QueueWaiter] = []
        /// Set by ``wakeBlockedPops()`` so a `popBlocking` about to wait returns instead (no lost wake-up).
        var wakeRequested = false
        var closed = false
    }

    private let state: Mutex<State>
    private let clock: any SchedulerClock
    private let configuration: Configuration
    private let preEnqueue: @Sendable (PodInfo) -> Status
    private let events: EventRegistry

    /// - Parameters:
    ///   - less: the QueueSort plugin's ordering.
    ///   - preEnqueue: runs the pod's profile's PreEnqueue plugins; a rejection's `plugin` names the gate.
    ///   - events: the events each profile's plugins registered, for requeueing.
    package init(
        clock: any SchedulerClock,
        configuration: Configuration = Configuration(),
        less: @escaping @Sendable (QueuedPodInfo, QueuedPodInfo) -> Bool,
        preEnqueue: @escaping @Sendable (PodInfo) -> Status = { _ in .success },
        events: EventRegistry = [:]
    ) {
        self.clock = clock
        self.configuration = configuration
        self.preEnqueue = preEnqueue
        self.events = events
        self.state = Mutex(
            State(
                active: IndexedHeap(less: less),
                backoff: IndexedHeap(less: { lhs, rhs in
                    lhs.expiry != rhs.expiry ? lhs.expiry < rhs.expiry : less(lhs.info, rhs.info)
                }),
                errorBackoff: IndexedHeap(less: { lhs, rhs in
                    lhs.expiry != rhs.expiry ? lhs.expiry < rhs.expiry : less(lhs.info, rhs.info)
                })
            )
        )
    }

    // MARK: Adding and removing pods

    /// A new unscheduled pod (informer Add).
    package func add(_ pod: Pod) {
        let info = QueuedPodInfo(podInfo: PodInfo(pod), timestamp: clock.now())
        let waiters = state.withLock { state -> [QueueWaiter] in
            guard !contains(info.podInfo.key, in: state) else { return [] }
            if let node = pod.status?.nominatedNodeName, !node.isEmpty {
                addNominated(info.podInfo, node: node, in: &state)
            }
            return moveToActiveOrGate(info, in: &state)
        }
        waiters.forEach { $0.wake() }
    }

    /// An update of an unscheduled pod (informer Update).
    package func update(old: Pod, new: Pod) {
        let waiters = state.withLock { state -> [QueueWaiter] in
            let key = new.key
            let podInfo = PodInfo(new)
            refreshNominated(podInfo, old: old, in: &state)
            if state.inFlight[podInfo.uid] != nil {
                // Replayed when the in-flight attempt fails.
                recordInFlightEvent(
                    ClusterEvent(resource: .unscheduledPod, action: podUpdateAction(old: old, new: new)),
                    old: .pod(old),
                    new: .pod(new),
                    in: &state
                )
            }
            if var info = state.active[key] {
                info.podInfo = podInfo
                state.active.upsert(info, key: key)
                return []
            }
            if var entry = state.backoff[key] {
                entry.info.podInfo = podInfo
                state.backoff.upsert(entry, key: key)
                return []
            }
            if var entry = state.errorBackoff[key] {
                entry.info.podInfo = podInfo
                state.errorBackoff.upsert(entry, key: key)
                return []
            }
            if var info = state.gated[key] {
                info.podInfo = podInfo
                guard Self.isPodUpdated(old: old, new: new) else {
                    state.gated.insert(info)
                    return []
                }
                // PreEnqueue runs again on the new object: a pod whose gates were removed is activated.
                state.gated.remove(key)
                return moveToActiveOrGate(info, in: &state)
            }
            if var info = state.unschedulable[key] {
                info.podInfo = podInfo
                guard Self.isPodUpdated(old: old, new: new) else {
                    state.unschedulable[key] = info
                    return []
                }
                let event = ClusterEvent(
                    resource: .unscheduledPod,
                    action: podUpdateAction(old: old, new: new),
                    label: "UnscheduledPodUpdate"
                )
                let strategy = requeueStrategy(for: info, event: event, old: .pod(old), new: .pod(new))
                guard strategy != .skip else {
                    state.unschedulable[key] = info
                    return []
                }
                state.unschedulable[key] = nil
                return requeue(info, strategy: strategy, in: &state)
            }
            if state.inFlight[podInfo.uid] != nil { return [] }
            // Not in any queue: treat as new.
            let info = QueuedPodInfo(podInfo: podInfo, timestamp: clock.now())
            return moveToActiveOrGate(info, in: &state)
        }
        waiters.forEach { $0.wake() }
    }

    /// The pod was deleted or bound by someone: forget it everywhere.
    package func delete(_ pod: Pod) {
        state.withLock { state in
            let key = pod.key
            state.active.remove(key)
            state.backoff.remove(key)
            state.errorBackoff.remove(key)
            state.unschedulable[key] = nil
            state.gated.remove(key)
            removeNominated(uid: pod.uid, in: &state)
        }
    }

    // MARK: Popping

    /// Takes the highest-priority active pod. When the active queue is empty, takes the first pod of the
    /// (non-error) backoff queue instead, as upstream does since v1.33 (`SchedulerPopFromBackoffQ`), so
    /// an idle scheduler does not sit out backoff. nil when neither has a pod.
    package func pop() -> QueuedPodInfo? {
        state.withLock { state in
            var next = state.active.popFirst()
            while next == nil, let entry = state.backoff.popFirst() {
                // PreEnqueue still applies to pods leaving backoff.
                let gate = preEnqueue(entry.info.podInfo)
                if gate.isSuccess {
                    next = entry.info
                } else {
                    var gated = entry.info
                    gated.gatingPlugin = gate.plugin ?? "PreEnqueue"
                    gated.unschedulablePlugins.insert(gated.gatingPlugin ?? "PreEnqueue")
                    state.gated.insert(gated)
                }
            }
            guard var info = next else { return nil }
            info.attempts += 1
            if info.initialAttemptTimestamp == nil { info.initialAttemptTimestamp = clock.now() }
            state.schedulingCycle += 1
            state.inFlight[info.podInfo.uid] = state.eventSequence
            state.inFlightOrder.append((info.podInfo.uid, state.eventSequence))
            return info
        }
    }

    /// Pops a pod, blocking the calling thread while the active queue is empty. Returns nil when the queue is
    /// closed, or after ``wakeBlockedPops()``. For the scheduling loop's own thread only: blocking a thread of
    /// Swift's cooperative pool would starve the tasks that fill the queue.
    package func popBlocking() -> QueuedPodInfo? {
        if let info = pop() { return info }
        let semaphore = DispatchSemaphore(value: 0)
        let mustWait = state.withLock { state -> Bool in
            if state.closed || !state.active.isEmpty || state.wakeRequested {
                state.wakeRequested = false
                return false
            }
            state.waiters.append(QueueWaiter(semaphore: semaphore))
            return true
        }
        if mustWait { semaphore.wait() }
        return pop()
    }

    /// Wakes the waiters without closing the queue: a blocked ``popBlocking()`` returns (nil when nothing is
    /// active), so its loop can check whether it should stop.
    package func wakeBlockedPops() {
        takeWaiters { $0.wakeRequested = true }.forEach { $0.wake() }
    }

    /// Whether ``close()`` was called.
    package var isClosed: Bool { state.withLock { $0.closed } }

    /// Wakes every waiter; later ``popBlocking()`` calls return nil once the active queue is empty.
    package func close() {
        takeWaiters { $0.closed = true }.forEach { $0.wake() }
    }

    /// Marks the state with `mark` and takes the blocked pops, to be woken outside the lock.
    private func takeWaiters(marking mark: (inout State) -> Void) -> [QueueWaiter] {
        state.withLock { state in
            mark(&state)
            defer { state.waiters = [] }
            return state.waiters
        }
    }

    /// The scheduling cycle counter (incremented by every pop).
    package var schedulingCycle: Int { state.withLock { $0.schedulingCycle } }

    /// Marks the pod's attempt finished (bound, or handed back to the queue).
    package func done(uid: String) {
        state.withLock { state in
            state.inFlight[uid] = nil
            pruneInFlightEvents(in: &state)
        }
    }

    // MARK: After a failed attempt

    /// Puts a pod whose attempt failed back: to the unschedulable map, or to backoff when an event
    /// received during its attempt (or a move request) may have helped, or when it failed with an error.
    package func addUnschedulableIfNotPresent(_ failed: QueuedPodInfo, podSchedulingCycle: Int) {
        let waiters = state.withLock { state -> [QueueWaiter] in
            var info = failed
            let uid = info.podInfo.uid
            let sequenceAtPop = state.inFlight[uid]
            defer {
                state.inFlight[uid] = nil
                pruneInFlightEvents(in: &state)
            }
            let key = info.podInfo.key
            guard !contains(key, in: state) else { return [] }
            let rejectors = info.unschedulablePlugins.union(info.pendingPlugins)
            if rejectors.isEmpty {
                info.consecutiveErrorsCount += 1
            } else {
                info.unschedulableCount += 1
                info.consecutiveErrorsCount = 0
            }
            info.timestamp = clock.now()
            if rejectors.isEmpty {
                return requeue(info, strategy: .afterBackoff, in: &state)
            }
            // Replay what happened while the pod was being scheduled.
            var best = Strategy.skip
            if let sequenceAtPop {
                for recorded in state.inFlightEvents where recorded.sequence > sequenceAtPop {
                    best = max(
                        best,
                        requeueStrategy(for: info, event: recorded.event, old: recorded.old, new: recorded.new)
                    )
                    if best == .immediately { break }
                }
            } else if state.moveRequestCycle >= podSchedulingCycle {
                best = .afterBackoff
            }
            if best == .skip {
                state.unschedulable[key] = info
                return []
            }
            return requeue(info, strategy: best, in: &state)
        }
        waiters.forEach { $0.wake() }
    }

    // MARK: Cluster events

    /// Moves unschedulable pods that `event` may help to the active or backoff queue
    /// (`MoveAllToActiveOrBackoffQueue`).
    /// `preCheck`, when given, limits the move to the pods it accepts (upstream's `PreEnqueueCheck`).
    package func moveAllToActiveOrBackoffQueue(
        _ event: ClusterEvent,
        old: KubeObject? = nil,
        new: KubeObject? = nil,
        preCheck: ((Pod) -> Bool)? = nil
    ) {
        let waiters = state.withLock { state -> [QueueWaiter] in
            state.moveRequestCycle = state.schedulingCycle
            if !state.inFlight.isEmpty { recordInFlightEvent(event, old: old, new: new, in: &state) }
            // Decide first, then move: removing entries while iterating a dictionary would copy it.
            var moves: [(info: QueuedPodInfo, strategy: Strategy)] = []
            for info in state.unschedulable.values {
                if let preCheck, !preCheck(info.podInfo.pod) { continue }
                let strategy = requeueStrategy(for: info, event: event, old: old, new: new)
                if strategy != .skip { moves.append((info, strategy)) }
            }
            // A gated pod is reconsidered only on events its gating plugin registered (GatingPluginEvents), so the
            // pods of a plugin that did not register this event are skipped as a group; for the others the hints
            // of every plugin that rejected the pod decide, as for other pods, and PreEnqueue runs again.
            let timeoutOrForced = event == .unschedulableTimeout || event == .forceActivate
            var gatedMoves: [QueuedPodInfo] = []
            for (gate, pods) in state.gated.groups {
                if !timeoutOrForced {
                    let registered = events[gate.schedulerName]?[gate.plugin] ?? []
                    guard registered.contains(where: { event.matches(registered: $0.event) }) else { continue }
                }
                for info in pods.values {
                    if let preCheck, !preCheck(info.podInfo.pod) { continue }
                    if timeoutOrForced || requeueStrategy(for: info, event: event, old: old, new: new) != .skip {
                        gatedMoves.append(info)
                    }
                }
            }
            var waiters: [QueueWaiter] = []
            for (info, strategy) in moves {
                state.unschedulable[info.podInfo.key] = nil
                waiters += requeue(info, strategy: strategy, in: &state)
            }
            for info in gatedMoves {
                state.gated.remove(info.podInfo.key)
                waiters += moveToActiveOrGate(info, in: &state)
            }
            return waiters
        }
        waiters.forEach { $0.wake() }
    }

    /// Moves a parked or backing-off pod straight to the active queue (`Activate`). A pod that is in flight
    /// instead gets a ForceActivate event aimed at it alone, so it is requeued when its attempt fails.
    package func activate(_ pod: Pod) {
        activate(key: pod.key, target: pod)
    }

    /// ``activate(_:)`` by key; an in-flight pod is not reached (its uid is unknown).
    package func activate(key: String) {
        activate(key: key, target: nil)
    }

    private func activate(key: String, target: Pod?) {
        let waiters = state.withLock { state -> [QueueWaiter] in
            if let info = state.unschedulable.removeValue(forKey: key) ?? state.gated.remove(key) {
                return moveToActiveOrGate(info, in: &state)
            }
            if let entry = state.backoff.remove(key) ?? state.errorBackoff.remove(key) {
                return moveToActiveOrGate(entry.info, in: &state)
            }
            if let target, state.inFlight[target.uid] != nil {
                // Upstream `addEventsIfPodInFlight(nil, pod, EventForceActivate)`: the event carries the
                // pod, and a wildcard event carrying a pod requeues that pod only.
                recordInFlightEvent(.forceActivate, old: nil, new: .pod(target), in: &state)
                state.moveRequestCycle = state.schedulingCycle
            }
            return []
        }
        waiters.forEach { $0.wake() }
    }

    /// Moves pods whose backoff has expired to the active queue.
    package func flushBackoffQCompleted() {
        let waiters = state.withLock { state -> [QueueWaiter] in
            let now = clock.now()
            var waiters: [QueueWaiter] = []
            while let first = state.backoff.peek, first.expiry <= now {
                state.backoff.remove(first.info.podInfo.key)
                waiters += moveToActiveOrGate(first.info, in: &state)
            }
            while let first = state.errorBackoff.peek, first.expiry <= now {
                state.errorBackoff.remove(first.info.podInfo.key)
                waiters += moveToActiveOrGate(first.info, in: &state)
            }
            return waiters
        }
        waiters.forEach { $0.wake() }
    }

    /// Retries pods parked longer than `maxInUnschedulablePods` (`flushUnschedulablePodsLeftover`).
    package func flushUnschedulablePodsLeftover() {
        let now = clock.now()
        let stale = state.withLock { state in
            state.unschedulable.values.filter { now - $0.timestamp > configuration.maxInUnschedulablePods }.map(
                \.podInfo.key
            )
        }
        guard !stale.isEmpty else { return }
        let waiters = state.withLock { state -> [QueueWaiter] in
            var waiters: [QueueWaiter] = []
            for key in stale {
                guard let info = state.unschedulable.removeValue(forKey: key) else { continue }
                waiters += requeue(info, strategy: .afterBackoff, in: &state)
            }
            return waiters
        }
        waiters.forEach { $0.wake() }
    }

    /// Whether ``pop()`` has a pod to take (an active one, or one backing off after a rejection).
    package var hasPoppablePod: Bool {
        state.withLock { !$0.active.isEmpty || !$0.backoff.isEmpty }
    }

    /// When the earliest backoff expires, if any pod is backing off.
    package func nextBackoffExpiry() -> Duration? {
        state.withLock { state in
            [state.backoff.peek?.expiry, state.errorBackoff.peek?.expiry].compactMap { $0 }.min()
        }
    }

    // MARK: Inspection

    /// Counts per sub-queue, as `scheduler_pending_pods{queue}`.
    package func pendingCounts() -> (active: Int, backoff: Int, unschedulable: Int, gated: Int) {
        state.withLock { state in
            (
                state.active.count, state.backoff.count + state.errorBackoff.count, state.unschedulable.count,
                state.gated.count
            )
        }
    }

    /// Upstream's in-flight bookkeeping, for leak checks: pods popped and not yet done, and the cluster events
    /// kept for their queueing hints. Both return to zero once every attempt has finished.
    package func inFlightCounts() -> (pods: Int, events: Int) {
        state.withLock { ($0.inFlight.count, $0.inFlightEvents.count) }
    }

    /// Where the pod with `key` is, or nil when the queue does not hold it.
    package func location(of key: String) -> Location? {
        state.withLock { state in
            if state.active.contains(key) { return .active }
            if state.backoff.contains(key) || state.errorBackoff.contains(key) { return .backoff }
            if state.gated.contains(key) { return .gated }
            if state.unschedulable[key] != nil { return .unschedulable }
            return nil
        }
    }

    /// The queued entry for `key` wherever it is.
    package func queuedPodInfo(for key: String) -> QueuedPodInfo? {
        state.withLock { state in
            state.active[key] ?? state.backoff[key]?.info ?? state.errorBackoff[key]?.info ?? state.unschedulable[key]
                ?? state.gated[key]
        }
    }

    /// Every pod the queue holds (not in flight).
    package func allPods() -> [QueuedPodInfo] {
        state.withLock { state in
            state.active.elements + state.backoff.elements.map(\.info) + state.errorBackoff.elements.map(\.info)
                + Array(state.unschedulable.values) + state.gated.all
        }
    }

    /// How long the pod backs off: initial × 2^(count−1), capped at the maximum, where count is the
    /// number of consecutive errors if the last attempt was an error, else the number of rejections
    /// (upstream v1.35 counts the two separately).
    package func backoffDuration(for info: QueuedPodInfo) -> Duration {
        let count = info.consecutiveErrorsCount > 0 ? info.consecutiveErrorsCount : info.unschedulableCount
        guard count > 0 else { return .zero }
        var duration = configuration.initialBackoff
        for _ in 1..<count {
            if duration > configuration.maxBackoff - duration { return configuration.maxBackoff }
            duration = duration * 2
        }
        return min(duration, configuration.maxBackoff)
    }

    /// Backoff expiries are aligned down to whole seconds (upstream's 1 s ordering window), so pods whose
    /// backoff ends in the same second leave it in priority order.
    private func backoffExpiry(for info: QueuedPodInfo) -> Duration {
        let raw = info.timestamp + backoffDuration(for: info)
        let (seconds, _) = raw.components
        return .seconds(seconds)
    }

    // MARK: Nominated pods

    /// Records that `pod` is nominated to run on `nodeName` (after preemption).
    package func addNominatedPod(_ pod: PodInfo, nodeName: String) {
        state.withLock { addNominated(pod, node: nodeName, in: &$0) }
    }

    package func deleteNominatedPodIfExists(uid: String) {
        state.withLock { removeNominated(uid: uid, in: &$0) }
    }

    /// Pods nominated to `nodeName`.
    package func nominatedPods(forNode nodeName: String) -> [PodInfo] {
        state.withLock { $0.nominatedByNode[nodeName] ?? [] }
    }

    /// Every nomination, by node (read once per cycle, not per node).
    package func nominatedPodsByNode() -> [String: [PodInfo]] {
        state.withLock { $0.nominatedByNode }
    }

    package func nominatedNode(ofPodUID uid: String) -> String? {
        state.withLock { $0.nominatedNodeOfPod[uid] }
    }

    // MARK: Internals (called with the lock held)

    private enum Strategy: Int, Comparable {
        case skip = 0
        case afterBackoff = 1
        case immediately = 2
        static func < (lhs: Strategy, rhs: Strategy) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private func contains(_ key: String, in state: State) -> Bool {
        state.active.contains(key) || state.backoff.contains(key) || state.errorBackoff.contains(key)
            || state.unschedulable[key] != nil || state.gated.contains(key)
    }

    /// Runs PreEnqueue; a pod that passes goes to the active queue, one that is rejected is parked as gated.
    private func moveToActiveOrGate(
        _ queued: QueuedPodInfo,
        in state: inout State
    ) -> [QueueWaiter] {
        var info = queued
        let status = preEnqueue(info.podInfo)
        if !status.isSuccess {
            info.gatingPlugin = status.plugin ?? "PreEnqueue"
            info.unschedulablePlugins.insert(info.gatingPlugin ?? "PreEnqueue")
            state.gated.insert(info)
            return []
        }
        if let gate = info.gatingPlugin {
            info.unschedulablePlugins.remove(gate)
            info.gatingPlugin = nil
        }
        state.active.upsert(info, key: info.podInfo.key)
        defer { state.waiters = [] }
        return state.waiters
    }

    private func requeue(
        _ info: QueuedPodInfo,
        strategy: Strategy,
        in state: inout State
    ) -> [QueueWaiter] {
        let expiry = backoffExpiry(for: info)
        if strategy == .afterBackoff && expiry > clock.now() {
            if info.consecutiveErrorsCount > 0 {
                state.errorBackoff.upsert((info, expiry), key: info.podInfo.key)
                return []
            }
            state.backoff.upsert((info, expiry), key: info.podInfo.key)
            // An idle loop may pop straight from this backoff queue: wake it.
            defer { state.waiters = [] }
            return state.waiters
        }
        return moveToActiveOrGate(info, in: &state)
    }

    /// `isPodWorthRequeuing`: only the hints of the plugins that rejected the pod decide.
    private func requeueStrategy(
        for info: QueuedPodInfo,
        event: ClusterEvent,
        old: KubeObject?,
        new: KubeObject?
    ) -> Strategy {
        let rejectors = info.unschedulablePlugins.union(info.pendingPlugins)
        if rejectors.isEmpty { return .afterBackoff }
        if event.resource == .wildcard && event.action == .all {
            // A wildcard event that carries a pod (ForceActivate) is for that pod alone.
            if case .pod(let target)? = new, target.uid != info.podInfo.uid { return .skip }
            return .afterBackoff
        }
        guard let pluginEvents = events[info.podInfo.pod.schedulerName] else { return .afterBackoff }
        var result = Strategy.skip
        for plugin in rejectors {
            // A plugin that registered nothing is requeued by every event (upstream's wildcard default).
            guard let registered = pluginEvents[plugin] else {
                result = max(result, info.pendingPlugins.contains(plugin) ? .immediately : .afterBackoff)
                continue
            }
            for entry in registered where event.matches(registered: entry.event) {
                let hint = entry.hint?(info.podInfo.pod, old, new) ?? .queue
                guard hint == .queue else { continue }
                if info.pendingPlugins.contains(plugin) { return .immediately }
                result = .afterBackoff
            }
        }
        return result
    }

    private func recordInFlightEvent(_ event: ClusterEvent, old: KubeObject?, new: KubeObject?, in state: inout State) {
        state.eventSequence += 1
        state.inFlightEvents.append(InFlightEvent(sequence: state.eventSequence, event: event, old: old, new: new))
    }

    /// Drops events no in-flight pod can need: those up to the sequence the oldest in-flight pod was popped at.
    /// Pops happen in sequence order, so the oldest is the first live entry of `inFlightOrder`, and events form
    /// a sorted prefix to drop (amortized O(1), like upstream's list).
    private func pruneInFlightEvents(in state: inout State) {
        while let first = state.inFlightOrder.first, state.inFlight[first.uid] != first.sequence {
            state.inFlightOrder.removeFirst()
        }
        guard let oldest = state.inFlightOrder.first?.sequence else {
            state.inFlightEvents.removeAll()
            state.inFlightOrder.removeAll()
            return
        }
        while let first = state.inFlightEvents.first, first.sequence <= oldest { state.inFlightEvents.removeFirst() }
    }

    private func addNominated(_ pod: PodInfo, node: String, in state: inout State) {
        removeNominated(uid: pod.uid, in: &state)
        state.nominatedByNode[node, default: []].append(pod)
        state.nominatedNodeOfPod[pod.uid] = node
    }

    /// `updateNominatedPod`: a nomination only in memory (neither object carries one yet) survives with
    /// the new pod object; otherwise the new object's `nominatedNodeName` decides, so clearing it drops
    /// the nomination.
    private func refreshNominated(_ pod: PodInfo, old: Pod, in state: inout State) {
        let nominated = pod.pod.status?.nominatedNodeName ?? ""
        let previous = old.status?.nominatedNodeName ?? ""
        if nominated.isEmpty && previous.isEmpty {
            if let node = state.nominatedNodeOfPod[pod.uid] {
                // Keep the in-memory nomination but with the new pod object.
                state.nominatedByNode[node] = (state.nominatedByNode[node] ?? []).map { $0.uid == pod.uid ? pod : $0 }
            }
        } else if nominated.isEmpty {
            removeNominated(uid: pod.uid, in: &state)
        } else {
            addNominated(pod, node: nominated, in: &state)
        }
    }

    private func removeNominated(uid: String, in state: inout State) {
        guard let node = state.nominatedNodeOfPod.removeValue(forKey: uid) else { return }
        state.nominatedByNode[node]?.removeAll { $0.uid == uid }
        if state.nominatedByNode[node]?.isEmpty == true { state.nominatedByNode[node] = nil }
    }

    private func podUpdateAction(old: Pod, new: Pod) -> ActionType {
        PodUpdateEvents.action(old: old, new: new)
    }

    /// Whether an update changed anything but status and bookkeeping metadata (`isPodUpdated`).
    static func isPodUpdated(old: Pod, new: Pod) -> Bool {
        var lhs = old
        var rhs = new
        lhs.status = nil
        rhs.status = nil
        lhs.metadata.resourceVersion = nil
        rhs.metadata.resourceVersion = nil
        lhs.metadata.generation = nil
        rhs.metadata.generation = nil
        return lhs != rhs
    }
}

/// A thread blocked in ``SchedulingQueue/popBlocking()`` until the active queue has a pod.
struct QueueWaiter: Sendable {
    let semaphore: DispatchSemaphore

    func wake() { semaphore.signal() }
}
