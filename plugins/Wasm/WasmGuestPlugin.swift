import KubeAPI
import SchedulerFramework
import Synchronization

let cycleCounter = Atomic<UInt64>(1)

/// A plugin implemented by a WebAssembly guest (kube-scheduler-wasm-extension's ABI). It serves the extension
/// points its module exports; Filter and Score run on as many instances as there are workers, each replaying
/// the cycle's PreFilter and PreScore before its first call of the cycle.
public final class WasmGuestPlugin: Plugin, SelectiveExtensionPoints, PreFilterPlugin, FilterPlugin,
    PostFilterPlugin, PreScorePlugin, NormalizeScorePlugin, ReservePlugin, PermitPlugin, PreBindPlugin, BindPlugin,
    PostBindPlugin, EnqueueExtensions
{
    public let name: String
    let exports: Set<GuestExport>
    let environment: HostEnvironment
    let pool: GuestPool
    let cycleKey: StateKey<GuestCycle>

    /// Loads the guest named by `args` and instantiates it once (so that a bad guest fails the configuration).
    /// `log` receives guest log lines and failures (stderr by default).
    public init(
        name: String,
        args: WasmPluginArgs,
        handle: any FrameworkHandle,
        log: (@Sendable (String) -> Void)? = nil
    ) throws(WasmLoadError) {
        self.name = name
        let module = try GuestModule.load(name: name, args: args)
        exports = module.exports
        environment = HostEnvironment(
            pluginName: name,
            guestConfig: args.guestConfig,
            logSeverity: args.logSeverity,
            handle: handle,
            log: log ?? WasmGuestPlugin.standardError
        )
        let environment = self.environment
        let workers = args.instances > 0 ? args.instances : max(handle.parallelism, 1)
        pool = GuestPool(maxIdle: workers + 2) { () throws(GuestFailure) -> GuestInstance in
            try GuestInstance(module: module, environment: environment, args: args)
        }
        cycleKey = StateKey("wasm/\(name)")
        do {
            pool.seed(try GuestInstance(module: module, environment: environment, args: args))
        } catch {
            throw WasmLoadError(description: "wasm plugin \"\(name)\": guest \(args.guestURL): \(error)")
        }
    }

    static let standardError: @Sendable (String) -> Void = { line in
        var stream = StandardErrorStream()
        print(line, to: &stream)
    }

    // MARK: Which points

    public func implements(_ point: ExtensionPoint) -> Bool {
        switch point {
        case .preFilter: true  // caches the encoded pod for the cycle even when the guest has no prefilter
        case .filter: exports.contains(.filter)
        case .postFilter: exports.contains(.postfilter)
        case .preScore: exports.contains(.prescore)
        case .score: exports.contains(.score)
        case .reserve: exports.contains(.reserve) || exports.contains(.unreserve)
        case .permit: exports.contains(.permit)
        case .preBind: exports.contains(.prebind)
        case .bind: exports.contains(.bind)
        case .postBind: exports.contains(.postbind)
        case .preEnqueue, .queueSort, .multiPoint: false
        }
    }

    public var implementsNormalizeScore: Bool { exports.contains(.normalizescore) }

    // MARK: Calls

    static func status(code: UInt32, reason: String?, plugin: String) -> Status {
        let reasons = reason.map { $0.isEmpty ? [] : [$0] } ?? []
        switch code {
        case 0: return Status(.success, reasons, plugin: plugin)
        case 1: return Status(.error, reasons, plugin: plugin)
        case 2: return Status(.unschedulable, reasons, plugin: plugin)
        case 3: return Status(.unschedulableAndUnresolvable, reasons, plugin: plugin)
        case 4: return Status(.wait, reasons, plugin: plugin)
        case 5: return Status(.skip, reasons, plugin: plugin)
        default: return Status(.error, "wasm: unknown status code \(code)", plugin: plugin)
        }
    }

    func failed(_ failure: GuestFailure) -> Status {
        environment.log("wasm plugin \(name): \(failure)")
        return Status(.error, failure.description, plugin: name)
    }

    func cycle(_ state: CycleState, _ pod: PodInfo) -> GuestCycle {
        if let cycle = state.read(cycleKey), cycle.podUID == pod.pod.uid { return cycle }
        return GuestCycle(id: cycleCounter.add(1, ordering: .relaxed).oldValue, pod: pod.pod, snapshot: nil)
    }

    /// Brings `instance` to `stage` of `cycle`: 1 after PreFilter, 2 after PreScore.
    func prepare(_ instance: GuestInstance, _ cycle: GuestCycle, stage: Int) throws(GuestFailure) {
        if instance.cycle != cycle.id {
            instance.cycle = cycle.id
            instance.stage = 0
        }
        instance.call.pod = cycle.pod
        instance.call.cycle = cycle
        instance.call.snapshot = cycle.snapshot
        instance.call.nodeName = ""
        instance.call.node = nil
        if stage >= 1, instance.stage < 1 {
            if exports.contains(.prefilter) { _ = try instance.invoke(.prefilter) }
            instance.stage = 1
        }
        if stage >= 2, instance.stage < 2, let filtered = cycle.filteredNodes {
            instance.call.filteredNodes = filtered
            if exports.contains(.prescore) { _ = try instance.invoke(.prescore) }
            instance.stage = 2
        }
    }

    /// Leases an instance prepared to `stage` of the cycle, runs `body`, and gives the instance back.
    func withInstance<R>(
        _ cycle: GuestCycle,
        stage: Int,
        _ body: (GuestInstance) throws(GuestFailure) -> R
    ) throws(GuestFailure) -> R {
        let instance = try pool.lease()
        defer {
            instance.call.node = nil
            instance.call.snapshot = nil
            instance.call.cycle = nil
            pool.giveBack(instance)
        }
        try prepare(instance, cycle, stage: stage)
        return try body(instance)
    }

    func simpleCall(_ export: GuestExport, state: CycleState, pod: PodInfo, nodeName: String) -> Status {
        do {
            return try withInstance(cycle(state, pod), stage: 2) { (instance) throws(GuestFailure) -> Status in
                instance.call.nodeName = nodeName
                let code = try instance.invoke(export)
                return Self.status(code: UInt32(truncatingIfNeeded: code), reason: instance.call.reason, plugin: name)
            }
        } catch {
            return failed(error)
        }
    }

    // MARK: PreFilter

    public func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let cycle = GuestCycle(id: cycleCounter.add(1, ordering: .relaxed).oldValue, pod: pod.pod, snapshot: snapshot)
        state.write(cycle, for: cycleKey)
        guard exports.contains(.prefilter) else { return (nil, .success) }
        do {
            return try withInstance(cycle, stage: 0) { (instance) throws(GuestFailure) -> (PreFilterResult?, Status) in
                instance.call.snapshot = snapshot
                let code = try instance.invoke(.prefilter)
                instance.stage = 1
                let status = Self.status(
                    code: UInt32(truncatingIfNeeded: code),
                    reason: instance.call.reason,
                    plugin: name
                )
                return (instance.call.nodeNames.map { PreFilterResult(nodeNames: Set($0)) }, status)
            }
        } catch {
            return (nil, failed(error))
        }
    }

    public var preFilterExtensions: (any PreFilterExtensions)? {
        exports.contains(.addpod) || exports.contains(.removepod) ? GuestPreFilterExtensions(plugin: self) : nil
    }

    // MARK: Filter

    public func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        var status: Status? = nil
        withUnsafeMutablePointer(to: &status) { pointer in
            let nodes = [node]
            nodes.withUnsafeBufferPointer { nodeBuffer in
                [0].withUnsafeBufferPointer { indices in
                    filter(
                        state: state,
                        pod: pod,
                        nodes: NodeBatch(nodes: nodeBuffer, indices: indices),
                        statuses: UnsafeMutableBufferPointer(start: pointer, count: 1)
                    )
                }
            }
        }
        return status ?? .success
    }

    public func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        let cycle = cycle(state, pod)
        do {
            try withInstance(cycle, stage: 1) { (instance) throws(GuestFailure) in
                for k in 0..<nodes.count where statuses[k] == nil {
                    let node = nodes[k]
                    instance.call.node = node
                    instance.call.nodeName = node.name
                    let code = try instance.invoke(.filter)
                    if code != 0 {
                        statuses[k] = Self.status(
                            code: UInt32(truncatingIfNeeded: code),
                            reason: instance.call.reason,
                            plugin: name
                        )
                    }
                }
            }
        } catch {
            let status = failed(error)
            for k in 0..<nodes.count where statuses[k] == nil { statuses[k] = status }
        }
    }

    // MARK: PostFilter

    public func postFilter(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> (PostFilterResult?, Status) {
        do {
            return try withInstance(cycle(state, pod), stage: 1) {
                (instance) throws(GuestFailure) -> (PostFilterResult?, Status) in
                instance.call.snapshot = snapshot
                instance.call.nodeToStatus = JSONText.integerMap(
                    nodeStatuses.statuses.mapValues { Int64($0.code.rawValue) }
                )
                let packed = try instance.invoke(.postfilter)
                let status = Self.status(
                    code: UInt32(truncatingIfNeeded: packed),
                    reason: instance.call.reason,
                    plugin: name
                )
                let mode = UInt32(truncatingIfNeeded: packed >> 32)
                let nominated = instance.call.nominatedNodeName ?? ""
                let result = PostFilterResult(
                    nominatingMode: mode == 1 && !nominated.isEmpty ? .override(nodeName: nominated) : .noop
                )
                return (result, status)
            }
        } catch {
            return (nil, failed(error))
        }
    }

    // MARK: PreScore, Score, NormalizeScore

    public func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        let cycle = cycle(state, pod)
        cycle.filteredNodes = JSONText.stringArray(nodes.map(\.name))
        do {
            return try withInstance(cycle, stage: 1) { (instance) throws(GuestFailure) -> Status in
                instance.call.snapshot = nodes.snapshot
                instance.call.filteredNodes = cycle.filteredNodes ?? []
                let code = try instance.invoke(.prescore)
                instance.stage = 2
                return Self.status(code: UInt32(truncatingIfNeeded: code), reason: instance.call.reason, plugin: name)
            }
        } catch {
            return failed(error)
        }
    }

    public func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        var score: Int64 = 0
        let status = withUnsafeMutablePointer(to: &score) { pointer in
            [node].withUnsafeBufferPointer { nodeBuffer in
                [0].withUnsafeBufferPointer { indices in
                    self.score(
                        state: state,
                        pod: pod,
                        nodes: NodeBatch(nodes: nodeBuffer, indices: indices),
                        scores: UnsafeMutableBufferPointer(start: pointer, count: 1)
                    )
                }
            }
        }
        return (score, status)
    }

    public func score(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        scores: UnsafeMutableBufferPointer<Int64>
    ) -> Status {
        do {
            return try withInstance(cycle(state, pod), stage: 2) { (instance) throws(GuestFailure) -> Status in
                for k in 0..<nodes.count {
                    let node = nodes[k]
                    instance.call.node = node
                    instance.call.nodeName = node.name
                    let packed = try instance.invoke(.score)
                    let code = UInt32(truncatingIfNeeded: packed)
                    if code != 0 { return Self.status(code: code, reason: instance.call.reason, plugin: name) }
                    scores[k] = Int64(Int32(truncatingIfNeeded: packed >> 32))
                }
                return .success
            }
        } catch {
            return failed(error)
        }
    }

    public func normalizeScores(state: CycleState, pod: PodInfo, nodes: NodeList, scores: inout [Int64]) -> Status {
        var byName: [String: Int64] = [:]
        for (index, node) in nodes.enumerated() { byName[node.name] = scores[index] }
        let input = byName
        do {
            let (status, normalized) = try withInstance(cycle(state, pod), stage: 2) {
                (instance) throws(GuestFailure) -> (Status, [String: Int64]?) in
                instance.call.nodeScores = JSONText.integerMap(input)
                let code = try instance.invoke(.normalizescore)
                let status = Self.status(
                    code: UInt32(truncatingIfNeeded: code),
                    reason: instance.call.reason,
                    plugin: name
                )
                return (status, instance.call.normalizedScores)
            }
            if let normalized, !normalized.isEmpty {
                for (index, node) in nodes.enumerated() { scores[index] = normalized[node.name] ?? scores[index] }
            }
            return status
        } catch {
            return failed(error)
        }
    }

    // MARK: Reserve, Permit, binding

    public func reserve(state: CycleState, pod: PodInfo, nodeName: String) -> Status {
        guard exports.contains(.reserve) else { return .success }
        return simpleCall(.reserve, state: state, pod: pod, nodeName: nodeName)
    }

    public func unreserve(state: CycleState, pod: PodInfo, nodeName: String) {
        guard exports.contains(.unreserve) else { return }
        _ = simpleCall(.unreserve, state: state, pod: pod, nodeName: nodeName)
    }

    public func permit(state: CycleState, pod: PodInfo, nodeName: String) -> (Status, timeout: Duration) {
        do {
            return try withInstance(cycle(state, pod), stage: 2) {
                (instance) throws(GuestFailure) -> (Status, timeout: Duration) in
                instance.call.nodeName = nodeName
                let packed = try instance.invoke(.permit)
                let status = Self.status(
                    code: UInt32(truncatingIfNeeded: packed >> 32),
                    reason: instance.call.reason,
                    plugin: name
                )
                return (status, .milliseconds(Int64(UInt32(truncatingIfNeeded: packed))))
            }
        } catch {
            return (failed(error), .zero)
        }
    }

    public func preBind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status {
        simpleCall(.prebind, state: state, pod: pod, nodeName: nodeName)
    }

    public func bind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status {
        simpleCall(.bind, state: state, pod: pod, nodeName: nodeName)
    }

    public func postBind(state: CycleState, pod: PodInfo, nodeName: String) async {
        _ = simpleCall(.postbind, state: state, pod: pod, nodeName: nodeName)
    }

    // MARK: Events

    /// The anchor's answer when a guest exports no `enqueue` (or returns nothing).
    static let allEvents: [ClusterEventWithHint] = [
        EventResource.pod, .node, .csiNode, .persistentVolume, .persistentVolumeClaim, .storageClass,
    ].map { ClusterEventWithHint(ClusterEvent(resource: $0, action: .all)) }

    public func eventsToRegister() -> [ClusterEventWithHint] {
        guard exports.contains(.enqueue) else { return Self.allEvents }
        do {
            let instance = try pool.lease()
            defer { pool.giveBack(instance) }
            instance.call.clusterEvents = []
            _ = try instance.invoke(.enqueue)
            let events = instance.call.clusterEvents
            return events.isEmpty ? Self.allEvents : events.map { ClusterEventWithHint($0) }
        } catch {
            environment.log("wasm plugin \(name): \(error)")
            return Self.allEvents
        }
    }
}
