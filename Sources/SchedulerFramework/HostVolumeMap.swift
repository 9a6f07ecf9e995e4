import KubeAPI

/// A `kubernetes.io/hostname` value with its hash, computed once where the value is kept (a node info, a
/// volume's place in the storage index), so a per-node lookup in a ``HostVolumeMap`` hashes nothing.
public struct Hostname: Hashable, Sendable {
    public let value: String
    /// ``IndexedPersistentVolume/nameHash(_:)`` of ``value``: stable across processes, every bit mixed.
    public let hash: UInt64

    public init(_ value: String) {
        self.value = value
        self.hash = IndexedPersistentVolume.nameHash(value)
    }

    public static func == (lhs: Hostname, rhs: Hostname) -> Bool { lhs.hash == rhs.hash && lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// A class's pinned volumes by hostname, in buckets shared copy-on-write between copies of the map.
///
/// A per-cycle copy of the class index (what VolumeBinding's batch Filter reads without a lock per node)
/// costs one reference count; a change the informers apply while such a copy is alive copies the bucket list
/// and the one bucket the hostname falls in, not every host (a flat table of 5,000 hosts would be copied
/// whole on every PV update). A bucket is an open-addressed table keyed by ``Hostname/hash``, so a lookup
/// with a ``Hostname`` is a few integer compares and one string compare.
public struct HostVolumeMap: Sendable {
    public typealias VolumeSet = PersistentVolumeClassIndex.VolumeSet

    /// One bucket's hosts: linear probing over parallel arrays, `keys[i] == 0` marking a free slot. Mutated
    /// only while uniquely referenced (see ``makeBucketUnique(_:)``).
    @usableFromInline
    final class Bucket: @unchecked Sendable {
        @usableFromInline @exclusivity(unchecked) var keys: ContiguousArray<UInt64>
        @usableFromInline @exclusivity(unchecked) var hosts: ContiguousArray<String>
        @usableFromInline @exclusivity(unchecked) var sets: ContiguousArray<VolumeSet>
        @usableFromInline @exclusivity(unchecked) var count = 0

        init(capacity: Int) {
            keys = ContiguousArray(repeating: 0, count: capacity)
            hosts = ContiguousArray(repeating: "", count: capacity)
            sets = ContiguousArray(repeating: VolumeSet(), count: capacity)
        }

        init(copying other: Bucket) {
            keys = other.keys
            hosts = other.hosts
            sets = other.sets
            count = other.count
        }

        /// The stored form of a hash: 0 marks a free slot, so a hash of 0 is stored as 1 (the host's name
        /// still tells entries apart).
        @inlinable @inline(__always) static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

        /// The slot a key starts probing at: the bits above the bucket number.
        @inlinable @inline(__always) func home(_ key: UInt64) -> Int {
            Int(truncatingIfNeeded: key >> 6) & (keys.count - 1)
        }

        /// The slot holding `host`, or nil.
        @inlinable func slot(of host: Hostname) -> Int? {
            let key = Self.key(host.hash)
            let mask = keys.count - 1
            var i = home(key)
            while true {
                let stored = keys[i]
                if stored == 0 { return nil }
                if stored == key && hosts[i] == host.value { return i }
                i = (i + 1) & mask
            }
        }

        /// Adds `host` with an empty set (it must be absent); returns its slot.
        func insert(_ host: Hostname) -> Int {
            if 2 * (count + 1) > keys.count { grow() }
            let key = Self.key(host.hash)
            let mask = keys.count - 1
            var i = home(key)
            while keys[i] != 0 { i = (i + 1) & mask }
            keys[i] = key
            hosts[i] = host.value
            sets[i] = VolumeSet()
            count += 1
            return i
        }

        /// Empties slot `i`, moving later entries of its probe run back (no tombstones).
        func remove(at slot: Int) {
            let mask = keys.count - 1
            var hole = slot
            var i = slot
            while true {
                i = (i + 1) & mask
                let key = keys[i]
                if key == 0 { break }
                let home = home(key)
                // The entry may fill the hole when its home is not cyclically within (hole, i].
                let reachable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i)
                if reachable {
                    keys[hole] = key
                    hosts[hole] = hosts[i]
                    sets[hole] = sets[i]
                    hole = i
                }
            }
            keys[hole] = 0
            hosts[hole] = ""
            sets[hole] = VolumeSet()
            count -= 1
        }

        private func grow() {
            let old = (keys, hosts, sets)
            let capacity = Swift.max(8, keys.count * 2)
            keys = ContiguousArray(repeating: 0, count: capacity)
            hosts = ContiguousArray(repeating: "", count: capacity)
            sets = ContiguousArray(repeating: VolumeSet(), count: capacity)
            let mask = capacity - 1
            for j in old.0.indices where old.0[j] != 0 {
                var i = home(old.0[j])
                while keys[i] != 0 { i = (i + 1) & mask }
                keys[i] = old.0[j]
                hosts[i] = old.1[j]
                sets[i] = old.2[j]
            }
        }
    }

    /// How many buckets a non-empty map has (a power of two: the low bits of a hash pick the bucket).
    @usableFromInline static let bucketCount = 64

    /// Empty until the first host is added.
    @usableFromInline var buckets: ContiguousArray<Bucket> = []
    /// How many hosts have volumes.
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    @inlinable @inline(__always) static func bucket(of host: Hostname) -> Int {
        Int(truncatingIfNeeded: host.hash) & (bucketCount - 1)
    }

    /// Makes bucket `index` safe to mutate: creates the buckets on first use, copies a bucket (and the bucket
    /// list) that another copy of the map still shares.
    @usableFromInline mutating func makeBucketUnique(_ index: Int) -> Bucket {
        if buckets.isEmpty { buckets = ContiguousArray((0..<Self.bucketCount).map { _ in Bucket(capacity: 8) }) }
        if !isKnownUniquelyReferenced(&buckets[index]) { buckets[index] = Bucket(copying: buckets[index]) }
        return buckets[index]
    }

    /// The volumes pinned to `host` (the per-node read: no hashing).
    @inlinable public subscript(host: Hostname) -> VolumeSet? {
        guard !buckets.isEmpty else { return nil }
        let bucket = buckets[Self.bucket(of: host)]
        guard let slot = bucket.slot(of: host) else { return nil }
        return bucket.sets[slot]
    }

    /// The volumes pinned to `host`; setting nil removes the host.
    public subscript(host: String) -> VolumeSet? {
        get { self[Hostname(host)] }
        set {
            let key = Hostname(host)
            if let newValue {
                self[key, default: VolumeSet()] = newValue
            } else {
                remove(key)
            }
        }
        _modify {
            let key = Hostname(host)
            let bucket = makeBucketUnique(Self.bucket(of: key))
            // Moved out of the bucket while yielded, so a change to the set does not copy its array.
            var value: VolumeSet? = nil
            if let slot = bucket.slot(of: key) {
                value = bucket.sets[slot]
                bucket.sets[slot] = VolumeSet()
            }
            defer {
                if let value {
                    self[key, default: VolumeSet()] = value
                } else {
                    remove(key)
                }
            }
            yield &value
        }
    }

    private mutating func remove(_ key: Hostname) {
        guard !buckets.isEmpty, buckets[Self.bucket(of: key)].slot(of: key) != nil else { return }
        let bucket = makeBucketUnique(Self.bucket(of: key))
        if let slot = bucket.slot(of: key) {
            bucket.remove(at: slot)
            count -= 1
        }
    }

    /// The volumes pinned to `host`, or `defaultValue` (the host is added on mutation, kept even when its
    /// set ends empty: setting nil removes it).
    public subscript(host: String, default defaultValue: @autoclosure () -> VolumeSet) -> VolumeSet {
        get { self[host] ?? defaultValue() }
        set { self[Hostname(host), default: defaultValue()] = newValue }
        _modify { yield &self[Hostname(host), default: defaultValue()] }
    }

    /// ``subscript(host:default:)`` by a ``Hostname``.
    public subscript(host: Hostname, default defaultValue: @autoclosure () -> VolumeSet) -> VolumeSet {
        get { self[host] ?? defaultValue() }
        set {
            let bucket = makeBucketUnique(Self.bucket(of: host))
            if let slot = bucket.slot(of: host) {
                bucket.sets[slot] = newValue
            } else {
                let slot = bucket.insert(host)
                bucket.sets[slot] = newValue
                count += 1
            }
        }
        _modify {
            let bucket = makeBucketUnique(Self.bucket(of: host))
            let slot: Int
            if let found = bucket.slot(of: host) {
                slot = found
            } else {
                slot = bucket.insert(host)
                bucket.sets[slot] = defaultValue()
                count += 1
            }
            yield &bucket.sets[slot]
        }
    }

    /// Every host with its volumes, in no particular order.
    public var hosts: [(host: String, volumes: VolumeSet)] {
        buckets.flatMap { bucket in
            bucket.keys.indices.filter { bucket.keys[$0] != 0 }.map {
                (host: bucket.hosts[$0], volumes: bucket.sets[$0])
            }
        }
    }
}
