/// One node where preemption would make room: the pods to evict there, most important first.
package struct PreemptionCandidateReport: Sendable, Equatable {
    package var node: String
    /// `namespace/name` of each victim, most important first.
    package var victims: [String]
    package var victimPriorities: [Int32]
    package var pdbViolations: Int

    package init(node: String, victims: [String], victimPriorities: [Int32], pdbViolations: Int) {
        self.node = node
        self.victims = victims
        self.victimPriorities = victimPriorities
        self.pdbViolations = pdbViolations
    }
}

/// What a preemption PostFilter would do for a pod, worked out without evicting anything.
package struct PreemptionReport: Sendable, Equatable {
    /// Why the pod may not preempt at all (upstream's reason), or nil.
    package var ineligibleReason: String?
    /// How many nodes failed as Unschedulable (only those can be helped by evicting pods).
    package var potentialNodes: Int = 0
    /// The candidates the dry run found, PDB-respecting ones first.
    package var candidates: [PreemptionCandidateReport] = []
    /// The node preemption would nominate.
    package var chosen: String?
    /// Which of upstream's node criteria decided between the candidates.
    package var decidedBy: String?
    /// Nodes where the dry run found no way to make the pod fit, with why.
    package var failures: [String: Status] = [:]
    /// What the PostFilter plugin returns (its message is upstream's).
    package var status: Status = .success

    package init() {}
}

/// A PostFilter plugin that can say what it would do without doing it (no eviction, no nomination, no change to
/// its own state). `explain` uses it; plugins that do not conform are reported as not explained.
package protocol PreemptionExplaining: PostFilterPlugin {
    func explainPreemption(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> PreemptionReport
}
