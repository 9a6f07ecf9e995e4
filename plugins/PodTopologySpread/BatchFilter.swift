import SchedulerFramework

extension PodTopologySpread {
    /// Batch Filter: the PreFilter state and each constraint's skew limit are read once per batch. When the
    /// snapshot's index counted the domains, a node's domain is its slot's interned id, so the per-node work is
    /// integer reads (no label lookup, no hashing of values); otherwise each node goes through
    /// ``filter(state:pod:node:)``. The same verdicts, in the same constraint order.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        guard let prepared = state.read(Self.preFilterKey), let slotDomains = prepared.slotDomains else {
            for k in 0..<nodes.count where statuses[k] == nil {
                let status = filter(state: state, pod: pod, node: nodes[k])
                if status.code != .success { statuses[k] = status }
            }
            return
        }
        let tables = prepared.domainCounts
        let count = tables.count
        // count(domain) + selfMatch − globalMin ≤ maxSkew  ⇔  count(domain) ≤ maxSkew − selfMatch + globalMin.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { limits in
            for i in 0..<count {
                limits[i] = Int(prepared.constraints[i].maxSkew) - prepared.selfMatch[i] + prepared.minMatch(i)
            }
            for k in 0..<nodes.count where statuses[k] == nil {
                let slot = nodes[k].indexSlot
                guard slot >= 0 else {
                    // Not in the index (cannot happen for a snapshot the index counted): the per-node path.
                    let status = filter(state: state, pod: pod, node: nodes[k])
                    if status.code != .success { statuses[k] = status }
                    continue
                }
                for i in 0..<count {
                    let id = slotDomains[i].domain(ofSlot: slot)
                    if id < 0 {
                        statuses[k] = Status(.unschedulableAndUnresolvable, Self.reasonNodeLabelNotMatch)
                        break
                    }
                    if tables[i].count(id: id) > limits[i] {
                        statuses[k] = Status(.unschedulable, Self.reasonConstraintsNotMatch)
                        break
                    }
                }
            }
        }
    }
}
