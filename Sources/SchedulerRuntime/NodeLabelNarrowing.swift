import KubeAPI
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import Synchronization

/// Narrowing the Filter scan through the snapshot's label index (issue 11 point 3).
///
/// When a pod's `nodeSelector` and required node affinity admit at most half of the nodes, only those nodes go
/// through the Filter plugins. Everything a user can see stays as without narrowing:
/// - the scan still walks the whole snapshot from `nextStartNodeIndex`, in the same order (the candidates keep
///   their relative order), and looks for as many feasible nodes as `numFeasibleNodesToFind` gives for *all*
///   nodes, so the feasible nodes are the same;
/// - the nodes the scan passes over count as processed: `nextStartNodeIndex` advances past the last feasible
///   node kept, or by every node when fewer were found, exactly as the full scan does;
/// - a node the index left out is one NodeAffinity rejects, and its first rejection could come from a Filter
///   plugin before NodeAffinity. When the cycle ends without a node (the only case in which the per-node
///   statuses are read: FailedScheduling, PostFilter, preemption), the left-out nodes the scan passed over are
///   filtered then, with the same plugins, so each gets the status the full scan gives it.
/// Narrowing is used only when the plugins before NodeAffinity are in-tree ones that never return an error
/// (an error on a left-out node would otherwise go unseen) and no PreFilter already narrowed the nodes.
extension Scheduler {
    /// The Filter plugins that may run before NodeAffinity when narrowing: they reject or pass, never fail.
    static let narrowingSafePredecessors: Set<String> = [
        PluginName.nodeUnschedulable, PluginName.nodeName, PluginName.taintToleration,
    ]

    /// The candidates of a narrowed scan: the admitted node indices in scan order, the set of admitted slots,
    /// and where the scan of the whole snapshot starts.
    struct LabelNarrowing {
        let admitted: SlotBitset
        let subset: [Int]
        let start: Int
    }

    /// The narrowed candidates for a scan of the whole snapshot from `nextStartNodeIndex`, or nil when this
    /// cycle scans every node (narrowing off, no label constraint, NodeAffinity not running, a predecessor that
    /// may fail, or more than half of the nodes admitted).
    func labelNarrowing(
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nextStartNodeIndex: Int
    ) -> LabelNarrowing? {
        let total = snapshot.count
        guard narrowsByNodeLabels.load(ordering: .relaxed), total > 0, !pod.requiredNodeAffinity.isEmpty,
            snapshot.labelIndex.isEnabled
        else { return nil }
        // The same question NodeAffinity's PreFilter asked this cycle: the index remembers the answer.
        guard
            let admitted = snapshot.labelIndex.matchingSlots(
                pod.requiredNodeAffinity,
                slotOfNode: { name in snapshot.indexByName[name].map { snapshot.nodeSlots[$0] } }
            )
        else { return nil }
        let matching = admitted.count
        guard matching * 2 <= total else { return nil }
        let active = framework.activeFilterPlugins(state)
        guard let position = active.firstIndex(where: { $0.name == PluginName.nodeAffinity }),
            active[..<position].allSatisfy({ Self.narrowingSafePredecessors.contains($0.name) })
        else { return nil }
        let start = nextStartNodeIndex % total
        var subset: [Int] = []
        subset.reserveCapacity(matching)
        snapshot.nodeSlots.withUnsafeBufferPointer { slots in
            for index in start..<total where admitted.contains(slots[index]) { subset.append(index) }
            for index in 0..<start where admitted.contains(slots[index]) { subset.append(index) }
        }
        return LabelNarrowing(admitted: admitted, subset: subset, start: start)
    }

    /// `findNodesThatFit` after PreFilter and the nominated node, for a narrowed scan: the same feasible nodes,
    /// the same advance of `nextStartNodeIndex` and (when no node fits) the same statuses as the full scan.
    func findNodesThatFitNarrowed(
        _ narrowed: LabelNarrowing,
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nominations: [String: [PodInfo]],
        diagnosis: inout Diagnosis,
        loop: inout LoopState
    ) -> Result<[Int], StatusFailure> {
        narrowedScans.add(1, ordering: .relaxed)
        let total = snapshot.count
        let adaptive = Self.numFeasibleNodesToFind(
            percentage: framework.percentageOfNodesToScore ?? configuration.percentageOfNodesToScore,
            numAllNodes: total
        )
        let numToFind = numToFind(framework, adaptive: adaptive)
        var feasible: [Int] = []
        // Without `numToFind` feasible nodes the full scan processes every node.
        var processed = total
        let filterStart = ContinuousClock.now
        if !narrowed.subset.isEmpty {
            let scan = filterScan(
                framework: framework,
                state: state,
                pod: pod,
                snapshot: snapshot,
                candidates: CandidateNodes(subset: narrowed.subset, start: 0),
                numToFind: numToFind,
                nominations: nominations,
                diagnosis: &diagnosis
            )
            switch scan {
            case .failure(let failure): return .failure(failure)
            case .success(let result): feasible = result.feasible
            }
            if feasible.count == numToFind, let last = feasible.last {
                processed = (last - narrowed.start + total) % total + 1
            }
        } else {
            instrumentation.extensionPointFinished(
                .filter,
                profile: framework.schedulerName,
                status: .success,
                duration: ContinuousClock.now - filterStart
            )
        }
        loop.nextStartNodeIndex = (narrowed.start + processed) % total
        let result = findNodesThatPassExtenders(
            pod: pod.pod,
            feasible: feasible,
            snapshot: snapshot,
            diagnosis: &diagnosis
        )
        if case .success(let nodes) = result, nodes.isEmpty {
            diagnoseLeftOut(
                narrowed,
                processed: processed,
                framework: framework,
                state: state,
                pod: pod,
                snapshot: snapshot,
                nominations: nominations,
                diagnosis: &diagnosis
            )
        }
        return result
    }

    /// Filters the nodes the index left out among the first `processed` of the scan, to record the status the
    /// full scan gives each (the first rejecting plugin, NodeAffinity at the latest).
    private func diagnoseLeftOut(
        _ narrowed: LabelNarrowing,
        processed: Int,
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nominations: [String: [PodInfo]],
        diagnosis: inout Diagnosis
    ) {
        let total = snapshot.count
        var leftOut: [Int] = []
        leftOut.reserveCapacity(processed - narrowed.subset.count)
        for offset in 0..<processed {
            let index = (narrowed.start + offset) % total
            if !narrowed.admitted.contains(snapshot.nodeSlots[index]) { leftOut.append(index) }
        }
        guard !leftOut.isEmpty else { return }
        // Untimed: the Filter time of this cycle was taken over the narrowed scan, as the full scan would report.
        // NodeAffinity rejects every one of these nodes, so no plugin before it errs on them.
        _ = filterScan(
            framework: framework,
            state: state,
            pod: pod,
            snapshot: snapshot,
            candidates: CandidateNodes(subset: leftOut, start: 0),
            numToFind: Int.max,
            nominations: nominations,
            timed: false,
            diagnosis: &diagnosis
        )
    }
}

// MARK: - One Filter pass, for tests

/// What one cycle's node search gave (tests compare the narrowed scan with the full one).
package struct FilterPassOutcome: Sendable, Equatable {
    /// Feasible node names in the order found (empty after an error).
    package var feasible: [String]
    /// The error that ended the search, if any.
    package var error: Status?
    /// Per-node statuses recorded by the scan (and the extenders).
    package var statuses: [String: Status]
    package var absentStatus: Status?
    package var unschedulablePlugins: Set<String>
    package var pendingPlugins: Set<String>
    package var nextStartNodeIndex: Int
    /// `FitError`'s message when no node fits.
    package var fitErrorMessage: String?
}

extension Scheduler {
    /// Runs PreFilter and the node search of one cycle for `pod` on the cache's current state, starting at
    /// `nextStartNodeIndex`, without assuming or binding anything (tests). With ``narrowsByNodeLabels`` off
    /// the snapshot's label index is disabled too, so no plugin uses it: the answer is the label-matching one.
    package func package_filterPass(_ pod: Pod, nextStartNodeIndex: Int) -> FilterPassOutcome? {
        guard let framework = profiles[pod.schedulerName] else { return nil }
        let podInfo = PodInfo(pod)
        let useIndex = narrowsByNodeLabels.load(ordering: .relaxed)
        return loop.withLock { loop in
            cache.updateSnapshot(&loop.snapshot)
            var snapshot = loop.snapshot
            if !useIndex { snapshot.labelIndex = NodeLabelIndex() }
            var scratch = loop
            scratch.nextStartNodeIndex = nextStartNodeIndex
            var diagnosis = Diagnosis()
            let result = findNodesThatFit(
                framework: framework,
                state: CycleState(),
                pod: podInfo,
                snapshot: snapshot,
                diagnosis: &diagnosis,
                loop: &scratch
            )
            var feasible: [String] = []
            var error: Status?
            var message: String?
            switch result {
            case .success(let nodes):
                feasible = nodes.map { snapshot.nodes[$0].name }
                if nodes.isEmpty {
                    message =
                        FitError(podKey: podInfo.key, numAllNodes: snapshot.count, diagnosis: diagnosis).message
                }
            case .failure(let failure):
                error = failure.status
            }
            return FilterPassOutcome(
                feasible: feasible,
                error: error,
                statuses: diagnosis.nodeToStatus.statuses,
                absentStatus: diagnosis.nodeToStatus.absentStatus,
                unschedulablePlugins: diagnosis.unschedulablePlugins,
                pendingPlugins: diagnosis.pendingPlugins,
                nextStartNodeIndex: scratch.nextStartNodeIndex,
                fitErrorMessage: message
            )
        }
    }

    /// The whole decision of one cycle for `pod` (PreFilter through Score and selection, tie-breaks seeded with
    /// `seed`) from `nextStartNodeIndex`, on the cache's current state; nothing is assumed (tests). Returns the
    /// chosen node or the failure's message, and `nextStartNodeIndex` afterwards.
    package func package_selectNode(
        _ pod: Pod,
        nextStartNodeIndex: Int,
        seed: UInt64
    ) -> (node: String?, message: String, nextStartNodeIndex: Int)? {
        guard let framework = profiles[pod.schedulerName] else { return nil }
        let podInfo = PodInfo(pod)
        return loop.withLock { loop in
            var scratch = loop
            scratch.nextStartNodeIndex = nextStartNodeIndex
            scratch.generator = SeededGenerator(seed: seed)
            switch schedulePod(framework: framework, state: CycleState(), pod: podInfo, loop: &scratch) {
            case .success(let node):
                return (node, "", scratch.nextStartNodeIndex)
            case .failure(let status, let diagnosis, let numAllNodes):
                let message =
                    numAllNodes.map { FitError(podKey: podInfo.key, numAllNodes: $0, diagnosis: diagnosis).message }
                    ?? status.message
                return (nil, message, scratch.nextStartNodeIndex)
            }
        }
    }
}
