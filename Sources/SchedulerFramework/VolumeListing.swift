import KubeAPI

/// The PVs of one storage class that may suit one node: keyed by name, so an update replaces its entry.
public struct PersistentVolumeCandidates: Sendable {
    /// PVs whose node affinity allows only some hostnames, this node's among them (local volumes).
    public var pinned: [String: PersistentVolume]
    /// PVs of the class whose node affinity does not pin them to hostnames (network volumes, zonal volumes).
    public var unpinned: [String: PersistentVolume]

    public init(pinned: [String: PersistentVolume] = [:], unpinned: [String: PersistentVolume] = [:]) {
        self.pinned = pinned
        self.unpinned = unpinned
    }

    public var count: Int { pinned.count + unpinned.count }
}

extension ClusterObjectLister {
    /// No CSIDrivers unless the lister keeps them.
    public func csiDriver(named name: String) -> CSIDriver? { nil }

    /// No map: callers look CSINodes up one by one.
    public func csiNodesByName() -> [String: CSINode]? { nil }

    /// A scan of ``ClusterObjectLister/persistentVolumes()`` (listers that keep no index, e.g. in tests).
    public func persistentVolumeCandidates(storageClass: String, hostname: String?) -> PersistentVolumeCandidates {
        var candidates = PersistentVolumeCandidates()
        for pv in persistentVolumes() where pv.storageClass == storageClass {
            if let hosts = pv.pinnedHostnames {
                if let hostname, hosts.contains(hostname) { candidates.pinned[pv.metadata.name] = pv }
            } else {
                candidates.unpinned[pv.metadata.name] = pv
            }
        }
        return candidates
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
