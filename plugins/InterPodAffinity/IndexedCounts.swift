import KubeAPI
import SchedulerFramework

// Counting through the snapshot's `PodIndex`, with the same answers as matching every pod (kept as the path for
// the first cycle that asks, for snapshots without an index, and as the property tests' reference):
// - the incoming pod's terms become `PodMatcher`s: the index counts matching pods per node;
// - the terms existing pods carry are `PodGrouping`s: pods with identical terms share one group, counted per
//   node, so a cycle matches each distinct term once against the incoming pod.
// A cycle then adds integers over the nodes; its cost does not grow with the pods already placed.

/// Required anti-affinity terms of existing pods (the symmetric check in Filter).
final class RequiredAntiAffinityGrouping: PodGrouping {
    let termsCache: AffinityTermsCache
    init(termsCache: AffinityTermsCache) { self.termsCache = termsCache }

    func groupKeys(of pod: PodInfo) -> [AffinityTerm] {
        guard pod.hasRequiredAntiAffinity else { return [] }
        return termsCache.terms(of: pod).requiredAntiAffinity
    }

    func topologyKey(of key: AffinityTerm) -> String? { key.topologyKey }
}

/// A term an existing pod carries that scores the incoming pod's nodes.
struct ScoringTerm: Hashable, Sendable {
    enum Kind: Hashable, Sendable { case requiredAffinity, preferredAffinity, preferredAntiAffinity }
    let kind: Kind
    /// The preferred term's weight (0 for required terms: those weigh `hardPodAffinityWeight`).
    let weight: Int64
    let term: AffinityTerm
}

/// Required affinity, preferred affinity and preferred anti-affinity terms of existing pods (Score).
final class ScoringTermsGrouping: PodGrouping {
    let termsCache: AffinityTermsCache
    init(termsCache: AffinityTermsCache) { self.termsCache = termsCache }

    func groupKeys(of pod: PodInfo) -> [ScoringTerm] {
        guard pod.hasAffinity else { return [] }
        let terms = termsCache.terms(of: pod)
        var keys: [ScoringTerm] = []
        for term in terms.requiredAffinity { keys.append(ScoringTerm(kind: .requiredAffinity, weight: 0, term: term)) }
        for weighted in terms.preferredAffinity {
            keys.append(ScoringTerm(kind: .preferredAffinity, weight: weighted.weight, term: weighted.term))
        }
        for weighted in terms.preferredAntiAffinity {
            keys.append(ScoringTerm(kind: .preferredAntiAffinity, weight: weighted.weight, term: weighted.term))
        }
        return keys
    }

    func topologyKey(of key: ScoringTerm) -> String? { key.term.topologyKey }
}

extension IncomingAffinityTerm {
    /// The clause counting the pods this term matches. A namespaceSelector that selects some namespaces is
    /// resolved against `namespaces` (every Namespace object, as upstream unrolls the selector once per cycle)
    /// into the names it selects plus the listed ones; nil when that list is not available.
    func clause(namespaces: [Namespace]?) -> PodMatcher.Clause? {
        if allNamespaces { return PodMatcher.Clause(selector: term.selector, namespaces: nil) }
        guard selectsNamespaces else {
            return PodMatcher.Clause(selector: term.selector, namespaces: Set(term.namespaces))
        }
        guard let namespaces else { return nil }
        var names = Set(term.namespaces)
        for namespace in namespaces where term.namespaceSelector.matches(namespace.metadata.labels ?? [:]) {
            names.insert(namespace.metadata.name)
        }
        return PodMatcher.Clause(selector: term.selector, namespaces: names)
    }
}

/// Weighted per-node counts summed per domain of each topology key, over the snapshot's nodes.
struct DomainSums {
    let snapshot: Snapshot
    let index: PodIndex
    var sums: [String: (domains: TopologyDomains, values: [Int64])] = [:]
    /// Some existing pod contributed to some pair (even when the pair sums to 0).
    var touched = false
    /// Every lookup was served (otherwise the caller scans; the lookups registered what was missing).
    var complete = true

    init(snapshot: Snapshot) {
        self.snapshot = snapshot
        self.index = snapshot.podIndex
    }

    /// Adds `counts[node] × weight` to the node's domain of `key`, for every node with the key: from `totals`
    /// (the same sums, kept by the index) when given.
    mutating func add(_ counts: SlotCounts?, totals: DomainTotals? = nil, key: String, weight: Int64) {
        guard let domains = sums[key]?.domains ?? index.domains(forKey: key) else {
            complete = false
            return
        }
        guard let counts, complete else { return }
        var values = sums.removeValue(forKey: key)?.values ?? [Int64](repeating: 0, count: domains.count)
        if let totals {
            if totals.add(into: &values, weight: weight) { touched = true }
            sums[key] = (domains, values)
            return
        }
        let slots = snapshot.nodeSlots
        for n in 0..<slots.count {
            let slot = slots[n]
            let count = counts[slot]
            guard count != 0 else { continue }
            let domain = domains.domain(ofSlot: slot)
            guard domain >= 0 else { continue }
            values[Int(domain)] &+= weight &* Int64(count)
            touched = true
        }
        sums[key] = (domains, values)
    }

    func install(into counts: inout TopologyCounts) {
        for (key, entry) in sums { counts.add(key, domains: entry.domains, sums: entry.values) }
    }
}

extension InterPodAffinity {
    /// Every Namespace when some of `terms` select namespaces by label (nil otherwise, or when the lister cannot
    /// list them).
    func resolvableNamespaces(_ terms: [IncomingAffinityTerm]) -> [Namespace]? {
        terms.contains(where: \.selectsNamespaces) ? objects.allNamespaces() : nil
    }

    /// PreFilter's three counts through the index; nil when it does not serve them (yet).
    func indexedPreFilterCounts(
        podLabels: PodLabels,
        namespaceLabels: [String: String],
        affinityTerms: [IncomingAffinityTerm],
        antiAffinityTerms: [IncomingAffinityTerm],
        snapshot: Snapshot
    ) -> (existing: TopologyCounts, affinity: TopologyCounts, anti: TopologyCounts)? {
        let index = snapshot.podIndex
        guard index.isEnabled else { return nil }
        let namespaces = resolvableNamespaces(affinityTerms + antiAffinityTerms)
        let affinityClauses = affinityTerms.compactMap { $0.clause(namespaces: namespaces) }
        let antiClauses = antiAffinityTerms.compactMap { $0.clause(namespaces: namespaces) }
        guard affinityClauses.count == affinityTerms.count, antiClauses.count == antiAffinityTerms.count else {
            return nil
        }

        var existing = DomainSums(snapshot: snapshot)
        if let groups = index.groups(of: requiredAntiAffinityGrouping) {
            for (term, counts, totals) in groups where term.matches(podLabels, namespaceLabels: namespaceLabels) {
                existing.add(counts, totals: totals, key: term.topologyKey, weight: 1)
            }
        } else {
            existing.complete = false
        }
        var affinity = DomainSums(snapshot: snapshot)
        if !affinityTerms.isEmpty {
            let matcher = PodMatcher(clauses: affinityClauses, excludeTerminating: false)
            let counts = index.counts(for: matcher)
            if counts == nil { affinity.complete = false }
            for term in affinityTerms {
                let totals = index.totals(for: matcher, key: term.topologyKey)
                affinity.add(counts, totals: totals, key: term.topologyKey, weight: 1)
            }
        }
        var anti = DomainSums(snapshot: snapshot)
        for (term, clause) in zip(antiAffinityTerms, antiClauses) {
            let matcher = PodMatcher(clauses: [clause], excludeTerminating: false)
            let counts = index.counts(for: matcher)
            if counts == nil { anti.complete = false }
            anti.add(
                counts,
                totals: index.totals(for: matcher, key: term.topologyKey),
                key: term.topologyKey,
                weight: 1
            )
        }
        guard existing.complete && affinity.complete && anti.complete else { return nil }
        var result = (existing: TopologyCounts(), affinity: TopologyCounts(), anti: TopologyCounts())
        existing.install(into: &result.existing)
        affinity.install(into: &result.affinity)
        anti.install(into: &result.anti)
        return result
    }

    /// PreScore's sums through the index (nil when it does not serve them yet); `touched` tells whether any
    /// pair was contributed to.
    func indexedPreScoreSums(
        podLabels: PodLabels,
        namespaceLabels: [String: String],
        preferredAffinity: [IncomingAffinityTerm],
        preferredAntiAffinity: [IncomingAffinityTerm],
        hardWeight: Int64,
        snapshot: Snapshot
    ) -> (scores: TopologyCounts, touched: Bool)? {
        let index = snapshot.podIndex
        guard index.isEnabled else { return nil }
        let namespaces = resolvableNamespaces(preferredAffinity + preferredAntiAffinity)
        let clauses = (preferredAffinity + preferredAntiAffinity).map { $0.clause(namespaces: namespaces) }
        guard !clauses.contains(where: { $0 == nil }) else { return nil }
        var sums = DomainSums(snapshot: snapshot)
        var next = 0
        for (terms, sign) in [(preferredAffinity, Int64(1)), (preferredAntiAffinity, Int64(-1))] {
            for term in terms {
                defer { next += 1 }
                guard let clause = clauses[next] else { continue }
                let matcher = PodMatcher(clauses: [clause], excludeTerminating: false)
                let counts = index.counts(for: matcher)
                if counts == nil { sums.complete = false }
                let totals = index.totals(for: matcher, key: term.topologyKey)
                sums.add(counts, totals: totals, key: term.topologyKey, weight: sign &* term.weight)
            }
        }
        if let groups = index.groups(of: scoringTermsGrouping) {
            for (key, counts, totals) in groups
            where key.term.matches(podLabels, namespaceLabels: namespaceLabels) {
                let topologyKey = key.term.topologyKey
                switch key.kind {
                case .requiredAffinity:
                    if hardWeight > 0 { sums.add(counts, totals: totals, key: topologyKey, weight: hardWeight) }
                case .preferredAffinity:
                    sums.add(counts, totals: totals, key: topologyKey, weight: key.weight)
                case .preferredAntiAffinity:
                    sums.add(counts, totals: totals, key: topologyKey, weight: 0 &- key.weight)
                }
            }
        } else {
            sums.complete = false
        }
        guard sums.complete else { return nil }
        var scores = TopologyCounts()
        sums.install(into: &scores)
        return (scores, sums.touched)
    }
}
