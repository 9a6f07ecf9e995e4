import Foundation
import SchedulerFramework
import Synchronization

/// The scheduling loop on a thread of its own, as kube-scheduler's `ScheduleOne` goroutine: it pops and schedules
/// while informers, binding cycles and status writes run on Swift's cooperative pool. On the pool it would hold
/// one of its few threads (two on a 2-core machine) for as long as pods keep coming, and a synchronous extender
/// call inside the cycle would block it outright. `run`, `bench` and the tests all schedule through this loop,
/// started by ``Scheduler/run(pacing:)``; `simulate` paces it on a simulated clock.
final class SchedulingLoop: Sendable {
    private let scheduler: Scheduler
    private let pacing: (any SchedulingPacing)?
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Without `pacing` the loop blocks on the queue and schedules every pod it pops (`run`, `bench`).
    init(scheduler: Scheduler, pacing: (any SchedulingPacing)? = nil) {
        self.scheduler = scheduler
        self.pacing = pacing
    }

    /// Starts the thread. It ends when the queue is closed or ``stop()`` is called, after the cycle in progress.
    func start() {
        let thread = Thread { [self] in
            // Named from inside: on Linux a name set before `start()` does not reach the thread.
            Thread.current.name = "scheduling-loop"
            let queue = scheduler.queue
            if let pacing {
                while !stopped.load(ordering: .relaxed) {
                    if let pod = queue.pop() {
                        guard pacing.willSchedule(pod) else { continue }
                        scheduler.cycles.add(1, ordering: .relaxed)
                        scheduler.scheduleOne(pod)
                        pacing.didSchedule(pod)
                    } else if queue.isClosed || !pacing.queueIsEmpty() {
                        break
                    }
                }
            } else {
                while !stopped.load(ordering: .relaxed) {
                    if let pod = queue.popBlocking() {
                        scheduler.cycles.add(1, ordering: .relaxed)
                        scheduler.scheduleOne(pod)
                    } else if queue.isClosed {
                        break
                    }
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

/// What `simulate` does around the loop's cycles in place of blocking on the queue: it settles the cluster after
/// each cycle and moves its simulated clock (firing the queue's flush timers) when no pod can be popped. The loop
/// calls it on its own thread, which may block while the pacing waits for asynchronous work.
package protocol SchedulingPacing: Sendable {
    /// Called for each popped pod before its cycle; false skips the cycle (the pacing has requeued the pod).
    func willSchedule(_ pod: QueuedPodInfo) -> Bool
    /// Called after the pod's cycle.
    func didSchedule(_ pod: QueuedPodInfo)
    /// Called when no pod can be popped; false ends the loop.
    func queueIsEmpty() -> Bool
}
