import KubeAPI
import SchedulerFramework

/// Rejects nodes where a host port the pod asks for is already taken. Upstream's `nodeports.NodePorts` (v1.35).
///
/// The ports considered are those with `hostPort > 0` of regular containers and of restartable (sidecar)
/// init containers, with an empty hostIP meaning `0.0.0.0` and an empty protocol meaning `TCP`
/// (``PodInfo/hostPorts``). A wanted `0.0.0.0` port conflicts with the same protocol and port on any IP of
/// the node; a wanted specific IP conflicts with the same IP or with `0.0.0.0`.
package final class NodePorts: PreFilterPlugin, FilterPlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.nodePorts
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// The rejection reason (Unschedulable: evicting the pod holding the port may help).
    package static let reasonPortsTaken = "node(s) didn't have free ports for the requested pod ports"

    static let preFilterKey = StateKey<PreFilterState>("PreFilter" + NodePorts.name)

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {}

    /// The host ports the pod wants, prepared once per cycle. Not changed by added or removed pods.
    final class PreFilterState: StateData {
        let ports: [HostPort]
        init(ports: [HostPort]) { self.ports = ports }
        func clone() -> any StateData { self }
    }

    /// Whether none of `wanted` conflicts with the ports in use (upstream `fitsPorts`).
    package static func fits(_ wanted: [HostPort], usedPorts: HostPortInfo) -> Bool {
        if usedPorts.isEmpty { return true }
        for port in wanted where usedPorts.conflicts(with: port) { return false }
        return true
    }
}

// MARK: - PreFilter / Filter

extension NodePorts {
    /// Skip when the pod asks for no host port; otherwise keeps the ports for Filter.
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        if pod.hostPorts.isEmpty { return (nil, .skip) }
        state.write(PreFilterState(ports: pod.hostPorts), for: Self.preFilterKey)
        return (nil, .success)
    }

    /// Unschedulable when a wanted port is in use on the node.
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
        }
        return Self.fits(prepared.ports, usedPorts: node.usedPorts)
            ? .success : Status(.unschedulable, Self.reasonPortsTaken)
    }
}

// MARK: - Events

extension NodePorts {
    /// A scheduled (or nominated) pod holding one of the wanted ports is deleted, or a node is added.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(resource: .pod, action: .delete, label: "PodDelete"),
                hint: { pod, old, _ in NodePorts.hintAfterPodDeleted(pod, deleted: old?.pod) }
            ),
            ClusterEventWithHint(ClusterEvent(resource: .node, action: .add, label: "NodeAdd")),
        ]
    }

    /// Upstream's `isSchedulableAfterPodDeleted`: only a deleted pod that was placed (or nominated) and
    /// shares a port with the rejected pod can free what it needs.
    static func hintAfterPodDeleted(_ pod: Pod, deleted: Pod?) -> QueueingHint {
        guard let deleted else { return .queue }
        if deleted.nodeName.isEmpty && (deleted.status?.nominatedNodeName ?? "").isEmpty { return .skip }
        let released = HostPort.ports(of: deleted)
        if released.isEmpty { return .skip }
        var inUse = HostPortInfo()
        for port in released { inUse.add(port) }
        return fits(HostPort.ports(of: pod), usedPorts: inUse) ? .skip : .queue
    }
}
