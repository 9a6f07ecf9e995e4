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
