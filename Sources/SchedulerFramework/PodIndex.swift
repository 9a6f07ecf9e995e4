import KubeAPI
import Synchronization

// MARK: - What plugins ask for

/// Which pods to count: pods satisfying every clause (a label selector, optionally restricted to a set of
/// namespaces), optionally leaving out pods being deleted. Plugins describe the pods their selectors or terms
/// stand for with one of these; the snapshot's ``PodIndex`` then counts them per node, kept current by the
/// cache as pods come and go.
public struct PodMatcher: Hashable, Sendable {
    /// One label selector and the namespaces it applies to (`nil`: any namespace).
    public struct Clause: Hashable, Sendable {
        public var selector: Selector
        public var namespaces: Set<String>?

        public init(selector: Selector, namespaces: Set<String>?) {
            self.selector = selector
            self.namespaces = namespaces
        }
    }

    public var clauses: [Clause]
    /// Pods with a `deletionTimestamp` are not counted (PodTopologySpread's rule).
    public var excludeTerminating: Bool

    public init(clauses: [Clause], excludeTerminating: Bool) {
        self.clauses = clauses
        self.excludeTerminating = excludeTerminating
    }

    /// Whether `pod` is counted.
    public func matches(_ pod: PodInfo) -> Bool {
        let metadata = pod.pod.metadata
        if excludeTerminating && metadata.deletionTimestamp != nil { return false }
        let namespace = metadata.namespace ?? "default"
        let labels = metadata.labels ?? [:]
        for clause in clauses {
            if let namespaces = clause.namespaces, !namespaces.contains(namespace) { return false }
            if !clause.selector.matches(labels) { return false }
        }
        return true
    }
}

/// A way of sorting pods into groups that a plugin registers with the ``PodIndex``: the index then counts, per
/// node, the pods of each group, and drops a group when its last pod goes. Used for the terms existing pods carry
/// (pods with identical terms fall into one group, so a cycle checks each distinct term once).
///
/// `groupKeys(of:)` runs under the cache's lock on every pod added or removed: keep it cheap and pure (the same
/// pod must always give the same keys).
public protocol PodGrouping: AnyObject, Sendable {
    associatedtype Key: Hashable & Sendable
    /// The groups `pod` counts in; a key listed twice counts the pod twice.
    func groupKeys(of pod: PodInfo) -> [Key]
    /// The topology key over whose domains a group's pods are also summed (nil: per node only).
    func topologyKey(of key: Key) -> String?
}

extension PodGrouping {
    public func topologyKey(of key: Key) -> String? { nil }
}

// MARK: - Counts

/// A count per node slot (``NodeInfo/indexSlot``, ``Snapshot/nodeSlots``), in chunks that are copied on write
/// one at a time, so a snapshot's copy stays cheap while the cache changes a few nodes.
public struct SlotCounts: Sendable {
    static let chunkShift = 10
    static let chunkSize = 1 << chunkShift
    static let chunkMask = chunkSize - 1

    var chunks: ContiguousArray<ContiguousArray<Int32>> = []

    init(slots: Int) { reserve(slots: slots) }

    /// The count of `slot` (0 for slots the index has not seen).
    @inlinable @inline(__always)
    public subscript(slot: Int32) -> Int32 {
        let s = Int(slot)
        let chunk = s >> 10
        guard s >= 0, chunk < chunkCount else { return 0 }
        return value(chunk: chunk, item: s & 1023)
    }

    @usableFromInline var chunkCount: Int { chunks.count }
    @usableFromInline func value(chunk: Int, item: Int) -> Int32 { chunks[chunk][item] }

    mutating func reserve(slots: Int) {
        while chunks.count * Self.chunkSize < slots {
            chunks.append(ContiguousArray(repeating: 0, count: Self.chunkSize))
        }
    }

    mutating func add(slot: Int32, _ delta: Int32) {
        let s = Int(slot)
        guard s >= 0 else { return }
        reserve(slots: s + 1)
        chunks[s >> Self.chunkShift][s & Self.chunkMask] &+= delta
    }
}

/// The values one topology key takes on the nodes, interned: each value has a dense id, each node slot the id
/// of its value (−1 when the node lacks the key).
public struct TopologyDomains: Sendable {
    /// Value → id.
    public private(set) var idOfValue: [String: Int32] = [:]
    /// Id → value.
    public private(set) var values: [String] = []
    @usableFromInline var domainOfSlot = SlotCounts(slots: 0)
    /// Nodes per id (an id stays interned after its last node goes).
    private var nodesInDomain: ContiguousArray<Int32> = []

    /// How many ids exist (a value stays interned once seen).
    public var count: Int { values.count }

    /// How many nodes have the key.
    public private(set) var labelledNodeCount = 0

    /// How many nodes have the value with this id.
    @inlinable @inline(__always)
    public func nodeCount(ofDomain id: Int32) -> Int32 { nodeCountStorage(Int(id)) }

    @usableFromInline func nodeCountStorage(_ id: Int) -> Int32 {
        id >= 0 && id < nodesInDomain.count ? nodesInDomain[id] : 0
    }

    /// The id of the value the node in `slot` has, −1 when it lacks the key.
    @inlinable @inline(__always)
    public func domain(ofSlot slot: Int32) -> Int32 { domainOfSlot[slot] - 1 }

    /// Sets the node in `slot` to `value` (nil: no such label or no node).
    mutating func set(slot: Int32, value: String?) {
        let new: Int32
        if let value {
            if let id = idOfValue[value] {
                new = id + 1
            } else {
                let id = Int32(values.count)
                values.append(value)
                idOfValue[value] = id
                new = id + 1
            }
        } else {
            new = 0
        }
        let old = domainOfSlot[slot]
        guard old != new else { return }
        domainOfSlot.add(slot: slot, new &- old)
        if old > 0 {
            nodesInDomain[Int(old) - 1] -= 1
            labelledNodeCount -= 1
        }
        if new > 0 {
            if nodesInDomain.count < Int(new) {
                nodesInDomain.append(contentsOf: repeatElement(0, count: Int(new) - nodesInDomain.count))
            }
            nodesInDomain[Int(new) - 1] += 1
            labelledNodeCount += 1
        }
    }
}

/// Pods matching one ``PodMatcher`` summed per value of one topology key (by the key's ``TopologyDomains`` ids),
/// over the nodes that exist, so a cycle reads a domain's count without walking its nodes.
public struct DomainTotals: Sendable {
    @usableFromInline var values: ContiguousArray<Int64> = []

    init() {}

    /// The count of the domain with this id (0 for ids the totals have not seen).
    @inlinable @inline(__always)
    public subscript(domain id: Int32) -> Int64 {
        let i = Int(id)
        return i >= 0 && i < values.count ? values[i] : 0
    }

    /// Adds `count × weight` to `sums[id]` for every id of both; whether some count was not 0.
    public func add(into sums: inout [Int64], weight: Int64) -> Bool {
        let n = Swift.min(sums.count, values.count)
        var any: Int64 = 0
        values.withUnsafeBufferPointer { counts in
            sums.withUnsafeMutableBufferPointer { sums in
                for i in 0..<n {
                    sums[i] &+= counts[i] &* weight
                    any |= counts[i]
                }
            }
        }
        return any != 0
    }

    mutating func add(domain id: Int32, _ delta: Int64) {
        let i = Int(id)
        guard i >= 0, delta != 0 else { return }
        if values.count <= i { values.append(contentsOf: repeatElement(0, count: i + 1 - values.count)) }
        values[i] &+= delta
    }
}

// MARK: - The index

/// Counts of pods per node for the matchers, groupings and topology keys plugins asked for, as of one snapshot.
///
/// The cache keeps one of these current as pods are added, updated and removed and nodes are relabelled, and
/// hands a copy to each snapshot, so a plugin reads per-node counts instead of walking every pod. What is
/// asked for the first time is not there yet: the lookup returns nil (compute it from the snapshot's pods
/// this once) and the next snapshot has it. Matchers no cycle asked for in a while are dropped.
///
/// A snapshot built without a cache (tests, tools) has a disabled index whose lookups always return nil.
public struct PodIndex: Sendable {
    var topology: [String: TopologyDomains] = [:]
    /// Per matcher: pods per node slot, and per topology key asked for, per domain.
    var counters: [PodMatcher: Counter] = [:]
    var groupTables: [ObjectIdentifier: any PodGroupTableProtocol] = [:]
    /// Where lookups of missing entries are recorded (shared with the cache); nil when disabled.
    let requests: PodIndexRequests?
    /// The snapshot update this index belongs to.
    var epoch: Int64 = 0
    /// Slots in use so far (an upper bound of every slot given out).
    var slotCapacity = 0

    /// A disabled index (every lookup returns nil).
    public init() { requests = nil }

    /// An index that records what plugins ask for in `requests`.
    package init(requests: PodIndexRequests) { self.requests = requests }

    /// Whether the index serves lookups at all.
    public var isEnabled: Bool { requests != nil }

    /// The interned values of a topology key, or nil (asked for; present from the next snapshot on).
    public func domains(forKey key: String) -> TopologyDomains? {
        guard let requests else { return nil }
        if let found = topology[key] { return found }
        requests.request(topologyKey: key)
        return nil
    }

    /// Pods matching `matcher` per node slot, or nil (asked for; present from the next snapshot on).
    public func counts(for matcher: PodMatcher) -> SlotCounts? {
        guard let requests else { return nil }
        requests.use(matcher, epoch: epoch)
        return counters[matcher]?.counts
    }

    /// Pods matching `matcher` per domain of `key` (ids of ``domains(forKey:)``), or nil (asked for; present from
    /// the next snapshot on).
    public func totals(for matcher: PodMatcher, key: String) -> DomainTotals? {
        guard let requests else { return nil }
        requests.use(matcher, epoch: epoch)
        if let found = counters[matcher]?.totals[key] { return found }
        requests.request(totals: matcher, key: key)
        return nil
    }

    /// The groups of `grouping` that have pods, with their pods per node slot and, when the index has the
    /// group's topology key (``PodGrouping/topologyKey(of:)``, asked for through ``domains(forKey:)``), per
    /// domain; or nil (asked for; present from the next snapshot on).
    public func groups<G: PodGrouping>(
        of grouping: G
    ) -> [(key: G.Key, counts: SlotCounts, totals: DomainTotals?)]? {
        guard let requests else { return nil }
        guard let table = groupTables[ObjectIdentifier(grouping)] as? PodGroupTable<G> else {
            requests.request(grouping: grouping)
            return nil
        }
        return table.groups.map { ($0.key, $0.value.counts, $0.value.totals) }
    }

    /// How many matchers, groups, topology keys and per-domain totals are kept (for tests and memory accounting).
    public var entryCounts: (matchers: Int, groups: Int, topologyKeys: Int, totals: Int) {
        (
            counters.count, groupTables.values.reduce(0) { $0 + $1.groupCount }, topology.count,
            counters.values.reduce(0) { $0 + $1.totals.count }
        )
    }

    // MARK: Maintenance (the cache)

    /// A pod was placed on the node in `slot`.
    package mutating func podAdded(_ pod: PodInfo, slot: Int32) { update(pod, slot: slot, delta: 1) }

    /// A pod left the node in `slot`.
    package mutating func podRemoved(_ pod: PodInfo, slot: Int32) { update(pod, slot: slot, delta: -1) }

    private mutating func update(_ pod: PodInfo, slot: Int32, delta: Int32) {
        if Int(slot) >= slotCapacity { slotCapacity = Int(slot) + 1 }
        // Index loops: iterating `keys` would keep the storage shared and copy it at the first change.
        var i = counters.startIndex
        while i != counters.endIndex {
            if counters.keys[i].matches(pod) {
                counters.values[i].counts.add(slot: slot, delta)
                if !counters.values[i].totals.isEmpty { addToTotals(of: i, slot: slot, Int64(delta)) }
            }
            counters.formIndex(after: &i)
        }
        var j = groupTables.startIndex
        while j != groupTables.endIndex {
            // Read first: a change would copy the tables while a snapshot shares them, for most pods for nothing.
            if groupTables.values[j].groups(pod) {
                groupTables.values[j].update(pod, slot: slot, delta: delta, topology: topology)
            }
            groupTables.formIndex(after: &j)
        }
    }

    private mutating func addToTotals(of i: Dictionary<PodMatcher, Counter>.Index, slot: Int32, _ delta: Int64) {
        var t = counters.values[i].totals.startIndex
        while t != counters.values[i].totals.endIndex {
            let domain = topology[counters.values[i].totals.keys[t]]?.domain(ofSlot: slot) ?? -1
            counters.values[i].totals.values[t].add(domain: domain, delta)
            counters.values[i].totals.formIndex(after: &t)
        }
    }

    /// The node in `slot` has these labels now (nil: the node is gone).
    package mutating func setNodeLabels(slot: Int32, _ labels: [String: String]?) {
        if Int(slot) >= slotCapacity { slotCapacity = Int(slot) + 1 }
        var moves: [DomainMove] = []
        var i = topology.startIndex
        while i != topology.endIndex {
            let key = topology.keys[i]
            let before = topology.values[i].domain(ofSlot: slot)
            topology.values[i].set(slot: slot, value: labels?[key])
            let after = topology.values[i].domain(ofSlot: slot)
            if before != after { moves.append(DomainMove(key: key, from: before, to: after)) }
            topology.formIndex(after: &i)
        }
        guard !moves.isEmpty else { return }
        // The node's pods now count in another domain (none when it lost the key or is gone).
        var j = groupTables.startIndex
        while j != groupTables.endIndex {
            if groupTables.values[j].hasTotals { groupTables.values[j].move(slot: slot, moves) }
            groupTables.formIndex(after: &j)
        }
        var c = counters.startIndex
        while c != counters.endIndex {
            if !counters.values[c].totals.isEmpty {
                let count = Int64(counters.values[c].counts[slot])
                if count != 0 {
                    for move in moves where counters.values[c].totals[move.key] != nil {
                        counters.values[c].totals[move.key]?.add(domain: move.from, -count)
                        counters.values[c].totals[move.key]?.add(domain: move.to, count)
                    }
                }
            }
            counters.formIndex(after: &c)
        }
    }

    /// Builds what plugins asked for since the last call and drops matchers unused for `retention` snapshot
    /// updates; advances the epoch. `pods` lists every pod with its node's slot, `nodes` every existing node's
    /// slot and labels (only walked when something new is needed).
    package mutating func refresh(
        retention: Int64 = 4096,
        pods: () -> [(PodInfo, Int32)],
        nodes: () -> [(Int32, [String: String]?)]
    ) {
        guard let requests else { return }
        epoch += 1
        let pending = requests.take(epoch: epoch, retention: retention)
        for matcher in pending.dropped where counters[matcher] != nil { counters[matcher] = nil }
        let newKeys = Set(pending.topologyKeys.filter { topology[$0] == nil })
        if !newKeys.isEmpty {
            let allNodes = nodes()
            for key in newKeys {
                var domains = TopologyDomains()
                for (slot, labels) in allNodes {
                    if Int(slot) >= slotCapacity { slotCapacity = Int(slot) + 1 }
                    domains.set(slot: slot, value: labels?[key])
                }
                topology[key] = domains
            }
        }
        let newMatchers = pending.matchers.filter { counters[$0] == nil }
        let newGroupings = pending.groupings.filter { groupTables[ObjectIdentifier($0)] == nil }
        if !newMatchers.isEmpty || !newGroupings.isEmpty {
            let allPods = pods()
            for matcher in Set(newMatchers) {
                var counts = SlotCounts(slots: slotCapacity)
                for (pod, slot) in allPods where matcher.matches(pod) { counts.add(slot: slot, 1) }
                counters[matcher] = Counter(counts: counts)
            }
            for grouping in newGroupings where groupTables[ObjectIdentifier(grouping)] == nil {
                var table = grouping.makeTable()
                for (pod, slot) in allPods { table.update(pod, slot: slot, delta: 1, topology: topology) }
                groupTables[ObjectIdentifier(grouping)] = table
            }
        }
        if !newKeys.isEmpty {
            // Groups made before their key was indexed get their totals now.
            var j = groupTables.startIndex
            while j != groupTables.endIndex {
                groupTables.values[j].fillTotals(topology: topology, slotCapacity: slotCapacity)
                groupTables.formIndex(after: &j)
            }
        }
        // Totals from the per-slot counts, for matchers and keys both present (a missing one was asked for with
        // them and is there next time).
        for request in pending.totals {
            guard let domains = topology[request.key], let counter = counters[request.matcher],
                counter.totals[request.key] == nil
            else { continue }
            var totals = DomainTotals()
            for slot in 0..<Int32(slotCapacity) {
                totals.add(domain: domains.domain(ofSlot: slot), Int64(counter.counts[slot]))
            }
            counters[request.matcher]?.totals[request.key] = totals
        }
    }
}

/// One matcher's counts.
struct Counter: Sendable {
    var counts: SlotCounts
    /// Topology key → per-domain totals, for the keys asked for.
    var totals: [String: DomainTotals] = [:]
}

extension PodGrouping {
    func makeTable() -> any PodGroupTableProtocol { PodGroupTable(grouping: self) }
}

/// A node's change of domain for one topology key (−1: none).
struct DomainMove {
    let key: String
    let from: Int32
    let to: Int32
}

/// The per-node counts of one grouping's groups.
protocol PodGroupTableProtocol: Sendable {
    mutating func update(_ pod: PodInfo, slot: Int32, delta: Int32, topology: [String: TopologyDomains])
    /// Whether the pod falls into any group.
    func groups(_ pod: PodInfo) -> Bool
    var groupCount: Int { get }
    /// Whether some group keeps per-domain totals.
    var hasTotals: Bool { get }
    /// The node in `slot` changed domains: its pods move with it.
    mutating func move(slot: Int32, _ moves: [DomainMove])
    /// Totals for the groups whose topology key is indexed now.
    mutating func fillTotals(topology: [String: TopologyDomains], slotCapacity: Int)
}

struct PodGroupTable<G: PodGrouping>: PodGroupTableProtocol {
    struct Group: Sendable {
        var counts = SlotCounts(slots: 0)
        var total = 0
        /// Per domain of the group's topology key, once the index has that key.
        var totals: DomainTotals?
    }

    let grouping: G
    var groups: [G.Key: Group] = [:]
    private(set) var hasTotals = false

    init(grouping: G) { self.grouping = grouping }

    var groupCount: Int { groups.count }

    func groups(_ pod: PodInfo) -> Bool { !grouping.groupKeys(of: pod).isEmpty }

    mutating func update(_ pod: PodInfo, slot: Int32, delta: Int32, topology: [String: TopologyDomains]) {
        let keys = grouping.groupKeys(of: pod)
        for key in keys {
            let topologyKey = grouping.topologyKey(of: key)
            let existing = groups.removeValue(forKey: key)
            var group = existing ?? Group()
            group.counts.add(slot: slot, delta)
            group.total += Int(delta)
            if let topologyKey, let domains = topology[topologyKey] {
                // A new group's totals start here; an older one's come from `fillTotals`.
                if existing == nil {
                    group.totals = DomainTotals()
                    hasTotals = true
                }
                group.totals?.add(domain: domains.domain(ofSlot: slot), Int64(delta))
            }
            // A group lives as long as some pod is in it.
            if group.total != 0 { groups[key] = group }
        }
    }

    mutating func move(slot: Int32, _ moves: [DomainMove]) {
        var i = groups.startIndex
        while i != groups.endIndex {
            if groups.values[i].totals != nil, let key = grouping.topologyKey(of: groups.keys[i]) {
                let count = Int64(groups.values[i].counts[slot])
                for move in moves where move.key == key && count != 0 {
                    groups.values[i].totals?.add(domain: move.from, -count)
                    groups.values[i].totals?.add(domain: move.to, count)
                }
            }
            groups.formIndex(after: &i)
        }
    }

    mutating func fillTotals(topology: [String: TopologyDomains], slotCapacity: Int) {
        var i = groups.startIndex
        while i != groups.endIndex {
            if groups.values[i].totals == nil, let key = grouping.topologyKey(of: groups.keys[i]),
                let domains = topology[key]
            {
                var totals = DomainTotals()
                for slot in 0..<Int32(slotCapacity) {
                    totals.add(domain: domains.domain(ofSlot: slot), Int64(groups.values[i].counts[slot]))
                }
                groups.values[i].totals = totals
                hasTotals = true
            }
            groups.formIndex(after: &i)
        }
    }
}

/// What plugins asked the index for, shared by reference between the cache and its snapshots' indexes.
public final class PodIndexRequests: Sendable {
    struct Pending {
        var topologyKeys: [String] = []
        var groupings: [any PodGrouping] = []
        var knownGroupings: Set<ObjectIdentifier> = []
        /// Matcher → the last epoch a lookup asked for it.
        var lastUse: [PodMatcher: Int64] = [:]
        var newMatchers: [PodMatcher] = []
        var totals: Set<TotalsRequest> = []
    }

    struct TotalsRequest: Hashable {
        let matcher: PodMatcher
        let key: String
    }

    private let pending = Mutex(Pending())

    package init() {}

    func request(topologyKey: String) {
        pending.withLock { $0.topologyKeys.append(topologyKey) }
    }

    func request<G: PodGrouping>(grouping: G) {
        pending.withLock { state in
            if state.knownGroupings.insert(ObjectIdentifier(grouping)).inserted { state.groupings.append(grouping) }
        }
    }

    func request(totals matcher: PodMatcher, key: String) {
        pending.withLock { state in
            state.totals.insert(TotalsRequest(matcher: matcher, key: key))
            state.topologyKeys.append(key)
        }
    }

    func use(_ matcher: PodMatcher, epoch: Int64) {
        pending.withLock { state in
            if state.lastUse.updateValue(epoch, forKey: matcher) == nil { state.newMatchers.append(matcher) }
        }
    }

    /// New requests since the last call, and the existing matchers not used within `retention` epochs.
    func take(
        epoch: Int64,
        retention: Int64
    )
        -> (
            topologyKeys: [String], groupings: [any PodGrouping], matchers: [PodMatcher], dropped: [PodMatcher],
            totals: Set<TotalsRequest>
        )
    {
        pending.withLock { state in
            let keys = state.topologyKeys
            let groupings = state.groupings
            let matchers = state.newMatchers
            let totals = state.totals
            state.topologyKeys = []
            state.groupings = []
            state.newMatchers = []
            state.totals = []
            var dropped: [PodMatcher] = []
            if epoch % 256 == 0 {
                for (matcher, used) in state.lastUse where epoch - used > retention {
                    state.lastUse[matcher] = nil
                    dropped.append(matcher)
                }
            }
            return (keys, groupings, matchers, dropped, totals)
        }
    }
}
