import KubeAPI
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import Synchronization

/// Finding the nodes that fit (upstream's `findNodesThatFitPod` and `findNodesThatPassFilters`).
extension Scheduler {
    /// `findNodesThatFitPod`: PreFilter, then the nominated node alone if it still fits, then the parallel Filter
    /// over the candidates, then the diagnosis of the nodes that were scanned.
    func findNodesThatFit(
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        diagnosis: inout Diagnosis,
        loop: inout LoopState
    ) -> Result<[Int], StatusFailure> {
        let (preResult, preStatus, rejectors, narrowing) = timed(
            .preFilter,
            framework.schedulerName,
            {
                framework.runPreFilter(state: state, pod: pod, snapshot: snapshot)
            },
            status: { $0.status.code }
        )
        if !preStatus.isSuccess {
            guard preStatus.isRejected else { return .failure(StatusFailure(preStatus)) }
            diagnosis.nodeToStatus.absentStatus = preStatus
            diagnosis.preFilterMessage = preStatus.message
            diagnosis.unschedulablePlugins.formUnion(rejectors)
            return .success([])
        }

        let nominations = queue.nominatedPodsByNode()
        // Kept in the cycle state so PostFilter's what-if filtering reads it without taking the queue's lock.
        state.write(CycleNominations(byNode: nominations), for: Scheduler.nominationsKey)
        if let index = nominatedNodeIfFeasible(
            framework: framework,
            state: state,
            pod: pod,
            snapshot: snapshot,
            allowed: preResult?.nodeNames,
            nominations: nominations
        ) {
            // The nominated node must pass the extenders too; if they reject it, every node is scanned.
            switch findNodesThatPassExtenders(
                pod: pod.pod,
                feasible: [index],
                snapshot: snapshot,
                diagnosis: &diagnosis
            )
            {
            case .failure(let failure): return .failure(failure)
            case .success(let nodes) where !nodes.isEmpty: return .success(nodes)
            case .success: break
            }
        }

        if preResult == nil,
            let narrowed = labelNarrowing(
                framework: framework,
                state: state,
                pod: pod,
                snapshot: snapshot,
                nextStartNodeIndex: loop.nextStartNodeIndex
            )
        {
            return findNodesThatFitNarrowed(
                narrowed,
                framework: framework,
                state: state,
                pod: pod,
                snapshot: snapshot,
                nominations: nominations,
                diagnosis: &diagnosis,
                loop: &loop
            )
        }

        // The scan continues where the previous cycle stopped, in PreFilter's subset too (as upstream's
        // `nodes[(nextStartNodeIndex+i) % len(nodes)]`).
        let start = loop.nextStartNodeIndex
        let candidates: CandidateNodes
        if let names = preResult?.nodeNames {
            candidates = CandidateNodes(subset: names.compactMap { snapshot.indexByName[$0] }.sorted(), start: start)
            diagnosis.nodeToStatus.absentStatus = Status(
                .unschedulableAndUnresolvable,
                "node(s) didn't satisfy plugin(s) [\(narrowing.sorted().joined(separator: " "))]"
            )
        } else {
            candidates = CandidateNodes(count: snapshot.count, start: start)
        }
        guard candidates.count > 0 else { return .success([]) }

        let adaptive = Self.numFeasibleNodesToFind(
            percentage: framework.percentageOfNodesToScore ?? configuration.percentageOfNodesToScore,
            numAllNodes: candidates.count
        )
        let feasible: [Int]
        let processed: Int
        switch filterScan(
            framework: framework,
            state: state,
            pod: pod,
            snapshot: snapshot,
            candidates: candidates,
            numToFind: numToFind(framework, adaptive: adaptive),
            nominations: nominations,
            diagnosis: &diagnosis
        ) {
        case .failure(let failure): return .failure(failure)
        case .success(let result): (feasible, processed) = result
        }
        // Upstream advances by the nodes processed even when PreFilter narrowed them, modulo all nodes.
        loop.nextStartNodeIndex = (loop.nextStartNodeIndex + processed) % snapshot.count
        return findNodesThatPassExtenders(pod: pod.pod, feasible: feasible, snapshot: snapshot, diagnosis: &diagnosis)
    }

    /// The pod's nominated node (set by an earlier preemption), if PreFilter allows it and it still fits with the
    /// nominated pods on it: then no other node is scanned.
    private func nominatedNodeIfFeasible(
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        allowed: Set<String>?,
        nominations: [String: [PodInfo]]
    ) -> Int? {
        guard let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty,
            let index = snapshot.indexByName[nominated], allowed?.contains(nominated) ?? true
        else { return nil }
        let status = framework.runFilterWithNominatedPods(
            state: state,
            pod: pod,
            node: snapshot.nodes[index],
            nominated: nominations[nominated] ?? []
        )
        return status.isSuccess ? index : nil
    }

    /// What the parallel Filter saw: rejections by scan offset, how many offsets the chunks covered (a prefix),
    /// and the first error, if any. Feasible offsets are flagged in the caller's buffer.
    struct FilterScan {
        var failures: [(offset: Int, status: Status)]
        var covered: Int
        var error: Status?
    }

    /// Runs the Filter plugins over `candidates` in parallel chunks until `numToFind` nodes fit. A chunk goes
    /// through each plugin's batch Filter (each plugin reads its cycle state once per chunk and the node infos in
    /// place); when nominated pods exist, each node takes the per-node path that adds them first.
    func filterInParallel(
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        candidates: CandidateNodes,
        numToFind: Int,
        nominations: [String: [PodInfo]],
        feasibleFlags: UnsafeMutableBufferPointer<Bool>
    ) -> FilterScan {
        let count = candidates.count
        guard framework.hasFilterPlugins else {
            let covered = min(numToFind, count)
            for i in 0..<covered { feasibleFlags[i] = true }
            return FilterScan(failures: [], covered: covered, error: nil)
        }
        let activeFilters = framework.activeFilterPlugins(state)
        let failures = Mutex<[(offset: Int, status: Status)]>([])
        let found = Atomic<Int>(0)
        let firstError = Mutex<Status?>(nil)
        let hasNominated = !nominations.isEmpty
        let flags = UnsafeSendableBuffer(feasibleFlags)
        let covered = snapshot.nodes.withUnsafeBufferPointer { nodeBuffer in
            let nodes = UnsafeSendableReadBuffer(nodeBuffer)
            return Parallel.forEachChunk(
                count: count,
                parallelism: Parallel.cpuWorkers(parallelism: configuration.parallelism),
                shouldStop: { found.load(ordering: .relaxed) >= numToFind || firstError.withLock { $0 != nil } }
            ) { range in
                let n = range.count
                let indices = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
                let statuses = UnsafeMutableBufferPointer<Status?>.allocate(capacity: n)
                statuses.initialize(repeating: nil)
                defer {
                    indices.deallocate()
                    _ = statuses.deinitialize()
                    statuses.deallocate()
                }
                for k in 0..<n { indices[k] = candidates.index(at: range.lowerBound + k) }
                if hasNominated {
                    for k in 0..<n {
                        let node = nodes.buffer[indices[k]]
                        let status = framework.runFilterWithNominatedPods(
                            state: state,
                            pod: pod,
                            node: node,
                            nominated: nominations[node.name] ?? []
                        )
                        if status.code != .success { statuses[k] = status }
                    }
                } else {
                    framework.runFilter(
                        state: state,
                        pod: pod,
                        nodes: NodeBatch(nodes: nodes.buffer, indices: UnsafeBufferPointer(indices)),
                        statuses: statuses,
                        plugins: activeFilters
                    )
                }
                var localFound = 0
                var localFailures: [(offset: Int, status: Status)] = []
                for k in 0..<n {
                    let offset = range.lowerBound + k
                    guard let status = statuses[k] else {
                        flags.buffer[offset] = true
                        localFound += 1
                        continue
                    }
                    if status.isRejected {
                        localFailures.append((offset, status))
                    } else {
                        firstError.withLock { if $0 == nil { $0 = status } }
                    }
                }
                if !localFailures.isEmpty { failures.withLock { $0 += localFailures } }
                found.add(localFound, ordering: .relaxed)
            }
        }
        return FilterScan(failures: failures.withLock { $0 }, covered: covered, error: firstError.withLock { $0 })
    }

    /// How many feasible nodes to look for: without scoring or filtering extenders, any feasible node will do.
    func numToFind(_ framework: ProfileFramework, adaptive: Int) -> Int {
        hasScoring(framework) || hasExtenderFilters ? adaptive : min(adaptive, 1)
    }

    /// The parallel Filter over `candidates` (timed as the Filter extension point when `timed`), then the diagnosis
    /// of what it scanned: the feasible nodes in scan order and how many scan offsets were processed.
    func filterScan(
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        candidates: CandidateNodes,
        numToFind: Int,
        nominations: [String: [PodInfo]],
        timed: Bool = true,
        diagnosis: inout Diagnosis
    ) -> Result<(feasible: [Int], processed: Int), StatusFailure> {
        let feasibleFlags = UnsafeMutableBufferPointer<Bool>.allocate(capacity: candidates.count)
        feasibleFlags.initialize(repeating: false)
        defer { feasibleFlags.deallocate() }
        let filterStart = ContinuousClock.now
        let scan = filterInParallel(
            framework: framework,
            state: state,
            pod: pod,
            snapshot: snapshot,
            candidates: candidates,
            numToFind: numToFind,
            nominations: nominations,
            feasibleFlags: feasibleFlags
        )
        if timed {
            instrumentation.extensionPointFinished(
                .filter,
                profile: framework.schedulerName,
                status: scan.error?.code ?? .success,
                duration: ContinuousClock.now - filterStart
            )
        }
        if let error = scan.error { return .failure(StatusFailure(error)) }
        return .success(
            diagnose(
                scan,
                feasibleFlags: feasibleFlags,
                candidates: candidates,
                numToFind: numToFind,
                snapshot: snapshot,
                diagnosis: &diagnosis
            )
        )
    }

    /// Keeps the first `numToFind` feasible nodes in scan order and, when none is left, records why the others were
    /// rejected.
    /// Everything before the last node kept counts as processed, so the outcome does not depend on thread timing.
    /// - Returns: the feasible node indices and how many scan offsets were processed.
    func diagnose(
        _ scan: FilterScan,
        feasibleFlags: UnsafeMutableBufferPointer<Bool>,
        candidates: CandidateNodes,
        numToFind: Int,
        snapshot: Snapshot,
        diagnosis: inout Diagnosis
    ) -> (feasible: [Int], processed: Int) {
        var feasible: [Int] = []
        feasible.reserveCapacity(min(numToFind, candidates.count))
        var processed = scan.covered
        for offset in 0..<scan.covered where feasibleFlags[offset] {
            feasible.append(candidates.index(at: offset))
            if feasible.count == numToFind {
                processed = offset + 1
                break
            }
        }
        // Rejections are read only when no node fits (the FitError, preemption) or when filtering extenders may
        // still reject every feasible node; recording each costs a hash and a copy per rejected node.
        if !feasible.isEmpty && !hasExtenderFilters { return (feasible, processed) }
        for (offset, status) in scan.failures where offset < processed {
            let node = snapshot.nodes[candidates.index(at: offset)].name
            diagnosis.nodeToStatus.set(status, for: node)
            if status.code == .pending {
                if let plugin = status.plugin { diagnosis.pendingPlugins.insert(plugin) }
            } else if let plugin = status.plugin {
                diagnosis.unschedulablePlugins.insert(plugin)
            }
        }
        return (feasible, processed)
    }
}

/// The nodes one cycle filters, in scan order: PreFilter's subset of the snapshot, or every node of it starting
/// where the previous cycle stopped (no index array is built for that common case).
struct CandidateNodes: Sendable {
    let subset: [Int]?
    let count: Int
    let start: Int

    init(subset: [Int], start: Int) {
        self.subset = subset
        self.count = subset.count
        self.start = subset.isEmpty ? 0 : start % subset.count
    }

    init(count: Int, start: Int) {
        self.subset = nil
        self.count = count
        self.start = count == 0 ? 0 : start % count
    }

    /// The snapshot index of the node at scan position `offset`.
    @inline(__always)
    func index(at offset: Int) -> Int {
        let position = (start + offset) % count
        return subset.map { $0[position] } ?? position
    }
}
