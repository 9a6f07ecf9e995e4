import Synchronization

/// The queue's notion of time, injectable so `simulate` can run backoff and flush timers on a
/// simulated clock that costs no real time.
package protocol SchedulerClock: Sendable {
    /// Time since the clock's origin.
    func now() -> Duration
}

/// Wall-clock time from a monotonic clock.
package struct RealClock: SchedulerClock {
    private let origin = ContinuousClock.now
    package init() {}
    package func now() -> Duration { ContinuousClock.now - origin }
}

/// A clock that only moves when told to — plus one nanosecond per reading, so that pods queued one
/// after another keep their order (equal queue timestamps would leave equal-priority pods unordered).
package final class SimulatedClock: SchedulerClock {
    private let current = Mutex<Duration>(.zero)
    package init() {}
    package func now() -> Duration {
        current.withLock { now in
            now += .nanoseconds(1)
            return now
        }
    }
    /// Moves the clock forward to `instant` (never backwards).
    package func advance(to instant: Duration) {
        current.withLock { $0 = max($0, instant) }
    }
    package func advance(by duration: Duration) {
        current.withLock { $0 += duration }
    }
}
