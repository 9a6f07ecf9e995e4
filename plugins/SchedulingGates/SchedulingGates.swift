import KubeAPI
import SchedulerFramework

/// Keeps pods with a non-empty `spec.schedulingGates` out of the active queue. Upstream's
/// `schedulinggates.SchedulingGates`.
package final class SchedulingGates: PreEnqueuePlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.schedulingGates
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// Prefix of the rejection reason; the gate names follow as Go prints a string slice (`[a b]`).
    package static let reasonPrefix = "waiting for scheduling gates: "

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {}

    /// The reason upstream reports for `gates`: `waiting for scheduling gates: [g1 g2]`.
    package static func reason(gates: [String]) -> String {
        reasonPrefix + "[" + gates.joined(separator: " ") + "]"
    }
}

extension SchedulingGates {
    /// UnschedulableAndUnresolvable while the pod still has scheduling gates.
    package func preEnqueue(_ pod: PodInfo) -> Status {
        guard let gates = pod.pod.spec.schedulingGates, !gates.isEmpty else { return .success }
        return Status(.unschedulableAndUnresolvable, Self.reason(gates: gates.map(\.name)))
    }
}

extension SchedulingGates {
    /// Only the removal of the pod's own last gate can let it in.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .pod,
                    action: .updatePodSchedulingGatesEliminated,
                    label: "PodUpdatePodSchedulingGatesEliminated"
                ),
                hint: { pod, _, new in new?.pod?.uid == pod.uid ? .queue : .skip }
            )
        ]
    }
}
