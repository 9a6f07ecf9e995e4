import KubeAPI
import Synchronization

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
///
/// The fields live in one copy-on-write box, so copying a `NodeInfo` (into a snapshot, or into a plugin
/// call in the per-node Filter and Score loops) costs one reference count, not one per field; the first
/// mutation of a shared copy duplicates the box. Reads borrow the field in place.
///
/// Pods are kept in chunks of ``podChunkCapacity`` so that adding or removing a pod on a node shared with a
/// snapshot copies one chunk and the chunk list, not every pod (a node with thousands of pods, as in
/// upstream's DaemonSet benchmark, would otherwise cost thousands of reference counts per change).
/// ``pods`` presents them as one array, built on first use and kept until the next change.
public struct NodeInfo: Sendable {
    @usableFromInline
    final class Storage: @unchecked Sendable {
        // Mutated only through `NodeInfo`'s mutating members, after `makeUnique()`: a box that is
        // mutated is never shared, so no other thread can observe the change.
        // What every cycle's per-node loops read comes first, in a few cache lines: a class's stored properties
        // are laid out in declaration order, and with many nodes each node's first touch is a cache miss.
        @usableFromInline @exclusivity(unchecked) var requested = Resource()
        @usableFromInline @exclusivity(unchecked) var allocatable = Resource()
        @usableFromInline @exclusivity(unchecked) var nonZeroRequested = Resource()
        @usableFromInline @exclusivity(unchecked) var podCount = 0
        @usableFromInline @exclusivity(unchecked) var indexSlot: Int32 = -1
        /// `spec.unschedulable == true`, kept beside the counts.
        @usableFromInline @exclusivity(unchecked) var isUnschedulable = false
        /// `spec.taints` is not empty, kept beside the counts.
        @usableFromInline @exclusivity(unchecked) var hasTaints = false
        @usableFromInline @exclusivity(unchecked) var name: String
        /// The `kubernetes.io/hostname` label with its hash (volume matching reads it per node); with the name,
        /// it ends the third cache line.
        @usableFromInline @exclusivity(unchecked) var hostname: Hostname?
        @usableFromInline @exclusivity(unchecked) var podsWithUnclaimedVolumes = 0
        /// `pvcRefCounts.count`, kept beside the other fields so a per-node read touches no dictionary.
        @usableFromInline @exclusivity(unchecked) var distinctClaimCount = 0
        @usableFromInline @exclusivity(unchecked) var generation: Int64 = 0
        @usableFromInline @exclusivity(unchecked) var podChunks: ContiguousArray<PodChunk> = []
        /// `pods` flattened, built on first read of an unchanging box (readers may be concurrent).
        let flatPods = Mutex<[PodInfo]?>(nil)
        @usableFromInline @exclusivity(unchecked) var podsWithAffinity: [PodInfo] = []
        @usableFromInline @exclusivity(unchecked) var podsWithRequiredAntiAffinity: [PodInfo] = []
        @usableFromInline @exclusivity(unchecked) var usedPorts = HostPortInfo()
        @usableFromInline @exclusivity(unchecked) var pvcRefCounts: [String: Int] = [:]
        @usableFromInline @exclusivity(unchecked) var imageStates: [String: ImageStateSummary] = [:]
        @usableFromInline @exclusivity(unchecked) var node: Node

        func materializedPods() -> [PodInfo] {
            flatPods.withLock { cached in
                if let cached { return cached }
                var flat: [PodInfo] = []
                flat.reserveCapacity(podCount)
                for chunk in podChunks { flat.append(contentsOf: chunk.items) }
                cached = flat
                return flat
            }
        }

        /// Makes chunk `index` safe to mutate (copies it when an older box still shares it).
        func uniqueChunk(_ index: Int) {
            if !isKnownUniquelyReferenced(&podChunks[index]) { podChunks[index] = PodChunk(podChunks[index].items) }
        }

        /// Where the pod with `uid` is, searching from the most recently added. `hint` (the pod's info as
        /// added) is matched by identity first, a pointer comparison, before any uid is compared.
        func position(ofPodUID uid: String, hint: PodInfo? = nil) -> (chunk: Int, item: Int)? {
            if let hint {
                for c in podChunks.indices.reversed() {
                    let items = podChunks[c].items
                    for i in items.indices.reversed() where items[i] === hint { return (c, i) }
                }
            }
            for c in podChunks.indices.reversed() {
                let items = podChunks[c].items
                for i in items.indices.reversed() where items[i].uid == uid { return (c, i) }
            }
            return nil
        }

        init(node: Node) {
            self.node = node
            self.name = node.metadata.name
            self.hostname = Self.hostname(of: node)
            self.allocatable = Resource(node.status.allocatable)
            self.isUnschedulable = node.spec.unschedulable == true
            self.hasTaints = !(node.spec.taints ?? []).isEmpty
        }

        static func hostname(of node: Node) -> Hostname? {
            node.metadata.labels?[VolumeAnnotations.hostnameLabel].map(Hostname.init)
        }

        init(copying other: Storage) {
            node = other.node
            name = other.name
            hostname = other.hostname
            podChunks = other.podChunks
            podCount = other.podCount
            flatPods.withLock { $0 = other.flatPods.withLock { $0 } }
            podsWithAffinity = other.podsWithAffinity
            podsWithRequiredAntiAffinity = other.podsWithRequiredAntiAffinity
            requested = other.requested
            nonZeroRequested = other.nonZeroRequested
            allocatable = other.allocatable
            usedPorts = other.usedPorts
            pvcRefCounts = other.pvcRefCounts
            podsWithUnclaimedVolumes = other.podsWithUnclaimedVolumes
            distinctClaimCount = other.distinctClaimCount
            imageStates = other.imageStates
            generation = other.generation
            indexSlot = other.indexSlot
            isUnschedulable = other.isUnschedulable
            hasTaints = other.hasTaints
        }
    }

    /// A run of at most ``podChunkCapacity`` pods, shared between boxes until one of them changes it.
    @usableFromInline
    final class PodChunk: @unchecked Sendable {
        // Mutated only when uniquely referenced (see `uniqueChunk`).
        @usableFromInline @exclusivity(unchecked) var items: ContiguousArray<PodInfo>
        init(_ items: ContiguousArray<PodInfo>) { self.items = items }
    }

    /// How many pods one chunk holds.
    public static let podChunkCapacity = 64

    @usableFromInline var storage: Storage

    /// The node object.
    @inlinable public var node: Node { _read { yield storage.node } }
    /// The node's name.
    @inlinable public var name: String { _read { yield storage.name } }
    /// The node's `kubernetes.io/hostname` label (nil without one), read without the labels dictionary.
    @inlinable public var hostname: Hostname? { _read { yield storage.hostname } }
    /// Pods on the node, assumed ones included, in the order upstream keeps them (a removed pod's place is
    /// taken by the last one).
    public var pods: [PodInfo] { storage.materializedPods() }
    /// `spec.unschedulable == true`, read without touching the node object.
    @inlinable public var isUnschedulable: Bool { storage.isUnschedulable }
    /// Whether `spec.taints` has any taint, read without touching the node object.
    @inlinable public var hasTaints: Bool { storage.hasTaints }
    /// How many pods are on the node (`pods.count` without building the array).
    @inlinable public var podCount: Int { storage.podCount }
    /// Pods on the node with any pod affinity or anti-affinity term.
    @inlinable public var podsWithAffinity: [PodInfo] { _read { yield storage.podsWithAffinity } }
    /// Pods on the node with required pod anti-affinity terms.
    @inlinable public var podsWithRequiredAntiAffinity: [PodInfo] {
        _read { yield storage.podsWithRequiredAntiAffinity }
    }
    /// Sum of the effective requests of the pods on the node.
    @inlinable public var requested: Resource { _read { yield storage.requested } }
    /// Like ``requested`` but with upstream's non-zero defaults, cpu and memory only (for scoring).
    @inlinable public var nonZeroRequested: Resource { _read { yield storage.nonZeroRequested } }
    /// `status.allocatable`, parsed once.
    @inlinable public var allocatable: Resource { _read { yield storage.allocatable } }
    /// Host ports in use on the node.
    @inlinable public var usedPorts: HostPortInfo { _read { yield storage.usedPorts } }
    /// `"namespace/claim"` → number of pods on the node using it.
    @inlinable public var pvcRefCounts: [String: Int] { _read { yield storage.pvcRefCounts } }
    /// How many of the node's pods have a volume that may need attaching but is not a named claim: a generic
    /// ephemeral volume, a claim without a name, or an inline network or CSI volume. When none has, the node's
    /// attachable volumes are at most ``pvcRefCounts``' count (volume-limit checks use this to skip work).
    @inlinable public var podsWithUnclaimedVolumes: Int { storage.podsWithUnclaimedVolumes }
    /// How many distinct claims the node's pods use (``pvcRefCounts``' count, read without the dictionary).
    @inlinable public var distinctClaimCount: Int { storage.distinctClaimCount }
    /// Normalized image name → size and spread; filled by the cache.
    @inlinable public var imageStates: [String: ImageStateSummary] {
        _read { yield storage.imageStates }
        _modify {
            makeUnique()
            yield &storage.imageStates
        }
    }
    /// Bumped (from a global counter) on every change, so snapshots can copy only changed nodes.
    @inlinable public var generation: Int64 {
        get { storage.generation }
        set {
            makeUnique()
            storage.generation = newValue
        }
    }

    /// The node's slot in the snapshot's ``PodIndex`` (given by the cache, stable while the node exists); −1
    /// for node infos made outside a cache.
    @inlinable public var indexSlot: Int32 { storage.indexSlot }

    public init(node: Node) {
        storage = Storage(node: node)
    }

    /// Sets ``indexSlot`` (the cache, when it creates the node info).
    package mutating func package_setIndexSlot(_ slot: Int32) {
        makeUnique()
        storage.indexSlot = slot
    }

    @usableFromInline
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    }

    /// Replaces the node object, keeping the pods.
    public mutating func setNode(_ node: Node) {
        makeUnique()
        storage.node = node
        storage.name = node.metadata.name
        storage.hostname = Storage.hostname(of: node)
        storage.allocatable = Resource(node.status.allocatable)
        storage.isUnschedulable = node.spec.unschedulable == true
        storage.hasTaints = !(node.spec.taints ?? []).isEmpty
    }

    public mutating func addPod(_ pod: PodInfo) {
        makeUnique()
        let s = storage
        s.flatPods.withLock { $0 = nil }
        if let last = s.podChunks.indices.last, s.podChunks[last].items.count < Self.podChunkCapacity {
            s.uniqueChunk(last)
            s.podChunks[last].items.append(pod)
        } else {
            s.podChunks.append(PodChunk([pod]))
        }
        s.podCount += 1
        if pod.hasAffinity { storage.podsWithAffinity.append(pod) }
        if pod.hasRequiredAntiAffinity { storage.podsWithRequiredAntiAffinity.append(pod) }
        update(pod, sign: 1)
    }

    /// Removes the pod with `uid`; returns false when it is not on this node.
    @discardableResult
    public mutating func removePod(uid: String) -> Bool {
        removePod(uid: uid, hint: nil)
    }

    /// Removes `pod` (the info that was added, found by identity; else by uid); returns false when it is not
    /// on this node.
    @discardableResult
    public mutating func removePod(_ pod: PodInfo) -> Bool {
        removePod(uid: pod.uid, hint: pod)
    }

    private mutating func removePod(uid: String, hint: PodInfo?) -> Bool {
        guard let position = storage.position(ofPodUID: uid, hint: hint) else { return false }
        makeUnique()
        let s = storage
        s.flatPods.withLock { $0 = nil }
        let pod = s.podChunks[position.chunk].items[position.item]
        // Swap with the last pod and drop the end, as upstream does.
        let lastChunk = s.podChunks.count - 1
        s.uniqueChunk(lastChunk)
        let last = s.podChunks[lastChunk].items.removeLast()
        if position.chunk != lastChunk || position.item != s.podChunks[lastChunk].items.count {
            s.uniqueChunk(position.chunk)
            s.podChunks[position.chunk].items[position.item] = last
        }
        if s.podChunks[lastChunk].items.isEmpty { s.podChunks.removeLast() }
        s.podCount -= 1
        if let i = s.podsWithAffinity.firstIndex(where: { $0.uid == uid }) {
            s.podsWithAffinity.swapAt(i, s.podsWithAffinity.count - 1)
            s.podsWithAffinity.removeLast()
        }
        if let i = s.podsWithRequiredAntiAffinity.firstIndex(where: { $0.uid == uid }) {
            s.podsWithRequiredAntiAffinity.swapAt(i, s.podsWithRequiredAntiAffinity.count - 1)
            s.podsWithRequiredAntiAffinity.removeLast()
        }
        update(pod, sign: -1)
        return true
    }

    private mutating func update(_ pod: PodInfo, sign: Int64) {
        let s = storage
        if sign > 0 {
            s.requested.add(pod.request)
        } else {
            s.requested.subtract(pod.request)
            if !s.requested.scalarResources.isEmpty {
                s.requested.scalarResources = s.requested.scalarResources.filter { $0.value != 0 }
            }
        }
        s.nonZeroRequested.milliCPU += sign * pod.nonZeroRequest.milliCPU
        s.nonZeroRequested.memory += sign * pod.nonZeroRequest.memory
        for port in pod.hostPorts {
            if sign > 0 { s.usedPorts.add(port) } else { s.usedPorts.remove(port) }
        }
        var hasUnclaimedVolume = false
        for volume in pod.pod.spec.volumes ?? [] {
            guard let claim = volume.persistentVolumeClaim?.claimName else {
                if volume.mayAttachWithoutClaim { hasUnclaimedVolume = true }
                continue
            }
            if claim.isEmpty { hasUnclaimedVolume = true }
            let key = "\(pod.namespace)/\(claim)"
            let before = s.pvcRefCounts[key] ?? 0
            let count = before + Int(sign)
            s.pvcRefCounts[key] = count > 0 ? count : nil
            if before == 0 && count > 0 { s.distinctClaimCount += 1 }
            if before > 0 && count <= 0 { s.distinctClaimCount -= 1 }
        }
        if hasUnclaimedVolume { s.podsWithUnclaimedVolumes += Int(sign) }
    }
}

extension Volume {
    /// A volume that is not a claim yet may be attached to the node: generic ephemeral, CSI inline, or an
    /// in-tree network disk. Node-local sources (emptyDir, hostPath, configMap, secret, projected, …) are not.
    @usableFromInline var mayAttachWithoutClaim: Bool {
        ephemeral != nil || csi != nil || gcePersistentDisk != nil || awsElasticBlockStore != nil || rbd != nil
            || iscsi != nil || azureDisk != nil || azureFile != nil || cinder != nil || vsphereVolume != nil
            || portworxVolume != nil
    }
}
