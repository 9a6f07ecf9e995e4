import KubeAPI
import SchedulerConfig
import SchedulerFramework
import Synchronization

extension Scheduler {
    /// Applies one informer notification to the queue, the cache and the object store.
    package func handle(_ event: WatchEvent) {
        guard let object = event.object else { return }
        switch (event.type, object) {
        case (.added, .pod(let pod)), (.modified, .pod(let pod)):
            let old = podStore.withLock { store -> Pod? in
                let previous = store[pod.uid]
                store[pod.uid] = pod
                return previous
            }
            podGroupMembers.update(old: old, new: pod.isTerminal ? nil : pod)
            if pod.isTerminal {
                podStore.withLock { _ = $0.removeValue(forKey: pod.uid) }
                if let old { podDeleted(old) }
                return
            }
            if let old { podUpdated(old: old, new: pod) } else { podAdded(pod) }
        case (.deleted, .pod(let pod)):
            let old = podStore.withLock { $0.removeValue(forKey: pod.uid) }
            podGroupMembers.update(old: old ?? pod, new: nil)
            podDeleted(old ?? pod)
        case (.added, .node(let node)), (.modified, .node(let node)):
            let old = nodeStore.withLock { store -> Node? in
                let previous = store[node.metadata.name]
                store[node.metadata.name] = node
                return previous
            }
            if let old {
                nodeUpdated(old: old, new: node)
            } else {
                cache.addOrUpdateNode(node)
                changed()
                queue.moveAllToActiveOrBackoffQueue(.nodeAdd, new: .node(node))
            }
        case (.deleted, .node(let node)):
            nodeStore.withLock { _ = $0.removeValue(forKey: node.metadata.name) }
            cache.removeNode(named: node.metadata.name)
            changed()
            queue.moveAllToActiveOrBackoffQueue(
                ClusterEvent(resource: .node, action: .delete, label: "NodeDelete"),
                old: .node(node)
            )
        case (.deleted, _):
            objects.remove(object)
            changed()
            queue.moveAllToActiveOrBackoffQueue(
                ClusterEvent(resource: Self.eventResource(object.kind), action: .delete),
                old: object
            )
        case (.added, _), (.modified, _):
            objects.upsert(object)
            changed()
            let action: ActionType = event.type == .added ? .add : .updateOther
            queue.moveAllToActiveOrBackoffQueue(
                ClusterEvent(resource: Self.eventResource(object.kind), action: action),
                new: object
            )
        case (.bookmark, _):
            break
        }
    }

    /// A node update, with the old object so the event names what changed (labels, taints, allocatable, …).
    func nodeUpdated(old: Node, new: Node) {
        cache.addOrUpdateNode(new)
        changed()
        var action: ActionType = []
        if old.status.allocatable != new.status.allocatable { action.insert(.updateNodeAllocatable) }
        if old.metadata.labels != new.metadata.labels { action.insert(.updateNodeLabel) }
        if old.spec.taints != new.spec.taints || old.spec.unschedulable != new.spec.unschedulable {
            action.insert(.updateNodeTaint)
        }
        if old.status.conditions != new.status.conditions { action.insert(.updateNodeCondition) }
        if old.metadata.annotations != new.metadata.annotations { action.insert(.updateNodeAnnotation) }
        guard !action.isEmpty else { return }
        queue.moveAllToActiveOrBackoffQueue(
            ClusterEvent(resource: .node, action: action, label: "NodeUpdate"),
            old: .node(old),
            new: .node(new)
        )
    }

    private func changed() { changes.add(1, ordering: .relaxed) }

    private static func eventResource(_ kind: ObjectKind) -> EventResource {
        switch kind {
        case .pod: .pod
        case .node: .node
        case .persistentVolume: .persistentVolume
        case .persistentVolumeClaim: .persistentVolumeClaim
        case .storageClass: .storageClass
        case .csiNode: .csiNode
        case .csiDriver: .csiDriver
        case .csiStorageCapacity: .csiStorageCapacity
        case .volumeAttachment: .volumeAttachment
        case .namespace: .namespace
        case .podDisruptionBudget: .podDisruptionBudget
        case .priorityClass: .priorityClass
        case .service: .service
        case .replicationController: .replicationController
        case .replicaSet: .replicaSet
        case .statefulSet: .statefulSet
        case .podGroup: .podGroup
        }
    }

    private func podAdded(_ pod: Pod) {
        if !pod.nodeName.isEmpty {
            cache.addPod(pod)
            changed()
            queue.moveAllToActiveOrBackoffQueue(.assignedPodAdd, new: .pod(pod))
        } else if handles(pod) {
            queue.add(pod)
        }
    }

    private func podUpdated(old: Pod, new: Pod) {
        switch (old.nodeName.isEmpty, new.nodeName.isEmpty) {
        case (true, false):
            // Bound: confirms the assumed pod (or adds one bound by someone else).
            queue.delete(new)
            cache.addPod(new)
            changed()
            queue.moveAllToActiveOrBackoffQueue(.assignedPodAdd, new: .pod(new))
        case (false, false):
            cache.updatePod(old: old, new: new)
            changed()
            var action = PodUpdateEvents.action(old: old, new: new)
            if new.isTerminating && !old.isTerminating { action.insert(.updatePodOther) }
            queue.moveAllToActiveOrBackoffQueue(
                ClusterEvent(resource: .assignedPod, action: action, label: "AssignedPodUpdate"),
                old: .pod(old),
                new: .pod(new)
            )
        case (true, true):
            guard handles(new) else { return }
            if SchedulingQueue.isPodUpdated(old: old, new: new) { changed() }
            queue.update(old: old, new: new)
            if let node = old.status?.nominatedNodeName, !node.isEmpty, node != new.status?.nominatedNodeName {
                nominationReleased(by: old, node: node)
            }
        case (false, true):
            // A pod cannot be unbound; treat as delete + add.
            podDeleted(old)
            podAdded(new)
        }
    }

    private func podDeleted(_ pod: Pod) {
        changed()
        if !pod.nodeName.isEmpty || cache.nodeName(ofPodUID: pod.uid) != nil {
            if waitingPods.reject(uid: pod.uid, message: "removed") == false {
                cache.removePod(pod)
            }
            queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete, old: .pod(pod))
        } else {
            let nominated = nominatedNode(of: pod)
            queue.delete(pod)
            if let nominated, handles(pod) { nominationReleased(by: pod, node: nominated) }
        }
    }
}
