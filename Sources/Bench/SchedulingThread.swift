import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// The scheduling loop on its own thread, as kube-scheduler's `ScheduleOne` goroutine: it pops and schedules
/// continuously while binding cycles, informers and the workload's operations run on Swift's cooperative pool.
/// (On the pool it would hold one of the few threads for the whole run.)
final class SchedulingThread: Sendable {
    private let scheduler: Scheduler
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(scheduler: Scheduler) { self.scheduler = scheduler }

    func start() {
        let thread = Thread { [self] in
            var idle = 0
            while !stopped.load(ordering: .relaxed) {
                if let pod = scheduler.queue.pop() {
                    idle = 0
                    scheduler.scheduleOne(pod)
                    continue
                }
                // Nothing to schedule: back off from 20 µs to 1 ms.
                idle = min(idle + 1, 6)
                usleep(UInt32(20 << (idle - 1)) > 1000 ? 1000 : UInt32(20 << (idle - 1)))
            }
            let waiters = finished.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
        thread.name = "scheduling-loop"
        thread.start()
    }

    /// Stops popping and waits for the thread to finish its current cycle.
    func join() async {
        stopped.store(true, ordering: .relaxed)
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
