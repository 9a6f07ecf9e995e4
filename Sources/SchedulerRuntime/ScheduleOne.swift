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
                    // The observer (simulate) hears each plugin's outcome for explain; without one nothing is built.
                    let reportEach = observer.map { observer in
                        { (plugin: String, result: PostFilterResult?, status: Status) in
                            var nominated: String?
                            if case .override(let node)? = result?.nominatingMode, !node.isEmpty { nominated = node }
                            observer.postFilterRan(pod, plugin: plugin, status: status, nominatedNode: nominated)
                        }
                    }
                    let (result, postStatus) = timed(
                        .postFilter,
                        framework.schedulerName,
                        {
                            framework.runPostFilter(
                                state: state,
                                pod: podInfo,
                                snapshot: snapshot,
                                nodeStatuses: diagnosis.nodeToStatus,
                                reportEach: reportEach
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
        let waiter = permit.isWait ? waitingPods.add(assumed, waits: waits, now: clock.now()) : nil
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

    enum Outcome {
        case success(String)
        /// `numAllNodes` is set when the failure is a fit error (PostFilter may run).
        case failure(Status, Diagnosis, numAllNodes: Int?)
    }

    /// `SchedulePod`: snapshot, filter, score, select.
    func schedulePod(
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

    /// PreScore, parallel Score, NormalizeScore, weights (`prioritizeNodes`).
    private func prioritize(
        framework: ProfileFramework,
        state: CycleState,
        pod: PodInfo,
        nodes: NodeList
    ) -> Result<[Int64], StatusFailure> {
        let count = nodes.count
        guard framework.hasScorePlugins || !extenders.isEmpty else {
            return .success(Array(repeating: 1, count: count))
        }
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
        guard !active.isEmpty else {
            return .success(extenderScores(pod: pod.pod, nodes: nodes) ?? Array(repeating: 0, count: count))
        }

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
                Parallel.forEachChunk(
                    count: count,
                    parallelism: Parallel.cpuWorkers(parallelism: configuration.parallelism)
                ) { range in
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
        if !extenders.isEmpty, let extra = extenderScores(pod: pod.pod, nodes: nodes) {
            for i in 0..<count { totals[i] += extra[i] }
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
