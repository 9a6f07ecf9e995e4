import KubeAPI
import SchedulerFramework

/// Matching pods per topology domain of one constraint: domain values are interned (by the snapshot's
/// ``PodIndex`` when it serves the key, else locally) so the per-node loops add integers, and the Filter and
/// Score lookups stay one hash of the node's value. A domain is *present* once an eligible node has it (its
/// count may be 0); upstream keeps the same set as map keys.
struct DomainCounts: Sendable {
    /// Value → id.
    private(set) var ids: [String: Int32]
    /// Id → value; ids past the end (the extra ones) stand for "".
    private(set) var names: [String]
    /// Matching pods by id.
    private(set) var counts: [Int]
    private(set) var present: [Bool]
    /// How many domains are present.
    private(set) var eligible = 0
    /// Present ids in the order they became present (the order critical paths are built in).
    private(set) var order: [Int32] = []

    /// Counts over `domains`' ids, plus `extra` ids past them.
    init(domains: TopologyDomains, extra: Int = 0) {
        ids = domains.idOfValue
        names = domains.values
        counts = [Int](repeating: 0, count: domains.count + extra)
        present = [Bool](repeating: false, count: domains.count + extra)
    }

    /// Counts with a local interner.
    init() {
        ids = [:]
        names = []
        counts = []
        present = []
    }

    /// The id of `value`, interning it when unknown.
    mutating func id(of value: String) -> Int32 {
        if let id = ids[value] { return id }
        let id = Int32(counts.count)
        ids[value] = id
        if names.count < Int(id) { names.append(contentsOf: repeatElement("", count: Int(id) - names.count)) }
        names.append(value)
        counts.append(0)
        present.append(false)
        return id
    }

    /// Marks the domain present and adds `delta`.
    @inline(__always)
    mutating func add(id: Int32, _ delta: Int) {
        let i = Int(id)
        if !present[i] {
            present[i] = true
            eligible += 1
            order.append(id)
        }
        counts[i] += delta
    }

    mutating func add(_ value: String, _ delta: Int) { add(id: id(of: value), delta) }

    /// The count of a domain (0 when not present).
    @inline(__always)
    func count(_ value: String) -> Int {
        guard let id = ids[value] else { return 0 }
        return counts[Int(id)]
    }

    @inline(__always)
    func isPresent(id: Int32) -> Bool { present[Int(id)] }

    /// The count of the domain with this id (an id of the table's ``TopologyDomains``).
    @inline(__always)
    func count(id: Int32) -> Int { counts[Int(id)] }

    /// Present domains as value → count (tests, diagnostics).
    var dictionary: [String: Int] {
        var result: [String: Int] = [:]
        for id in order { result[name(id)] = counts[Int(id)] }
        return result
    }

    /// The two least-populated present domains, visited in order of first appearance.
    func criticalPaths() -> CriticalPaths {
        var paths = CriticalPaths()
        for id in order { paths.update(name(id), counts[Int(id)]) }
        return paths
    }

    @inline(__always)
    func name(_ id: Int32) -> String { Int(id) < names.count ? names[Int(id)] : "" }
}
