import Foundation
import Synchronization

/// The scheduling loop on a thread of its own, as kube-scheduler's `ScheduleOne` goroutine: it pops and schedules
/// while informers, binding cycles and status writes run on Swift's cooperative pool. On the pool it would hold
/// one of its few threads (two on a 2-core machine) for as long as pods keep coming, and a synchronous extender
/// call inside the cycle would block it outright. `run`, `bench` and the tests all schedule through this loop,
/// started by ``Scheduler/run()``.
final class SchedulingLoop: Sendable {
    private let scheduler: Scheduler
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(scheduler: Scheduler) { self.scheduler = scheduler }

    /// Starts the thread. It ends when the queue is closed or ``stop()`` is called, after the cycle in progress.
    func start() {
        let thread = Thread { [self] in
            // Named from inside: on Linux a name set before `start()` does not reach the thread.
            Thread.current.name = "scheduling-loop"
            let queue = scheduler.queue
            while !stopped.load(ordering: .relaxed) {
                if let pod = queue.popBlocking() {
                    scheduler.scheduleOne(pod)
                } else if queue.isClosed {
                    break
                }
            }
            let waiters = finished.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
        thread.start()
    }

    /// Asks the thread to stop after its current cycle (the queue stays open).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        scheduler.queue.wakeBlockedPops()
    }

    /// Waits until the thread has ended.
    func join() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = finished.withLock { state -> Bool in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
