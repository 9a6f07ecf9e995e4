import KubeAPI
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Synchronization
import Testing

/// Gated pods and cluster events: an event the gating plugin did not register must not even visit the gated
/// pods (scheduler_perf's SchedulingWhileGated sends one per binding and per deletion while 10,000 pods are
/// gated), while a gate removal still activates its pod and a registered event still re-runs PreEnqueue.
@Suite struct GatedPodsQueueTests {
    private static let gatesEliminated = ClusterEvent(
        resource: .pod,
        action: .updatePodSchedulingGatesEliminated,
        label: "PodUpdatePodSchedulingGatesEliminated"
    )

    /// Active, backoff, unschedulable, gated.
    private static func counts(_ queue: SchedulingQueue) -> [Int] {
        let counts = queue.pendingCounts()
        return [counts.active, counts.backoff, counts.unschedulable, counts.gated]
    }

    @Test func anEventTheGateDidNotRegisterLeavesGatedPodsUntouchedWhileGateRemovalActivates() {
        let clock = SimulatedClock()
        // PreEnqueue runs on gated pods only, counted.
        let gatedPreEnqueueRuns = Atomic<Int>(0)
        let gate: @Sendable (PodInfo) -> Status = { pod in
            guard let gates = pod.pod.spec.schedulingGates, !gates.isEmpty else { return .success }
            gatedPreEnqueueRuns.add(1, ordering: .relaxed)
            return Status(.unschedulableAndUnresolvable, "gated", plugin: "SchedulingGates")
        }
        let hintRuns = Atomic<Int>(0)
        let events: SchedulingQueue.EventRegistry = [
            "default-scheduler": [
                "SchedulingGates": [
                    ClusterEventWithHint(Self.gatesEliminated) { pod, _, new in
                        hintRuns.add(1, ordering: .relaxed)
                        return new?.pod?.uid == pod.uid ? .queue : .skip
                    }
                ],
                "NodeResourcesFit": [ClusterEventWithHint(.assignedPodDelete)],
            ]
        ]
        let queue = SchedulingQueue(
            clock: clock,
            less: { $0.timestamp < $1.timestamp },
            preEnqueue: gate,
            events: events
        )
        let gatedPods = (0..<100).map { PodBuilder("gated-\($0)").schedulingGates(["example.com/wait"]).build() }
        gatedPods.forEach(queue.add)
        // One ordinary pod parked by a Filter rejection, so the event has something to visit.
        queue.add(PodBuilder("fit").build())
        guard var attempt = queue.pop() else {
            Issue.record("the ungated pod was not active")
            return
        }
        #expect(attempt.podInfo.name == "fit")
        attempt.unschedulablePlugins = ["NodeResourcesFit"]
        queue.addUnschedulableIfNotPresent(attempt, podSchedulingCycle: queue.schedulingCycle)
        #expect(Self.counts(queue) == [0, 0, 1, 100])
        #expect(gatedPreEnqueueRuns.load(ordering: .relaxed) == 100)

        // AssignedPodAdd: neither the gate nor NodeResourcesFit registered it. Only the ordinary pod is visited.
        let visited = Mutex<[String]>([])
        let record: (Pod) -> Bool = { pod in
            visited.withLock { $0.append(pod.name) }
            return true
        }
        let bound = PodBuilder("bound").node("node-0").build()
        queue.moveAllToActiveOrBackoffQueue(.assignedPodAdd, new: .pod(bound), preCheck: record)
        #expect(visited.withLock { $0 } == ["fit"])
        #expect(Self.counts(queue) == [0, 0, 1, 100])
        // AssignedPodDelete: registered by the ordinary pod's rejector only; it moves, the gated pods stay.
        queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete, old: .pod(bound), preCheck: record)
        #expect(visited.withLock { $0 } == ["fit", "fit"])
        #expect(queue.location(of: "default/fit") == .backoff)
        #expect(Self.counts(queue) == [0, 1, 0, 100])
        #expect(gatedPreEnqueueRuns.load(ordering: .relaxed) == 100)
        #expect(hintRuns.load(ordering: .relaxed) == 0)

        // An event the gate registered visits its pods: the hint picks gated-3, whose PreEnqueue runs again
        // (still gated, it stays).
        let eliminated = ClusterEvent(resource: .unscheduledPod, action: .updatePodSchedulingGatesEliminated)
        queue.moveAllToActiveOrBackoffQueue(eliminated, old: .pod(gatedPods[3]), new: .pod(gatedPods[3]))
        #expect(hintRuns.load(ordering: .relaxed) == 100)
        #expect(gatedPreEnqueueRuns.load(ordering: .relaxed) == 101)
        #expect(queue.location(of: "default/gated-3") == .gated)

        // Removing a pod's gates activates it.
        var ungated = gatedPods[7]
        ungated.spec.schedulingGates = []
        queue.update(old: gatedPods[7], new: ungated)
        #expect(queue.location(of: "default/gated-7") == .active)
        #expect(Self.counts(queue) == [1, 1, 0, 99])
        #expect(queue.pop()?.podInfo.name == "gated-7")

        // Deleting a gated pod forgets it.
        queue.delete(gatedPods[9])
        #expect(queue.location(of: "default/gated-9") == nil)
        #expect(queue.pendingCounts().gated == 98)
    }
}
