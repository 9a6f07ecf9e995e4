import SchedulerFramework
import Synchronization

/// Pods held at Permit until every waiting plugin allows them, one rejects them, or a plugin's
/// timeout expires (upstream `waitingPodsMap`).
package final class WaitingPods: Sendable {
    /// One waiting pod. Its ``result()`` resumes once the outcome is known.
    package final class Waiter: Sendable {
        package let pod: PodInfo
        private struct State {
            var pending: Set<String>
            var outcome: Status?
            var continuation: CheckedContinuation<Status, Never>?
            var timers: [Task<Void, Never>] = []
        }
        private let state: Mutex<State>
        /// When the first plugin's wait runs out, on the scheduler's clock, and which plugin that is.
        let deadline: (at: Duration, plugin: String, timeout: Duration)?

        init(pod: PodInfo, plugins: Set<String>, deadline: (at: Duration, plugin: String, timeout: Duration)? = nil) {
            self.pod = pod
            self.state = Mutex(State(pending: plugins))
            self.deadline = deadline
        }

        /// Whether the outcome is known (allowed or rejected).
        package var isDecided: Bool { state.withLock { $0.outcome != nil } }

        /// Waits for the outcome: success when all plugins allowed, Unschedulable when rejected.
        package func result() async -> Status {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Status? in
                    if let outcome = state.outcome { return outcome }
                    state.continuation = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }

        /// Allows the pod on behalf of `plugin`.
        package func allow(plugin: String) {
            finish { state in
                state.pending.remove(plugin)
                return state.pending.isEmpty ? .success : nil
            }
        }

        /// Rejects the pod.
        package func reject(plugin: String?, message: String) {
            finish { _ in Status(.unschedulable, message, plugin: plugin) }
        }

        fileprivate func startTimers(_ waits: [String: Duration]) {
            let tasks = waits.map { plugin, timeout in
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    self?.timeOut(plugin: plugin, timeout: timeout)
                }
            }
            state.withLock { $0.timers = tasks }
        }

        /// Rejects the pod because `plugin`'s wait of `timeout` ran out.
        func timeOut(plugin: String, timeout: Duration) {
            reject(plugin: plugin, message: "rejected due to timeout after waiting \(timeout) at plugin \(plugin)")
        }

        private func finish(_ decide: (inout State) -> Status?) {
            let (continuation, outcome, timers) = state.withLock {
                state -> (CheckedContinuation<Status, Never>?, Status?, [Task<Void, Never>]) in
                guard state.outcome == nil, let outcome = decide(&state) else { return (nil, nil, []) }
                state.outcome = outcome
                defer { state.continuation = nil }
                return (state.continuation, outcome, state.timers)
            }
            timers.forEach { $0.cancel() }
            if let continuation, let outcome { continuation.resume(returning: outcome) }
        }
    }

    private let waiters = Mutex<[String: Waiter]>([:])
    /// Whether timeouts run on real timers (the default) or only through ``expire(now:)`` (`simulate`, whose clock
    /// is simulated).
    private let realTimers = Atomic<Bool>(true)

    package init() {}

    /// Timeouts from now on fire only when ``expire(now:)`` is called with a clock reading past them.
    package func useClockDrivenTimeouts() { realTimers.store(false, ordering: .relaxed) }

    /// Parks `pod` until its waiting plugins decide; `now` is the scheduler clock's reading (for
    /// ``expire(now:)``).
    func add(_ pod: PodInfo, waits: [String: Duration], now: Duration? = nil) -> Waiter {
        let first = waits.min { $0.value < $1.value || ($0.value == $1.value && $0.key < $1.key) }
        let deadline = first.flatMap { first in
            now.map { (at: $0 + first.value, plugin: first.key, timeout: first.value) }
        }
        let waiter = Waiter(pod: pod, plugins: Set(waits.keys), deadline: deadline)
        waiters.withLock { $0[pod.uid] = waiter }
        if realTimers.load(ordering: .relaxed) { waiter.startTimers(waits) }
        return waiter
    }

    /// The pods still waiting for a decision (upstream `IterateOverWaitingPods`).
    package func all() -> [PodInfo] {
        waiters.withLock { Array($0.values) }.filter { !$0.isDecided }.map(\.pod).sorted { $0.key < $1.key }
    }

    /// How many waiting pods have no decision yet (their binding cycles are parked, not working).
    package var undecidedCount: Int { waiters.withLock { Array($0.values) }.filter { !$0.isDecided }.count }

    /// The earliest timeout among undecided waiters, on the scheduler's clock.
    package func nextDeadline() -> Duration? {
        waiters.withLock { Array($0.values) }.filter { !$0.isDecided }.compactMap { $0.deadline?.at }.min()
    }

    /// Rejects every undecided waiter whose timeout is at or before `now`, as its timer would have.
    package func expire(now: Duration) {
        let waiting = waiters.withLock { Array($0.values) }.sorted { $0.pod.key < $1.pod.key }
        for waiter in waiting where !waiter.isDecided {
            if let deadline = waiter.deadline, deadline.at <= now {
                waiter.timeOut(plugin: deadline.plugin, timeout: deadline.timeout)
            }
        }
    }

    func remove(uid: String) { waiters.withLock { _ = $0.removeValue(forKey: uid) } }

    /// The waiting pod with `uid`, if any.
    package func waiter(uid: String) -> Waiter? { waiters.withLock { $0[uid] } }

    /// Rejects the waiting pod with `uid`; false when no such pod waits.
    @discardableResult
    package func reject(uid: String, message: String) -> Bool {
        guard let waiter = waiter(uid: uid) else { return false }
        waiter.reject(plugin: nil, message: message)
        return true
    }
}
