import KubeAPI

/// The PVs of one storage class as the object store indexes them: by the hostnames their node affinity pins
/// them to, and the rest. A copy-on-write value, so a loop over many nodes takes it once (one consistent view,
/// no lock per node) and reads each node's host set from it.
public struct PersistentVolumeClassIndex: Sendable {
    /// What volume matching reads of one volume, inline in a ``VolumeSet``'s array: a per-node scan reads
    /// these contiguous values and follows ``volume`` only for a volume that passes them.
    public struct Entry: Sendable {
        // What a scan reads of a free volume first, so the set's first entry shares the array header's cache line.
        public let storageBytes: Int64
        public let isFree: Bool
        public let hasClaimReference: Bool
        public let isBeingDeleted: Bool
        public let affinityIsHostnamesOnly: Bool
        public let accessModeBits: UInt8
        public let volumeModeCode: UInt8
        public let nameHash: UInt64
        public let claimHash: UInt64
        public let volume: IndexedPersistentVolume
        /// The volume's class: a set from another lister than the class index may hold other classes.
        public let storageClass: String

        public init(_ volume: IndexedPersistentVolume) {
            self.volume = volume
            self.storageBytes = volume.storageBytes
            self.nameHash = volume.nameHash
            self.claimHash = volume.claimHash
            self.storageClass = volume.storageClass
            self.isFree = volume.isFree
            self.hasClaimReference = volume.claimReference != nil
            self.isBeingDeleted = volume.isBeingDeleted
            self.affinityIsHostnamesOnly = volume.affinityIsHostnamesOnly
            self.accessModeBits = volume.accessModeBits
            self.volumeModeCode = volume.volumeModeCode
        }
    }

    /// Volumes ordered by ``IndexedPersistentVolume/precedes(_:)``, with how many are
    /// ``IndexedPersistentVolume/isFree``. One array and no dictionary, so a per-node read of a host's set
    /// retains one buffer; names are unique in a set.
    public struct VolumeSet: Sendable {
        public private(set) var freeCount = 0
        /// One bit (``claimBit(_:)``) per claim that a volume of the set names while taken (not free, not being
        /// deleted, with a claimRef): no bit, no volume of the set pre-bound to that claim, so a scan for a free
        /// volume need not look at the others.
        public private(set) var claimBits: UInt64 = 0
        /// Smallest first, ties by name: the first volume of a scan that fits a claim is the set's best match,
        /// so a scan compares no names within a set.
        public private(set) var entries: ContiguousArray<Entry> = []

        public init() {}

        /// A set of `volumes` by name (a lister without an index).
        public init(_ volumes: [String: IndexedPersistentVolume]) {
            for volume in volumes.values { insert(volume, replacing: nil) }
        }

        /// The bit of ``claimBits`` for a claim hash.
        @inlinable public static func claimBit(_ claimHash: UInt64) -> UInt64 { 1 &<< (claimHash & 63) }

        /// Whether some taken volume of the set may name the claim with this hash (false: none does).
        @inlinable public func mayHoldVolumeClaimed(by claimHash: UInt64) -> Bool {
            claimBits & Self.claimBit(claimHash) != 0
        }

        private static func claimBit(of entry: Entry) -> UInt64 {
            !entry.isFree && !entry.isBeingDeleted && entry.hasClaimReference ? claimBit(entry.claimHash) : 0
        }

        public var count: Int { entries.count }
        public var isEmpty: Bool { entries.isEmpty }

        /// The volumes by name, built on each call (listings and tests, not per-node loops).
        public var volumes: [String: IndexedPersistentVolume] {
            Dictionary(entries.map { ($0.volume.name, $0.volume) }, uniquingKeysWith: { first, _ in first })
        }

        /// The volume named `name` (a scan).
        public func volume(named name: String) -> IndexedPersistentVolume? {
            entries.first { $0.volume.name == name }?.volume
        }

        /// Files `volume`, replacing the set's volume of the same name (found by a scan).
        public mutating func insert(_ volume: IndexedPersistentVolume) {
            insert(volume, replacing: self.volume(named: volume.name))
        }

        /// Files `volume` in place of `old`, the set's volume of the same name as the caller keeps track of it
        /// (nil: the set has none), so no scan by name.
        public mutating func insert(_ volume: IndexedPersistentVolume, replacing old: IndexedPersistentVolume?) {
            if let old { remove(old) }
            if volume.isFree { freeCount += 1 }
            let entry = Entry(volume)
            claimBits |= Self.claimBit(of: entry)
            entries.insert(entry, at: firstPosition(notBefore: volume))
        }

        /// Removes the volume `name`.
        public mutating func remove(named name: String) {
            if let old = volume(named: name) { remove(old) }
        }

        /// Removes `old` (the set's volume of its name), found by its size and name.
        public mutating func remove(_ old: IndexedPersistentVolume) {
            var position = firstPosition(notBefore: old)
            if position >= entries.count || entries[position].volume.name != old.name {
                // Not where its size puts it (a caller's stale copy): find the name.
                guard let found = entries.firstIndex(where: { $0.volume.name == old.name }) else { return }
                position = found
            }
            if entries[position].isFree { freeCount -= 1 }
            let removedBit = Self.claimBit(of: entries[position])
            entries.remove(at: position)
            if removedBit != 0 { claimBits = entries.reduce(0) { $0 | Self.claimBit(of: $1) } }
        }

        /// The first position whose volume does not precede `volume` (binary search).
        private func firstPosition(notBefore volume: IndexedPersistentVolume) -> Int {
            var low = 0
            var high = entries.count
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].volume.precedes(volume) { low = middle + 1 } else { high = middle }
            }
            return low
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
