import KubeAPI
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Synchronization
import Testing

/// PrioritySort's rule, inline so these tests depend only on the queue.
private let prioritySort: @Sendable (QueuedPodInfo, QueuedPodInfo) -> Bool = { lhs, rhs in
    lhs.podInfo.priority > rhs.podInfo.priority
        || (lhs.podInfo.priority == rhs.podInfo.priority && lhs.timestamp < rhs.timestamp)
}

private func makeQueue(
    clock: SimulatedClock,
    events: SchedulingQueue.EventRegistry = [:],
    preEnqueue: @escaping @Sendable (PodInfo) -> Status = { _ in .success }
) -> SchedulingQueue {
    SchedulingQueue(clock: clock, less: prioritySort, preEnqueue: preEnqueue, events: events)
}

/// Pops `pod`, then reports it rejected by `plugin`.
private func failOnce(_ queue: SchedulingQueue, plugin: String?) -> QueuedPodInfo? {
    guard var info = queue.pop() else { return nil }
    let cycle = queue.schedulingCycle
    if let plugin { info.unschedulablePlugins = [plugin] }
    queue.addUnschedulableIfNotPresent(info, podSchedulingCycle: cycle)
    return info
}

@Suite struct SchedulingQueueTests {
    @Test func popsHigherPriorityFirstThenEarlierTimestamp() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock: clock)
        queue.add(PodBuilder("low").priority(1).build())
        clock.advance(by: .milliseconds(1))
        queue.add(PodBuilder("high-late").priority(10).build())
        clock.advance(by: .milliseconds(1))
        queue.add(PodBuilder("mid-early").priority(5).build())
        clock.advance(by: .milliseconds(1))
        queue.add(PodBuilder("mid-late").priority(5).build())
        let order = (0..<4).compactMap { _ in queue.pop()?.podInfo.name }
        #expect(order == ["high-late", "mid-early", "mid-late", "low"])
        #expect(queue.pop() == nil)
    }

    @Test func addingTheSamePodTwiceKeepsOneEntry() {
        let queue = makeQueue(clock: SimulatedClock())
        let pod = PodBuilder("p").build()
        queue.add(pod)
        queue.add(pod)
        #expect(queue.pendingCounts().active == 1)
    }

    @Test func backoffDoublesFromInitialAndCapsAtMax() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock: clock)
        var info = QueuedPodInfo(podInfo: PodBuilder("p").info(), timestamp: .zero)
        var durations: [Duration] = []
        for rejections in 1...6 {
            info.unschedulableCount = rejections
            durations.append(queue.backoffDuration(for: info))
        }
        #expect(durations == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        // After an error, consecutive errors count instead of rejections.
        info.consecutiveErrorsCount = 1
        #expect(queue.backoffDuration(for: info) == .seconds(1))
    }

    @Test func rejectedPodIsParkedUntilARegisteredEventArrives() {
        let clock = SimulatedClock()
        let events: SchedulingQueue.EventRegistry = [
            "default-scheduler": [
                "NodeResourcesFit": [
                    ClusterEventWithHint(ClusterEvent(resource: .node, action: [.add, .updateNodeAllocatable]))
                ]
            ]
        ]
        let queue = makeQueue(clock: clock, events: events)
        queue.add(PodBuilder("p").build())
        _ = failOnce(queue, plugin: "NodeResourcesFit")
        #expect(queue.location(of: "default/p") == .unschedulable)

        // An event the rejecting plugin did not register leaves it parked.
        queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete)
        #expect(queue.location(of: "default/p") == .unschedulable)

        // Node added: the pod backs off (1 s after its failure), then becomes active.
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        #expect(queue.location(of: "default/p") == .backoff)
        #expect(queue.nextBackoffExpiry() == .seconds(1))
        clock.advance(to: .seconds(1))
        queue.flushBackoffQCompleted()
        #expect(queue.location(of: "default/p") == .active)
        #expect(queue.pop()?.attempts == 2)
    }

    @Test func emptyActiveQueuePopsFromBackoffButNotFromErrorBackoff() {
        let clock = SimulatedClock()
        let events: SchedulingQueue.EventRegistry = [
            "default-scheduler": ["NodeResourcesFit": [ClusterEventWithHint(.nodeAdd)]]
        ]
        let queue = makeQueue(clock: clock, events: events)
        queue.add(PodBuilder("rejected").build())
        queue.add(PodBuilder("errored").build())
        _ = failOnce(queue, plugin: "NodeResourcesFit")
        _ = failOnce(queue, plugin: nil)
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        #expect(queue.location(of: "default/rejected") == .backoff)
        #expect(queue.location(of: "default/errored") == .backoff)
        // Nothing is active: the rejected pod is taken from backoff at once; the errored one waits.
        #expect(queue.pop()?.podInfo.name == "rejected")
        #expect(queue.pop() == nil)
        clock.advance(to: .seconds(1))
        queue.flushBackoffQCompleted()
        #expect(queue.pop()?.podInfo.name == "errored")
    }

    @Test func backoffExpiryIsAlignedToWholeSeconds() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock: clock)
        queue.add(PodBuilder("p").build())
        clock.advance(to: .milliseconds(1700))
        _ = failOnce(queue, plugin: nil)
        // 1.7 s + 1 s backoff = 2.7 s, aligned down to 2 s.
        #expect(queue.nextBackoffExpiry() == .seconds(2))
    }

    @Test func hintReturningSkipDoesNotRequeue() {
        let clock = SimulatedClock()
        let events: SchedulingQueue.EventRegistry = [
            "default-scheduler": ["Plugin": [ClusterEventWithHint(.nodeAdd, hint: { _, _, _ in .skip })]]
        ]
        let queue = makeQueue(clock: clock, events: events)
        queue.add(PodBuilder("p").build())
        _ = failOnce(queue, plugin: "Plugin")
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        #expect(queue.location(of: "default/p") == .unschedulable)
    }

    @Test func eventDuringTheAttemptSendsThePodToBackoff() {
        let clock = SimulatedClock()
        let events: SchedulingQueue.EventRegistry = [
            "default-scheduler": ["NodeResourcesFit": [ClusterEventWithHint(.nodeAdd)]]
        ]
        let queue = makeQueue(clock: clock, events: events)
        queue.add(PodBuilder("p").build())
        guard var info = queue.pop() else {
            Issue.record("no pod")
            return
        }
        // A node arrives while the pod is being scheduled.
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        info.unschedulablePlugins = ["NodeResourcesFit"]
        queue.addUnschedulableIfNotPresent(info, podSchedulingCycle: queue.schedulingCycle)
        #expect(queue.location(of: "default/p") == .backoff)
    }

    @Test func errorsGoToBackoffWithoutAnyEvent() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock: clock)
        queue.add(PodBuilder("p").build())
        _ = failOnce(queue, plugin: nil)
        #expect(queue.location(of: "default/p") == .backoff)
        #expect(queue.queuedPodInfo(for: "default/p")?.consecutiveErrorsCount == 1)
    }

    @Test func unschedulablePodsAreRetriedAfterFiveMinutes() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock: clock)
        queue.add(PodBuilder("p").build())
        _ = failOnce(queue, plugin: "NodeAffinity")
        clock.advance(by: .seconds(299))
        queue.flushUnschedulablePodsLeftover()
        #expect(queue.location(of: "default/p") == .unschedulable)
        clock.advance(by: .seconds(2))
        queue.flushUnschedulablePodsLeftover()
        #expect(queue.location(of: "default/p") == .active)
    }

    @Test func schedulingGatesKeepAPodOutOfTheActiveQueueUntilRemoved() {
        let clock = SimulatedClock()
        let gate: @Sendable (PodInfo) -> Status = { pod in
            (pod.pod.spec.schedulingGates ?? []).isEmpty
                ? .success : Status(.unschedulableAndUnresolvable, "gated", plugin: "SchedulingGates")
        }
        let queue = makeQueue(clock: clock, preEnqueue: gate)
        let gated = PodBuilder("p").schedulingGates(["example.com/wait"]).build()
        queue.add(gated)
        #expect(queue.location(of: "default/p") == .gated)
        #expect(queue.pop() == nil)
        // Unrelated events do not release it.
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        #expect(queue.location(of: "default/p") == .gated)
        var ungated = gated
        ungated.spec.schedulingGates = []
        queue.update(old: gated, new: ungated)
        #expect(queue.location(of: "default/p") == .active)
    }

    @Test func gatedPodIsReconsideredOnlyOnEventsItsGateRegistered() {
        let clock = SimulatedClock()
        let open = Atomic<Bool>(false)
        let gate: @Sendable (PodInfo) -> Status = { _ in
            open.load(ordering: .relaxed) ? .success : Status(.unschedulableAndUnresolvable, "waiting", plugin: "Gate")
        }
        let events: SchedulingQueue.EventRegistry = [
            "default-scheduler": ["Gate": [ClusterEventWithHint(.assignedPodDelete)]]
        ]
        let queue = makeQueue(clock: clock, events: events, preEnqueue: gate)
        queue.add(PodBuilder("p").build())
        #expect(queue.location(of: "default/p") == .gated)
        open.store(true, ordering: .relaxed)
        queue.moveAllToActiveOrBackoffQueue(.nodeAdd)
        #expect(queue.location(of: "default/p") == .gated)
        queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete)
        #expect(queue.location(of: "default/p") == .active)
    }

    @Test func statusOnlyUpdatesDoNotRequeue() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock: clock)
        let pod = PodBuilder("p").build()
        queue.add(pod)
        _ = failOnce(queue, plugin: "NodeAffinity")
        var patched = pod
        patched.status = PodStatus(conditions: [
            PodCondition(type: "PodScheduled", status: "False", reason: "Unschedulable")
        ])
        queue.update(old: pod, new: patched)
        #expect(queue.location(of: "default/p") == .unschedulable)
    }

    @Test func deleteRemovesThePodFromEveryQueue() {
        let clock = SimulatedClock()
        let queue = makeQueue(clock: clock)
        let pod = PodBuilder("p").build()
        queue.add(pod)
        _ = failOnce(queue, plugin: "NodeAffinity")
        queue.delete(pod)
        #expect(queue.location(of: "default/p") == nil)
        #expect(queue.pendingCounts().unschedulable == 0)
    }
}
