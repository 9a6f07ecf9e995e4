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
    }

    static func indexedInputs(_ constraints: [SpreadConstraint], pod: PodInfo, index: PodIndex) -> IndexedInputs? {
        guard index.isEnabled else { return nil }
        var domains: [TopologyDomains] = []
        var counts: [SlotCounts?] = []
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
                continue
            }
            let matcher = PodMatcher(
                clauses: [.init(selector: constraint.selector, namespaces: [pod.namespace])],
                excludeTerminating: true
            )
            if let found = index.counts(for: matcher) { counts.append(found) } else { complete = false }
        }
        guard complete else { return nil }
        let podHasNodeAffinity = !pod.requiredNodeAffinity.isEmpty
        let checkInclusion = constraints.map { ($0.honorNodeAffinity && podHasNodeAffinity) || $0.honorNodeTaints }
        return IndexedInputs(domains: domains, counts: counts, checkInclusion: checkInclusion)
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
        let slots = snapshot.nodeSlots
        nodes: for n in 0..<snapshot.count {
            let slot = slots[n]
            for i in constraints.indices where inputs.domains[i].domain(ofSlot: slot) < 0 { continue nodes }
            for i in constraints.indices {
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
        for n in 0..<snapshot.count {
            let slot = slots[n]
            if requireAllTopologies && !hasAllKeys(slot) { continue }
            for i in constraints.indices where !constraints[i].isHostname {
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
