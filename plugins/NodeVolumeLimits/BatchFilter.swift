import KubeAPI
import SchedulerFramework

extension NodeVolumeLimits {
    /// Batch Filter: the cycle state, the pod's unique volumes per driver and the CSINode map are read once per
    /// batch; a node then costs one CSINode lookup and two integer reads of its node info (no copy of the node
    /// info, no allocation). Nodes the fast path cannot decide take ``filter(state:pod:node:)``.
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
        for k in 0..<nodes.count where statuses[k] == nil {
            guard let csiNode = byName[nodes[k].name] else { continue }  // no CSINode: no limits
            if csiNode.attachLimits.isEmpty { continue }
            var room = Int.max
            for (driver, count) in prepared.countsWithCSINode {
                guard let limit = csiNode.limit(of: driver) else { continue }
                room = min(room, limit - count)
            }
            // The full path would still resolve the node's pods (whose resolution may fail): only when none can
            // fail and even all of them fit is the outcome known here.
            if let bound = Self.claimCountUpperBound(nodes[k]), bound <= room { continue }
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
