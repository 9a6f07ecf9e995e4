import KubeAPI
import SchedulerFramework

/// Rejects nodes marked `spec.unschedulable` unless the pod tolerates the
/// `node.kubernetes.io/unschedulable:NoSchedule` taint. Upstream's `nodeunschedulable.NodeUnschedulable`.
package final class NodeUnschedulable: FilterPlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.nodeUnschedulable
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// The rejection reason (UnschedulableAndUnresolvable).
    package static let reasonUnschedulable = "node(s) were unschedulable"

    /// The taint a pod must tolerate to land on an unschedulable node.
    package static let unschedulableTaint = Taint(key: "node.kubernetes.io/unschedulable", effect: Taint.noSchedule)

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {}

    static func toleratesUnschedulable(_ tolerations: [Toleration]?) -> Bool {
        for toleration in tolerations ?? [] where toleration.tolerates(unschedulableTaint) { return true }
        return false
    }
}

extension NodeUnschedulable {
    /// UnschedulableAndUnresolvable on a cordoned node the pod does not tolerate.
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard node.node.spec.unschedulable == true else { return .success }
        if Self.toleratesUnschedulable(pod.pod.spec.tolerations) { return .success }
        return Status(.unschedulableAndUnresolvable, Self.reasonUnschedulable)
    }

    /// Batch Filter: one flag read per node.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        var tolerates: Bool?
        for k in 0..<nodes.count where statuses[k] == nil && nodes[k].isUnschedulable {
            if tolerates == nil { tolerates = Self.toleratesUnschedulable(pod.pod.spec.tolerations) }
            if tolerates != true { statuses[k] = Status(.unschedulableAndUnresolvable, Self.reasonUnschedulable) }
        }
    }
}

extension NodeUnschedulable {
    /// A node that becomes (or is added) schedulable, or the pod gaining the toleration.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(resource: .node, action: [.add, .updateNodeTaint], label: "NodeAdd|UpdateNodeTaint"),
                hint: { _, old, new in
                    guard let modified = new?.node else { return .queue }
                    let nowSchedulable = modified.spec.unschedulable != true
                    guard let original = old?.node else { return nowSchedulable ? .queue : .skip }
                    return original.spec.unschedulable == true && nowSchedulable ? .queue : .skip
                }
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .pod, action: .updatePodToleration, label: "PodUpdatePodToleration"),
                hint: { pod, old, new in
                    guard let modified = new?.pod, modified.uid == pod.uid else { return .skip }
                    let before = NodeUnschedulable.toleratesUnschedulable(old?.pod?.spec.tolerations)
                    return !before && NodeUnschedulable.toleratesUnschedulable(modified.spec.tolerations)
                        ? .queue : .skip
                }
            ),
        ]
    }
}
