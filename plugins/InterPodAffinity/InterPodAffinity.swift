import KubeAPI
import SchedulerFramework

// Over 450 lines on purpose: upstream's interpodaffinity extension points (PreFilter with AddPod/RemovePod,
// Filter, PreScore, Score, NormalizeScore, events and hints) next to the cycle state they share; term matching
// lives in AffinityTerms.swift and the indexed counts in IndexedCounts.swift.

/// Enforces required pod affinity and anti-affinity (the incoming pod's terms and, symmetrically, the
/// anti-affinity terms of pods already placed) and scores nodes by preferred terms. Upstream's
/// `interpodaffinity.InterPodAffinity` (v1.35).
///
/// PreFilter counts, per topology pair (`key=value`), the existing pods matching the incoming pod's terms and the
/// existing pods whose anti-affinity matches the incoming pod, so Filter only looks up the node's pairs. PreScore
/// likewise sums the preferred weights per topology pair, and Score adds up the node's pairs.
package final class InterPodAffinity: PreFilterPlugin, PreFilterExtensions, FilterPlugin, PreScorePlugin,
    NormalizeScorePlugin,
    EnqueueExtensions
{
    /// The registry and configuration name.
    package static let name = PluginName.interPodAffinity
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// The node lacks a topology key of the pod's required affinity, or no matching pod is in its domain
    /// (UnschedulableAndUnresolvable).
    package static let reasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules"
    /// A pod matching the incoming pod's required anti-affinity is in the node's domain (Unschedulable).
    package static let reasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules"
    /// The incoming pod matches the required anti-affinity of a pod in the node's domain (Unschedulable).
    package static let reasonExistingAntiAffinityRulesNotMatch =
        "node(s) didn't satisfy existing pods anti-affinity rules"

    static let preFilterKey = StateKey<PreFilterState>("PreFilter" + InterPodAffinity.name)
    static let preScoreKey = StateKey<PreScoreState>("PreScore" + InterPodAffinity.name)

    /// The validated arguments this instance was built with.
    package let args: InterPodAffinityArgs
    let objects: any ClusterObjectLister
    let termsCache = AffinityTermsCache()
    /// Existing pods grouped by their required anti-affinity terms, in the snapshot's pod index.
    let requiredAntiAffinityGrouping: RequiredAntiAffinityGrouping
    /// Existing pods grouped by the terms that score the incoming pod's nodes.
    let scoringTermsGrouping: ScoringTermsGrouping

    /// Builds the plugin; throws when `args` do not validate.
    package init(args: InterPodAffinityArgs, handle: any FrameworkHandle) throws(PluginArgsError) {
        try args.validate()
        self.args = args
        self.objects = handle.objects
        requiredAntiAffinityGrouping = RequiredAntiAffinityGrouping(termsCache: termsCache)
        scoringTermsGrouping = ScoringTermsGrouping(termsCache: termsCache)
    }

    /// This plugin keeps its PreFilter counts current when pods are added or removed in what-if evaluations.
    package var preFilterExtensions: (any PreFilterExtensions)? { self }
}

// MARK: - PreFilter / Filter

extension InterPodAffinity {
    /// Counts computed in PreFilter, updated by AddPod/RemovePod on cloned states, read by Filter.
    ///
    /// `@unchecked Sendable`: the counts are mutated only by AddPod/RemovePod on a clone that no other thread
    /// reads at the same time; Filter workers read states that are no longer written.
    final class PreFilterState: StateData, @unchecked Sendable {
        let pod: PodInfo
        /// The incoming pod's namespace and labels.
        let podLabels: PodLabels
        let affinityTerms: [IncomingAffinityTerm]
        let antiAffinityTerms: [IncomingAffinityTerm]
        /// Labels of the incoming pod's namespace (empty when the Namespace object is unknown).
        let namespaceLabels: [String: String]
        let namespaces: NamespaceLookup
        /// The incoming pod matches all of its own required affinity terms (the first-pod exception).
        let matchesOwnAffinity: Bool
        /// Existing pods whose required anti-affinity matches the incoming pod, by their nodes' pairs.
        var existingAntiAffinityCounts: TopologyCounts
        /// Existing pods matching all of the incoming pod's required affinity terms, per term pair.
        var affinityCounts: TopologyCounts
        /// Existing pods matching an incoming required anti-affinity term, per term pair.
        var antiAffinityCounts: TopologyCounts
        /// The index's domains of each affinity term's key, then each anti-affinity term's, when PreFilter counted
        /// through the index (the batch Filter reads nodes by slot); nil otherwise.
        let termDomains: [TopologyDomains]?

        init(
            pod: PodInfo,
            affinityTerms: [IncomingAffinityTerm],
            antiAffinityTerms: [IncomingAffinityTerm],
            namespaceLabels: [String: String],
            namespaces: NamespaceLookup,
            matchesOwnAffinity: Bool,
            existingAntiAffinityCounts: TopologyCounts,
            affinityCounts: TopologyCounts,
            antiAffinityCounts: TopologyCounts,
            termDomains: [TopologyDomains]? = nil
        ) {
            self.termDomains = termDomains
            self.pod = pod
            self.podLabels = PodLabels(pod)
            self.affinityTerms = affinityTerms
            self.antiAffinityTerms = antiAffinityTerms
            self.namespaceLabels = namespaceLabels
            self.namespaces = namespaces
            self.matchesOwnAffinity = matchesOwnAffinity
            self.existingAntiAffinityCounts = existingAntiAffinityCounts
            self.affinityCounts = affinityCounts
            self.antiAffinityCounts = antiAffinityCounts
        }

        func clone() -> any StateData {
            PreFilterState(
                pod: pod,
                affinityTerms: affinityTerms,
                antiAffinityTerms: antiAffinityTerms,
                namespaceLabels: namespaceLabels,
                namespaces: namespaces,
                matchesOwnAffinity: matchesOwnAffinity,
                existingAntiAffinityCounts: existingAntiAffinityCounts,
                affinityCounts: affinityCounts,
                antiAffinityCounts: antiAffinityCounts,
                termDomains: termDomains
            )
        }

        /// Upstream `updateWithPod`: `other` (with its compiled terms) is added to (`delta` 1) or removed from
        /// (`delta` -1) `node`.
        func update(with other: PodInfo, terms: CompiledAffinityTerms, node: Node, delta: Int64) {
            guard let labels = node.metadata.labels, !labels.isEmpty else { return }
            for term in terms.requiredAntiAffinity where term.matches(podLabels, namespaceLabels: namespaceLabels) {
                if let value = labels[term.topologyKey] {
                    existingAntiAffinityCounts.add(term.topologyKey, value, delta)
                }
            }
            let otherLabels = PodLabels(other)
            if IncomingAffinityTerm.allMatch(affinityTerms, otherLabels, namespaces) {
                for term in affinityTerms {
                    if let value = labels[term.topologyKey] { affinityCounts.add(term.topologyKey, value, delta) }
                }
            }
            for term in antiAffinityTerms where term.matches(otherLabels, namespaces) {
                if let value = labels[term.topologyKey] { antiAffinityCounts.add(term.topologyKey, value, delta) }
            }
        }

        /// Upstream `satisfyPodAffinity`: every term's key on the node and a matching pod in each domain — or
        /// no matching pod anywhere while the pod matches its own terms (the first pod of a group).
        func satisfiesAffinity(_ labels: [String: String]?) -> Bool {
            var podsExist = true
            for term in affinityTerms {
                guard let value = labels?[term.topologyKey] else { return false }
                if affinityCounts.count(term.topologyKey, value) <= 0 { podsExist = false }
            }
            if podsExist { return true }
            return affinityCounts.isEmpty && matchesOwnAffinity
        }

        /// Upstream `satisfyPodAntiAffinity`: no pod matching a term in the node's domain of that term.
        func satisfiesAntiAffinity(_ labels: [String: String]?) -> Bool {
            guard !antiAffinityCounts.isEmpty, let labels else { return true }
            for term in antiAffinityTerms {
                if let value = labels[term.topologyKey], antiAffinityCounts.count(term.topologyKey, value) > 0 {
                    return false
                }
            }
            return true
        }
    }

    /// Counts existing pods per topology pair for the incoming pod's required terms and for existing pods'
    /// required anti-affinity; Skip when there is nothing to enforce. A term that does not parse rejects the pod
    /// (UnschedulableAndUnresolvable `parsing pod: …`).
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let own = CompiledAffinityTerms(pod.pod)
        if let error = own.parseError {
            return (nil, Status(.unschedulableAndUnresolvable, "parsing pod: \(error)"))
        }
        let namespaces = NamespaceLookup(objects)
        let affinityTerms = own.requiredAffinity.map { IncomingAffinityTerm($0) }
        let antiAffinityTerms = own.requiredAntiAffinity.map { IncomingAffinityTerm($0) }
        // Nothing to count at all (most pods): Skip without asking the index.
        if affinityTerms.isEmpty && antiAffinityTerms.isEmpty && snapshot.nodesWithRequiredAntiAffinityPods.isEmpty {
            return (nil, .skip)
        }
        let namespaceLabels = namespaces.labels(of: pod.namespace) ?? [:]
        let podLabels = PodLabels(pod)

        var existingAntiAffinityCounts = TopologyCounts()
        var affinityCounts = TopologyCounts()
        var antiAffinityCounts = TopologyCounts()
        var termDomains: [TopologyDomains]?
        if let indexed = indexedPreFilterCounts(
            podLabels: podLabels,
            namespaceLabels: namespaceLabels,
            affinityTerms: affinityTerms,
            antiAffinityTerms: antiAffinityTerms,
            snapshot: snapshot
        ) {
            (existingAntiAffinityCounts, affinityCounts, antiAffinityCounts) = indexed
            let index = snapshot.podIndex
            let domains = (affinityTerms + antiAffinityTerms).compactMap { index.domains(forKey: $0.topologyKey) }
            if domains.count == affinityTerms.count + antiAffinityTerms.count { termDomains = domains }
        } else {
            scanPreFilterCounts(
                podLabels: podLabels,
                namespaceLabels: namespaceLabels,
                namespaces: namespaces,
                affinityTerms: affinityTerms,
                antiAffinityTerms: antiAffinityTerms,
                snapshot: snapshot,
                existing: &existingAntiAffinityCounts,
                affinity: &affinityCounts,
                anti: &antiAffinityCounts
            )
        }
        return finishPreFilter(
            state: state,
            pod: pod,
            podLabels: podLabels,
            namespaceLabels: namespaceLabels,
            namespaces: namespaces,
            affinityTerms: affinityTerms,
            antiAffinityTerms: antiAffinityTerms,
            existingAntiAffinityCounts: existingAntiAffinityCounts,
            affinityCounts: affinityCounts,
            antiAffinityCounts: antiAffinityCounts,
            termDomains: termDomains
        )
    }

    /// Upstream's counting: every existing pod matched against the terms.
    func scanPreFilterCounts(
        podLabels: PodLabels,
        namespaceLabels: [String: String],
        namespaces: NamespaceLookup,
        affinityTerms: [IncomingAffinityTerm],
        antiAffinityTerms: [IncomingAffinityTerm],
        snapshot: Snapshot,
        existing existingAntiAffinityCounts: inout TopologyCounts,
        affinity affinityCounts: inout TopologyCounts,
        anti antiAffinityCounts: inout TopologyCounts
    ) {
        // Symmetry: existing pods' required anti-affinity terms that match the incoming pod. Only nodes holding
        // such pods are visited.
        for index in snapshot.nodesWithRequiredAntiAffinityPods {
            let node = snapshot.nodes[index]
            guard let labels = node.node.metadata.labels, !labels.isEmpty else { continue }
            for existing in node.podsWithRequiredAntiAffinity {
                for term in termsCache.terms(of: existing).requiredAntiAffinity
                where term.matches(podLabels, namespaceLabels: namespaceLabels) {
                    if let value = labels[term.topologyKey] {
                        existingAntiAffinityCounts.add(term.topologyKey, value, 1)
                    }
                }
            }
        }

        // Existing pods matching the incoming pod's required terms.
        if !affinityTerms.isEmpty || !antiAffinityTerms.isEmpty {
            let keys = Set(affinityTerms.map(\.topologyKey) + antiAffinityTerms.map(\.topologyKey))
            for node in snapshot.nodes {
                guard let labels = node.node.metadata.labels, !labels.isEmpty else { continue }
                // A node without any of the keys cannot contribute a pair.
                guard keys.contains(where: { labels[$0] != nil }) else { continue }
                for existing in node.pods {
                    let existingLabels = PodLabels(existing)
                    if IncomingAffinityTerm.allMatch(affinityTerms, existingLabels, namespaces) {
                        for term in affinityTerms {
                            if let value = labels[term.topologyKey] { affinityCounts.add(term.topologyKey, value, 1) }
                        }
                    }
                    for term in antiAffinityTerms where term.matches(existingLabels, namespaces) {
                        if let value = labels[term.topologyKey] { antiAffinityCounts.add(term.topologyKey, value, 1) }
                    }
                }
            }
        }

    }

    private func finishPreFilter(
        state: CycleState,
        pod: PodInfo,
        podLabels: PodLabels,
        namespaceLabels: [String: String],
        namespaces: NamespaceLookup,
        affinityTerms: [IncomingAffinityTerm],
        antiAffinityTerms: [IncomingAffinityTerm],
        existingAntiAffinityCounts: TopologyCounts,
        affinityCounts: TopologyCounts,
        antiAffinityCounts: TopologyCounts,
        termDomains: [TopologyDomains]?
    ) -> (PreFilterResult?, Status) {
        if existingAntiAffinityCounts.isEmpty && affinityTerms.isEmpty && antiAffinityTerms.isEmpty {
            return (nil, .skip)
        }
        state.write(
            PreFilterState(
                pod: pod,
                affinityTerms: affinityTerms,
                antiAffinityTerms: antiAffinityTerms,
                namespaceLabels: namespaceLabels,
                namespaces: namespaces,
                matchesOwnAffinity: IncomingAffinityTerm.allMatch(affinityTerms, podLabels, namespaces),
                existingAntiAffinityCounts: existingAntiAffinityCounts,
                affinityCounts: affinityCounts,
                antiAffinityCounts: antiAffinityCounts,
                termDomains: termDomains
            ),
            for: Self.preFilterKey
        )
        return (nil, .success)
    }

    /// Affinity (UnschedulableAndUnresolvable), then the pod's anti-affinity, then existing pods' anti-affinity
    /// (both Unschedulable). Work per node is a few lookups per term.
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("error reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
        }
        let labels = node.node.metadata.labels
        if !prepared.satisfiesAffinity(labels) {
            return Status(.unschedulableAndUnresolvable, Self.reasonAffinityRulesNotMatch)
        }
        if !prepared.satisfiesAntiAffinity(labels) {
            return Status(.unschedulable, Self.reasonAntiAffinityRulesNotMatch)
        }
        if prepared.existingAntiAffinityCounts.anyPositive(in: labels) {
            return Status(.unschedulable, Self.reasonExistingAntiAffinityRulesNotMatch)
        }
        return .success
    }

    /// Counts `podToAdd` as if it ran on `nodeInfo`'s node.
    package func addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("error reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
        }
        prepared.update(with: podToAdd, terms: termsCache.terms(of: podToAdd), node: nodeInfo.node, delta: 1)
        return .success
    }

    /// Stops counting `podToRemove` on `nodeInfo`'s node.
    package func removePod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToRemove: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("error reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
        }
        prepared.update(with: podToRemove, terms: termsCache.terms(of: podToRemove), node: nodeInfo.node, delta: -1)
        return .success
    }
}

// MARK: - PreScore / Score / NormalizeScore

extension InterPodAffinity {
    /// Summed weights per topology key and value.
    final class PreScoreState: StateData {
        /// Summed weights per topology pair.
        let topologyScore: TopologyCounts
        init(topologyScore: TopologyCounts) { self.topologyScore = topologyScore }
        func clone() -> any StateData { self }
    }

    /// Sums, per topology pair of each existing pod's node: the incoming pod's preferred affinity (+weight) and
    /// anti-affinity (−weight) terms the existing pod matches, and the existing pod's required affinity
    /// (+hardPodAffinityWeight), preferred affinity (+weight) and preferred anti-affinity (−weight) terms the
    /// incoming pod matches. All pods are visited when the incoming pod has preferred terms, otherwise only pods
    /// with affinity. Skip when nothing contributes.
    package func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        let affinity = pod.pod.spec.affinity
        let hasPreferredAffinity = !(affinity?.podAffinity?.preferred.isEmpty ?? true)
        let hasPreferredAntiAffinity = !(affinity?.podAntiAffinity?.preferred.isEmpty ?? true)
        let hasConstraints = hasPreferredAffinity || hasPreferredAntiAffinity
        if args.ignorePreferredTermsOfExistingPods && !hasConstraints { return .skip }

        let own = CompiledAffinityTerms(pod.pod)
        if let error = own.parseError { return .error("failed to parse pod: \(error)") }
        // No preferred terms and no pod with terms anywhere: nothing contributes.
        if !hasConstraints && nodes.snapshot.nodesWithAffinityPods.isEmpty { return .skip }
        let namespaces = NamespaceLookup(objects)
        let preferredAffinity = own.preferredAffinity.map { IncomingAffinityTerm($0.term, weight: $0.weight) }
        let preferredAntiAffinity = own.preferredAntiAffinity.map { IncomingAffinityTerm($0.term, weight: $0.weight) }
        let namespaceLabels = namespaces.labels(of: pod.namespace) ?? [:]
        let hardWeight = Int64(args.hardPodAffinityWeight)
        let podLabels = PodLabels(pod)

        if let indexed = indexedPreScoreSums(
            podLabels: podLabels,
            namespaceLabels: namespaceLabels,
            preferredAffinity: preferredAffinity,
            preferredAntiAffinity: preferredAntiAffinity,
            hardWeight: hardWeight,
            snapshot: nodes.snapshot
        ) {
            if !indexed.touched { return .skip }
            state.write(PreScoreState(topologyScore: indexed.scores), for: Self.preScoreKey)
            return .success
        }

        var scores: [String: [String: Int64]] = [:]
        func process(_ node: NodeInfo) {
            guard let labels = node.node.metadata.labels, !labels.isEmpty else { return }
            for existing in hasConstraints ? node.pods : node.podsWithAffinity {
                let existingLabels = PodLabels(existing)
                for term in preferredAffinity where term.matches(existingLabels, namespaces) {
                    if let value = labels[term.topologyKey] {
                        scores[term.topologyKey, default: [:]][value, default: 0] &+= term.weight
                    }
                }
                for term in preferredAntiAffinity where term.matches(existingLabels, namespaces) {
                    if let value = labels[term.topologyKey] {
                        scores[term.topologyKey, default: [:]][value, default: 0] &-= term.weight
                    }
                }
                guard existing.hasAffinity else { continue }
                let terms = termsCache.terms(of: existing)
                if hardWeight > 0 {
                    for term in terms.requiredAffinity where term.matches(podLabels, namespaceLabels: namespaceLabels) {
                        if let value = labels[term.topologyKey] {
                            scores[term.topologyKey, default: [:]][value, default: 0] &+= hardWeight
                        }
                    }
                }
                for weighted in terms.preferredAffinity
                where weighted.term.matches(podLabels, namespaceLabels: namespaceLabels) {
                    if let value = labels[weighted.term.topologyKey] {
                        scores[weighted.term.topologyKey, default: [:]][value, default: 0] &+= weighted.weight
                    }
                }
                for weighted in terms.preferredAntiAffinity
                where weighted.term.matches(podLabels, namespaceLabels: namespaceLabels) {
                    if let value = labels[weighted.term.topologyKey] {
                        scores[weighted.term.topologyKey, default: [:]][value, default: 0] &-= weighted.weight
                    }
                }
            }
        }
        let snapshot = nodes.snapshot
        if hasConstraints {
            for node in snapshot.nodes { process(node) }
        } else {
            for index in snapshot.nodesWithAffinityPods { process(snapshot.nodes[index]) }
        }
        if scores.isEmpty { return .skip }
        var topologyScore = TopologyCounts()
        for (key, values) in scores {
            for (value, weight) in values { topologyScore.add(key, value, weight) }
        }
        state.write(PreScoreState(topologyScore: topologyScore), for: Self.preScoreKey)
        return .success
    }

    /// The sum of the node's pairs in the PreScore map (negative when anti-affinity dominates).
    package func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        guard let prepared = state.read(Self.preScoreKey) else {
            return (0, .error("failed to read \"\(Self.preScoreKey.name)\" from cycleState: not found"))
        }
        guard let labels = node.node.metadata.labels else { return (0, .success) }
        var score: Int64 = 0
        for (key, values) in prepared.topologyScore.byKey {
            if let value = labels[key] { score &+= values.count(value) }
        }
        return (score, .success)
    }

    /// Min-max scaling to `0...100`: `int64(100 × (s − min) / (max − min))`, all 0 when every score is equal.
    package func normalizeScores(state: CycleState, pod: PodInfo, nodes: NodeList, scores: inout [Int64]) -> Status {
        guard state.read(Self.preScoreKey) != nil else {
            return .error("failed to read \"\(Self.preScoreKey.name)\" from cycleState: not found")
        }
        var minCount = Int64.max
        var maxCount = Int64.min
        for score in scores {
            if score > maxCount { maxCount = score }
            if score < minCount { minCount = score }
        }
        let difference = maxCount &- minCount
        for i in scores.indices {
            var value = 0.0
            if difference > 0 {
                value = Double(NodeScoreRange.max) * (Double(scores[i] &- minCount) / Double(difference))
            }
            scores[i] = Int64(value)
        }
        return .success
    }
}

// MARK: - Events

extension InterPodAffinity {
    /// Scheduled pods added, relabelled or deleted; nodes added, relabelled or re-tainted.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .pod,
                    action: [.add, .updatePodLabel, .delete],
                    label: "PodAdd|UpdatePodLabel|Delete"
                ),
                hint: { pod, old, new in InterPodAffinity.hintAfterPodChange(pod, old: old?.pod, new: new?.pod) }
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .node,
                    action: [.add, .updateNodeLabel, .updateNodeTaint],
                    label: "NodeAdd|UpdateNodeLabel|UpdateNodeTaint"
                ),
                hint: { pod, old, new in InterPodAffinity.hintAfterNodeChange(pod, old: old?.node, new: new?.node) }
            ),
        ]
    }

    /// Upstream's `podMatchesAllAffinityTerms` on unresolved terms (namespace labels unknown).
    static func allMatch(_ terms: [AffinityTerm], _ pod: Pod) -> Bool {
        if terms.isEmpty { return false }
        let labels = PodLabels(pod)
        for term in terms where !term.matches(labels, namespaceLabels: [:]) { return false }
        return true
    }

    /// Upstream's `isSchedulableAfterPodChange`: unscheduled pods never help; an added pod must match all
    /// affinity terms; an update must start matching the affinity or stop matching the anti-affinity; a
    /// deleted pod must match the anti-affinity — or, as upstream's fix for kubernetes#134393 does, the deleted
    /// pod's own required anti-affinity must have matched the waiting pod.
    static func hintAfterPodChange(_ pod: Pod, old: Pod?, new: Pod?) -> QueueingHint {
        if let new, new.nodeName.isEmpty { return .skip }
        if let old, old.nodeName.isEmpty { return .skip }
        let terms = CompiledAffinityTerms(pod)
        if terms.parseError != nil { return .queue }
        switch (old, new) {
        case (let original?, let modified?):
            if !allMatch(terms.requiredAffinity, original) && allMatch(terms.requiredAffinity, modified) {
                return .queue
            }
            if allMatch(terms.requiredAntiAffinity, original) && !allMatch(terms.requiredAntiAffinity, modified) {
                return .queue
            }
            return .skip
        case (nil, let added?):
            return allMatch(terms.requiredAffinity, added) ? .queue : .skip
        case (let deleted?, nil):
            if allMatch(terms.requiredAntiAffinity, deleted) { return .queue }
            let target = PodLabels(pod)
            let repelled = CompiledAffinityTerms(deleted).requiredAntiAffinity.contains {
                $0.matches(target, namespaceLabels: [:])
            }
            return repelled ? .queue : .skip
        case (nil, nil):
            return .queue
        }
    }

    /// Upstream's `isSchedulableAfterNodeChange` (fine-grained since v1.32): for affinity terms, a node added with
    /// the topology key, gaining the key or changing its value; for anti-affinity terms, any added node, or a node
    /// losing the key or changing its value.
    static func hintAfterNodeChange(_ pod: Pod, old: Node?, new: Node?) -> QueueingHint {
        guard let modified = new else { return .queue }
        let terms = CompiledAffinityTerms(pod)
        if terms.parseError != nil { return .queue }
        let modifiedLabels = modified.labels
        for term in terms.requiredAffinity {
            let after = modifiedLabels[term.topologyKey]
            guard let original = old else {
                if after != nil { return .queue }
                continue
            }
            let before = original.labels[term.topologyKey]
            if before == nil && after != nil { return .queue }
            if let before, let after, before != after { return .queue }
        }
        for term in terms.requiredAntiAffinity {
            // A new node may join a domain without any pod the pod avoids; checking that is out of scope here.
            guard let original = old else { return .queue }
            let before = original.labels[term.topologyKey]
            let after = modifiedLabels[term.topologyKey]
            if before != nil && after == nil { return .queue }
            if let before, let after, before != after { return .queue }
        }
        return .skip
    }
}
