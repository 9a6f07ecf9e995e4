import KubeAPI
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

/// The queue's flush timers on the scheduler's clock: `run` fires them on real time, `simulate` as its simulated
/// clock passes each tick (issue 11, point 4).
@Suite struct QueueFlushTimersTests {
    private func makeQueue(_ clock: SimulatedClock) -> SchedulingQueue {
        SchedulingQueue(clock: clock, less: { $0.timestamp < $1.timestamp })
    }

    /// Pops the only pod and reports its attempt failed: with `plugin`, rejected by it; without, an error.
    private func fail(_ queue: SchedulingQueue, plugin: String?) {
        guard var info = queue.pop() else {
            Issue.record("nothing to pop")
            return
        }
        if let plugin { info.unschedulablePlugins = [plugin] }
        queue.addUnschedulableIfNotPresent(info, podSchedulingCycle: queue.schedulingCycle)
    }

    /// Fires every tick up to `instant` in order, as `simulate` moves its clock.
    private func pass(_ timers: QueueFlushTimers, _ clock: SimulatedClock, to instant: Duration) {
        while timers.nextTick() <= instant {
            let tick = timers.nextTick()
            clock.advance(to: tick)
            timers.fireTicks(through: tick)
        }
    }

    @Test func anErroredPodLeavesBackoffAtTheFirstTickAtOrAfterItsExpiry() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock)
        let timers = QueueFlushTimers(queue: queue, clock: clock)
        queue.add(PodBuilder("p").build())
        clock.advance(to: .milliseconds(1700))
        fail(queue, plugin: nil)
        // 1.7 s + 1 s backoff, aligned down to 2 s: the 1 s tick leaves it, the 2 s tick flushes it.
        #expect(timers.backoffTick(atOrAfter: queue.nextBackoffExpiry() ?? .zero) == .seconds(2))
        pass(timers, clock, to: .milliseconds(1999))
        #expect(queue.location(of: "default/p") == .backoff)
        #expect(timers.ticks == .init(backoff: 1, leftover: 0))
        pass(timers, clock, to: .seconds(2))
        #expect(queue.location(of: "default/p") == .active)
        #expect(timers.ticks == .init(backoff: 2, leftover: 0))
    }

    @Test func theLeftoverFlushRetriesAPodParkedLongerThanFiveMinutes() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock)
        let timers = QueueFlushTimers(queue: queue, clock: clock)
        queue.add(PodBuilder("p").build())
        pass(timers, clock, to: .seconds(1))
        fail(queue, plugin: "NodeResourcesFit")
        #expect(queue.location(of: "default/p") == .unschedulable)
        // Parked at 1 s, it is due after 301 s, and the first 30 s tick after that is at 330 s.
        pass(timers, clock, to: .seconds(329))
        #expect(queue.location(of: "default/p") == .unschedulable)
        pass(timers, clock, to: .seconds(330))
        #expect(queue.location(of: "default/p") != .unschedulable)
        #expect(timers.ticks == .init(backoff: 330, leftover: 11))
    }

    @Test func missedTicksFireOnce() {
        let clock = SimulatedClock()
        let timers = QueueFlushTimers(queue: makeQueue(clock), clock: clock)
        clock.advance(to: .seconds(95))
        timers.fireTicks(through: .seconds(95))
        #expect(timers.ticks == .init(backoff: 1, leftover: 1))
        #expect(timers.nextTick() == .seconds(96))
    }
}
