import KubeAPI

/// Image size and how many nodes hold the image (for ImageLocality).
public struct ImageStateSummary: Sendable, Equatable {
    public var size: Int64
    public var numNodes: Int
    public init(size: Int64, numNodes: Int) {
        self.size = size
        self.numNodes = numNodes
    }
}

/// Everything the scheduler knows about one node: the node object, its pods (assumed ones included)
/// and aggregates over them. A value type: snapshots copy only the nodes that changed.
public struct NodeInfo: Sendable {
    public private(set) var node: Node
    public private(set) var name: String
    public private(set) var pods: [PodInfo] = []
    public private(set) var podsWithAffinity: [PodInfo] = []
    public private(set) var podsWithRequiredAntiAffinity: [PodInfo] = []
    /// Sum of the effective requests of the pods on the node.
    public private(set) var requested = Resource()
    /// Like ``requested`` but with upstream's non-zero defaults, cpu and memory only (for scoring).
    public private(set) var nonZeroRequested = Resource()
    /// `status.allocatable`, parsed once.
    public private(set) var allocatable = Resource()
    public private(set) var usedPorts = HostPortInfo()
    /// `"namespace/claim"` → number of pods on the node using it.
    public private(set) var pvcRefCounts: [String: Int] = [:]
    /// Normalized image name → size and spread; filled by the cache.
    public var imageStates: [String: ImageStateSummary] = [:]
    /// Bumped (from a global counter) on every change, so snapshots can copy only changed nodes.
    public var generation: Int64 = 0

    public init(node: Node) {
        self.node = node
        self.name = node.metadata.name
        self.allocatable = Resource(node.status.allocatable)
    }

    /// Replaces the node object, keeping the pods.
    public mutating func setNode(_ node: Node) {
        self.node = node
        self.name = node.metadata.name
        self.allocatable = Resource(node.status.allocatable)
    }

    public mutating func addPod(_ pod: PodInfo) {
        pods.append(pod)
        if pod.hasAffinity { podsWithAffinity.append(pod) }
        if pod.hasRequiredAntiAffinity { podsWithRequiredAntiAffinity.append(pod) }
        update(pod, sign: 1)
    }

    /// Removes the pod with `uid`; returns false when it is not on this node.
    @discardableResult
    public mutating func removePod(uid: String) -> Bool {
        guard let index = pods.firstIndex(where: { $0.uid == uid }) else { return false }
        let pod = pods[index]
        pods.swapAt(index, pods.count - 1)
        pods.removeLast()
        if let i = podsWithAffinity.firstIndex(where: { $0.uid == uid }) {
            podsWithAffinity.swapAt(i, podsWithAffinity.count - 1)
            podsWithAffinity.removeLast()
        }
        if let i = podsWithRequiredAntiAffinity.firstIndex(where: { $0.uid == uid }) {
            podsWithRequiredAntiAffinity.swapAt(i, podsWithRequiredAntiAffinity.count - 1)
            podsWithRequiredAntiAffinity.removeLast()
        }
        update(pod, sign: -1)
        return true
    }

    private mutating func update(_ pod: PodInfo, sign: Int64) {
        if sign > 0 {
            requested.add(pod.request)
        } else {
            requested.subtract(pod.request)
            requested.scalarResources = requested.scalarResources.filter { $0.value != 0 }
        }
        nonZeroRequested.milliCPU += sign * pod.nonZeroRequest.milliCPU
        nonZeroRequested.memory += sign * pod.nonZeroRequest.memory
        for port in pod.hostPorts {
            if sign > 0 { usedPorts.add(port) } else { usedPorts.remove(port) }
        }
        for volume in pod.pod.spec.volumes ?? [] {
            guard let claim = volume.persistentVolumeClaim?.claimName else { continue }
            let key = "\(pod.namespace)/\(claim)"
            let count = (pvcRefCounts[key] ?? 0) + Int(sign)
            pvcRefCounts[key] = count > 0 ? count : nil
        }
    }
}
