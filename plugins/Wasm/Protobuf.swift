import KubeAPI

/// Protocol-buffer wire bytes of `k8s.io.api.core.v1` messages, written the way Kubernetes' generated (gogo)
/// code writes them: fields in ascending number order, map entries sorted by key, and every non-pointer Go
/// field (strings, integers, booleans, embedded structs, `metav1.Time`) present even when empty or zero.
/// Pointer and repeated fields are written only when set. Guests decode these bytes with their own generated
/// code; the field numbers follow upstream's `generated.proto`.
package struct ProtoWriter {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// A length-delimited string, written even when empty (a non-pointer Go string).
    mutating func string(_ field: Int, _ value: String) {
        tag(field, 2)
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    /// A pointer string: written only when set.
    mutating func optionalString(_ field: Int, _ value: String?) {
        if let value { string(field, value) }
    }

    mutating func int64(_ field: Int, _ value: Int64) {
        tag(field, 0)
        varint(UInt64(bitPattern: value))
    }

    /// int32 fields are sign-extended to 64 bits on the wire, as Go's encoder does.
    mutating func int32(_ field: Int, _ value: Int32) { int64(field, Int64(value)) }

    mutating func bool(_ field: Int, _ value: Bool) {
        tag(field, 0)
        varint(value ? 1 : 0)
    }

    /// An embedded message, written even when empty (a non-pointer Go struct).
    mutating func message(_ field: Int, _ body: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        body(&inner)
        tag(field, 2)
        varint(UInt64(inner.bytes.count))
        bytes.append(contentsOf: inner.bytes)
    }

    mutating func stringMap(_ field: Int, _ map: [String: String]?) {
        guard let map else { return }
        for key in map.keys.sorted() {
            message(field) {
                $0.string(1, key)
                $0.string(2, map[key] ?? "")
            }
        }
    }

    mutating func resourceList(_ field: Int, _ list: ResourceList?) {
        guard let list else { return }
        for key in list.keys.sorted() {
            message(field) { entry in
                entry.string(1, key)
                // Quantity marshals its String(): the canonical form.
                entry.message(2) { $0.string(1, list[key].map { CanonicalQuantity.string($0) } ?? "0") }
            }
        }
    }

    /// `metav1.Time`: `{seconds, nanos}` with both always written, an empty message for the zero time.
    /// `Time.ProtoTime()` drops the fraction (nanos is always 0), as its JSON form does.
    mutating func time(_ field: Int, _ rfc3339: String?) {
        message(field) { w in
            guard let rfc3339, let seconds = RFC3339.secondsSinceEpoch(rfc3339) else { return }
            w.int64(1, Int64(seconds.rounded(.down)))
            w.int32(2, 0)
        }
    }
}

extension ProtoWriter {
    mutating func objectMeta(_ field: Int, _ meta: ObjectMeta) {
        message(field) { w in
            w.string(1, meta.name)
            w.string(2, "")  // generateName
            w.string(3, meta.namespace ?? "")
            w.string(4, "")  // selfLink
            w.string(5, meta.uid ?? "")
            w.string(6, meta.resourceVersion ?? "")
            w.int64(7, meta.generation ?? 0)
            w.time(8, meta.creationTimestamp)
            if let deletion = meta.deletionTimestamp { w.time(9, deletion) }
            w.stringMap(11, meta.labels)
            w.stringMap(12, meta.annotations)
            for owner in meta.ownerReferences ?? [] {
                w.message(13) { o in
                    o.string(1, owner.kind)
                    o.string(3, owner.name)
                    o.string(4, owner.uid ?? "")
                    o.string(5, owner.apiVersion ?? "")
                    if let controller = owner.controller { o.bool(6, controller) }
                }
            }
        }
    }

    mutating func resourceRequirements(_ field: Int, _ resources: ResourceRequirements?) {
        message(field) { w in
            w.resourceList(1, resources?.limits)
            w.resourceList(2, resources?.requests)
        }
    }

    mutating func container(_ field: Int, _ container: Container) {
        message(field) { w in
            w.string(1, container.name)
            w.string(2, container.image ?? "")
            w.string(5, "")  // workingDir
            for port in container.ports ?? [] {
                w.message(6) { p in
                    p.string(1, port.name ?? "")
                    p.int32(2, port.hostPort ?? 0)
                    p.int32(3, port.containerPort)
                    p.string(4, port.protocol ?? "")
                    p.string(5, port.hostIP ?? "")
                }
            }
            w.resourceRequirements(8, container.resources)
            w.string(13, "")  // terminationMessagePath
            w.string(14, "")  // imagePullPolicy
            w.bool(16, false)  // stdin
            w.bool(17, false)  // stdinOnce
            w.bool(18, false)  // tty
            w.string(20, "")  // terminationMessagePolicy
            w.optionalString(24, container.restartPolicy)
        }
    }

    mutating func podSpec(_ field: Int, _ spec: PodSpec) {
        message(field) { w in
            for volume in spec.volumes ?? [] { w.volume(1, volume) }
            for container in spec.containers { w.container(2, container) }
            w.string(3, "")  // restartPolicy
            w.string(6, "")  // dnsPolicy
            w.stringMap(7, spec.nodeSelector)
            w.string(8, "")  // serviceAccountName
            w.string(9, "")  // serviceAccount
            w.string(10, spec.nodeName ?? "")
            w.bool(11, spec.hostNetwork ?? false)
            w.bool(12, false)  // hostPID
            w.bool(13, false)  // hostIPC
            w.string(16, "")  // hostname
            w.string(17, "")  // subdomain
            if let affinity = spec.affinity { w.affinity(18, affinity) }
            w.string(19, spec.schedulerName ?? "")
            for container in spec.initContainers ?? [] { w.container(20, container) }
            for toleration in spec.tolerations ?? [] {
                w.message(22) { t in
                    t.string(1, toleration.key ?? "")
                    t.string(2, toleration.operator ?? "")
                    t.string(3, toleration.value ?? "")
                    t.string(4, toleration.effect ?? "")
                    if let seconds = toleration.tolerationSeconds { t.int64(5, seconds) }
                }
            }
            w.string(24, spec.priorityClassName ?? "")
            if let priority = spec.priority { w.int32(25, priority) }
            w.optionalString(31, spec.preemptionPolicy)
            w.resourceList(32, spec.overhead)
            for constraint in spec.topologySpreadConstraints ?? [] { w.topologySpreadConstraint(33, constraint) }
            for gate in spec.schedulingGates ?? [] { w.message(38) { $0.string(1, gate.name) } }
            if let resources = spec.resources { w.resourceRequirements(40, resources) }
        }
    }

    mutating func podStatus(_ field: Int, _ status: PodStatus?) {
        message(field) { w in
            w.string(1, status?.phase ?? "")
            for condition in status?.conditions ?? [] {
                w.message(2) { c in
                    c.string(1, condition.type)
                    c.string(2, condition.status)
                    c.time(3, nil)  // lastProbeTime
                    c.time(4, condition.lastTransitionTime)
                    c.string(5, condition.reason ?? "")
                    c.string(6, condition.message ?? "")
                    c.int64(7, condition.observedGeneration ?? 0)
                }
            }
            w.string(3, "")  // message
            w.string(4, "")  // reason
            w.string(5, "")  // hostIP
            w.string(6, "")  // podIP
            if let start = status?.startTime { w.time(7, start) }
            for container in status?.containerStatuses ?? [] { w.containerStatus(8, container) }
            w.string(9, status?.qosClass ?? "")
            for container in status?.initContainerStatuses ?? [] { w.containerStatus(10, container) }
            w.string(11, status?.nominatedNodeName ?? "")
            w.string(14, "")  // resize
            w.int64(17, 0)  // observedGeneration
        }
    }

    mutating func nodeBody(_ node: Node) {
        objectMeta(1, node.metadata)
        message(2) { w in
            w.string(1, "")  // podCIDR
            w.string(2, "")  // externalID
            w.string(3, node.spec.providerID ?? "")
            w.bool(4, node.spec.unschedulable ?? false)
            for taint in node.spec.taints ?? [] {
                w.message(5) { t in
                    t.string(1, taint.key)
                    t.string(2, taint.value ?? "")
                    t.string(3, taint.effect)
                    if let added = taint.timeAdded { t.time(4, added) }
                }
            }
        }
        message(3) { w in
            w.resourceList(1, node.status.capacity)
            w.resourceList(2, node.status.allocatable)
            w.string(3, "")  // phase
            for condition in node.status.conditions ?? [] {
                w.message(4) { c in
                    c.string(1, condition.type)
                    c.string(2, condition.status)
                    c.time(3, nil)
                    c.time(4, nil)
                    c.string(5, condition.reason ?? "")
                    c.string(6, condition.message ?? "")
                }
            }
            w.message(6) { $0.message(1) { $0.int32(1, 0) } }  // daemonEndpoints.kubeletEndpoint.Port
            w.message(7) { info in for field in 1...10 { info.string(field, "") } }  // nodeInfo
            for image in node.status.images ?? [] {
                w.message(8) { i in
                    for name in image.names ?? [] { i.string(1, name) }
                    i.int64(2, image.sizeBytes ?? 0)
                }
            }
        }
    }
}

/// Encoders for the messages that cross the guest boundary.
package enum KubeProto {
    /// `k8s.io.api.core.v1.Pod`.
    package static func pod(_ pod: Pod) -> [UInt8] {
        var w = ProtoWriter()
        w.objectMeta(1, pod.metadata)
        w.podSpec(2, pod.spec)
        w.podStatus(3, pod.status)
        return w.bytes
    }

    /// `k8s.io.api.core.v1.Node`.
    package static func node(_ node: Node) -> [UInt8] {
        var w = ProtoWriter()
        w.nodeBody(node)
        return w.bytes
    }

    /// `k8s.io.api.core.v1.NodeList` with an empty `ListMeta`.
    package static func nodeList(_ nodes: some Sequence<Node>) -> [UInt8] {
        var w = ProtoWriter()
        w.message(1) { meta in
            meta.string(1, "")
            meta.string(2, "")
            meta.string(3, "")
        }
        for node in nodes { w.message(2) { $0.nodeBody(node) } }
        return w.bytes
    }
}
