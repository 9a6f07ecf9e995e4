import SchedulerFramework
import Synchronization

/// Upstream's background queue loops (`PriorityQueue.Run`): `flushBackoffQCompleted` every second and
/// `flushUnschedulablePodsLeftover` every 30 seconds. The ticks fall on whole multiples of each interval on the
/// scheduler's clock, where backoff expiries are aligned too, so a pod leaves backoff at the first tick at or
/// after its expiry. `Scheduler.run()` drives them on real time; `simulate` fires the same ticks as it moves its
/// simulated clock (``fireTicks(through:)``).
package final class QueueFlushTimers: Sendable {
    package struct Ticks: Sendable, Equatable {
        package var backoff = 0
        package var leftover = 0
        package init(backoff: Int = 0, leftover: Int = 0) {
            self.backoff = backoff
            self.leftover = leftover
        }
    }

    private struct Schedule {
        var nextBackoff: Duration
        var nextLeftover: Duration
        var fired = Ticks()
    }

    private let queue: SchedulingQueue
    private let clock: any SchedulerClock
    private let backoffInterval: Duration
    private let leftoverInterval: Duration
    private let schedule: Mutex<Schedule>

    package init(
        queue: SchedulingQueue,
        clock: any SchedulerClock,
        backoffInterval: Duration = .seconds(1),
        leftoverInterval: Duration = .seconds(30)
    ) {
        self.queue = queue
        self.clock = clock
        self.backoffInterval = backoffInterval
        self.leftoverInterval = leftoverInterval
        self.schedule = Mutex(Schedule(nextBackoff: backoffInterval, nextLeftover: leftoverInterval))
    }

    /// How many times each flush has run.
    package var ticks: Ticks { schedule.withLock { $0.fired } }

    /// When the next tick of either timer is due, on the scheduler's clock.
    package func nextTick() -> Duration {
        schedule.withLock { min($0.nextBackoff, $0.nextLeftover) }
    }

    /// When the first backoff tick at or after `instant` is due.
    package func backoffTick(atOrAfter instant: Duration) -> Duration {
        let next = schedule.withLock { $0.nextBackoff }
        guard instant > next else { return next }
        return Self.multiple(of: backoffInterval, atOrAfter: instant)
    }

    /// Runs each flush whose tick is due at `now`, once even when several ticks were missed (as a Go ticker drops
    /// ticks a slow receiver missed), and schedules its next tick after `now`.
    package func fireTicks(through now: Duration) {
        let (backoff, leftover) = schedule.withLock { schedule -> (Bool, Bool) in
            let backoff = schedule.nextBackoff <= now
            let leftover = schedule.nextLeftover <= now
            if backoff {
                schedule.nextBackoff = Self.multiple(of: backoffInterval, atOrAfter: now + .nanoseconds(1))
                schedule.fired.backoff += 1
            }
            if leftover {
                schedule.nextLeftover = Self.multiple(of: leftoverInterval, atOrAfter: now + .nanoseconds(1))
                schedule.fired.leftover += 1
            }
            return (backoff, leftover)
        }
        if backoff { queue.flushBackoffQCompleted() }
        if leftover { queue.flushUnschedulablePodsLeftover() }
    }

    /// Fires the ticks on real time until the returned task is cancelled (`Scheduler.run()`).
    func startOnRealTime() -> Task<Void, Never> {
        Task { [self] in
            while !Task.isCancelled {
                let wait = nextTick() - clock.now()
                if wait > .zero { try? await Task.sleep(for: wait) }
                if Task.isCancelled { return }
                fireTicks(through: clock.now())
            }
        }
    }

    private static func multiple(of interval: Duration, atOrAfter instant: Duration) -> Duration {
        let nanoseconds = { (duration: Duration) -> Int64 in
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        }
        let step = max(nanoseconds(interval), 1)
        let count = (max(nanoseconds(instant), 0) + step - 1) / step
        return interval * count
    }
}
