import KubeAPI

/// A PV with what volume matching reads of it computed once. Shared by reference, so a per-node loop over
/// candidates copies one pointer per volume instead of the whole object.
public final class IndexedPersistentVolume: Sendable {
    // The facts matching reads come first and the object last: a class's stored properties are laid out in
    // declaration order, so a scan over candidates touches one cache line of each instead of several.
    /// `metadata.name`, kept apart so a hot loop reads it without touching the whole object.
    public let name: String
    /// The volume's storage class name ("" when none).
    public let storageClass: String
    /// `spec.claimRef`'s namespace ("" when unset), name and uid ("" when unset), nil without a claimRef.
    public let claimReference: (namespace: String, name: String, uid: String)?
    /// `spec.capacity.storage` in bytes (0 when unset).
    public let storageBytes: Int64
    /// `Available`, not reserved for a claim and not being deleted: a volume any claim may take.
    public let isFree: Bool
    /// `Available` and not reserved for a claim (it may be being deleted).
    public let isAvailableAndUnclaimed: Bool
    /// Whether `metadata.deletionTimestamp` is set.
    public let isBeingDeleted: Bool
    /// `spec.volumeMode`, defaulted to `Filesystem`.
    public let volumeMode: String
    /// `spec.accessModes`.
    public let accessModes: [String]
    /// Whether the node affinity is nothing but `kubernetes.io/hostname In […]` terms, so a node found through
    /// the volume's hostname (``PersistentVolumeCandidates/pinned``) is known to match it without evaluating it.
    public let affinityIsHostnamesOnly: Bool
    /// ``accessModes`` as bits (``accessModeBits(_:)``), so a claim's modes are checked with one mask.
    public let accessModeBits: UInt8
    /// ``volumeMode`` as ``volumeModeCode(_:)``.
    public let volumeModeCode: UInt8
    /// ``nameHash(_:)`` of ``name``, so a per-node scan asks a filter of assumed names instead of hashing a String.
    public let nameHash: UInt64
    /// ``claimHash(namespace:name:)`` of the claimRef (0 without one), so a scan passes over a volume taken by
    /// another claim without reading the object.
    public let claimHash: UInt64
    /// The volume as the informer holds it.
    public let volume: PersistentVolume

    public init(_ volume: PersistentVolume) {
        self.volume = volume
        self.name = volume.metadata.name
        self.storageClass = volume.storageClass
        self.claimReference = volume.spec.claimRef.map { ($0.namespace ?? "", $0.name ?? "", $0.uid ?? "") }
        self.storageBytes = volume.storageBytes
        self.isAvailableAndUnclaimed = volume.status?.phase == "Available" && volume.spec.claimRef == nil
        self.isBeingDeleted = volume.metadata.deletionTimestamp != nil
        self.isFree = isAvailableAndUnclaimed && !isBeingDeleted
        self.volumeMode = volume.spec.volumeMode ?? "Filesystem"
        self.volumeModeCode = Self.volumeModeCode(volumeMode)
        self.nameHash = Self.nameHash(name)
        self.claimHash = claimReference.map { Self.claimHash(namespace: $0.namespace, name: $0.name) } ?? 0
        self.accessModes = volume.spec.accessModes ?? []
        self.accessModeBits = accessModes.reduce(0) { bits, mode in
            bits | (Self.accessModeBits([mode]) ?? Self.unknownAccessModeBit)
        }
        self.affinityIsHostnamesOnly =
            volume.spec.nodeAffinity?.required?.nodeSelectorTerms.isEmpty == false
            && volume.spec.nodeAffinity?.required?.nodeSelectorTerms.allSatisfy { term in
                guard (term.matchFields ?? []).isEmpty, let expressions = term.matchExpressions, expressions.count == 1
                else { return false }
                let requirement = expressions[0]
                return requirement.key == VolumeAnnotations.hostnameLabel && requirement.operator == "In"
            } == true
    }
}

extension IndexedPersistentVolume {
    /// Set in ``accessModeBits`` (beside the known modes' bits) when a volume lists a mode other than the four
    /// Kubernetes defines.
    public static let unknownAccessModeBit: UInt8 = 1 << 7

    /// `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany` and `ReadWriteOncePod` as bits 0–3; nil when `modes`
    /// names any other mode.
    public static func accessModeBits(_ modes: [String]) -> UInt8? {
        var bits: UInt8 = 0
        for mode in modes {
            switch mode {
            case "ReadWriteOnce": bits |= 1
            case "ReadOnlyMany": bits |= 2
            case "ReadWriteMany": bits |= 4
            case "ReadWriteOncePod": bits |= 8
            default: return nil
            }
        }
        return bits
    }

    /// `Filesystem` as 1, `Block` as 2, any other mode as 0 (then the strings are compared).
    public static func volumeModeCode(_ mode: String) -> UInt8 {
        switch mode {
        case "Filesystem": 1
        case "Block": 2
        default: 0
        }
    }

    /// FNV-1a of the UTF-8 bytes of a volume name, finished with a multiply-xorshift so every bit depends on
    /// every byte (stable across processes, no allocation).
    public static func nameHash(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ (hash >> 33)) &* 0xff51_afd7_ed55_8ccd
        return hash ^ (hash >> 33)
    }

    /// A hash of a claim's namespace and name (as ``isBound(to:)`` compares them; the namespace as given, a
    /// claim's own defaulted to `default` by the caller): equal references hash equally, so unequal hashes
    /// mean the reference does not name the claim.
    public static func claimHash(namespace: String, name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in namespace.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ 0x2f) &* 0x0000_0100_0000_01b3  // "/": no DNS name holds it
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ (hash >> 33)) &* 0xff51_afd7_ed55_8ccd
        return hash ^ (hash >> 33)
    }

    /// Whether this volume sorts before `other` in a ``PersistentVolumeClassIndex/VolumeSet``: smaller first,
    /// then by name compared as UTF-8 bytes (Go's string order; names are ASCII DNS names, where it is also
    /// Swift's).
    @inlinable public func precedes(_ other: IndexedPersistentVolume) -> Bool {
        if storageBytes != other.storageBytes { return storageBytes < other.storageBytes }
        return name.utf8.lexicographicallyPrecedes(other.name.utf8)
    }

    /// ``PersistentVolume/isBound(to:)`` on the precomputed claim reference.
    @inlinable public func isBound(to claim: PersistentVolumeClaim) -> Bool {
        guard let reference = claimReference, reference.name == claim.metadata.name,
            reference.namespace == (claim.metadata.namespace ?? "default")
        else { return false }
        return reference.uid.isEmpty || reference.uid == (claim.metadata.uid ?? "")
    }
}

/// A CSINode with its drivers' attach limits read out once, shared by reference so that a per-node loop
/// copies one pointer.
public final class IndexedCSINode: Sendable {
    /// The object as the informer holds it.
    public let csiNode: CSINode
    /// `spec.drivers[].allocatable.count` of the drivers that set one, in the object's order.
    public let attachLimits: [(driver: String, limit: Int)]

    public init(_ csiNode: CSINode) {
        self.csiNode = csiNode
        self.attachLimits = (csiNode.spec.drivers ?? []).compactMap { driver in
            driver.allocatable?.count.map { (driver.name, Int($0)) }
        }
    }

    /// The attach limit of `driver`, or nil when it has none.
    @inlinable public func limit(of driver: String) -> Int? {
        for entry in attachLimits where entry.driver == driver { return entry.limit }
        return nil
    }
}

/// The PVs of one storage class that may suit one node: keyed by name, so an update replaces its entry.
public struct PersistentVolumeCandidates: Sendable {
    /// PVs whose node affinity allows only some hostnames, this node's among them (local volumes).
    public var pinned: [String: IndexedPersistentVolume]
    /// PVs of the class whose node affinity does not pin them to hostnames (network volumes, zonal volumes).
    public var unpinned: [String: IndexedPersistentVolume]
    /// How many of them are ``IndexedPersistentVolume/isFree`` (0 lets a node be rejected without a scan).
    public var freeCount: Int

    public init(
        pinned: [String: IndexedPersistentVolume] = [:],
        unpinned: [String: IndexedPersistentVolume] = [:]
    ) {
        self.pinned = pinned
        self.unpinned = unpinned
        self.freeCount = pinned.values.count(where: \.isFree) + unpinned.values.count(where: \.isFree)
    }

    /// Candidates with the free count already known (an index that keeps it).
    public init(
        pinned: [String: IndexedPersistentVolume],
        unpinned: [String: IndexedPersistentVolume],
        freeCount: Int
    ) {
        self.pinned = pinned
        self.unpinned = unpinned
        self.freeCount = freeCount
    }

    public var count: Int { pinned.count + unpinned.count }
}

extension ClusterObjectLister {
    /// No CSIDrivers unless the lister keeps them.
    public func csiDriver(named name: String) -> CSIDriver? { nil }

    /// No map: callers look CSINodes up one by one.
    public func csiNodesByName() -> [String: IndexedCSINode]? { nil }

    /// Not tracked: derive nothing from the CSINodes beyond one cycle.
    public func csiNodesGeneration() -> UInt64? { nil }

    /// No VolumeAttachments unless the lister keeps them.
    public func volumeAttachmentsByNode() -> [String: [String: VolumeAttachment]] { [:] }

    /// A scan of ``ClusterObjectLister/persistentVolumes()`` (listers that keep no index, e.g. in tests).
    public func persistentVolumeCandidates(storageClass: String, hostname: String?) -> PersistentVolumeCandidates {
        var pinned: [String: IndexedPersistentVolume] = [:]
        var unpinned: [String: IndexedPersistentVolume] = [:]
        for pv in persistentVolumes() where pv.storageClass == storageClass {
            if let hosts = pv.pinnedHostnames {
                if let hostname, hosts.contains(hostname) { pinned[pv.metadata.name] = IndexedPersistentVolume(pv) }
            } else {
                unpinned[pv.metadata.name] = IndexedPersistentVolume(pv)
            }
        }
        return PersistentVolumeCandidates(pinned: pinned, unpinned: unpinned)
    }

    /// A scan of ``ClusterObjectLister/persistentVolumes()``.
    public func persistentVolumesClaimed(namespace: String, name: String) -> [PersistentVolume] {
        persistentVolumes().filter {
            $0.spec.claimRef?.name == name && ($0.spec.claimRef?.namespace ?? "") == namespace
        }
    }

    /// No CSIStorageCapacities unless the lister keeps them.
    public func firstCSIStorageCapacity(
        storageClass: String,
        nodeLabels: [String: String],
        where predicate: (CSIStorageCapacity) -> Bool
    ) -> CSIStorageCapacity? { nil }
}

extension ClusterClient {
    /// Clients that cannot write volumes refuse.
    public func updatePersistentVolume(_ volume: PersistentVolume) async throws(ClusterError) -> PersistentVolume {
        throw ClusterError(.other, "this cluster client cannot update persistentvolumes")
    }

    /// Clients that cannot write claims refuse.
    public func updatePersistentVolumeClaim(
        _ claim: PersistentVolumeClaim
    ) async throws(ClusterError) -> PersistentVolumeClaim {
        throw ClusterError(.other, "this cluster client cannot update persistentvolumeclaims")
    }
}
