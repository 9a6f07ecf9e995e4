/// A class's pinned volumes by hostname, in buckets shared copy-on-write between copies of the map.
///
/// A per-cycle copy of the class index (what VolumeBinding's batch Filter reads without a lock per node)
/// costs one reference count; a change the informers apply while such a copy is alive copies the bucket list
/// and the one bucket the hostname falls in, not every host (a flat dictionary of 5,000 hosts would be copied
/// whole on every PV update).
public struct HostVolumeMap: Sendable {
    public typealias VolumeSet = PersistentVolumeClassIndex.VolumeSet

    /// One bucket's hosts. Mutated only while uniquely referenced (see ``makeBucketUnique(_:)``).
    @usableFromInline
    final class Bucket: @unchecked Sendable {
        @usableFromInline @exclusivity(unchecked) var entries: [String: VolumeSet]
        init(_ entries: [String: VolumeSet]) { self.entries = entries }
    }

    /// How many buckets a non-empty map has.
    @usableFromInline static let bucketCount = 64

    /// Empty until the first host is added.
    @usableFromInline var buckets: ContiguousArray<Bucket> = []
    /// How many hosts have volumes.
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// The bucket of `host`: FNV-1a of its UTF-8 bytes (stable, no per-process seed, no allocation).
    @inlinable static func bucket(of host: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in host.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % UInt32(bucketCount))
    }

    /// Makes bucket `index` safe to mutate: creates the buckets on first use, copies a bucket (and the bucket
    /// list) that another copy of the map still shares.
    @usableFromInline mutating func makeBucketUnique(_ index: Int) -> Bucket {
        if buckets.isEmpty { buckets = ContiguousArray((0..<Self.bucketCount).map { _ in Bucket([:]) }) }
        if !isKnownUniquelyReferenced(&buckets[index]) { buckets[index] = Bucket(buckets[index].entries) }
        return buckets[index]
    }

    /// The volumes pinned to `host`; setting nil removes the host.
    public subscript(host: String) -> VolumeSet? {
        get { buckets.isEmpty ? nil : buckets[Self.bucket(of: host)].entries[host] }
        set {
            let bucket = makeBucketUnique(Self.bucket(of: host))
            let had = bucket.entries[host] != nil
            bucket.entries[host] = newValue
            if had != (newValue != nil) { count += newValue != nil ? 1 : -1 }
        }
        _modify {
            let bucket = makeBucketUnique(Self.bucket(of: host))
            let had = bucket.entries[host] != nil
            yield &bucket.entries[host]
            let has = bucket.entries[host] != nil
            if had != has { count += has ? 1 : -1 }
        }
    }

    /// The volumes pinned to `host`, or `defaultValue` (added on mutation).
    public subscript(host: String, default defaultValue: @autoclosure () -> VolumeSet) -> VolumeSet {
        get { self[host] ?? defaultValue() }
        set { self[host] = newValue }
        _modify {
            let bucket = makeBucketUnique(Self.bucket(of: host))
            if bucket.entries[host] == nil { count += 1 }
            yield &bucket.entries[host, default: defaultValue()]
        }
    }

    /// Every host with its volumes, in no particular order.
    public var hosts: [(host: String, volumes: VolumeSet)] {
        buckets.flatMap { $0.entries.map { (host: $0.key, volumes: $0.value) } }
    }
}
