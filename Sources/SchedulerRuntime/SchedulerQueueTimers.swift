import SchedulerFramework

// Upstream's background queue loops, started by `Scheduler.run()` (the real-cluster loop).
extension Scheduler {
    /// Starts `flushBackoffQCompleted` every second and `flushUnschedulablePodsLeftover` every 30 seconds, as
    /// upstream's `PriorityQueue.Run` does. Cancel the returned task to stop them.
    func startQueueFlushTimers(
        backoffInterval: Duration = .seconds(1),
        leftoverInterval: Duration = .seconds(30)
    ) -> Task<Void, Never> {
        let queue = self.queue
        return Task {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: backoffInterval)
                        queue.flushBackoffQCompleted()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: leftoverInterval)
                        queue.flushUnschedulablePodsLeftover()
                    }
                }
            }
        }
    }
}
