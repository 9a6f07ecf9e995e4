import KubeAPI

/// A pod plus everything the scheduler derives from it once: requests, host ports, required node
/// affinity. Immutable and shared by reference between the queue, the cache and every node it sits on.
public final class PodInfo: Sendable {
    public let pod: Pod
    /// `namespace/name`.
    public let key: String
    public let uid: String
    public let priority: Int32
    /// Effective request (init-container max rule, sidecars, pod-level, overhead) — what Filter checks.
    public let request: Resource
    /// The request with upstream's 100m / 200Mi defaults for containers that omit cpu or memory — what
    /// scoring uses.
    public let nonZeroRequest: Resource
    /// Host ports of regular and sidecar containers with `hostPort > 0`, normalized.
    public let hostPorts: [HostPort]
    /// `spec.nodeSelector` and required node affinity, compiled.
    public let requiredNodeAffinity: RequiredNodeAffinity
    /// Pod has any pod affinity or anti-affinity term.
    public let hasAffinity: Bool
    /// Pod has required anti-affinity terms.
    public let hasRequiredAntiAffinity: Bool

    public init(_ pod: Pod) {
        self.pod = pod
        self.key = pod.key
        self.uid = pod.uid
        self.priority = pod.priority
        self.request = PodRequests.compute(pod)
        self.nonZeroRequest = PodRequests.compute(pod, nonMissingDefaults: true)
        self.hostPorts = HostPort.ports(of: pod)
        self.requiredNodeAffinity = RequiredNodeAffinity(pod)
        let affinity = pod.spec.affinity
        let podAffinity = affinity?.podAffinity
        let antiAffinity = affinity?.podAntiAffinity
        self.hasAffinity =
            !(podAffinity?.required.isEmpty ?? true) || !(podAffinity?.preferred.isEmpty ?? true)
            || !(antiAffinity?.required.isEmpty ?? true) || !(antiAffinity?.preferred.isEmpty ?? true)
        self.hasRequiredAntiAffinity = !(antiAffinity?.required.isEmpty ?? true)
    }

    public var namespace: String { pod.namespace }
    public var name: String { pod.metadata.name }
}

/// `spec.nodeSelector` ANDed with the required node affinity terms (`nodeaffinity.GetRequiredNodeAffinity`).
public struct RequiredNodeAffinity: Sendable {
    /// nil when the pod has no nodeSelector.
    public let labelSelector: Selector?
    /// nil when the pod has no required node affinity.
    public let nodeSelector: CompiledNodeSelector?

    public init(_ pod: Pod) {
        if let selector = pod.spec.nodeSelector {
            labelSelector = Selector(matching: selector)
        } else {
            labelSelector = nil
        }
        if let required = pod.spec.affinity?.nodeAffinity?.required {
            nodeSelector = CompiledNodeSelector(required)
        } else {
            nodeSelector = nil
        }
    }

    public var isEmpty: Bool { labelSelector == nil && nodeSelector == nil }

    /// Whether the node satisfies both the nodeSelector and the required affinity.
    public func matches(_ node: Node) -> Bool {
        matches(labels: node.metadata.labels ?? [:], name: node.metadata.name)
    }

    /// ``matches(_:)`` for a node's labels and name (no copy of the node object).
    public func matches(labels: [String: String], name: String) -> Bool {
        if let labelSelector, !labelSelector.matches(labels) { return false }
        if let nodeSelector, !nodeSelector.matches(labels: labels, name: name) { return false }
        return true
    }
}

/// A normalized host port: empty hostIP is `0.0.0.0`, empty protocol is `TCP`.
public struct HostPort: Sendable, Hashable {
    public var ip: String
    public var `protocol`: String
    public var port: Int32

    public init(ip: String, protocol: String, port: Int32) {
        self.ip = ip.isEmpty ? HostPort.anyIP : ip
        self.protocol = `protocol`.isEmpty ? "TCP" : `protocol`
        self.port = port
    }

    public static let anyIP = "0.0.0.0"

    /// Host ports of regular containers and restartable (sidecar) init containers (`GetHostPorts`).
    public static func ports(of pod: Pod) -> [HostPort] {
        var result: [HostPort] = []
        let sidecars = (pod.spec.initContainers ?? []).filter(\.isSidecar)
        for container in pod.spec.containers + sidecars {
            for port in container.ports ?? [] {
                guard let hostPort = port.hostPort, hostPort > 0 else { continue }
                result.append(HostPort(ip: port.hostIP ?? "", protocol: port.protocol ?? "", port: hostPort))
            }
        }
        return result
    }
}

/// Host ports in use on a node (`HostPortInfo`): IP → set of (protocol, port).
///
/// A set, as upstream: two pods on one node using the same port (possible when the port was taken
/// before the scheduler saw it, or through `spec.nodeName`) share one entry, and removing either frees it.
public struct HostPortInfo: Sendable, Equatable {
    public struct ProtocolPort: Sendable, Hashable {
        public var `protocol`: String
        public var port: Int32
    }

    public private(set) var byIP: [String: Set<ProtocolPort>] = [:]

    public init() {}

    public var isEmpty: Bool { byIP.isEmpty }

    public mutating func add(_ port: HostPort) {
        guard port.port > 0 else { return }
        byIP[port.ip, default: []].insert(ProtocolPort(protocol: port.protocol, port: port.port))
    }

    public mutating func remove(_ port: HostPort) {
        guard port.port > 0 else { return }
        let key = ProtocolPort(protocol: port.protocol, port: port.port)
        guard byIP[port.ip]?.remove(key) != nil else { return }
        if byIP[port.ip]?.isEmpty == true { byIP[port.ip] = nil }
    }

    /// Whether `port` conflicts with ports in use: `0.0.0.0` conflicts with every IP, and any IP
    /// conflicts with `0.0.0.0`.
    public func conflicts(with port: HostPort) -> Bool {
        guard port.port > 0 else { return false }
        let key = ProtocolPort(protocol: port.protocol, port: port.port)
        if port.ip == HostPort.anyIP {
            for (_, ports) in byIP where ports.contains(key) { return true }
            return false
        }
        return byIP[HostPort.anyIP]?.contains(key) == true || byIP[port.ip]?.contains(key) == true
    }
}
