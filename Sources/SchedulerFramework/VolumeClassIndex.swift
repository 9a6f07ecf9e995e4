import KubeAPI

/// The PVs of one storage class as the object store indexes them: by the hostnames their node affinity pins
/// them to, and the rest. A copy-on-write value, so a loop over many nodes takes it once (one consistent view,
/// no lock per node) and asks it for each node's ``PersistentVolumeCandidates``.
public struct PersistentVolumeClassIndex: Sendable {
    /// Volumes by name with how many are ``IndexedPersistentVolume/isFree``.
    public struct VolumeSet: Sendable {
        public private(set) var volumes: [String: IndexedPersistentVolume] = [:]
        public private(set) var freeCount = 0

        public init() {}

        /// Files `volume` under its name, replacing an older version.
        public mutating func insert(_ volume: IndexedPersistentVolume) {
            if let old = volumes.updateValue(volume, forKey: volume.name), old.isFree { freeCount -= 1 }
            if volume.isFree { freeCount += 1 }
        }

        /// Removes the volume `name`.
        public mutating func remove(named name: String) {
            if let old = volumes.removeValue(forKey: name), old.isFree { freeCount -= 1 }
        }
    }

    /// Volumes pinned to a hostname, by hostname (a volume pinned to several is under each); shared by bucket
    /// between copies, so a copy held for a loop over nodes costs an update only one bucket's copy.
    public var byHost = HostVolumeMap()
    /// Volumes not pinned to hostnames.
    public var unpinned = VolumeSet()

    public init() {}

    /// What ``ClusterObjectLister/persistentVolumeCandidates(storageClass:hostname:)`` returns for this class
    /// and a node whose `kubernetes.io/hostname` label is `hostname`.
    @inlinable public func candidates(hostname: String?) -> PersistentVolumeCandidates {
        let pinned = hostname.flatMap { byHost[$0] }
        return PersistentVolumeCandidates(
            pinned: pinned?.volumes ?? [:],
            unpinned: unpinned.volumes,
            freeCount: (pinned?.freeCount ?? 0) + unpinned.freeCount
        )
    }
}

extension ClusterObjectLister {
    /// No index: callers ask ``persistentVolumeCandidates(storageClass:hostname:)`` per node.
    public func persistentVolumeClassIndex(storageClass: String) -> PersistentVolumeClassIndex? { nil }
}
