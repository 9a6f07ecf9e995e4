import KubeAPI
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import Synchronization

extension Scheduler {
    /// One scheduling cycle for `queued` (upstream `ScheduleOne`): filter, score, assume, reserve,
    /// permit — synchronously — then the binding cycle as a separate task.
    package func scheduleOne(_ queued: QueuedPodInfo) {
        let podInfo = queued.podInfo
        let pod = podInfo.pod
        guard let framework = profiles[pod.schedulerName] else {
            queue.done(uid: podInfo.uid)
            return
        }
        if pod.isTerminating || cache.isAssumed(uid: podInfo.uid) {
            queue.done(uid: podInfo.uid)
            return
        }
        let podSchedulingCycle = queue.schedulingCycle
        let cycleStart = ContinuousClock.now
        let state = CycleState()
        // Per-plugin durations are recorded for one cycle in ten (upstream samples 10 %).
        state.recordPluginMetrics = podSchedulingCycle % 10 == 1
        let outcome = loop.withLock { loop in
            schedulePod(framework: framework, state: state, pod: podInfo, loop: &loop)
        }
        let host: String
        switch outcome {
        case .failure(let status, let diagnosis, let numAllNodes):
            var message = status.message
            var nominating: NominatingMode? = .override(nodeName: "")
            var diagnosis = diagnosis
            if status.isRejected, let numAllNodes {
                if framework.postFilterPlugins.isEmpty {
                    // No preemption: an existing nomination stays (upstream returns no nominating info).
                    nominating = nil
                } else {
                    let snapshot = loop.withLock { $0.snapshot }
                    let (result, postStatus) = timed(
                        .postFilter,
                        framework.schedulerName,
                        {
                            framework.runPostFilter(
                                state: state,
                                pod: podInfo,
                                snapshot: snapshot,
                                nodeStatuses: diagnosis.nodeToStatus
                            )
                        },
                        status: { $0.1.code }
                    )
                    diagnosis.postFilterMessage = postStatus.message
                    nominating = result?.nominatingMode
                }
                message = FitError(podKey: podInfo.key, numAllNodes: numAllNodes, diagnosis: diagnosis).message
            }
            handleFailure(
                queued,
                framework: framework,
                status: status,
                message: message,
                diagnosis: diagnosis,
                nominating: nominating,
                podSchedulingCycle: podSchedulingCycle
            )
            instrumentation.attemptFinished(
                profile: framework.schedulerName,
                result: status.isRejected ? .unschedulable : .error,
                duration: ContinuousClock.now - cycleStart
            )
            return
        case .success(let node):
            host = node
        }

        // Assume: the cache counts the pod on `host` now, so the next cycle sees it.
        var assumedPod = pod
        assumedPod.spec.nodeName = host
        let assumed = PodInfo(assumedPod)
        do {
            try cache.assumePod(assumed, nodeName: host)
        } catch {
            handleFailure(
                queued,
                framework: framework,
                status: .error(error.description),
                message: error.description,
                diagnosis: Diagnosis(),
                nominating: .override(nodeName: ""),
                podSchedulingCycle: podSchedulingCycle
            )
            return
        }
        queue.deleteNominatedPodIfExists(uid: podInfo.uid)

        let reserve = timed(
            .reserve,
            framework.schedulerName,
            { framework.runReserve(state: state, pod: assumed, nodeName: host) },
            status: \.code
        )
        if !reserve.isSuccess {
            framework.runUnreserve(state: state, pod: assumed, nodeName: host)
            cache.forgetPod(assumed)
            failAfterPlacement(queued, framework: framework, status: reserve, podSchedulingCycle: podSchedulingCycle)
            return
        }
        let (permit, waits) = timed(
            .permit,
            framework.schedulerName,
            { framework.runPermit(state: state, pod: assumed, nodeName: host) },
            status: { $0.0.code }
        )
        if !permit.isSuccess && !permit.isWait {
            framework.runUnreserve(state: state, pod: assumed, nodeName: host)
            cache.forgetPod(assumed)
            failAfterPlacement(queued, framework: framework, status: permit, podSchedulingCycle: podSchedulingCycle)
            return
        }
        let waiter = permit.isWait ? waitingPods.add(assumed, waits: waits) : nil
        track { [self] in
            await self.bindingCycle(
                queued,
                assumed: assumed,
                host: host,
                framework: framework,
                state: state,
                waiter: waiter,
                podSchedulingCycle: podSchedulingCycle,
                cycleStart: cycleStart
            )
        }
    }

    private enum Outcome {
        case success(String)
        /// `numAllNodes` is set when the failure is a fit error (PostFilter may run).
        case failure(Status, Diagnosis, numAllNodes: Int?)
    }

    /// `SchedulePod`: snapshot, filter, score, select.
    private func schedulePod(
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        loop: inout LoopState
    ) -> Outcome {
        cache.updateSnapshot(&loop.snapshot)
        let snapshot = loop.snapshot
        guard snapshot.count > 0 else {
            return .failure(
                Status(.unschedulableAndUnresolvable, "no nodes available to schedule pods"),
                Diagnosis(),
                numAllNodes: nil
            )
        }
        var diagnosis = Diagnosis()
        let feasible: [Int]
        switch findNodesThatFit(
            framework: framework,
            state: state,
            pod: pod,
            snapshot: snapshot,
            diagnosis: &diagnosis,
            loop: &loop
        ) {
        case .failure(let failure):
            return .failure(failure.status, diagnosis, numAllNodes: nil)
        case .success(let nodes):
            feasible = nodes
        }
        guard !feasible.isEmpty else {
            let rejected = Status(.unschedulable, [], plugin: nil)
            return .failure(rejected, diagnosis, numAllNodes: snapshot.count)
        }
        if feasible.count == 1 { return .success(snapshot.nodes[feasible[0]].name) }
        let nodes = NodeList(snapshot: snapshot, indices: feasible)
        switch prioritize(framework: framework, state: state, pod: pod, nodes: nodes) {
        case .failure(let failure):
            return .failure(failure.status, diagnosis, numAllNodes: nil)
        case .success(let totals):
            return .success(nodes[selectHost(totals, generator: &loop.generator)].name)
        }
    }

    /// How many feasible nodes to look for (`numFeasibleNodesToFind`).
    package static func numFeasibleNodesToFind(percentage: Int, numAllNodes: Int) -> Int {
        let minFeasibleNodesToFind = 100
        let minFeasibleNodesPercentageToFind = 5
        if numAllNodes < minFeasibleNodesToFind { return numAllNodes }
        var percent = percentage
        if percent == 0 {
            percent = 50 - numAllNodes / 125
            if percent < minFeasibleNodesPercentageToFind { percent = minFeasibleNodesPercentageToFind }
        }
        let count = numAllNodes * percent / 100
        return count < minFeasibleNodesToFind ? minFeasibleNodesToFind : count
    }

    /// `findNodesThatFitPod`: PreFilter, then the nominated node alone if it still fits, then the parallel Filter
    /// over the candidates, then the diagnosis of the nodes that were scanned.
    private func findNodesThatFit(
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
            return .success([index])
        }

        // Without a PreFilter result the scan continues where the previous cycle stopped.
        let start = preResult == nil ? loop.nextStartNodeIndex : 0
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
        // Without scoring, any feasible node will do.
        let numToFind = framework.hasScorePlugins ? adaptive : min(adaptive, 1)
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
        instrumentation.extensionPointFinished(
            .filter,
            profile: framework.schedulerName,
            status: scan.error?.code ?? .success,
            duration: ContinuousClock.now - filterStart
        )
        if let error = scan.error { return .failure(StatusFailure(error)) }

        let (feasible, processed) = diagnose(
            scan,
            feasibleFlags: feasibleFlags,
            candidates: candidates,
            numToFind: numToFind,
            snapshot: snapshot,
            diagnosis: &diagnosis
        )
        if preResult == nil { loop.nextStartNodeIndex = (candidates.start + processed) % candidates.count }
        return .success(feasible)
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
    private func filterInParallel(
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
                parallelism: configuration.parallelism,
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

    /// Keeps the first `numToFind` feasible nodes in scan order and records why the others were rejected.
    /// Everything before the last node kept counts as processed, so the outcome does not depend on thread timing.
    /// - Returns: the feasible node indices and how many scan offsets were processed.
    private func diagnose(
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

    /// PreScore, parallel Score, NormalizeScore, weights (`prioritizeNodes`).
    private func prioritize(
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        nodes: NodeList
    ) -> Result<[Int64], StatusFailure> {
        let count = nodes.count
        guard framework.hasScorePlugins else { return .success(Array(repeating: 1, count: count)) }
        let preScore = timed(
            .preScore,
            framework.schedulerName,
            { framework.runPreScore(state: state, pod: pod, nodes: nodes) },
            status: \.code
        )
        guard preScore.isSuccess else { return .failure(StatusFailure(preScore)) }
        let skips = state.skipScorePlugins
        let active = ContiguousArray(
            skips.isEmpty ? framework.scorePlugins : framework.scorePlugins.filter { !skips.contains($0.plugin.name) }
        )
        guard !active.isEmpty else { return .success(Array(repeating: 0, count: count)) }

        let scoreStart = ContinuousClock.now
        defer {
            instrumentation.extensionPointFinished(
                .score,
                profile: framework.schedulerName,
                status: .success,
                duration: ContinuousClock.now - scoreStart
            )
        }
        let raw = UnsafeMutableBufferPointer<Int64>.allocate(capacity: active.count * count)
        raw.initialize(repeating: 0)
        defer { raw.deallocate() }
        let buffer = UnsafeSendableBuffer(raw)
        let firstError = Mutex<Status?>(nil)
        // Each chunk goes through every plugin's batch Score, which writes straight into its row of `raw`.
        nodes.snapshot.nodes.withUnsafeBufferPointer { nodeBuffer in
            nodes.nodeIndices.withUnsafeBufferPointer { indexBuffer in
                let infos = UnsafeSendableReadBuffer(nodeBuffer)
                let indices = UnsafeSendableReadBuffer(indexBuffer)
                Parallel.forEachChunk(count: count, parallelism: configuration.parallelism) { range in
                    let batch = NodeBatch(
                        nodes: infos.buffer,
                        indices: UnsafeBufferPointer(rebasing: indices.buffer[range])
                    )
                    for p in active.indices {
                        let row = p * count
                        let out = UnsafeMutableBufferPointer(
                            rebasing: buffer.buffer[(row + range.lowerBound)..<(row + range.upperBound)]
                        )
                        let plugin = active[p].plugin
                        let status = framework.measured(
                            state,
                            plugin.name,
                            .score,
                            { plugin.score(state: state, pod: pod, nodes: batch, scores: out) },
                            code: \.code
                        )
                        if status.code != .success {
                            let name = active[p].plugin.name
                            firstError.withLock {
                                if $0 == nil { $0 = .error("plugin \"\(name)\" failed with: \(status.message)") }
                            }
                            return
                        }
                    }
                }
            }
        }
        if let error = firstError.withLock({ $0 }) { return .failure(StatusFailure(error)) }

        var totals = [Int64](repeating: 0, count: count)
        var scores = [Int64](repeating: 0, count: count)
        for (p, entry) in active.enumerated() {
            for i in 0..<count { scores[i] = raw[p * count + i] }
            if let normalizer = entry.normalizer {
                let status = normalizer.normalizeScores(state: state, pod: pod, nodes: nodes, scores: &scores)
                if !status.isSuccess {
                    return .failure(StatusFailure(.error("running Normalize on Score plugins: \(status.message)")))
                }
            }
            for i in 0..<count {
                let score = scores[i]
                guard score >= NodeScoreRange.min && score <= NodeScoreRange.max else {
                    return .failure(
                        StatusFailure(
                            .error(
                                "plugin \"\(entry.plugin.name)\" returns an invalid score \(score), it should in the range of [\(NodeScoreRange.min), \(NodeScoreRange.max)] after normalizing"
                            )
                        )
                    )
                }
                totals[i] += score * entry.weight
            }
        }
        return .success(totals)
    }

    /// Highest total wins; ties are broken uniformly at random (reservoir sampling).
    private func selectHost(_ totals: [Int64], generator: inout SeededGenerator) -> Int {
        var best = 0
        var ties = 1
        for i in 1..<totals.count {
            if totals[i] > totals[best] {
                best = i
                ties = 1
            } else if totals[i] == totals[best] {
                ties += 1
                if Int.random(in: 0..<ties, using: &generator) == 0 { best = i }
            }
        }
        return best
    }
}

/// The nominations in force when the cycle started, for what-if filtering later in the same cycle.
final class CycleNominations: StateData {
    let byNode: [String: [PodInfo]]
    init(byNode: [String: [PodInfo]]) { self.byNode = byNode }
    func clone() -> any StateData { self }
}

extension Scheduler {
    static let nominationsKey = StateKey<CycleNominations>("SchedulerNominations")
}

/// A failed status carried through `Result`.
struct StatusFailure: Error {
    let status: Status
    init(_ status: Status) { self.status = status }
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
