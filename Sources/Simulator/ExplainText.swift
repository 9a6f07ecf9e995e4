import SchedulerFramework

/// The text form of explanations: nodes grouped by verdict and reason (so 5,000 nodes stay readable), the score
/// table of the best nodes, the selection, PostFilter/preemption and the verified suggestions.
package enum ExplainText {
    /// Node names shown per group before "+N more".
    static let namesPerGroup = 8
    /// Score rows shown (the best ones).
    static let scoreRows = 10

    package static func render(_ explanations: [String: PodExplanations], order: [PodOutcome]) -> String {
        var out: [String] = []
        for outcome in order {
            guard let pod = explanations["\(outcome.namespace)/\(outcome.name)"] else { continue }
            for (index, attempt) in pod.attempts.enumerated() {
                out.append(render(attempt, attempt: index + 1, of: pod.attempts.count))
            }
        }
        return out.joined(separator: "\n\n")
    }

    package static func render(_ e: PodExplanation, attempt: Int = 1, of attempts: Int = 1) -> String {
        var lines: [String] = []
        let attemptText = attempts > 1 ? ", attempt \(attempt) of \(attempts)" : ""
        lines.append(
            "EXPLAIN \(e.namespace)/\(e.name) (profile \(e.profile), \(e.numAllNodes) nodes\(attemptText)): \(e.outcome.rawValue)"
        )
        // PreFilter.
        var preFilter: [String] = []
        if let rejection = e.preFilter.rejection {
            preFilter.append("rejected by \(rejection.plugin ?? "?") (\(rejection.code)): \(rejection.message)")
        }
        if !e.preFilter.narrowedBy.isEmpty {
            preFilter.append(
                "\(e.preFilter.narrowedBy.joined(separator: ", ")) narrowed the candidates to \(e.preFilter.narrowedTo ?? 0) node(s)"
            )
        }
        if !e.preFilter.skipped.isEmpty {
            preFilter.append("Filter skipped for \(e.preFilter.skipped.joined(separator: ", "))")
        }
        lines.append("  PreFilter: " + (preFilter.isEmpty ? "passed" : preFilter.joined(separator: "; ")))

        // Filter, grouped.
        if e.preFilter.rejection == nil && !e.nodes.isEmpty {
            if e.selectionReason == .nominatedNode {
                lines.append(
                    "  Filter: the nominated node \(e.selectedNode ?? "") still fits; no other node was scanned"
                )
            } else {
                lines.append(
                    "  Filter: looking for \(e.numFeasibleNodesToFind) feasible node(s) (numFeasibleNodesToFind from percentageOfNodesToScore)"
                )
            }
            var rows: [[String]] = []
            for group in e.groups {
                let names = nameList(group.nodes)
                switch group.state {
                case .feasible:
                    rows.append(["feasible", "", "", "", "\(group.nodes.count)", names])
                case .rejected, .preFilterRejected:
                    rows.append([
                        group.state == .rejected ? "rejected" : "excluded by PreFilter",
                        group.verdict?.plugin ?? "", group.verdict?.code ?? "", group.verdict?.message ?? "",
                        "\(group.nodes.count)", names,
                    ])
                case .notEvaluated:
                    let why =
                        e.selectionReason == .nominatedNode
                        ? "nominated node fitted" : "enough feasible nodes found (percentageOfNodesToScore)"
                    rows.append(["not evaluated", "", "", why, "\(group.nodes.count)", names])
                }
            }
            lines += indent(SimulationReport.table(rows), by: 4)
        }

        // Score.
        if !e.scores.isEmpty {
            if e.scoreColumns.isEmpty {
                lines.append("  Score: no Score plugins; every feasible node scores the same")
            } else {
                lines.append("  Score (raw/normalized per plugin; total = Σ normalized × weight):")
                let header = ["NODE"] + e.scoreColumns.map { "\($0.plugin) ×\($0.weight)" } + ["TOTAL"]
                var rows = [header]
                for score in e.scores.prefix(scoreRows) {
                    let marker = score.node == e.selectedNode ? " *" : ""
                    rows.append(
                        [score.node + marker] + score.raw.indices.map { "\(score.raw[$0])/\(score.normalized[$0])" }
                            + ["\(score.total)"]
                    )
                }
                lines += indent(SimulationReport.table(rows), by: 4)
                if e.scores.count > scoreRows {
                    lines.append("    … \(e.scores.count - scoreRows) more feasible node(s) scored lower")
                }
            }
            if !e.skippedScorePlugins.isEmpty {
                lines.append("  Score skipped by PreScore: \(e.skippedScorePlugins.joined(separator: ", "))")
            }
        }

        // Selection.
        if let node = e.selectedNode {
            let why: String
            switch e.selectionReason {
            case .nominatedNode?: why = "the node nominated by an earlier preemption still fits"
            case .onlyFeasibleNode?: why = "the only feasible node (scoring skipped)"
            case .tieBrokenBySeed?:
                why =
                    "\(e.tiedNodes) nodes tie at total \(e.scores.first?.total ?? 0); the seeded tie-breaker picked it"
            case .highestScore?:
                let second = e.scores.dropFirst().first.map { ", next best \($0.node) with \($0.total)" } ?? ""
                why = "highest total score \(e.scores.first?.total ?? 0)\(second)"
            case nil: why = ""
            }
            lines.append("  Selected: \(node) — \(why)")
        }

        // PostFilter.
        for postFilter in e.postFilter {
            if postFilter.notRun {
                lines.append(
                    "  PostFilter \(postFilter.plugin): not run (an earlier PostFilter plugin succeeded or found the pod unresolvable)"
                )
                continue
            }
            guard postFilter.explained else {
                lines.append(
                    "  PostFilter \(postFilter.plugin): not explained (it cannot say what it would do without doing it)"
                )
                continue
            }
            guard let report = postFilter.preemption else {
                // Any other PostFilter plugin: what it returned, and the node it nominated.
                let code = postFilter.verdict?.code ?? "Success"
                let message = postFilter.verdict.map { $0.message.isEmpty ? "" : ": \($0.message)" } ?? ""
                lines.append(
                    "  PostFilter \(postFilter.plugin): \(code)\(message); nominated node: \(postFilter.nominatedNode ?? "none")"
                )
                continue
            }
            if let reason = report.ineligibleReason {
                lines.append("  PostFilter \(postFilter.plugin): the pod may not preempt: \(reason)")
                continue
            }
            lines.append(
                "  PostFilter \(postFilter.plugin): \(report.potentialNodes) node(s) could be helped by evicting pods; \(report.candidates.count) candidate(s)"
            )
            for candidate in report.candidates.prefix(scoreRows) {
                let victims = zip(candidate.victims, candidate.victimPriorities).map { "\($0) (priority \($1))" }
                let chosen = candidate.node == report.chosen ? "  <- chosen: \(report.decidedBy ?? "")" : ""
                lines.append(
                    "    \(candidate.node): evict \(victims.joined(separator: ", ")); \(candidate.pdbViolations) PDB violation(s)\(chosen)"
                )
            }
            if report.chosen == nil {
                lines.append("    no node where preemption helps: \(report.status.message)")
            }
        }
        if let message = e.message { lines.append("  Message: \(message)") }

        // Suggestions.
        if !e.suggestions.isEmpty {
            lines.append("  What would make it fit (each verified by re-running the cycle with the change):")
            for (index, suggestion) in e.suggestions.enumerated() {
                lines.append(
                    "    \(index + 1). \(suggestion.change): opens \(suggestion.opensNodes.count) node(s) [\(nameList(suggestion.opensNodes))]; would land on \(suggestion.wouldLandOn ?? "?")"
                )
            }
        }
        if !e.rejectedSuggestions.isEmpty {
            lines.append("  Tried and not offered (re-running shows the pod would still not fit, or as noted):")
            for suggestion in e.rejectedSuggestions {
                let why = suggestion.notOfferedBecause.map { " — not tried: \($0)" } ?? ""
                lines.append("    - \(suggestion.change)\(why)")
            }
        }
        if e.outcome == .unschedulable && e.suggestionsWorkedOut && e.suggestions.isEmpty
            && e.rejectedSuggestions.isEmpty
        {
            lines.append("  What would make it fit: no change found")
        }
        return lines.joined(separator: "\n")
    }

    static func nameList(_ names: [String]) -> String {
        let shown = names.prefix(namesPerGroup).joined(separator: ", ")
        return names.count > namesPerGroup ? shown + ", … (+\(names.count - namesPerGroup) more)" : shown
    }

    static func indent(_ text: String, by spaces: Int) -> [String] {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }
    }
}
