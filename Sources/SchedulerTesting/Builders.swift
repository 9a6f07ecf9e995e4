import KubeAPI
import SchedulerFramework

/// Fluent construction of test pods, in the spirit of upstream's `st.MakePod()`.
///
/// ```swift
/// let pod = PodBuilder("web").requests(cpu: "500m", memory: "1Gi").toleration(key: "gpu").build()
/// ```
public struct PodBuilder: Sendable {
    public var pod: Pod

    public init(_ name: String, namespace: String = "default") {
        pod = Pod(metadata: ObjectMeta(name: name, namespace: namespace, uid: "\(namespace)/\(name)"))
        pod.spec.schedulerName = "default-scheduler"
    }

    public func build() -> Pod { pod }
    public func info() -> PodInfo { PodInfo(pod) }

    private func with(_ change: (inout Pod) -> Void) -> PodBuilder {
        var copy = self
        change(&copy.pod)
        return copy
    }

    public func uid(_ uid: String) -> PodBuilder { with { $0.metadata.uid = uid } }
    public func labels(_ labels: [String: String]) -> PodBuilder { with { $0.metadata.labels = labels } }
    public func label(_ key: String, _ value: String) -> PodBuilder {
        with { $0.metadata.labels = ($0.metadata.labels ?? [:]).merging([key: value]) { $1 } }
    }
    public func priority(_ value: Int32) -> PodBuilder { with { $0.spec.priority = value } }
    public func schedulerName(_ name: String) -> PodBuilder { with { $0.spec.schedulerName = name } }
    public func node(_ name: String) -> PodBuilder { with { $0.spec.nodeName = name } }
    public func nominatedNode(_ name: String) -> PodBuilder {
        with { $0.status = PodStatus(nominatedNodeName: name) }
    }
    public func nodeSelector(_ selector: [String: String]) -> PodBuilder { with { $0.spec.nodeSelector = selector } }
    public func schedulingGates(_ names: [String]) -> PodBuilder {
        with { $0.spec.schedulingGates = names.map { PodSchedulingGate(name: $0) } }
    }
    public func overhead(_ list: [String: String]) -> PodBuilder { with { $0.spec.overhead = resourceList(list) } }

    /// Adds an app container requesting `requests` (`["cpu": "100m", "memory": "1Gi"]`).
    public func container(
        _ requests: [String: String] = [:],
        name: String? = nil,
        image: String? = nil,
        hostPorts: [Int32] = []
    ) -> PodBuilder {
        with { pod in
            var container = Container(name: name ?? "c\(pod.spec.containers.count)", image: image)
            if !requests.isEmpty { container.resources = ResourceRequirements(requests: resourceList(requests)) }
            if !hostPorts.isEmpty { container.ports = hostPorts.map { ContainerPort(containerPort: $0, hostPort: $0) } }
            pod.spec.containers.append(container)
        }
    }

    /// Shorthand for one container with cpu/memory requests.
    public func requests(cpu: String? = nil, memory: String? = nil) -> PodBuilder {
        var list: [String: String] = [:]
        if let cpu { list["cpu"] = cpu }
        if let memory { list["memory"] = memory }
        return container(list)
    }

    /// Adds an init container; `sidecar` makes it restartable (`restartPolicy: Always`).
    public func initContainer(_ requests: [String: String], sidecar: Bool = false) -> PodBuilder {
        with { pod in
            var container = Container(name: "init\(pod.spec.initContainers?.count ?? 0)")
            container.resources = ResourceRequirements(requests: resourceList(requests))
            if sidecar { container.restartPolicy = "Always" }
            pod.spec.initContainers = (pod.spec.initContainers ?? []) + [container]
        }
    }

    public func hostPort(_ port: Int32, protocol proto: String = "TCP", hostIP: String = "") -> PodBuilder {
        with { pod in
            var container = Container(name: "c\(pod.spec.containers.count)")
            container.ports = [ContainerPort(containerPort: port, hostPort: port, hostIP: hostIP, protocol: proto)]
            pod.spec.containers.append(container)
        }
    }

    public func toleration(
        key: String? = nil,
        operator op: String? = nil,
        value: String? = nil,
        effect: String? = nil
    ) -> PodBuilder {
        with {
            $0.spec.tolerations =
                ($0.spec.tolerations ?? []) + [Toleration(key: key, operator: op, value: value, effect: effect)]
        }
    }

    /// Adds a required node affinity term made of `expressions` (ORed with earlier terms).
    public func requiredNodeAffinity(
        _ expressions: [NodeSelectorRequirement],
        fields: [NodeSelectorRequirement]? = nil
    ) -> PodBuilder {
        with { pod in
            var affinity = pod.spec.affinity ?? Affinity()
            var nodeAffinity = affinity.nodeAffinity ?? NodeAffinity()
            var selector =
                nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution ?? NodeSelector(nodeSelectorTerms: [])
            selector.nodeSelectorTerms.append(
                NodeSelectorTerm(matchExpressions: expressions.isEmpty ? nil : expressions, matchFields: fields)
            )
            nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = selector
            affinity.nodeAffinity = nodeAffinity
            pod.spec.affinity = affinity
        }
    }

    public func preferredNodeAffinity(weight: Int32, _ expressions: [NodeSelectorRequirement]) -> PodBuilder {
        with { pod in
            var affinity = pod.spec.affinity ?? Affinity()
            var nodeAffinity = affinity.nodeAffinity ?? NodeAffinity()
            var preferred = nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []
            preferred.append(
                PreferredSchedulingTerm(weight: weight, preference: NodeSelectorTerm(matchExpressions: expressions))
            )
            nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution = preferred
            affinity.nodeAffinity = nodeAffinity
            pod.spec.affinity = affinity
        }
    }
}

/// Fluent construction of test nodes, like upstream's `st.MakeNode()`.
public struct NodeBuilder: Sendable {
    public var node: Node

    public init(_ name: String) {
        node = Node(metadata: ObjectMeta(name: name, uid: "node-\(name)", labels: ["kubernetes.io/hostname": name]))
    }

    public func build() -> Node { node }
    /// A `NodeInfo` for this node holding `pods` (each placed on this node).
    public func info(pods: [Pod] = []) -> NodeInfo {
        var info = NodeInfo(node: node)
        for var pod in pods {
            pod.spec.nodeName = node.metadata.name
            info.addPod(PodInfo(pod))
        }
        return info
    }

    private func with(_ change: (inout Node) -> Void) -> NodeBuilder {
        var copy = self
        change(&copy.node)
        return copy
    }

    /// Sets allocatable (and capacity) from `["cpu": "4", "memory": "32Gi", "pods": "110"]`.
    public func capacity(_ list: [String: String]) -> NodeBuilder {
        with {
            $0.status.allocatable = resourceList(list)
            $0.status.capacity = resourceList(list)
        }
    }

    public func labels(_ labels: [String: String]) -> NodeBuilder {
        with { $0.metadata.labels = ($0.metadata.labels ?? [:]).merging(labels) { $1 } }
    }
    public func label(_ key: String, _ value: String) -> NodeBuilder { labels([key: value]) }
    public func taint(key: String, value: String? = nil, effect: String) -> NodeBuilder {
        with { $0.spec.taints = ($0.spec.taints ?? []) + [Taint(key: key, value: value, effect: effect)] }
    }
    public func unschedulable(_ flag: Bool = true) -> NodeBuilder { with { $0.spec.unschedulable = flag } }
    public func image(_ names: [String], sizeBytes: Int64) -> NodeBuilder {
        with { $0.status.images = ($0.status.images ?? []) + [ContainerImage(names: names, sizeBytes: sizeBytes)] }
    }
}

/// Parses `["cpu": "1"]` into a resource list; invalid quantities are a test bug and trap.
public func resourceList(_ list: [String: String]) -> ResourceList {
    var result: ResourceList = [:]
    for (name, text) in list {
        guard let quantity = Quantity(parsing: text) else { preconditionFailure("invalid quantity \(text) in test") }
        result[name] = quantity
    }
    return result
}
