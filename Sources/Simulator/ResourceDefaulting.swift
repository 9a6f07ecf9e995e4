import KubeAPI
import SchedulerFramework

extension APIServerDefaults {
    /// `SetDefaults_Pod`: a container (app or init) that gives a limit but no request for a resource
    /// requests its limit; then, when pod-level limits are set, a pod-level request left out defaults to
    /// the containers' aggregate request for cpu and memory, or else to the pod-level limit.
    static func defaultRequestsFromLimits(_ pod: inout Pod) {
        func defaulted(_ container: Container) -> Container {
            guard let limits = container.resources?.limits, !limits.isEmpty else { return container }
            var copy = container
            var requests = copy.resources?.requests ?? [:]
            for (name, limit) in limits where requests[name] == nil { requests[name] = limit }
            copy.resources?.requests = requests
            return copy
        }
        pod.spec.containers = pod.spec.containers.map(defaulted)
        if let initContainers = pod.spec.initContainers { pod.spec.initContainers = initContainers.map(defaulted) }

        guard var podLevel = pod.spec.resources, let limits = podLevel.limits, !limits.isEmpty else { return }
        var requests = podLevel.requests ?? [:]
        var containersOnly = pod
        containersOnly.spec.resources = nil
        containersOnly.spec.overhead = nil
        containersOnly.status = nil
        let aggregate = PodRequests.compute(containersOnly)
        let named = Set(
            (pod.spec.containers + (pod.spec.initContainers ?? [])).flatMap { ($0.resources?.requests ?? [:]).keys }
        )
        for name in [ResourceName.cpu, ResourceName.memory] where requests[name] == nil && named.contains(name) {
            requests[name] = name == ResourceName.cpu ? Quantity(milli: aggregate.milliCPU) : Quantity(aggregate.memory)
        }
        for (name, limit) in limits where requests[name] == nil && PodRequests.isSupportedPodLevelResource(name) {
            requests[name] = limit
        }
        if !requests.isEmpty {
            podLevel.requests = requests
            pod.spec.resources = podLevel
        }
    }

    /// The `DefaultTolerationSeconds` admission plugin: tolerate `node.kubernetes.io/not-ready` and
    /// `node.kubernetes.io/unreachable` `NoExecute` taints for 300 s unless the pod already tolerates them.
    static func addDefaultTolerations(_ pod: inout Pod) {
        let notReady = "node.kubernetes.io/not-ready"
        let unreachable = "node.kubernetes.io/unreachable"
        var tolerations = pod.spec.tolerations ?? []
        func covers(_ key: String) -> Bool {
            tolerations.contains { toleration in
                let tolerationKey = toleration.key ?? ""
                let effect = toleration.effect ?? ""
                return (tolerationKey == key || tolerationKey.isEmpty) && (effect == "NoExecute" || effect.isEmpty)
            }
        }
        let toleratesNotReady = covers(notReady)
        let toleratesUnreachable = covers(unreachable)
        if !toleratesNotReady {
            tolerations.append(
                Toleration(key: notReady, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300)
            )
        }
        if !toleratesUnreachable {
            tolerations.append(
                Toleration(key: unreachable, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300)
            )
        }
        pod.spec.tolerations = tolerations
    }
}
