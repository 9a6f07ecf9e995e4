import SchedulerFramework

extension InterPodAffinity {
    /// Batch Filter. When PreFilter counted through the snapshot's index, every count is kept by the index's domain
    /// ids, so a node's domain is read from its slot and each term costs integer reads instead of a label lookup
    /// and two hashes. Otherwise (or for a node the index does not know) each node goes through
    /// ``filter(state:pod:node:)``. The same verdicts in the same order: affinity, the pod's anti-affinity, existing
    /// pods' anti-affinity.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        guard let prepared = state.read(Self.preFilterKey), let lookups = SlotLookups(prepared) else {
            for k in 0..<nodes.count where statuses[k] == nil {
                let status = filter(state: state, pod: pod, node: nodes[k])
                if status.code != .success { statuses[k] = status }
            }
            return
        }
        for k in 0..<nodes.count where statuses[k] == nil {
            let slot = nodes[k].indexSlot
            let verdict = slot >= 0 ? lookups.verdict(slot: slot) : nil
            switch verdict {
            case .success?:
                continue
            case .affinity?:
                statuses[k] = Status(.unschedulableAndUnresolvable, Self.reasonAffinityRulesNotMatch)
            case .antiAffinity?:
                statuses[k] = Status(.unschedulable, Self.reasonAntiAffinityRulesNotMatch)
            case .existingAntiAffinity?:
                statuses[k] = Status(.unschedulable, Self.reasonExistingAntiAffinityRulesNotMatch)
            case nil:
                let status = filter(state: state, pod: pod, node: nodes[k])
                if status.code != .success { statuses[k] = status }
            }
        }
    }

    /// The PreFilter counts arranged for reads by node slot, built once per batch.
    private struct SlotLookups {
        enum Verdict { case success, affinity, antiAffinity, existingAntiAffinity }

        /// Per affinity term: the domains telling whether the node has the key, and the counts (nil: none).
        let affinity: [(domains: TopologyDomains, counts: TopologyCounts.KeyCounts?)]
        let affinityCountsEmpty: Bool
        let matchesOwnAffinity: Bool
        /// Per anti-affinity term with counts (a term without any has nothing to reject).
        let antiAffinity: [TopologyCounts.KeyCounts]
        /// Every key of existing pods' anti-affinity with counts.
        let existing: [TopologyCounts.KeyCounts]

        /// Nil unless every count is readable by slot.
        init?(_ prepared: PreFilterState) {
            guard let termDomains = prepared.termDomains,
                termDomains.count == prepared.affinityTerms.count + prepared.antiAffinityTerms.count,
                prepared.affinityCounts.slotReadable != nil,
                prepared.antiAffinityCounts.slotReadable != nil
            else { return nil }
            let affinityCounts = prepared.affinityCounts
            affinity = prepared.affinityTerms.indices.map { i in
                (termDomains[i], affinityCounts.byKey[prepared.affinityTerms[i].topologyKey])
            }
            affinityCountsEmpty = affinityCounts.isEmpty
            matchesOwnAffinity = prepared.matchesOwnAffinity
            let antiCounts = prepared.antiAffinityCounts
            antiAffinity =
                antiCounts.isEmpty ? [] : prepared.antiAffinityTerms.compactMap { antiCounts.byKey[$0.topologyKey] }
            if prepared.existingAntiAffinityCounts.isEmpty {
                existing = []
            } else {
                guard let entries = prepared.existingAntiAffinityCounts.slotReadable else { return nil }
                existing = entries
            }
        }

        /// The count of the node's domain, 0 when it lacks the key; nil when the slot is past the counts.
        @inline(__always)
        private static func count(_ entry: TopologyCounts.KeyCounts, slot: Int32) -> Int64?? {
            guard let domains = entry.domains else { return nil }
            let id = Int(domains.domain(ofSlot: slot))
            if id < 0 { return .some(nil) }
            guard id < entry.counts.count else { return nil }
            return entry.counts[id]
        }

        /// The node's verdict; nil when the per-node path must answer.
        @inline(__always)
        func verdict(slot: Int32) -> Verdict? {
            var podsExist = true
            for (domains, counts) in affinity {
                if domains.domain(ofSlot: slot) < 0 { return .affinity }
                if let counts {
                    guard let found = Self.count(counts, slot: slot) else { return nil }
                    if (found ?? 0) <= 0 { podsExist = false }
                } else {
                    podsExist = false
                }
            }
            if !podsExist && !(affinityCountsEmpty && matchesOwnAffinity) { return .affinity }
            for entry in antiAffinity {
                guard let found = Self.count(entry, slot: slot) else { return nil }
                if let count = found, count > 0 { return .antiAffinity }
            }
            for entry in existing {
                guard let found = Self.count(entry, slot: slot) else { return nil }
                if let count = found, count > 0 { return .existingAntiAffinity }
            }
            return .success
        }
    }
}
