import KubeAPI
import SchedulerFramework

/// Rejects nodes with a NoSchedule/NoExecute taint the pod does not tolerate, and prefers nodes with fewer
/// untolerated PreferNoSchedule taints. Upstream's `tainttoleration.TaintToleration` (v1.35).
package final class TaintToleration: FilterPlugin, PreScorePlugin, NormalizeScorePlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.taintToleration
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// The rejection reason since v1.35 (the taint itself is no longer printed).
    package static let reasonUntoleratedTaint = "node(s) had untolerated taint(s)"

    /// Where PreScore leaves the pod's PreferNoSchedule tolerations for Score.
    static let preScoreKey = StateKey<PreScoreState>("PreScore" + TaintToleration.name)

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {}

    /// The first NoSchedule or NoExecute taint, in node order, that no toleration tolerates.
    package static func firstUntoleratedTaint(_ taints: [Taint], tolerations: [Toleration]) -> Taint? {
        for taint in taints where taint.effect == Taint.noSchedule || taint.effect == Taint.noExecute {
            if !tolerates(tolerations, taint) { return taint }
        }
        return nil
    }

    static func tolerates(_ tolerations: [Toleration], _ taint: Taint) -> Bool {
        for toleration in tolerations where toleration.tolerates(taint) { return true }
        return false
    }

    /// Number of PreferNoSchedule taints not tolerated by `tolerations`.
    static func countIntolerablePreferNoSchedule(_ taints: [Taint], tolerations: [Toleration]) -> Int64 {
        var count: Int64 = 0
        for taint in taints where taint.effect == Taint.preferNoSchedule && !tolerates(tolerations, taint) {
            count += 1
        }
        return count
    }

    /// Tolerations that can tolerate PreferNoSchedule taints: effect PreferNoSchedule or empty.
    static func preferNoScheduleTolerations(_ pod: Pod) -> [Toleration] {
        (pod.spec.tolerations ?? []).filter { ($0.effect ?? "").isEmpty || $0.effect == Taint.preferNoSchedule }
    }

    final class PreScoreState: StateData {
        let tolerations: [Toleration]
        init(tolerations: [Toleration]) { self.tolerations = tolerations }
        func clone() -> any StateData { self }
    }
}

extension TaintToleration {
    /// UnschedulableAndUnresolvable when a NoSchedule/NoExecute taint is not tolerated.
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard let taints = node.node.spec.taints, !taints.isEmpty else { return .success }
        if Self.firstUntoleratedTaint(taints, tolerations: pod.pod.spec.tolerations ?? []) == nil { return .success }
        return Status(.unschedulableAndUnresolvable, Self.reasonUntoleratedTaint)
    }

    /// Batch Filter: the pod's tolerations are read once; untainted nodes cost one check.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        let tolerations = pod.pod.spec.tolerations ?? []
        for k in 0..<nodes.count where statuses[k] == nil && nodes[k].hasTaints {
            guard let taints = nodes[k].node.spec.taints, !taints.isEmpty else { continue }
            if Self.firstUntoleratedTaint(taints, tolerations: tolerations) != nil {
                statuses[k] = Status(.unschedulableAndUnresolvable, Self.reasonUntoleratedTaint)
            }
        }
    }
}

extension TaintToleration {
    /// Keeps the tolerations that matter for PreferNoSchedule taints (effect empty or PreferNoSchedule).
    package func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        state.write(PreScoreState(tolerations: Self.preferNoScheduleTolerations(pod.pod)), for: Self.preScoreKey)
        return .success
    }
}

extension TaintToleration {
    /// The number of untolerated PreferNoSchedule taints (lower is better; NormalizeScore reverses it).
    package func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        guard let taints = node.node.spec.taints, !taints.isEmpty else { return (0, .success) }
        let tolerations = state.read(Self.preScoreKey)?.tolerations ?? Self.preferNoScheduleTolerations(pod.pod)
        return (Self.countIntolerablePreferNoSchedule(taints, tolerations: tolerations), .success)
    }

    /// Batch Score: the PreferNoSchedule tolerations are read once per batch.
    package func score(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        scores: UnsafeMutableBufferPointer<Int64>
    ) -> Status {
        var tolerations: [Toleration]?
        for k in 0..<nodes.count {
            guard nodes[k].hasTaints, let taints = nodes[k].node.spec.taints, !taints.isEmpty else {
                scores[k] = 0
                continue
            }
            if tolerations == nil {
                tolerations = state.read(Self.preScoreKey)?.tolerations ?? Self.preferNoScheduleTolerations(pod.pod)
            }
            scores[k] = Self.countIntolerablePreferNoSchedule(taints, tolerations: tolerations ?? [])
        }
        return Status(.success)
    }

    /// Reversed default normalization: no taint scores 100, the most-tainted node scores 0.
    package func normalizeScores(state: CycleState, pod: PodInfo, nodes: NodeList, scores: inout [Int64]) -> Status {
        let maxCount = scores.max() ?? 0
        guard maxCount > 0 else {
            for i in scores.indices { scores[i] = NodeScoreRange.max }
            return .success
        }
        for i in scores.indices {
            scores[i] = NodeScoreRange.max - NodeScoreRange.max &* scores[i] / maxCount
        }
        return .success
    }
}

extension TaintToleration {
    /// A node losing an untolerated taint (or added without one), or the pod's own tolerations changing.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(resource: .node, action: [.add, .updateNodeTaint], label: "NodeAdd|UpdateNodeTaint"),
                hint: { pod, old, new in
                    guard let modified = new?.node else { return .queue }
                    let tolerations = pod.spec.tolerations ?? []
                    let wasUntolerated =
                        old?.node.map {
                            TaintToleration.firstUntoleratedTaint($0.taints, tolerations: tolerations) != nil
                        } ?? true
                    let isUntolerated =
                        TaintToleration.firstUntoleratedTaint(modified.taints, tolerations: tolerations) != nil
                    return wasUntolerated && !isUntolerated ? .queue : .skip
                }
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .pod, action: .updatePodToleration, label: "PodUpdatePodToleration"),
                hint: { pod, _, new in new?.pod?.uid == pod.uid ? .queue : .skip }
            ),
        ]
    }
}
