import KubeAPI
import SchedulerFramework

// Counting matching pods per topology domain, two ways with the same answers:
// - indexed: the snapshot's `PodIndex` holds, per node, how many pods match each constraint's selector, and the
//   interned domain of each node, so a cycle walks the nodes adding integers — its cost does not grow with the
//   pods already placed;
// - scanned: every pod of every eligible node is matched (upstream's algorithm), used when the index does not
//   serve the selectors yet (the first cycle that asks) or at all (snapshots built without a cache), and kept as
//   the reference the property tests compare the indexed path with.

extension PodTopologySpread {
    /// What the indexed path needs for a set of constraints, or nil (then the lookups asked the index to serve
    /// them from the next snapshot on).
    struct IndexedInputs {
        let domains: [TopologyDomains]
        /// Per constraint: pods matching its selector per node slot; nil for a selector that counts nothing.
        let counts: [SlotCounts?]
        /// Per constraint: the inclusion policies must be checked on each node (otherwise every node is included).
        let checkInclusion: [Bool]
        /// Per constraint: matching pods per domain, when the index serves them (never for hostname keys, whose
        /// domains are the nodes).
        let totals: [DomainTotals?]

        /// Whether constraint `i`'s per-domain totals are exactly what adding the eligible nodes' counts would
        /// give: every node is included, and no node is left out for lacking a key (`requireAllKeys`: any
        /// constraint's key, else its own key, whose nodes count in the domain "" — `missingPresent` tells whether
        /// that domain is among the counted ones).
        func totalsApply(_ i: Int, nodeCount: Int, requireAllKeys: Bool, missingPresent: Bool) -> Bool {
            guard totals[i] != nil, !checkInclusion[i] else { return false }
            if requireAllKeys { return domains.allSatisfy { $0.labelledNodeCount == nodeCount } }
            return domains[i].labelledNodeCount == nodeCount || !missingPresent
        }
    }

    static func indexedInputs(_ constraints: [SpreadConstraint], pod: PodInfo, index: PodIndex) -> IndexedInputs? {
        guard index.isEnabled else { return nil }
        var domains: [TopologyDomains] = []
        var counts: [SlotCounts?] = []
        var totals: [DomainTotals?] = []
        var complete = true
        for constraint in constraints {
            // Ask for everything before giving up, so one cycle registers all of it.
            if let found = index.domains(forKey: constraint.topologyKey) {
                domains.append(found)
            } else {
                complete = false
            }
            if constraint.selector.isEmpty || constraint.selector.matchesNothing {
                counts.append(nil)
                totals.append(nil)
                continue
            }
            let matcher = PodMatcher(
                clauses: [.init(selector: constraint.selector, namespaces: [pod.namespace])],
                excludeTerminating: true
            )
            if let found = index.counts(for: matcher) { counts.append(found) } else { complete = false }
            // Optional: without them the nodes' counts are added up.
            totals.append(constraint.isHostname ? nil : index.totals(for: matcher, key: constraint.topologyKey))
        }
        guard complete else { return nil }
        let podHasNodeAffinity = !pod.requiredNodeAffinity.isEmpty
        let checkInclusion = constraints.map { ($0.honorNodeAffinity && podHasNodeAffinity) || $0.honorNodeTaints }
        return IndexedInputs(domains: domains, counts: counts, checkInclusion: checkInclusion, totals: totals)
    }

    /// Hard constraints through the index, with each constraint's slot → domain table; nil when it does not serve
    /// them (yet).
    func indexedHardCounts(
        _ constraints: [SpreadConstraint],
        pod: PodInfo,
        snapshot: Snapshot
    ) -> (counts: [DomainCounts], domains: [TopologyDomains])? {
        guard let inputs = Self.indexedInputs(constraints, pod: pod, index: snapshot.podIndex) else { return nil }
        var tables = inputs.domains.map { DomainCounts(domains: $0) }
        // Nodes lacking a key are left out, so a domain is counted when some node has it.
        var scanned: [Int] = []
        for i in constraints.indices {
            guard inputs.totalsApply(i, nodeCount: snapshot.count, requireAllKeys: true, missingPresent: false),
                let totals = inputs.totals[i]
            else {
                scanned.append(i)
                continue
            }
            let domains = inputs.domains[i]
            for id in 0..<Int32(domains.count) where domains.nodeCount(ofDomain: id) > 0 {
                tables[i].add(id: id, Int(totals[domain: id]))
            }
        }
        guard !scanned.isEmpty else { return (tables, inputs.domains) }
        let slots = snapshot.nodeSlots
        nodes: for n in 0..<snapshot.count {
            let slot = slots[n]
            for i in constraints.indices where inputs.domains[i].domain(ofSlot: slot) < 0 { continue nodes }
            for i in scanned {
                if inputs.checkInclusion[i] && !constraints[i].includes(snapshot.nodes[n].node, for: pod) { continue }
                tables[i].add(id: inputs.domains[i].domain(ofSlot: slot), Int(inputs.counts[i]?[slot] ?? 0))
            }
        }
        return (tables, inputs.domains)
    }

    /// Hard constraints by matching every pod of every eligible node (upstream's algorithm).
    static func scannedHardCounts(_ constraints: [SpreadConstraint], pod: PodInfo, snapshot: Snapshot) -> [DomainCounts]
    {
        var tables = [DomainCounts](repeating: DomainCounts(), count: constraints.count)
        let namespace = pod.namespace
        for node in snapshot.nodes {
            let labels = node.node.metadata.labels
            guard hasAllKeys(labels, constraints) else { continue }
            for (i, constraint) in constraints.enumerated() where constraint.includes(node.node, for: pod) {
                let value = labels?[constraint.topologyKey] ?? ""
                tables[i].add(value, countMatching(node.pods, constraint.selector, namespace: namespace))
            }
        }
        return tables
    }

    /// PreScore's counts: feasible nodes not scored, per-domain counts, per-node counts for hostname constraints.
    struct SoftCounts {
        var ignoredNodes: Set<String> = []
        var domainCounts: [DomainCounts]
        /// Empty when Score counts hostname domains from the node's pods.
        var hostCounts: [SlotCounts?] = []
        /// Per constraint, when the index served the counts: the slot → domain table the ids above use (empty
        /// otherwise).
        var domains: [TopologyDomains] = []
    }

    /// Soft constraints through the index; nil when it does not serve them (yet).
    func indexedSoftCounts(
        _ constraints: [SpreadConstraint],
        pod: PodInfo,
        nodes: NodeList,
        requireAllTopologies: Bool
    ) -> SoftCounts? {
        let snapshot = nodes.snapshot
        guard let inputs = Self.indexedInputs(constraints, pod: pod, index: snapshot.podIndex) else { return nil }
        // A node without a key is the domain "" (upstream reads the missing label as ""): that value's id, or one
        // past the interned ones.
        var tables = constraints.indices.map { i in
            constraints[i].isHostname ? DomainCounts() : DomainCounts(domains: inputs.domains[i], extra: 1)
        }
        let missing = inputs.domains.map { $0.idOfValue[""] ?? Int32($0.count) }
        let slots = snapshot.nodeSlots
        @inline(__always) func hasAllKeys(_ slot: Int32) -> Bool {
            for i in constraints.indices where inputs.domains[i].domain(ofSlot: slot) < 0 { return false }
            return true
        }
        @inline(__always) func domain(_ i: Int, _ slot: Int32) -> Int32 {
            let d = inputs.domains[i].domain(ofSlot: slot)
            return d < 0 ? missing[i] : d
        }
        var result = SoftCounts(domainCounts: [])
        for k in nodes.indices {
            let slot = slots[nodes.nodeIndices[k]]
            if requireAllTopologies && !hasAllKeys(slot) {
                result.ignoredNodes.insert(nodes[k].name)
                continue
            }
            for i in constraints.indices where !constraints[i].isHostname { tables[i].add(id: domain(i, slot), 0) }
        }
        // Only domains of feasible nodes matter: read their totals when those are exact, else add up every node.
        var scanned: [Int] = []
        for i in constraints.indices where !constraints[i].isHostname {
            let exact = inputs.totalsApply(
                i,
                nodeCount: snapshot.count,
                requireAllKeys: requireAllTopologies,
                missingPresent: tables[i].isPresent(id: missing[i])
            )
            guard exact, let totals = inputs.totals[i] else {
                scanned.append(i)
                continue
            }
            for id in tables[i].order { tables[i].add(id: id, Int(totals[domain: id])) }
        }
        for n in 0..<snapshot.count where !scanned.isEmpty {
            let slot = slots[n]
            if requireAllTopologies && !hasAllKeys(slot) { continue }
            for i in scanned {
                let d = domain(i, slot)
                // Only domains of feasible nodes matter.
                guard tables[i].isPresent(id: d) else { continue }
                if inputs.checkInclusion[i] && !constraints[i].includes(snapshot.nodes[n].node, for: pod) { continue }
                tables[i].add(id: d, Int(inputs.counts[i]?[slot] ?? 0))
            }
        }
        result.domainCounts = tables
        result.hostCounts = inputs.counts
        result.domains = inputs.domains
        return result
    }

    /// Soft constraints by matching every pod of every eligible node (upstream's algorithm).
    static func scannedSoftCounts(
        _ constraints: [SpreadConstraint],
        pod: PodInfo,
        nodes: NodeList,
        requireAllTopologies: Bool
    ) -> SoftCounts {
        var result = SoftCounts(domainCounts: [DomainCounts](repeating: DomainCounts(), count: constraints.count))
        for node in nodes {
            let labels = node.node.metadata.labels
            if requireAllTopologies && !hasAllKeys(labels, constraints) {
                result.ignoredNodes.insert(node.name)
                continue
            }
            for (i, constraint) in constraints.enumerated() where !constraint.isHostname {
                result.domainCounts[i].add(labels?[constraint.topologyKey] ?? "", 0)
            }
        }
        let namespace = pod.namespace
        for node in nodes.snapshot.nodes {
            let labels = node.node.metadata.labels
            if requireAllTopologies && !hasAllKeys(labels, constraints) { continue }
            for (i, constraint) in constraints.enumerated() where !constraint.isHostname {
                let value = labels?[constraint.topologyKey] ?? ""
                let id = result.domainCounts[i].id(of: value)
                // Only domains of feasible nodes matter.
                guard result.domainCounts[i].isPresent(id: id), constraint.includes(node.node, for: pod) else {
                    continue
                }
                result.domainCounts[i].add(id: id, countMatching(node.pods, constraint.selector, namespace: namespace))
            }
        }
        return result
    }
}
