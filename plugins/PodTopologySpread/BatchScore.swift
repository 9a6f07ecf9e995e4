import KubeAPI
import SchedulerFramework

extension PodTopologySpread {
    /// Batch Score: the PreScore state and each constraint's lookups are read once per batch, and node infos are
    /// read in place; the same arithmetic as ``score(state:pod:node:)``.
    package func score(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        scores: UnsafeMutableBufferPointer<Int64>
    ) -> Status {
        guard let prepared = state.read(Self.preScoreKey) else {
            return .error("error reading \"\(Self.preScoreKey.name)\" from cycleState: not found")
        }
        let constraints = prepared.constraints
        let keys = constraints.map(\.topologyKey)
        let isHostname = constraints.map(\.isHostname)
        let offsets = constraints.map { Double($0.maxSkew - 1) }
        let domainCounts = prepared.domainCounts
        let hostCounts = prepared.hostCounts
        let useSlots = !hostCounts.isEmpty
        let weights = prepared.weights
        let ignored = prepared.ignoredNodes
        let namespace = prepared.namespace
        if useSlots && prepared.domains.count == keys.count {
            // The index counted: per node and constraint, integer reads by slot (no label lookup or hashing).
            let domains = prepared.domains
            for k in 0..<nodes.count {
                let slot = nodes[k].indexSlot
                if slot < 0 {
                    // A node the index does not know: the per-node path (labels and the node's pods).
                    scores[k] = self.score(state: state, pod: pod, node: nodes[k]).score
                    continue
                }
                if !ignored.isEmpty && ignored.contains(nodes[k].name) {
                    scores[k] = 0
                    continue
                }
                var score = 0.0
                for i in keys.indices {
                    let domain = domains[i].domain(ofSlot: slot)
                    // No such label on the node: the constraint does not score it.
                    guard domain >= 0 else { continue }
                    let count =
                        isHostname[i] ? Int(hostCounts[i]?[slot] ?? 0) : domainCounts[i].count(id: domain)
                    score += Double(count) * weights[i] + offsets[i]
                }
                scores[k] = Int64(score.rounded(.toNearestOrAwayFromZero))
            }
            return .success
        }
        for k in 0..<nodes.count {
            if !ignored.isEmpty && ignored.contains(nodes[k].name) {
                scores[k] = 0
                continue
            }
            let slot = nodes[k].indexSlot
            var score = 0.0
            for i in keys.indices {
                guard let value = nodes[k].node.metadata.labels?[keys[i]] else { continue }
                let count: Int
                if !isHostname[i] {
                    count = domainCounts[i].count(value)
                } else if useSlots && slot >= 0 {
                    count = Int(hostCounts[i]?[slot] ?? 0)
                } else {
                    count = Self.countMatching(nodes[k].pods, constraints[i].selector, namespace: namespace)
                }
                score += Double(count) * weights[i] + offsets[i]
            }
            scores[k] = Int64(score.rounded(.toNearestOrAwayFromZero))
        }
        return .success
    }
}
