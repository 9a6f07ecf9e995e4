import KubeAPI
import SchedulerConfig
import SchedulerFramework
import Synchronization

/// Receives the outcome of every attempt; `simulate` and tests use it to report placements.
public protocol SchedulingObserver: Sendable {
    func podScheduled(_ pod: Pod, nodeName: String)
    func podFailed(_ pod: Pod, status: Status, message: String)
    /// `victim`, running on `nodeName`, was evicted to make room for `preemptor`.
    func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod)
}

extension SchedulingObserver {
    public func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod) {}
}

/// The scheduler: the scheduling loop (one pod at a time, Filter and Score in parallel across nodes),
/// asynchronous binding cycles, and the handlers that keep the queue and cache current from cluster
/// events. It talks to the cluster only through ``ClusterClient``.
public final class Scheduler: Sendable {
    public let queue: SchedulingQueue
    public let cache: SchedulerCache
    public let objects: ObjectStore
    public let profiles: [String: ProfileFramework]
    public let client: any ClusterClient
    public let configuration: SchedulerConfiguration
    let observer: (any SchedulingObserver)?
    let instrumentation: any SchedulerInstrumentation
    private let clock: any SchedulerClock

    /// State owned by the scheduling loop.
    private struct LoopState {
        var snapshot = Snapshot()
        var nextStartNodeIndex = 0
        var generator: SeededGenerator
    }
    private let loop: Mutex<LoopState>
    /// Every pod the informers have seen, by uid (failure handling re-reads the latest copy).
    let podStore = Mutex<[String: Pod]>([:])
    /// Every node the informers have seen, by name (to tell what an update changed).
    private let nodeStore = Mutex<[String: Node]>([:])
    /// How many binding cycles and status writes are still running, and who waits for none to be.
    private let inFlightWork = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))
    let waitingPods = WaitingPods()
    /// Counts cluster changes that could affect scheduling (not status-only updates of pending pods).
    private let changes = Atomic<Int>(0)

    /// Builds every profile of `configuration` from `registry`.
    public init(
        configuration: SchedulerConfiguration, registry: PluginRegistry, client: any ClusterClient,
        clock: any SchedulerClock = RealClock(), seed: UInt64 = 1, observer: (any SchedulingObserver)? = nil,
        instrumentation: any SchedulerInstrumentation = NoInstrumentation()
    ) throws(ConfigurationError) {
        self.configuration = configuration
        self.client = client
        self.observer = observer
        self.instrumentation = instrumentation
        self.clock = clock
        let objects = ObjectStore()
        self.objects = objects
        var profiles: [String: ProfileFramework] = [:]
        var first: ProfileFramework?
        var boxes: [(ServicesBox, String)] = []
        for profile in configuration.profiles {
            let box = ServicesBox()
            boxes.append((box, profile.schedulerName))
            let handle = RuntimeHandle(profileName: profile.schedulerName, client: client, objects: objects,
                                       parallelism: configuration.parallelism, servicesBox: box)
            let framework = try ProfileFramework(profile: profile, registry: registry, handle: handle, source: configuration.source,
                                                 instrumentation: instrumentation)
            profiles[profile.schedulerName] = framework
            if first == nil { first = framework }
        }
        guard let first else { throw ConfigurationError("\(configuration.source): profiles: at least one profile is required") }
        self.profiles = profiles
        self.cache = SchedulerCache()
        let sort = first.queueSort
        var queueConfiguration = SchedulingQueue.Configuration()
        queueConfiguration.initialBackoff = .seconds(configuration.podInitialBackoffSeconds)
        queueConfiguration.maxBackoff = .seconds(configuration.podMaxBackoffSeconds)
        let frameworks = profiles
        self.queue = SchedulingQueue(
            clock: clock, configuration: queueConfiguration,
            less: { sort.less($0, $1) },
            preEnqueue: { pod in frameworks[pod.pod.schedulerName]?.runPreEnqueue(pod) ?? .success },
            events: profiles.mapValues(\.events))
        self.loop = Mutex(LoopState(generator: SeededGenerator(seed: seed)))
        for (box, name) in boxes {
            if let framework = profiles[name] { box.services = ProfileServices(framework: framework, scheduler: self) }
        }
    }

    /// Whether a profile serves pods with this `schedulerName`.
    public func handles(_ pod: Pod) -> Bool { profiles[pod.schedulerName] != nil }

    /// Runs `body`, reporting its duration and status at `point`.
    @inline(__always)
    private func timed<T>(_ point: ExtensionPointName, _ profile: String, _ body: () -> T, status: (T) -> Status.Code) -> T {
        let start = ContinuousClock.now
        let result = body()
        instrumentation.extensionPointFinished(point, profile: profile, status: status(result), duration: ContinuousClock.now - start)
        return result
    }

    /// A counter of cluster changes that could make a pending pod schedulable.
    public var changeCount: Int { changes.load(ordering: .relaxed) }

    // MARK: The loop

    /// Schedules pods until the queue is closed (the real-cluster loop).
    public func run() async {
        // issue4: backoff and unschedulable-leftover flushes on timers (SchedulerQueueTimers.swift).
        let timers = startQueueFlushTimers()
        defer { timers.cancel() }
        while !Task.isCancelled, let pod = await queue.popWaiting() {
            scheduleOne(pod)
        }
    }

    /// One scheduling cycle for `queued` (upstream `ScheduleOne`): filter, score, assume, reserve,
    /// permit — synchronously — then the binding cycle as a separate task.
    public func scheduleOne(_ queued: QueuedPodInfo) {
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
                    let (result, postStatus) = timed(.postFilter, framework.schedulerName, {
                        framework.runPostFilter(state: state, pod: podInfo, snapshot: snapshot, nodeStatuses: diagnosis.nodeToStatus)
                    }, status: { $0.1.code })
                    diagnosis.postFilterMessage = postStatus.message
                    nominating = result?.nominatingMode
                }
                message = FitError(podKey: podInfo.key, numAllNodes: numAllNodes, diagnosis: diagnosis).message
            }
            handleFailure(queued, framework: framework, status: status, message: message, diagnosis: diagnosis,
                          nominating: nominating, podSchedulingCycle: podSchedulingCycle)
            instrumentation.attemptFinished(profile: framework.schedulerName, result: status.isRejected ? .unschedulable : .error,
                                            duration: ContinuousClock.now - cycleStart)
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
            handleFailure(queued, framework: framework, status: .error(error.description), message: error.description,
                          diagnosis: Diagnosis(), nominating: .override(nodeName: ""), podSchedulingCycle: podSchedulingCycle)
            return
        }
        queue.deleteNominatedPodIfExists(uid: podInfo.uid)

        let reserve = timed(.reserve, framework.schedulerName, { framework.runReserve(state: state, pod: assumed, nodeName: host) }, status: \.code)
        if !reserve.isSuccess {
            framework.runUnreserve(state: state, pod: assumed, nodeName: host)
            cache.forgetPod(assumed)
            failAfterPlacement(queued, framework: framework, status: reserve, podSchedulingCycle: podSchedulingCycle)
            return
        }
        let (permit, waits) = timed(.permit, framework.schedulerName, { framework.runPermit(state: state, pod: assumed, nodeName: host) }, status: { $0.0.code })
        if !permit.isSuccess && !permit.isWait {
            framework.runUnreserve(state: state, pod: assumed, nodeName: host)
            cache.forgetPod(assumed)
            failAfterPlacement(queued, framework: framework, status: permit, podSchedulingCycle: podSchedulingCycle)
            return
        }
        let waiter = permit.isWait ? waitingPods.add(assumed, waits: waits) : nil
        track { [self] in
            await self.bindingCycle(queued, assumed: assumed, host: host, framework: framework, state: state, waiter: waiter,
                                    podSchedulingCycle: podSchedulingCycle, cycleStart: cycleStart)
        }
    }

    private enum Outcome {
        case success(String)
        /// `numAllNodes` is set when the failure is a fit error (PostFilter may run).
        case failure(Status, Diagnosis, numAllNodes: Int?)
    }

    /// `SchedulePod`: snapshot, filter, score, select.
    private func schedulePod(framework: ProfileFramework, state: CycleState, pod: PodInfo, loop: inout LoopState) -> Outcome {
        cache.updateSnapshot(&loop.snapshot)
        let snapshot = loop.snapshot
        guard snapshot.count > 0 else {
            return .failure(Status(.unschedulableAndUnresolvable, "no nodes available to schedule pods"), Diagnosis(), numAllNodes: nil)
        }
        var diagnosis = Diagnosis()
        let feasible: [Int]
        switch findNodesThatFit(framework: framework, state: state, pod: pod, snapshot: snapshot, diagnosis: &diagnosis, loop: &loop) {
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
    static func numFeasibleNodesToFind(percentage: Int, numAllNodes: Int) -> Int {
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

    private func findNodesThatFit(
        framework: ProfileFramework, state: CycleState, pod: PodInfo, snapshot: Snapshot,
        diagnosis: inout Diagnosis, loop: inout LoopState
    ) -> Result<[Int], StatusFailure> {
        let (preResult, preStatus, rejectors, narrowing) = timed(.preFilter, framework.schedulerName, {
            framework.runPreFilter(state: state, pod: pod, snapshot: snapshot)
        }, status: { $0.status.code })
        if !preStatus.isSuccess {
            guard preStatus.isRejected else { return .failure(StatusFailure(preStatus)) }
            diagnosis.nodeToStatus.absentStatus = preStatus
            diagnosis.preFilterMessage = preStatus.message
            diagnosis.unschedulablePlugins.formUnion(rejectors)
            return .success([])
        }

        // The nominated node first: if it still fits, take it without scanning the others.
        let nominatedAll = queue.nominatedPodsByNode()
        // Kept in the cycle state so PostFilter's what-if filtering reads it without taking the queue's lock.
        state.write(CycleNominations(byNode: nominatedAll), for: Scheduler.nominationsKey)
        if let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty,
           let index = snapshot.indexByName[nominated],
           preResult?.nodeNames.map({ $0.contains(nominated) }) ?? true {
            let status = framework.runFilterWithNominatedPods(state: state, pod: pod, node: snapshot.nodes[index], nominated: nominatedAll[nominated] ?? [])
            if status.isSuccess { return .success([index]) }
        }

        // nil: every node of the snapshot, in order (no index array is built for the common case).
        let candidates: [Int]?
        if let names = preResult?.nodeNames {
            candidates = names.compactMap { snapshot.indexByName[$0] }.sorted()
            diagnosis.nodeToStatus.absentStatus = Status(
                .unschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) [\(narrowing.sorted().joined(separator: " "))]")
        } else {
            candidates = nil
        }
        let count = candidates?.count ?? snapshot.count
        guard count > 0 else { return .success([]) }
        @Sendable @inline(__always) func candidate(_ offset: Int) -> Int {
            let position = (start + offset) % count
            return candidates.map { $0[position] } ?? position
        }

        let adaptive = Self.numFeasibleNodesToFind(
            percentage: framework.percentageOfNodesToScore ?? configuration.percentageOfNodesToScore, numAllNodes: count)
        // Without scoring, any feasible node will do.
        let numToFind = framework.hasScorePlugins ? adaptive : min(adaptive, 1)
        let start = preResult == nil ? loop.nextStartNodeIndex % count : 0
        let activeFilters = framework.activeFilterPlugins(state)

        let feasibleFlags = UnsafeMutableBufferPointer<Bool>.allocate(capacity: count)
        feasibleFlags.initialize(repeating: false)
        defer { feasibleFlags.deallocate() }
        let failures = Mutex<[(Int, Status)]>([])
        let found = Atomic<Int>(0)
        let firstError = Mutex<Status?>(nil)
        let hasNominated = !nominatedAll.isEmpty
        let flags = UnsafeSendableBuffer(feasibleFlags)

        let filterStart = ContinuousClock.now
        let covered: Int
        if !framework.hasFilterPlugins {
            for i in 0..<min(numToFind, count) { feasibleFlags[i] = true }
            covered = min(numToFind, count)
        } else {
            // Chunks go through the plugins' batch Filter: each plugin reads its cycle state once per chunk and
            // node infos are read in place from the snapshot's buffer.
            covered = snapshot.nodes.withUnsafeBufferPointer { nodeBuffer in
                let nodes = UnsafeSendableReadBuffer(nodeBuffer)
                return Parallel.forEachChunk(
                    count: count, parallelism: configuration.parallelism,
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
                    for k in 0..<n { indices[k] = candidate(range.lowerBound + k) }
                    if hasNominated {
                        for k in 0..<n {
                            let node = nodes.buffer[indices[k]]
                            let status = framework.runFilterWithNominatedPods(state: state, pod: pod, node: node,
                                                                              nominated: nominatedAll[node.name] ?? [])
                            if status.code != .success { statuses[k] = status }
                        }
                    } else {
                        framework.runFilter(state: state, pod: pod, nodes: NodeBatch(nodes: nodes.buffer, indices: UnsafeBufferPointer(indices)),
                                            statuses: statuses, plugins: activeFilters)
                    }
                    var localFound = 0
                    var localFailures: [(Int, Status)] = []
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
        }
        let filterError = firstError.withLock({ $0 })
        instrumentation.extensionPointFinished(.filter, profile: framework.schedulerName, status: filterError?.code ?? .success,
                                               duration: ContinuousClock.now - filterStart)
        if let filterError { return .failure(StatusFailure(filterError)) }

        // Keep the first `numToFind` feasible nodes in scan order; everything before the last one kept
        // counts as processed, so results do not depend on thread timing.
        var feasible: [Int] = []
        feasible.reserveCapacity(min(numToFind, count))
        var processed = covered
        for offset in 0..<covered where feasibleFlags[offset] {
            feasible.append(candidate(offset))
            if feasible.count == numToFind {
                processed = offset + 1
                break
            }
        }
        for (offset, status) in failures.withLock({ $0 }) where offset < processed {
            let node = snapshot.nodes[candidate(offset)].name
            diagnosis.nodeToStatus.set(status, for: node)
            if status.code == .pending {
                if let plugin = status.plugin { diagnosis.pendingPlugins.insert(plugin) }
            } else if let plugin = status.plugin {
                diagnosis.unschedulablePlugins.insert(plugin)
            }
        }
        if preResult == nil { loop.nextStartNodeIndex = (start + processed) % count }
        return .success(feasible)
    }


    /// PreScore, parallel Score, NormalizeScore, weights (`prioritizeNodes`).
    private func prioritize(framework: ProfileFramework, state: CycleState, pod: PodInfo, nodes: NodeList) -> Result<[Int64], StatusFailure> {
        let count = nodes.count
        guard framework.hasScorePlugins else { return .success(Array(repeating: 1, count: count)) }
        let preScore = timed(.preScore, framework.schedulerName, { framework.runPreScore(state: state, pod: pod, nodes: nodes) }, status: \.code)
        guard preScore.isSuccess else { return .failure(StatusFailure(preScore)) }
        let skips = state.skipScorePlugins
        let active = ContiguousArray(skips.isEmpty ? framework.scorePlugins : framework.scorePlugins.filter { !skips.contains($0.plugin.name) })
        guard !active.isEmpty else { return .success(Array(repeating: 0, count: count)) }

        let scoreStart = ContinuousClock.now
        defer { instrumentation.extensionPointFinished(.score, profile: framework.schedulerName, status: .success, duration: ContinuousClock.now - scoreStart) }
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
                    let batch = NodeBatch(nodes: infos.buffer, indices: UnsafeBufferPointer(rebasing: indices.buffer[range]))
                    for p in active.indices {
                        let row = p * count
                        let out = UnsafeMutableBufferPointer(rebasing: buffer.buffer[(row + range.lowerBound)..<(row + range.upperBound)])
                        let plugin = active[p].plugin
                        let status = framework.measured(state, plugin.name, "Score", { plugin.score(state: state, pod: pod, nodes: batch, scores: out) }, code: \.code)
                        if status.code != .success {
                            let name = active[p].plugin.name
                            firstError.withLock { if $0 == nil { $0 = .error("plugin \"\(name)\" failed with: \(status.message)") } }
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
                if !status.isSuccess { return .failure(StatusFailure(.error("running Normalize on Score plugins: \(status.message)"))) }
            }
            for i in 0..<count {
                let score = scores[i]
                guard score >= NodeScoreRange.min && score <= NodeScoreRange.max else {
                    return .failure(StatusFailure(.error(
                        "plugin \"\(entry.plugin.name)\" returns an invalid score \(score), it should in the range of [\(NodeScoreRange.min), \(NodeScoreRange.max)] after normalizing")))
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

    // MARK: Binding cycle

    private func bindingCycle(
        _ queued: QueuedPodInfo, assumed: PodInfo, host: String, framework: ProfileFramework, state: CycleState,
        waiter: WaitingPods.Waiter?, podSchedulingCycle: Int, cycleStart: ContinuousClock.Instant
    ) async {
        if let waiter {
            let status = await waiter.result()
            waitingPods.remove(uid: assumed.uid)
            if !status.isSuccess {
                framework.runUnreserve(state: state, pod: assumed, nodeName: host)
                cache.forgetPod(assumed)
                queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete)
                failAfterPlacement(queued, framework: framework, status: status, podSchedulingCycle: podSchedulingCycle)
                return
            }
        }
        queue.done(uid: assumed.uid)
        let preBindStart = ContinuousClock.now
        var status = await framework.runPreBind(state: state, pod: assumed, nodeName: host)
        instrumentation.extensionPointFinished(.preBind, profile: framework.schedulerName, status: status.code, duration: ContinuousClock.now - preBindStart)
        if status.isSuccess {
            let bindStart = ContinuousClock.now
            status = await framework.runBind(state: state, pod: assumed, nodeName: host)
            instrumentation.extensionPointFinished(.bind, profile: framework.schedulerName, status: status.code, duration: ContinuousClock.now - bindStart)
        }
        guard status.isSuccess else {
            framework.runUnreserve(state: state, pod: assumed, nodeName: host)
            cache.forgetPod(assumed)
            queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete)
            // Failures after Done are never "unschedulable": they go to backoff as errors.
            var failed = status
            if failed.isRejected { failed = .error(failed.message, plugin: failed.plugin) }
            handleFailure(queued, framework: framework, status: failed, message: failed.message, diagnosis: Diagnosis(),
                          nominating: .override(nodeName: ""), podSchedulingCycle: podSchedulingCycle)
            instrumentation.attemptFinished(profile: framework.schedulerName, result: .error, duration: ContinuousClock.now - cycleStart)
            return
        }
        instrumentation.attemptFinished(profile: framework.schedulerName, result: .scheduled, duration: ContinuousClock.now - cycleStart)
        instrumentation.podBound(profile: framework.schedulerName, attempts: queued.attempts,
                                 sinceFirstAttempt: clock.now() - (queued.initialAttemptTimestamp ?? clock.now()))
        await client.recordEvent(SchedulingEvent(
            namespace: assumed.namespace, podName: assumed.name, type: "Normal", reason: "Scheduled", action: "Binding",
            note: "Successfully assigned \(assumed.namespace)/\(assumed.name) to \(host)", reportingController: framework.schedulerName))
        observer?.podScheduled(queued.podInfo.pod, nodeName: host)
        let postBindStart = ContinuousClock.now
        await framework.runPostBind(state: state, pod: assumed, nodeName: host)
        instrumentation.extensionPointFinished(.postBind, profile: framework.schedulerName, status: .success, duration: ContinuousClock.now - postBindStart)
    }

    /// Reserve/Permit rejections become a fit error with one node; errors stay errors.
    private func failAfterPlacement(_ queued: QueuedPodInfo, framework: ProfileFramework, status: Status, podSchedulingCycle: Int) {
        var diagnosis = Diagnosis()
        var message = status.message
        if status.isRejected {
            if let plugin = status.plugin { diagnosis.unschedulablePlugins.insert(plugin) }
            diagnosis.nodeToStatus.absentStatus = status
            message = FitError(podKey: queued.podInfo.key, numAllNodes: 1, diagnosis: diagnosis).message
        }
        handleFailure(queued, framework: framework, status: status, message: message, diagnosis: diagnosis,
                      nominating: .override(nodeName: ""), podSchedulingCycle: podSchedulingCycle)
    }

    /// `handleSchedulingFailure`: requeue (unless the pod is gone or bound), nominate, report.
    private func handleFailure(
        _ queued: QueuedPodInfo, framework: ProfileFramework, status: Status, message: String, diagnosis: Diagnosis,
        nominating: NominatingMode?, podSchedulingCycle: Int
    ) {
        let pod = queued.podInfo.pod
        var info = queued
        info.unschedulablePlugins = status.isRejected ? diagnosis.unschedulablePlugins : []
        info.pendingPlugins = status.isRejected ? diagnosis.pendingPlugins : []
        if status.isRejected, info.unschedulablePlugins.isEmpty && info.pendingPlugins.isEmpty, let plugin = status.plugin {
            info.unschedulablePlugins.insert(plugin)
        }
        let latest = podStore.withLock { $0[queued.podInfo.uid] }
        if let latest, latest.nodeName.isEmpty {
            info.podInfo = PodInfo(latest)
            queue.addUnschedulableIfNotPresent(info, podSchedulingCycle: podSchedulingCycle)
        } else {
            queue.done(uid: queued.podInfo.uid)
        }
        var nominatedUpdate = PodStatusPatch.NominatedNode.unchanged
        switch nominating {
        case .override(let node)?:
            if node.isEmpty {
                queue.deleteNominatedPodIfExists(uid: queued.podInfo.uid)
                if !(pod.status?.nominatedNodeName ?? "").isEmpty { nominatedUpdate = .clear }
            } else {
                queue.addNominatedPod(info.podInfo, nodeName: node)
                if pod.status?.nominatedNodeName != node { nominatedUpdate = .set(node) }
            }
        case .noop?, nil:
            break
        }
        let reason = status.isRejected ? "Unschedulable" : "SchedulerError"
        observer?.podFailed(pod, status: status, message: message)
        guard latest != nil else { return }
        let condition = PodCondition(type: "PodScheduled", status: "False", reason: reason, message: message)
        let note = message.count > 1024 ? String(message.prefix(1020)) + " ..." : message
        let client = self.client
        let patch = PodStatusPatch(condition: condition, nominatedNodeName: nominatedUpdate)
        let event = SchedulingEvent(namespace: pod.namespace, podName: pod.name, type: "Warning", reason: "FailedScheduling",
                                    action: "Scheduling", note: note, reportingController: framework.schedulerName)
        track {
            await client.recordEvent(event)
            try? await client.patchPodStatus(namespace: pod.namespace, name: pod.name, patch: patch)
        }
    }

    /// Runs `work` as a tracked task so ``waitForInFlightWork()`` can wait for it. The task is created outside
    /// the lock and only a counter is kept, so a binding that finishes at once never contends with the loop.
    func track(_ work: @escaping @Sendable () async -> Void) {
        inFlightWork.withLock { $0.count += 1 }
        Task { [self] in
            await work()
            let waiters = self.inFlightWork.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.count -= 1
                guard state.count == 0 else { return [] }
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
    }

    /// Waits until every binding cycle and status write started so far (and any started meanwhile) has finished.
    public func waitForInFlightWork() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = inFlightWork.withLock { state -> Bool in
                if state.count == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    /// Permit's waiting pods, for plugins that allow or reject them.
    public var permitWaitingPods: WaitingPods { waitingPods }

    // MARK: Cluster events

    /// Applies one informer notification to the queue, the cache and the object store.
    public func handle(_ event: WatchEvent) {
        guard let object = event.object else { return }
        switch (event.type, object) {
        case (.added, .pod(let pod)), (.modified, .pod(let pod)):
            let old = podStore.withLock { store -> Pod? in
                let previous = store[pod.uid]
                store[pod.uid] = pod
                return previous
            }
            if pod.isTerminal {
                podStore.withLock { _ = $0.removeValue(forKey: pod.uid) }
                if let old { podDeleted(old) }
                return
            }
            if let old { podUpdated(old: old, new: pod) } else { podAdded(pod) }
        case (.deleted, .pod(let pod)):
            let old = podStore.withLock { $0.removeValue(forKey: pod.uid) }
            podDeleted(old ?? pod)
        case (.added, .node(let node)), (.modified, .node(let node)):
            let old = nodeStore.withLock { store -> Node? in
                let previous = store[node.metadata.name]
                store[node.metadata.name] = node
                return previous
            }
            if let old {
                nodeUpdated(old: old, new: node)
            } else {
                cache.addOrUpdateNode(node)
                changed()
                queue.moveAllToActiveOrBackoffQueue(.nodeAdd, new: .node(node))
            }
        case (.deleted, .node(let node)):
            nodeStore.withLock { _ = $0.removeValue(forKey: node.metadata.name) }
            cache.removeNode(named: node.metadata.name)
            changed()
            queue.moveAllToActiveOrBackoffQueue(ClusterEvent(resource: .node, action: .delete, label: "NodeDelete"), old: .node(node))
        case (.deleted, _):
            objects.remove(object)
            changed()
            queue.moveAllToActiveOrBackoffQueue(ClusterEvent(resource: Self.eventResource(object.kind), action: .delete), old: object)
        case (.added, _), (.modified, _):
            objects.upsert(object)
            changed()
            let action: ActionType = event.type == .added ? .add : .updateOther
            queue.moveAllToActiveOrBackoffQueue(ClusterEvent(resource: Self.eventResource(object.kind), action: action), new: object)
        case (.bookmark, _):
            break
        }
    }

    /// A node update, with the old object so the event names what changed (labels, taints, allocatable, …).
    func nodeUpdated(old: Node, new: Node) {
        cache.addOrUpdateNode(new)
        changed()
        var action: ActionType = []
        if old.status.allocatable != new.status.allocatable { action.insert(.updateNodeAllocatable) }
        if old.metadata.labels != new.metadata.labels { action.insert(.updateNodeLabel) }
        if old.spec.taints != new.spec.taints || old.spec.unschedulable != new.spec.unschedulable { action.insert(.updateNodeTaint) }
        if old.status.conditions != new.status.conditions { action.insert(.updateNodeCondition) }
        if old.metadata.annotations != new.metadata.annotations { action.insert(.updateNodeAnnotation) }
        guard !action.isEmpty else { return }
        queue.moveAllToActiveOrBackoffQueue(ClusterEvent(resource: .node, action: action, label: "NodeUpdate"), old: .node(old), new: .node(new))
    }

    private func changed() { changes.add(1, ordering: .relaxed) }

    private static func eventResource(_ kind: ObjectKind) -> EventResource {
        switch kind {
        case .pod: .pod
        case .node: .node
        case .persistentVolume: .persistentVolume
        case .persistentVolumeClaim: .persistentVolumeClaim
        case .storageClass: .storageClass
        case .csiNode: .csiNode
        case .namespace: .namespace
        case .podDisruptionBudget: .podDisruptionBudget
        case .priorityClass: .priorityClass
        case .service: .service
        case .replicationController: .replicationController
        case .replicaSet: .replicaSet
        case .statefulSet: .statefulSet
        }
    }

    private func podAdded(_ pod: Pod) {
        if !pod.nodeName.isEmpty {
            cache.addPod(pod)
            changed()
            queue.moveAllToActiveOrBackoffQueue(.assignedPodAdd, new: .pod(pod))
        } else if handles(pod) {
            queue.add(pod)
        }
    }

    private func podUpdated(old: Pod, new: Pod) {
        switch (old.nodeName.isEmpty, new.nodeName.isEmpty) {
        case (true, false):
            // Bound: confirms the assumed pod (or adds one bound by someone else).
            queue.delete(new)
            cache.addPod(new)
            changed()
            queue.moveAllToActiveOrBackoffQueue(.assignedPodAdd, new: .pod(new))
        case (false, false):
            cache.updatePod(old: old, new: new)
            changed()
            var action = PodUpdateEvents.action(old: old, new: new)
            if new.isTerminating && !old.isTerminating { action.insert(.updatePodOther) }
            queue.moveAllToActiveOrBackoffQueue(ClusterEvent(resource: .assignedPod, action: action, label: "AssignedPodUpdate"), old: .pod(old), new: .pod(new))
        case (true, true):
            guard handles(new) else { return }
            if SchedulingQueue.isPodUpdated(old: old, new: new) { changed() }
            queue.update(old: old, new: new)
            if let node = old.status?.nominatedNodeName, !node.isEmpty, node != new.status?.nominatedNodeName {
                nominationReleased(by: old, node: node)
            }
        case (false, true):
            // A pod cannot be unbound; treat as delete + add.
            podDeleted(old)
            podAdded(new)
        }
    }

    private func podDeleted(_ pod: Pod) {
        changed()
        if !pod.nodeName.isEmpty || cache.nodeName(ofPodUID: pod.uid) != nil {
            if waitingPods.reject(uid: pod.uid, message: "removed") == false {
                cache.removePod(pod)
            }
            queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete, old: .pod(pod))
        } else {
            let nominated = nominatedNode(of: pod)
            queue.delete(pod)
            if let nominated, handles(pod) { nominationReleased(by: pod, node: nominated) }
        }
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


/// A read-only buffer shared by parallel workers while its owner keeps it alive and unchanged.
struct UnsafeSendableReadBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<Element>
    init(_ buffer: UnsafeBufferPointer<Element>) { self.buffer = buffer }
}

/// A buffer shared by parallel workers that write disjoint indices.
struct UnsafeSendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

extension Scheduler {
    /// `numFeasibleNodesToFind`, exposed for tests.
    public static func numFeasibleNodesToFindForTesting(percentage: Int, numAllNodes: Int) -> Int {
        numFeasibleNodesToFind(percentage: percentage, numAllNodes: numAllNodes)
    }
}
