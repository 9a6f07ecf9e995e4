import KubeAPI
import SchedulerFramework
import Synchronization

/// A pod affinity or anti-affinity term ready to match pods (upstream `fwk.AffinityTerm`).
struct AffinityTerm: Sendable, Hashable {
    /// The namespaces the term names; the owning pod's namespace when it names none and has no
    /// namespaceSelector.
    let namespaces: [String]
    /// The term's namespaceSelector: `nothing` when absent, `everything` for `{}`.
    let namespaceSelector: Selector
    /// The label selector, with `matchLabelKeys` / `mismatchLabelKeys` merged in.
    let selector: Selector
    let topologyKey: String

    /// Upstream `AffinityTerm.Matches`: the pod's namespace is listed or its namespace's labels satisfy the
    /// namespaceSelector, and the pod's labels satisfy the selector. Used for the terms of pods already on
    /// nodes, matched against the incoming pod with the incoming pod's namespace labels.
    @inline(__always)
    func matches(_ pod: PodLabels, namespaceLabels: [String: String]) -> Bool {
        guard namespaces.contains(pod.namespace) || namespaceSelector.matches(namespaceLabels) else { return false }
        return selector.matches(pod.labels)
    }
}

/// The two fields term matching reads, taken out of a pod once. Reading them field by field avoids copying the
/// whole `Pod` value in the per-pod loops.
struct PodLabels {
    let namespace: String
    let labels: [String: String]

    @inline(__always)
    init(_ info: PodInfo) {
        namespace = info.pod.metadata.namespace ?? "default"
        labels = info.pod.metadata.labels ?? [:]
    }

    init(_ pod: Pod) {
        namespace = pod.metadata.namespace ?? "default"
        labels = pod.metadata.labels ?? [:]
    }
}

/// A preferred term and its weight.
struct WeightedAffinityTerm: Sendable {
    let term: AffinityTerm
    let weight: Int64
}

/// All pod (anti-)affinity terms of one pod, compiled once (upstream keeps them in `PodInfo`).
final class CompiledAffinityTerms: Sendable {
    let requiredAffinity: [AffinityTerm]
    let requiredAntiAffinity: [AffinityTerm]
    let preferredAffinity: [WeightedAffinityTerm]
    let preferredAntiAffinity: [WeightedAffinityTerm]
    /// Why some term list failed to parse (that list is then empty, as upstream), or nil.
    let parseError: String?

    static let none = CompiledAffinityTerms(Pod(metadata: ObjectMeta(name: "")))

    init(_ pod: Pod) {
        let podAffinity = pod.spec.affinity?.podAffinity
        let antiAffinity = pod.spec.affinity?.podAntiAffinity
        var errors: [String] = []
        func required(_ terms: [PodAffinityTerm], _ label: String) -> [AffinityTerm] {
            do throws(SelectorError) {
                return try terms.map { term throws(SelectorError) in try Self.compile(term, of: pod) }
            } catch {
                errors.append("\(label): \(error)")
                return []
            }
        }
        func preferred(_ terms: [WeightedPodAffinityTerm], _ label: String) -> [WeightedAffinityTerm] {
            do throws(SelectorError) {
                return try terms.map { weighted throws(SelectorError) in
                    WeightedAffinityTerm(
                        term: try Self.compile(weighted.podAffinityTerm, of: pod),
                        weight: Int64(weighted.weight)
                    )
                }
            } catch {
                errors.append("\(label): \(error)")
                return []
            }
        }
        requiredAffinity = required(podAffinity?.required ?? [], "requiredAffinityTerms")
        requiredAntiAffinity = required(antiAffinity?.required ?? [], "requiredAntiAffinityTerms")
        preferredAffinity = preferred(podAffinity?.preferred ?? [], "preferredAffinityTerms")
        preferredAntiAffinity = preferred(antiAffinity?.preferred ?? [], "preferredAntiAffinityTerms")
        // utilerrors.NewAggregate: one error prints alone, several as "[a, b]".
        parseError = errors.isEmpty ? nil : errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
    }

    /// Builds one term for `pod`: merges `matchLabelKeys` (`key In (value)`) and `mismatchLabelKeys`
    /// (`key NotIn (value)`) into the label selector as kube-apiserver does at pod creation (only keys present
    /// in the pod's labels, never into a nil selector, and not again when the requirement is already there),
    /// and defaults the namespaces to the pod's own.
    static func compile(_ term: PodAffinityTerm, of pod: Pod) throws(SelectorError) -> AffinityTerm {
        var labelSelector = term.labelSelector
        if var merged = labelSelector, !(term.matchLabelKeys ?? []).isEmpty || !(term.mismatchLabelKeys ?? []).isEmpty {
            let labels = pod.labels
            func apply(_ keys: [String]?, _ op: String) {
                for key in keys ?? [] {
                    guard let value = labels[key] else { continue }
                    let requirement = LabelSelectorRequirement(key: key, operator: op, values: [value])
                    if merged.matchExpressions?.contains(requirement) == true { continue }
                    merged.matchExpressions = (merged.matchExpressions ?? []) + [requirement]
                }
            }
            apply(term.matchLabelKeys, "In")
            apply(term.mismatchLabelKeys, "NotIn")
            labelSelector = merged
        }
        if let error = SelectorValidation.firstError(labelSelector)
            ?? SelectorValidation.firstError(term.namespaceSelector)
        {
            throw SelectorError(error)
        }
        let selector = try Selector(labelSelector)
        let namespaceSelector = try Selector(term.namespaceSelector)
        let listed = term.namespaces ?? []
        let namespaces = listed.isEmpty && term.namespaceSelector == nil ? [pod.namespace] : listed
        return AffinityTerm(
            namespaces: namespaces,
            namespaceSelector: namespaceSelector,
            selector: selector,
            topologyKey: term.topologyKey
        )
    }
}

/// A term of the pod being scheduled, whose namespaceSelector stands for the set of existing Namespace objects
/// it selects (upstream `mergeAffinityTermNamespacesIfNotEmpty` unrolls that set once per cycle).
struct IncomingAffinityTerm: Sendable {
    let term: AffinityTerm
    let weight: Int64
    /// `namespaceSelector: {}`: every namespace.
    let allNamespaces: Bool
    /// A non-empty namespaceSelector: namespaces whose object exists and whose labels it selects.
    let selectsNamespaces: Bool

    init(_ term: AffinityTerm, weight: Int64 = 0) {
        self.term = term
        self.weight = weight
        allNamespaces = term.namespaceSelector.isEmpty
        selectsNamespaces = !term.namespaceSelector.isEmpty && !term.namespaceSelector.matchesNothing
    }

    var topologyKey: String { term.topologyKey }

    /// Whether an existing pod matches this term of the incoming pod.
    @inline(__always)
    func matches(_ pod: PodLabels, _ namespaces: NamespaceLookup) -> Bool {
        if !allNamespaces && !term.namespaces.contains(pod.namespace) {
            guard selectsNamespaces, namespaces.selects(pod.namespace, with: term.namespaceSelector) else {
                return false
            }
        }
        return term.selector.matches(pod.labels)
    }

    /// Upstream `podMatchesAllAffinityTerms`: false for an empty list.
    static func allMatch(_ terms: [IncomingAffinityTerm], _ pod: PodLabels, _ namespaces: NamespaceLookup) -> Bool {
        if terms.isEmpty { return false }
        for term in terms where !term.matches(pod, namespaces) { return false }
        return true
    }
}

/// Namespace labels read through the handle's lister, remembered for the cycle.
final class NamespaceLookup: Sendable {
    private let lister: any ClusterObjectLister
    private let memo = Mutex<[String: [String: String]?]>([:])

    init(_ lister: any ClusterObjectLister) { self.lister = lister }

    /// The labels of the Namespace object, nil when there is no such object.
    func labels(of namespace: String) -> [String: String]? {
        if let known = memo.withLock({ $0[namespace] }) { return known }
        let labels: [String: String]? = lister.namespace(named: namespace).map { $0.metadata.labels ?? [:] }
        memo.withLock { $0[namespace] = .some(labels) }
        return labels
    }

    /// Whether the namespace exists and `selector` selects its labels.
    func selects(_ namespace: String, with selector: Selector) -> Bool {
        guard let labels = labels(of: namespace) else { return false }
        return selector.matches(labels)
    }
}

/// Compiled terms of pods already on nodes, by pod identity. A `PodInfo` is immutable, so an entry stays valid
/// as long as it holds that very object; an updated pod gets a new `PodInfo` and a new entry.
///
/// Two generations bound the memory: when the current one fills up it becomes the previous one, and entries
/// still in use move back on their next lookup.
final class AffinityTermsCache: Sendable {
    private struct Entry {
        let pod: PodInfo
        let terms: CompiledAffinityTerms
    }

    private let generations = Mutex<(current: [ObjectIdentifier: Entry], previous: [ObjectIdentifier: Entry])>(
        ([:], [:])
    )
    private let capacity: Int

    init(capacity: Int = 65_536) { self.capacity = capacity }

    /// The compiled terms of `pod`; pods without any pod (anti-)affinity share an empty set.
    func terms(of pod: PodInfo) -> CompiledAffinityTerms {
        guard pod.hasAffinity else { return .none }
        let id = ObjectIdentifier(pod)
        let cached: CompiledAffinityTerms? = generations.withLock { state in
            if let entry = state.current[id], entry.pod === pod { return entry.terms }
            if let entry = state.previous[id], entry.pod === pod {
                state.current[id] = entry
                return entry.terms
            }
            return nil
        }
        if let cached { return cached }
        let compiled = CompiledAffinityTerms(pod.pod)
        generations.withLock { state in
            if state.current.count >= capacity {
                state.previous = state.current
                state.current = [:]
            }
            state.current[id] = Entry(pod: pod, terms: compiled)
        }
        return compiled
    }
}

/// Counts per topology pair (upstream `topologyToMatchedTermCount`), per topology key: values interned by the
/// snapshot's index (an array per key, filled by the indexed path) and any other value in a side map. Pairs whose
/// count drops to zero no longer count as pairs, so ``isEmpty`` means no pair with a non-zero count.
struct TopologyCounts: Sendable {
    struct KeyCounts: Sendable {
        var ids: [String: Int32] = [:]
        var counts: [Int64] = []
        var extra: [String: Int64] = [:]
        /// The index's domains `ids` came from (the indexed path), so a node's count can be read by its slot.
        var domains: TopologyDomains?

        @inline(__always)
        func count(_ value: String) -> Int64 {
            if let id = ids[value] { return counts[Int(id)] }
            return extra[value] ?? 0
        }
    }

    private(set) var byKey: [String: KeyCounts] = [:]
    /// Pairs with a non-zero count.
    private(set) var nonZero = 0

    var isEmpty: Bool { nonZero == 0 }

    @inline(__always)
    func count(_ key: String, _ value: String) -> Int64 {
        byKey[key]?.count(value) ?? 0
    }

    mutating func add(_ key: String, _ value: String, _ delta: Int64) {
        var entry = byKey.removeValue(forKey: key) ?? KeyCounts()
        let before: Int64
        let after: Int64
        if let id = entry.ids[value] {
            before = entry.counts[Int(id)]
            after = before &+ delta
            entry.counts[Int(id)] = after
        } else {
            before = entry.extra[value] ?? 0
            after = before &+ delta
            entry.extra[value] = after == 0 ? nil : after
        }
        if before == 0 && after != 0 { nonZero += 1 }
        if before != 0 && after == 0 { nonZero -= 1 }
        if !entry.ids.isEmpty || !entry.extra.isEmpty { byKey[key] = entry }
    }

    /// Adds per-domain sums of `domains`' ids for `key` (the indexed path; `key` must be new or indexed by the
    /// same domains).
    mutating func add(_ key: String, domains: TopologyDomains, sums: [Int64]) {
        if byKey[key] == nil && sums.count == domains.count {
            // A new key takes the sums as they are.
            var added = 0
            for count in sums where count != 0 { added += 1 }
            nonZero += added
            byKey[key] = KeyCounts(ids: domains.idOfValue, counts: sums, domains: domains)
            return
        }
        var entry =
            byKey.removeValue(forKey: key)
            ?? KeyCounts(ids: domains.idOfValue, counts: [Int64](repeating: 0, count: domains.count), domains: domains)
        guard entry.counts.count == sums.count else {
            // Not indexed by these domains: add pair by pair.
            byKey[key] = entry
            for id in sums.indices where sums[id] != 0 { add(key, domains.values[id], sums[id]) }
            return
        }
        for id in sums.indices where sums[id] != 0 {
            let before = entry.counts[id]
            let after = before &+ sums[id]
            entry.counts[id] = after
            if before == 0 && after != 0 { nonZero += 1 }
            if before != 0 && after == 0 { nonZero -= 1 }
        }
        byKey[key] = entry
    }

    /// Every key's counts readable by node slot (all built from the index, none kept by value), or nil.
    var slotReadable: [KeyCounts]? {
        var entries: [KeyCounts] = []
        entries.reserveCapacity(byKey.count)
        for entry in byKey.values {
            guard entry.domains != nil, entry.extra.isEmpty else { return nil }
            entries.append(entry)
        }
        return entries
    }

    /// Whether some label of the node names a pair with a positive count.
    @inline(__always)
    func anyPositive(in labels: [String: String]?) -> Bool {
        guard let labels, nonZero > 0 else { return false }
        for (key, values) in byKey {
            if let value = labels[key], values.count(value) > 0 { return true }
        }
        return false
    }

    /// Every pair with a non-zero count as key → value → count (tests, diagnostics).
    var pairs: [String: [String: Int64]] {
        var result: [String: [String: Int64]] = [:]
        for (key, entry) in byKey {
            for (value, id) in entry.ids where entry.counts[Int(id)] != 0 {
                result[key, default: [:]][value] = entry.counts[Int(id)]
            }
            for (value, count) in entry.extra where count != 0 { result[key, default: [:]][value] = count }
        }
        return result
    }
}
