import KubeAPI
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

/// The queue's in-flight bookkeeping (issue 14, point 6): the events recorded for pods being scheduled are kept
/// only while some pod popped before them is still in flight, so nothing leaks once every attempt has finished.
@Suite struct InFlightBookkeepingTests {
    private static func makeQueue() -> SchedulingQueue {
        SchedulingQueue(
            clock: SimulatedClock(),
            less: { lhs, rhs in lhs.podInfo.name < rhs.podInfo.name }
        )
    }

    @Test func eventsAreDroppedWhenTheLastInFlightPodIsDone() throws {
        let queue = Self.makeQueue()
        #expect(queue.inFlightCounts() == (0, 0))
        // Nothing in flight: an event is not recorded.
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        #expect(queue.inFlightCounts() == (0, 0))

        queue.add(PodBuilder("a").build())
        queue.add(PodBuilder("b").build())
        let first = try #require(queue.pop())
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        let second = try #require(queue.pop())
        queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete)
        #expect(queue.inFlightCounts() == (2, 2))

        // The first pod's attempt ends: the event from before the second pod's pop is no longer needed.
        queue.done(uid: first.podInfo.uid)
        #expect(queue.inFlightCounts() == (1, 1))
        // The last one ends: nothing is kept.
        queue.done(uid: second.podInfo.uid)
        #expect(queue.inFlightCounts() == (0, 0))
    }

    @Test func aFailedAttemptReleasesItsEventsToo() throws {
        let queue = Self.makeQueue()
        queue.add(PodBuilder("a").build())
        queue.add(PodBuilder("b").build())
        var first = try #require(queue.pop())
        let second = try #require(queue.pop())
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        #expect(queue.inFlightCounts() == (2, 1))

        // The second pod finishes first: the event stays for the first, still in flight.
        queue.done(uid: second.podInfo.uid)
        #expect(queue.inFlightCounts() == (1, 1))
        // The first is rejected and handed back (the event replayed sends it to backoff): nothing is left.
        first.unschedulablePlugins = ["NodeResourcesFit"]
        queue.addUnschedulableIfNotPresent(first, podSchedulingCycle: queue.schedulingCycle)
        #expect(queue.inFlightCounts() == (0, 0))
        #expect(queue.location(of: first.podInfo.key) == .backoff)
    }

    @Test func aPodPoppedAgainAfterItsAttemptIsCountedOnce() throws {
        let queue = Self.makeQueue()
        queue.add(PodBuilder("a").build())
        var info = try #require(queue.pop())
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        info.unschedulablePlugins = ["NodeResourcesFit"]
        queue.addUnschedulableIfNotPresent(info, podSchedulingCycle: queue.schedulingCycle)
        #expect(queue.inFlightCounts() == (0, 0))
        // Back from backoff (popped early, the active queue being empty) and done: still nothing kept.
        let again = try #require(queue.pop())
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        #expect(queue.inFlightCounts() == (1, 1))
        queue.done(uid: again.podInfo.uid)
        #expect(queue.inFlightCounts() == (0, 0))
    }
}
