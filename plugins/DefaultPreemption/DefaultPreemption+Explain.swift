import KubeAPI
import PluginSupport
import SchedulerFramework
import Synchronization

extension DefaultPreemption: PreemptionExplaining {
    /// What ``postFilter(state:pod:snapshot:nodeStatuses:)`` would do, without evicting, nominating or advancing
    /// the candidate scan's random offset: the same eligibility check, dry run and choice of node.
    package func explainPreemption(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> PreemptionReport {
        var report = PreemptionReport()
        guard let services = handle.services else {
            report.status = .error("preemption needs the scheduler's framework services")
            return report
        }
        let preemptor = services.latestPod(uid: pod.uid).map(PodInfo.init) ?? pod
        let nominatedNode = preemptor.pod.status?.nominatedNodeName ?? ""
        if let reason = ineligibility(
            preemptor,
            nominatedNode: nominatedNode,
            snapshot: snapshot,
            nodeStatuses: nodeStatuses
        ) {
            report.ineligibleReason = reason
            report.status = Status(.unschedulable, "preemption: " + reason)
            return report
        }
        let potential = snapshot.nodes.indices.filter {
            nodeStatuses.status(of: snapshot.nodes[$0].name)?.code == .unschedulable
        }
        report.potentialNodes = potential.count
        var statuses = NodeToStatus()
        var candidates: [Candidate] = []
        if !potential.isEmpty {
            // The offset the next real preemption would draw, without drawing it.
            let offset = offsetGenerator.withLock { generator in
                var copy = generator
                return Int(copy.next() % UInt64(potential.count))
            }
            (candidates, statuses) = dryRun(
                state: state,
                pod: preemptor,
                snapshot: snapshot,
                potential: potential,
                offset: offset,
                wanted: candidateCount(numNodes: potential.count),
                services: services
            )
        }
        report.candidates = candidates.map {
            PreemptionCandidateReport(
                node: $0.nodeName,
                victims: $0.victims.map(\.key),
                victimPriorities: $0.victims.map(\.priority),
                pdbViolations: $0.pdbViolations
            )
        }
        report.failures = statuses.statuses
        guard let best = select(candidates) else {
            statuses.absentStatus = Status(.unschedulableAndUnresolvable, Self.reasonNotHelpful)
            let message = FitError(podKey: preemptor.key, numAllNodes: snapshot.count, diagnosis: diagnosis(statuses))
                .message
            report.status = Status(.unschedulable, "preemption: " + message)
            return report
        }
        report.chosen = best.nodeName
        report.decidedBy = decidingCriterion(candidates, chosen: best)
        return report
    }

    /// The first of upstream's criteria (in ``select(_:)``'s order) that left only the chosen candidate.
    func decidingCriterion(_ candidates: [Candidate], chosen: Candidate) -> String {
        guard candidates.count > 1 else { return "the only candidate" }
        let criteria: [(String, (Candidate) -> Double)] = [
            ("fewest PodDisruptionBudget violations", { -Double($0.pdbViolations) }),
            ("lowest priority of its most important victim", { -Double($0.victims.first?.priority ?? 0) }),
            (
                "smallest sum of victim priorities",
                { -$0.victims.reduce(0.0) { $0 + Double(Int64($1.priority) + Int64(Int32.max) + 1) } }
            ),
            ("fewest victims", { -Double($0.victims.count) }),
            (
                "latest start among its most important victims",
                { candidate in
                    let top = candidate.victims.first?.priority ?? 0
                    return candidate.victims.filter { $0.priority == top }.map { Self.startTime($0.pod) }.min()
                        ?? -Double.greatestFiniteMagnitude
                }
            ),
        ]
        var remaining = candidates
        for (name, score) in criteria {
            let scores = remaining.map(score)
            guard let best = scores.max() else { break }
            remaining = zip(remaining, scores).filter { $0.1 == best }.map(\.0)
            if remaining.count == 1 { return name }
        }
        return "first of the equally good candidates in scan order"
    }
}
