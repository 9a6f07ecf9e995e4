import KubeAPI
import SchedulerFramework

extension Scheduler {
    /// A pending pod that held a nomination was deleted or lost it (`nominatedNodeName` cleared or
    /// changed): lower- or equal-priority pods treated it as already on that node, so they are retried
    /// as after an assigned pod's deletion (upstream's `deletePodFromSchedulingQueue` and
    /// `updatePodInSchedulingQueue` with `getLEPriorityPreCheck`).
    func nominationReleased(by pod: Pod, node: String) {
        var released = pod
        var status = released.status ?? PodStatus()
        status.nominatedNodeName = node
        released.status = status
        let priority = pod.priority
        queue.moveAllToActiveOrBackoffQueue(
            .assignedPodDelete,
            old: .pod(released),
            preCheck: { $0.priority <= priority }
        )
    }

    /// The node `pod` was nominated to, from the object or from the queue's in-memory nominations.
    func nominatedNode(of pod: Pod) -> String? {
        if let node = pod.status?.nominatedNodeName, !node.isEmpty { return node }
        return queue.nominatedNode(ofPodUID: pod.uid)
    }
}
