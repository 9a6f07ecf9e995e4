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

        init(pod: PodInfo, plugins: Set<String>) {
            self.pod = pod
            self.state = Mutex(State(pending: plugins))
        }

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
                    self?.reject(
                        plugin: plugin,
                        message: "rejected due to timeout after waiting \(timeout) at plugin \(plugin)"
                    )
                }
            }
            state.withLock { $0.timers = tasks }
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

    package init() {}

    func add(_ pod: PodInfo, waits: [String: Duration]) -> Waiter {
        let waiter = Waiter(pod: pod, plugins: Set(waits.keys))
        waiters.withLock { $0[pod.uid] = waiter }
        waiter.startTimers(waits)
        return waiter
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
