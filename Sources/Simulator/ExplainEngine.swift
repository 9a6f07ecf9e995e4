import KubeAPI
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime

/// Replays one scheduling cycle for a pod with every verdict and score kept, on a snapshot it is given: the same
/// PreFilter, Filter order, numFeasibleNodesToFind, Score arithmetic and seeded tie-break as the scheduler's cycle,
/// but sequential and writing nothing (preemption is asked what it would do). The scheduler's own cycle is not
/// touched: nothing is recorded unless this is called.
package struct ExplainEngine: Sendable {
    package var framework: ProfileFramework
    /// The configuration-wide percentageOfNodesToScore (a profile's own value wins).
    package var percentageOfNodesToScore: Int
    /// Keep filtering past numFeasibleNodesToFind and list those nodes in ``Result/alsoFeasible`` (suggestions use
    /// it to say which nodes a change opens); the verdicts still say how the real cycle would see them.
    package var evaluateAllNodes = false
    /// Ask PostFilter plugins what they would do.
    package var explainPostFilter = true
    /// A read-only copy of the profile (``ExplainProfiles/framework(like:claims:readOnly:)``) whose PostFilter
    /// plugins are run to learn the outcome of plugins that cannot explain themselves; nil leaves their entries
    /// to be filled in from the scheduler's own cycle.
    package var postFilterDryRun: ProfileFramework?

    package init(framework: ProfileFramework, percentageOfNodesToScore: Int) {
        self.framework = framework
        self.percentageOfNodesToScore = percentageOfNodesToScore
    }

    package struct Result: Sendable {
        package var explanation: PodExplanation
        /// Nodes that fit but were past numFeasibleNodesToFind (only with ``evaluateAllNodes``).
        package var alsoFeasible: [String] = []
        /// Every node known to fit.
        package var feasibleNodes: [String] {
            explanation.nodes.filter { $0.state == .feasible }.map(\.node) + alsoFeasible
        }
    }

    package func run(pod podInfo: PodInfo, inputs: ExplainInputs) -> Result {
        let snapshot = inputs.snapshot
        var explanation = PodExplanation(
            namespace: podInfo.namespace,
            name: podInfo.name,
            profile: framework.schedulerName,
            outcome: .unschedulable,
            numAllNodes: snapshot.count,
            numFeasibleNodesToFind: 0
        )
        var result = Result(explanation: explanation)
        guard snapshot.count > 0 else {
            explanation.message = "no nodes available to schedule pods"
            result.explanation = explanation
            return result
        }
        let state = CycleState()
        Scheduler.prepareExplainState(state, nominations: inputs.nominations)
        var diagnosis = Diagnosis()

        // PreFilter.
        let (preResult, preStatus, rejectors, narrowing) = framework.runPreFilter(
            state: state,
            pod: podInfo,
            snapshot: snapshot
        )
        explanation.preFilter.skipped = state.skipFilterPlugins.sorted()
        explanation.preFilter.narrowedBy = narrowing
        explanation.preFilter.narrowedTo = preResult?.nodeNames?.count
        if !preStatus.isSuccess {
            guard preStatus.isRejected else {
                explanation.outcome = .error
                explanation.message = preStatus.message
                result.explanation = explanation
                return result
            }
            explanation.preFilter.rejection = PodExplanation.Verdict(preStatus)
            diagnosis.nodeToStatus.absentStatus = preStatus
            diagnosis.preFilterMessage = preStatus.message
            diagnosis.unschedulablePlugins.formUnion(rejectors)
            explanation.nodes = snapshot.nodes.map {
                PodExplanation.NodeVerdict(
                    node: $0.name,
                    state: .preFilterRejected,
                    verdict: PodExplanation.Verdict(preStatus)
                )
            }
            result.explanation = explanation
            return fail(result, diagnosis: diagnosis, state: state, pod: podInfo, snapshot: snapshot)
        }

        let hasNominated = !inputs.nominations.isEmpty
        func filter(_ node: NodeInfo) -> Status {
            hasNominated
                ? framework.runFilterWithNominatedPods(
                    state: state,
                    pod: podInfo,
                    node: node,
                    nominated: inputs.nominations[node.name] ?? []
                )
                : framework.runFilter(state: state, pod: podInfo, node: node)
        }

        // The nominated node alone, if it still fits.
        if let nominated = podInfo.pod.status?.nominatedNodeName, !nominated.isEmpty,
            let index = snapshot.indexByName[nominated], preResult?.nodeNames?.contains(nominated) ?? true,
            filter(snapshot.nodes[index]).isSuccess
        {
            explanation.nodes = snapshot.nodes.map {
                PodExplanation.NodeVerdict(node: $0.name, state: $0.name == nominated ? .feasible : .notEvaluated)
            }
            explanation.outcome = .scheduled
            explanation.selectedNode = nominated
            explanation.selectionReason = .nominatedNode
            result.explanation = explanation
            return result
        }

        // Candidates in scan order: PreFilter's subset from its start, or every node from where the last scan stopped.
        var order: [Int]
        var excluded: [Int] = []
        if let names = preResult?.nodeNames {
            let subset = names.compactMap { snapshot.indexByName[$0] }.sorted()
            let start = subset.isEmpty ? 0 : inputs.nextStartNodeIndex % subset.count
            order = Array(subset[start...]) + Array(subset[..<start])
            let kept = Set(order)
            excluded = snapshot.nodes.indices.filter { !kept.contains($0) }
            diagnosis.nodeToStatus.absentStatus = Status(
                .unschedulableAndUnresolvable,
                "node(s) didn't satisfy plugin(s) [\(narrowing.sorted().joined(separator: " "))]"
            )
        } else {
            let start = snapshot.count == 0 ? 0 : inputs.nextStartNodeIndex % snapshot.count
            order = Array(snapshot.nodes.indices[start...]) + Array(snapshot.nodes.indices[..<start])
        }
        let adaptive = Scheduler.numFeasibleNodesToFind(
            percentage: framework.percentageOfNodesToScore ?? percentageOfNodesToScore,
            numAllNodes: order.count
        )
        let numToFind = framework.hasScorePlugins ? adaptive : min(adaptive, 1)
        explanation.numFeasibleNodesToFind = numToFind

        var feasible: [Int] = []
        var verdicts: [PodExplanation.NodeVerdict] = []
        verdicts.reserveCapacity(snapshot.count)
        for index in order {
            let node = snapshot.nodes[index]
            guard feasible.count < numToFind else {
                verdicts.append(PodExplanation.NodeVerdict(node: node.name, state: .notEvaluated))
                if evaluateAllNodes, filter(node).isSuccess { result.alsoFeasible.append(node.name) }
                continue
            }
            let status = framework.hasFilterPlugins ? filter(node) : .success
            if status.isSuccess {
                feasible.append(index)
                verdicts.append(PodExplanation.NodeVerdict(node: node.name, state: .feasible))
            } else if status.isRejected {
                verdicts.append(
                    PodExplanation.NodeVerdict(
                        node: node.name,
                        state: .rejected,
                        verdict: PodExplanation.Verdict(status)
                    )
                )
                diagnosis.nodeToStatus.set(status, for: node.name)
                if let plugin = status.plugin {
                    if status.code == .pending {
                        diagnosis.pendingPlugins.insert(plugin)
                    } else {
                        diagnosis.unschedulablePlugins.insert(plugin)
                    }
                }
            } else {
                explanation.outcome = .error
                explanation.message = status.message
                explanation.nodes = verdicts
                result.explanation = explanation
                return result
            }
        }
        if let absent = diagnosis.nodeToStatus.absentStatus {
            for index in excluded {
                verdicts.append(
                    PodExplanation.NodeVerdict(
                        node: snapshot.nodes[index].name,
                        state: .preFilterRejected,
                        verdict: PodExplanation.Verdict(absent)
                    )
                )
            }
        }
        explanation.nodes = verdicts
        result.explanation = explanation
        guard !feasible.isEmpty else {
            return fail(result, diagnosis: diagnosis, state: state, pod: podInfo, snapshot: snapshot)
        }
        result.explanation.outcome = .scheduled
        if feasible.count == 1 {
            result.explanation.selectedNode = snapshot.nodes[feasible[0]].name
            result.explanation.selectionReason = .onlyFeasibleNode
            return result
        }
        score(
            &result.explanation,
            state: state,
            pod: podInfo,
            nodes: NodeList(snapshot: snapshot, indices: feasible),
            generator: inputs.generator
        )
        return result
    }

    /// PreScore, each Score plugin over the feasible nodes, NormalizeScore, weights; then the seeded selection.
    private func score(
        _ explanation: inout PodExplanation,
        state: CycleState,
        pod: PodInfo,
        nodes: NodeList,
        generator: SeededGenerator
    ) {
        let count = nodes.count
        var totals = [Int64](repeating: framework.hasScorePlugins ? 0 : 1, count: count)
        var raw: [[Int64]] = Array(repeating: [], count: count)
        var normalized: [[Int64]] = Array(repeating: [], count: count)
        if framework.hasScorePlugins {
            let preScore = framework.runPreScore(state: state, pod: pod, nodes: nodes)
            guard preScore.isSuccess else {
                explanation.outcome = .error
                explanation.message = preScore.message
                return
            }
            let skips = state.skipScorePlugins
            explanation.skippedScorePlugins = framework.scorePlugins.map(\.plugin.name).filter { skips.contains($0) }
            let active = framework.scorePlugins.filter { !skips.contains($0.plugin.name) }
            explanation.scoreColumns = active.map {
                PodExplanation.ScoreColumn(plugin: $0.plugin.name, weight: $0.weight)
            }
            for entry in active {
                var scores = [Int64](repeating: 0, count: count)
                let status: Status = nodes.snapshot.nodes.withUnsafeBufferPointer { infos in
                    nodes.nodeIndices.withUnsafeBufferPointer { indices in
                        scores.withUnsafeMutableBufferPointer { out in
                            entry.plugin.score(
                                state: state,
                                pod: pod,
                                nodes: NodeBatch(nodes: infos, indices: indices),
                                scores: out
                            )
                        }
                    }
                }
                guard status.isSuccess else {
                    explanation.outcome = .error
                    explanation.message = "plugin \"\(entry.plugin.name)\" failed with: \(status.message)"
                    return
                }
                for i in 0..<count { raw[i].append(scores[i]) }
                if let normalizer = entry.normalizer {
                    let status = normalizer.normalizeScores(state: state, pod: pod, nodes: nodes, scores: &scores)
                    guard status.isSuccess else {
                        explanation.outcome = .error
                        explanation.message = "running Normalize on Score plugins: \(status.message)"
                        return
                    }
                }
                for i in 0..<count {
                    normalized[i].append(scores[i])
                    totals[i] += scores[i] * entry.weight
                }
            }
        }
        // The scheduler's selection: highest total, ties by seeded reservoir sampling.
        var generator = generator
        var best = 0
        var ties = 1
        for i in 1..<count {
            if totals[i] > totals[best] {
                best = i
                ties = 1
            } else if totals[i] == totals[best] {
                ties += 1
                if Int.random(in: 0..<ties, using: &generator) == 0 { best = i }
            }
        }
        explanation.selectedNode = nodes[best].name
        explanation.tiedNodes = ties
        explanation.selectionReason = ties > 1 ? .tieBrokenBySeed : .highestScore
        explanation.scores = (0..<count).map {
            PodExplanation.NodeScore(node: nodes[$0].name, raw: raw[$0], normalized: normalized[$0], total: totals[$0])
        }.enumerated().sorted { ($0.element.total, -$0.offset) > ($1.element.total, -$1.offset) }.map(\.element)
    }

    /// PostFilter (asked, not run) and upstream's FitError message.
    private func fail(
        _ result: Result,
        diagnosis: Diagnosis,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot
    ) -> Result {
        var result = result
        var diagnosis = diagnosis
        result.explanation.outcome = .unschedulable
        if explainPostFilter {
            var reasons: [String] = []
            var ended = false
            for plugin in framework.postFilterPlugins {
                var entry = PodExplanation.PostFilter(plugin: plugin.name, explained: false)
                if ended {
                    entry.notRun = true
                    result.explanation.postFilter.append(entry)
                    continue
                }
                var status: Status
                if let explaining = plugin as? any PreemptionExplaining {
                    let report = explaining.explainPreemption(
                        state: state,
                        pod: pod,
                        snapshot: snapshot,
                        nodeStatuses: diagnosis.nodeToStatus
                    )
                    status = report.status
                    entry.explained = true
                    entry.preemption = report
                    entry.verdict = report.status.isSuccess ? nil : PodExplanation.Verdict(report.status)
                    entry.nominatedNode = report.status.isSuccess ? report.chosen : nil
                } else if let copy = postFilterDryRun?.postFilterPlugins.first(where: { $0.name == plugin.name }) {
                    // A read-only copy of the plugin, on a copy of the cycle state: its outcome, nothing written.
                    let (outcome, returned) = copy.postFilter(
                        state: state.clone(),
                        pod: pod,
                        snapshot: snapshot,
                        nodeStatuses: diagnosis.nodeToStatus
                    )
                    status = returned
                    if status.plugin == nil { status = status.attributed(to: plugin.name) }
                    entry.explained = true
                    entry.verdict = PodExplanation.Verdict(status)
                    if case .override(let node)? = outcome?.nominatingMode, !node.isEmpty { entry.nominatedNode = node }
                } else {
                    // Filled in from the scheduler's own cycle (simulate) by ``ExplainRecorder``.
                    result.explanation.postFilter.append(entry)
                    continue
                }
                result.explanation.postFilter.append(entry)
                if status.isSuccess || status.code != .unschedulable {
                    ended = true
                    continue
                }
                reasons += status.reasons
            }
            if !reasons.isEmpty { diagnosis.postFilterMessage = reasons.joined(separator: ", ") }
        }
        result.explanation.message =
            FitError(podKey: pod.key, numAllNodes: snapshot.count, diagnosis: diagnosis).message
        return result
    }
}
