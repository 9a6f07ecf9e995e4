import KubeAPI
import SchedulerFramework

extension NodeVolumeLimits {
    /// Batch Filter: the cycle state, the pod's unique volumes per driver and the CSINode map are read once per
    /// batch; a node then costs one read of its slot in each of the pod's drivers' limit arrays
    /// (``CSILimitTable``; a CSINode lookup by name for nodes the table does not cover) and two integer reads of
    /// its node info (no copy of the node info, no allocation). Nodes the fast path cannot decide take
    /// ``filter(state:pod:node:)``.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        if pod.pod.spec.volumes?.isEmpty ?? true { return }
        guard let prepared = state.read(Self.preFilterKey), !prepared.needsPerNodeResolution,
            let byName = prepared.csiNodesByName
        else {
            filterEach(state: state, pod: pod, nodes: nodes, statuses: statuses)
            return
        }
        if let failure = prepared.unconditionalFailure {
            for k in 0..<nodes.count where statuses[k] == nil { statuses[k] = failure }
            return
        }
        // No counted volume: every node passes (``fastFilter(_:csiNode:node:)``'s second rule).
        if prepared.countsWithCSINode.isEmpty || byName.isEmpty { return }
        let table = prepared.limitTable
        // Taken into locals once, so the per-node reads retain nothing.
        let slotLimits = prepared.slotLimits
        for k in 0..<nodes.count where statuses[k] == nil {
            if let table, table.covers(nodes[k]) {
                // The same rules on the slot's limits: no integer but the node's own is read by name.
                let slot = Int(nodes[k].indexSlot)
                var room = Int64.max
                var passes = false
                for i in slotLimits.indices {
                    let limit = slotLimits[i].limits[slot]
                    let count = slotLimits[i].count
                    if limit == CSILimitTable.passes {
                        passes = true
                        break
                    }
                    if limit != CSILimitTable.unlimited { room = min(room, limit - count) }
                }
                if passes { continue }
                if let claims = Self.claimCountUpperBound(nodes[k]),
                    Int64(claims + prepared.attachmentCount(on: nodes[k].name)) <= room
                {
                    continue
                }
                let status = filter(state: state, pod: pod, node: nodes[k])
                if status.code != .success { statuses[k] = status }
                continue
            }
            guard let csiNode = byName[nodes[k].name] else { continue }  // no CSINode: no limits
            if csiNode.attachLimits.isEmpty { continue }
            var room = Int.max
            for (driver, count) in prepared.countsWithCSINode {
                guard let limit = csiNode.limit(of: driver) else { continue }
                room = min(room, limit - count)
            }
            // The full path would still resolve the node's pods (whose resolution may fail): only when none can
            // fail and even all of them fit is the outcome known here.
            if let claims = Self.claimCountUpperBound(nodes[k]),
                claims + prepared.attachmentCount(on: nodes[k].name) <= room
            {
                continue
            }
            let status = filter(state: state, pod: pod, node: nodes[k])
            if status.code != .success { statuses[k] = status }
        }
    }

    /// The per-node Filter for each pending node (the protocol's default behaviour).
    private func filterEach(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        for k in 0..<nodes.count where statuses[k] == nil {
            let status = filter(state: state, pod: pod, node: nodes[k])
            if status.code != .success { statuses[k] = status }
        }
    }
}
