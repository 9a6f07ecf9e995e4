import KubeAPI

// Defaults for the lookups gang scheduling added, so listers and services written before them (tests, embedders)
// keep compiling: they know no PodGroups, no waiting pods and no pods by label.

extension ClusterObjectLister {
    public func podGroup(namespace: String, name: String) -> PodGroup? { nil }
    public func allPodDisruptionBudgets() -> [PodDisruptionBudget]? { nil }
    public func allNamespaces() -> [Namespace]? { nil }
}

extension FrameworkServices {
    public func waitingPods() -> [PodInfo] { [] }
    public func allowWaitingPod(uid: String, plugin: String) -> Bool { false }
    public func pods(namespace: String, label key: String, value: String) -> [Pod] { [] }
}
