import KubeAPI
import SchedulerFramework

/// What a pod update means to plugins waiting for cluster events (`PodSchedulingPropertiesChange`):
/// label, scale-down (requests lowered or dropped, including an in-place resize of a running pod),
/// scheduling gates removed, tolerations changed; otherwise a generic update.
enum PodUpdateEvents {
    static func action(old: Pod, new: Pod) -> ActionType {
        var action: ActionType = []
        if old.metadata.labels != new.metadata.labels { action.insert(.updatePodLabel) }
        if PodRequests.isScaledDown(old: old, new: new) { action.insert(.updatePodScaleDown) }
        if !(old.spec.schedulingGates ?? []).isEmpty && (new.spec.schedulingGates ?? []).isEmpty {
            action.insert(.updatePodSchedulingGatesEliminated)
        }
        if old.spec.tolerations != new.spec.tolerations { action.insert(.updatePodToleration) }
        return action.isEmpty ? .updatePodOther : action
    }
}
