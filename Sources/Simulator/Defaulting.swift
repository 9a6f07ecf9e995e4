import KubeAPI

/// What the API server's defaulting and admission would do to objects created from manifests.
package enum APIServerDefaults {
    /// An object the API server would refuse, with its message.
    package struct Rejection: Sendable, Equatable {
        package var pod: Pod
        package var message: String
    }

    /// Fills namespace and schedulerName, and resolves priority from priorityClassName or the
    /// globalDefault PriorityClass (`Priority` admission). Pods naming an unknown class are rejected
    /// as the admission plugin rejects them, and pods whose container resources fail validation as the API
    /// server refuses them.
    package static func apply(to objects: [KubeObject]) -> (objects: [KubeObject], rejected: [Rejection]) {
        let classes = objects.compactMap { object -> PriorityClass? in
            if case .priorityClass(let pc) = object { return pc }
            return nil
        }
        let byName = Dictionary(classes.map { ($0.metadata.name, $0) }, uniquingKeysWith: { first, _ in first })
        // Upstream picks the global default with the lowest value if several claim it.
        let globalDefault = classes.filter { $0.globalDefault == true }.min { $0.value < $1.value }
        var result: [KubeObject] = []
        var rejected: [Rejection] = []
        let defaultClass = StorageDefaults.defaultClass(in: objects)
        for object in objects {
            guard case .pod(var pod) = object else {
                result.append(StorageDefaults.apply(to: object, defaultClass: defaultClass))
                continue
            }
            if (pod.metadata.namespace ?? "").isEmpty { pod.metadata.namespace = "default" }
            if (pod.spec.schedulerName ?? "").isEmpty { pod.spec.schedulerName = "default-scheduler" }
            if let name = pod.spec.priorityClassName, !name.isEmpty {
                if let pc = byName[name] {
                    pod.spec.priority = pc.value
                    if pod.spec.preemptionPolicy == nil {
                        pod.spec.preemptionPolicy = pc.preemptionPolicy ?? "PreemptLowerPriority"
                    }
                } else if name == "system-node-critical" || name == "system-cluster-critical" {
                    pod.spec.priority = name == "system-node-critical" ? 2_000_001_000 : 2_000_000_000
                } else {
                    rejected.append(
                        Rejection(
                            pod: pod,
                            message: "pods \"\(pod.name)\" is forbidden: no PriorityClass with name \(name) was found"
                        )
                    )
                    continue
                }
            } else if pod.spec.priority == nil {
                if let globalDefault {
                    pod.spec.priority = globalDefault.value
                    pod.spec.priorityClassName = globalDefault.metadata.name
                    if pod.spec.preemptionPolicy == nil {
                        pod.spec.preemptionPolicy = globalDefault.preemptionPolicy ?? "PreemptLowerPriority"
                    }
                } else {
                    pod.spec.priority = 0
                }
            }
            if pod.spec.preemptionPolicy == nil { pod.spec.preemptionPolicy = "PreemptLowerPriority" }
            defaultRequestsFromLimits(&pod)
            let errors = resourceErrors(of: pod)
            guard errors.isEmpty else {
                rejected.append(Rejection(pod: pod, message: invalidPodMessage(pod, errors: errors)))
                continue
            }
            addDefaultTolerations(&pod)
            result.append(.pod(pod))
        }
        return (result, rejected)
    }
}
