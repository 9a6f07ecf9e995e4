import KubeAPI
import SchedulerFramework

/// Rejects every node but the one named in `spec.nodeName`, when set. Upstream's `nodename.NodeName`.
package final class NodeName: FilterPlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.nodeName
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// The rejection reason (UnschedulableAndUnresolvable).
    package static let reasonNodeNameMismatch = "node(s) didn't match the requested node name"

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {}

    /// Whether `pod` may run on the node named `nodeName` (upstream's `Fits`).
    package static func fits(_ pod: Pod, nodeName: String) -> Bool {
        let wanted = pod.spec.nodeName ?? ""
        return wanted.isEmpty || wanted == nodeName
    }
}

extension NodeName {
    /// UnschedulableAndUnresolvable on every node but the requested one.
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        Self.fits(pod.pod, nodeName: node.name)
            ? .success : Status(.unschedulableAndUnresolvable, Self.reasonNodeNameMismatch)
    }

    /// Batch Filter: nothing to do for the usual pod without `spec.nodeName`.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        let wanted = pod.pod.spec.nodeName ?? ""
        guard !wanted.isEmpty else { return }
        for k in 0..<nodes.count where statuses[k] == nil && nodes[k].name != wanted {
            statuses[k] = Status(.unschedulableAndUnresolvable, Self.reasonNodeNameMismatch)
        }
    }
}

extension NodeName {
    /// Only a newly added node with the requested name can help.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(resource: .node, action: .add, label: "NodeAdd"),
                hint: { pod, _, new in
                    guard let node = new?.node else { return .queue }
                    return NodeName.fits(pod, nodeName: node.metadata.name) ? .queue : .skip
                }
            )
        ]
    }
}
