import KubeAPI
import SchedulerConfig
import SchedulerFramework

// Over 450 lines on purpose: one short run method per extension point, all reading the plugin lists resolved
// once at startup; split across files those lists would have to be widened to the whole module.

/// One profile's plugins, resolved per extension point once at startup (upstream `frameworkImpl`).
///
/// Capability discovery (`as? any FilterPlugin`) happens here, never in the scheduling loop.
package final class ProfileFramework: Sendable {
    package struct WeightedScorePlugin: Sendable {
        package let plugin: any ScorePlugin
        package let normalizer: (any NormalizeScorePlugin)?
        package let weight: Int64
    }

    package let schedulerName: String
    package let percentageOfNodesToScore: Int?
    package let queueSort: any QueueSortPlugin
    package let preEnqueuePlugins: [any PreEnqueuePlugin]
    package let preFilterPlugins: [any PreFilterPlugin]
    package let filterPlugins: [any FilterPlugin]
    package let postFilterPlugins: [any PostFilterPlugin]
    package let preScorePlugins: [any PreScorePlugin]
    package let scorePlugins: [WeightedScorePlugin]
    package let reservePlugins: [any ReservePlugin]
    package let permitPlugins: [any PermitPlugin]
    package let preBindPlugins: [any PreBindPlugin]
    package let bindPlugins: [any BindPlugin]
    package let postBindPlugins: [any PostBindPlugin]
    /// Plugin name → the events that may make a pod it rejected schedulable. Plugins absent from the
    /// map registered nothing and are requeued by any event.
    package let events: [String: [ClusterEventWithHint]]
    /// Every instantiated plugin by name.
    package let plugins: [String: any Plugin]
    package let handle: any FrameworkHandle

    /// Where sampled per-plugin durations go.
    let instrumentation: any SchedulerInstrumentation

    /// Instantiates the profile's plugins through `registry` and orders them per extension point,
    /// expanding MultiPoint as upstream does.
    package init(
        profile: SchedulerConfiguration.Profile,
        registry: PluginRegistry,
        handle: any FrameworkHandle,
        source: String = "",
        instrumentation: any SchedulerInstrumentation = NoInstrumentation()
    ) throws(ConfigurationError) {
        self.instrumentation = instrumentation
        let prefix = "\(source.isEmpty ? "" : "\(source): ")profiles[\(profile.index)]"
        schedulerName = profile.schedulerName
        percentageOfNodesToScore = profile.percentageOfNodesToScore
        self.handle = handle

        // Instantiate every plugin named anywhere, once.
        var instances: [String: any Plugin] = [:]
        for point in ExtensionPoint.allCases {
            for (index, entry) in profile.plugins[point].enabled.enumerated() where instances[entry.name] == nil {
                guard let factory = registry[entry.name] else {
                    throw ConfigurationError(
                        "\(prefix).plugins.\(point.rawValue).enabled[\(index)]: \(point.displayName) \"\(entry.name)\" does not exist"
                    )
                }
                do {
                    instances[entry.name] = try factory.make(profile.pluginConfig[entry.name], handle)
                } catch {
                    let path = profile.pluginConfigPaths[entry.name] ?? "\(prefix).pluginConfig[\(entry.name)].args"
                    throw ConfigurationError("\(path): \(error)")
                }
            }
        }
        for name in profile.pluginConfig.keys where instances[name] == nil && registry[name] == nil {
            throw ConfigurationError("\(prefix).pluginConfig: plugin \"\(name)\" does not exist")
        }
        plugins = instances

        // A plugin whose points are decided at load time (a WebAssembly guest) serves only those it claims.
        func serves(_ plugin: (any Plugin)?, _ point: ExtensionPoint) -> Bool {
            (plugin as? any SelectiveExtensionPoints)?.implements(point) ?? true
        }
        func resolve<P>(_ point: ExtensionPoint, as type: P.Type) throws(ConfigurationError) -> [P] {
            let set = profile.plugins[point]
            let multiPoint = profile.plugins[.multiPoint]
            var explicit: [String] = []
            for (index, entry) in set.enabled.enumerated() {
                guard instances[entry.name] is P, serves(instances[entry.name], point) else {
                    throw ConfigurationError(
                        "\(prefix).plugins.\(point.rawValue).enabled[\(index)]: plugin \"\(entry.name)\" does not extend \(point.displayName) plugin"
                    )
                }
                guard !explicit.contains(entry.name) else {
                    throw ConfigurationError(
                        "\(prefix).plugins.\(point.rawValue).enabled[\(index)]: plugin \"\(entry.name)\" already registered as \"\(point.displayName)\""
                    )
                }
                explicit.append(entry.name)
            }
            var ordered: [String] = []
            if !set.disabled.contains("*") {
                var overrides: Set<String> = []
                var multiPointOnly: [String] = []
                for (index, entry) in multiPoint.enabled.enumerated() {
                    guard instances[entry.name] is P, serves(instances[entry.name], point),
                        !set.disabled.contains(entry.name)
                    else { continue }
                    if explicit.contains(entry.name) {
                        overrides.insert(entry.name)
                        continue
                    }
                    guard !multiPointOnly.contains(entry.name) else {
                        throw ConfigurationError(
                            "\(prefix).plugins.multiPoint.enabled[\(index)]: plugin \"\(entry.name)\" already registered as \"\(point.displayName)\""
                        )
                    }
                    multiPointOnly.append(entry.name)
                }
                ordered =
                    explicit.filter { overrides.contains($0) } + multiPointOnly
                    + explicit.filter { !overrides.contains($0) }
            } else {
                ordered = explicit
            }
            return ordered.compactMap { instances[$0] as? P }
        }

        let queueSorts = try resolve(.queueSort, as: (any QueueSortPlugin).self)
        guard queueSorts.count == 1, let queueSort = queueSorts.first else {
            throw ConfigurationError(
                "\(prefix).plugins.queueSort: only one queue sort plugin required for profile with scheduler name \"\(profile.schedulerName)\", but got \(queueSorts.count)"
            )
        }
        self.queueSort = queueSort
        preEnqueuePlugins = try resolve(.preEnqueue, as: (any PreEnqueuePlugin).self)
        preFilterPlugins = try resolve(.preFilter, as: (any PreFilterPlugin).self)
        filterPlugins = try resolve(.filter, as: (any FilterPlugin).self)
        postFilterPlugins = try resolve(.postFilter, as: (any PostFilterPlugin).self)
        preScorePlugins = try resolve(.preScore, as: (any PreScorePlugin).self)
        reservePlugins = try resolve(.reserve, as: (any ReservePlugin).self)
        permitPlugins = try resolve(.permit, as: (any PermitPlugin).self)
        preBindPlugins = try resolve(.preBind, as: (any PreBindPlugin).self)
        bindPlugins = try resolve(.bind, as: (any BindPlugin).self)
        postBindPlugins = try resolve(.postBind, as: (any PostBindPlugin).self)
        guard !bindPlugins.isEmpty else {
            throw ConfigurationError(
                "\(prefix).plugins.bind: at least one bind plugin is needed for profile with scheduler name \"\(profile.schedulerName)\""
            )
        }

        // Score weights: the Score point's weight wins over MultiPoint's; 0 or unset means 1.
        var weights: [String: Int64] = [:]
        for entry in profile.plugins[.multiPoint].enabled where entry.weight != 0 {
            weights[entry.name] = Int64(entry.weight)
        }
        for entry in profile.plugins[.score].enabled where entry.weight != 0 {
            weights[entry.name] = Int64(entry.weight)
        }
        let scorers = try resolve(.score, as: (any ScorePlugin).self)
        var total: Int64 = 0
        scorePlugins = scorers.map { plugin in
            let weight = weights[plugin.name] ?? 1
            total += weight * NodeScoreRange.max
            let normalizes = (plugin as? any SelectiveExtensionPoints)?.implementsNormalizeScore ?? true
            let normalizer = normalizes ? plugin as? any NormalizeScorePlugin : nil
            return WeightedScorePlugin(plugin: plugin, normalizer: normalizer, weight: weight)
        }
        if total > Int64.max / 2 {
            throw ConfigurationError("\(prefix).plugins.score: total score of Score plugins could overflow")
        }

        // Events: only plugins at points that can reject a pod requeue it.
        var events: [String: [ClusterEventWithHint]] = [:]
        let rejecting: [any Plugin] =
            preEnqueuePlugins + preFilterPlugins + filterPlugins + reservePlugins + permitPlugins
        for plugin in rejecting where events[plugin.name] == nil {
            guard let extensions = plugin as? any EnqueueExtensions else { continue }
            var registered = extensions.eventsToRegister()
            // Registering Node/Add implies UpdateNodeTaint (upstream issue #109437).
            for index in registered.indices
            where registered[index].event.resource == .node && registered[index].event.action.contains(.add) {
                registered[index].event.action.insert(.updateNodeTaint)
            }
            events[plugin.name] = registered
        }
        self.events = events

        // A bit per plugin (profiles hold far fewer than 64 plugins; beyond that, fall back to names).
        var bits: [String: UInt64] = [:]
        for (index, name) in instances.keys.sorted().enumerated() where index < 64 { bits[name] = 1 << UInt64(index) }
        pluginBits = bits
        filterPluginBits = filterPlugins.map { bits[$0.name] }
        preFilterExtensionPlugins = preFilterPlugins.compactMap { plugin in
            plugin.preFilterExtensions.map { (bit: bits[plugin.name], name: plugin.name, extensions: $0) }
        }
    }

    /// Bits of each plugin in ``CycleState/skipFilterMask``; nil for plugins past the 64th.
    private let pluginBits: [String: UInt64]
    /// ``filterPlugins``' bits, index for index.
    private let filterPluginBits: [UInt64?]
    /// PreFilter plugins with AddPod/RemovePod extensions, resolved once.
    private let preFilterExtensionPlugins: [(bit: UInt64?, name: String, extensions: any PreFilterExtensions)]

    /// Whether the plugin with `bit` (or `name`) had its Filter skipped this cycle.
    @inline(__always)
    private func isFilterSkipped(_ bit: UInt64?, _ name: String, in state: CycleState) -> Bool {
        if let bit { return state.skipFilterMask & bit != 0 }
        return !state.skipFilterPlugins.isEmpty && state.skipFilterPlugins.contains(name)
    }

    /// Runs one plugin's extension point, timing it when the cycle is sampled.
    @inline(__always)
    func measured<T>(
        _ state: CycleState,
        _ plugin: String,
        _ point: ExtensionPoint,
        _ body: () -> T,
        code: (T) -> Status.Code
    ) -> T {
        guard state.recordPluginMetrics else { return body() }
        let start = ContinuousClock.now
        let result = body()
        instrumentation.pluginExecuted(
            plugin: plugin,
            extensionPoint: point,
            status: code(result),
            duration: ContinuousClock.now - start
        )
        return result
    }

    /// ``measured(_:_:_:_:code:)`` for the asynchronous extension points.
    func measured(
        _ state: CycleState,
        _ plugin: String,
        _ point: ExtensionPoint,
        _ body: () async -> Status
    ) async -> Status {
        guard state.recordPluginMetrics else { return await body() }
        let start = ContinuousClock.now
        let result = await body()
        instrumentation.pluginExecuted(
            plugin: plugin,
            extensionPoint: point,
            status: result.code,
            duration: ContinuousClock.now - start
        )
        return result
    }

    /// Whether any Filter plugin is configured.
    package var hasFilterPlugins: Bool { !filterPlugins.isEmpty }
    package var hasScorePlugins: Bool { !scorePlugins.isEmpty }

    // MARK: Running extension points

    /// PreEnqueue plugins in order; the first rejection wins, attributed to its plugin.
    package func runPreEnqueue(_ pod: PodInfo) -> Status {
        for plugin in preEnqueuePlugins {
            let status = plugin.preEnqueue(pod)
            if !status.isSuccess { return status.attributed(to: plugin.name) }
        }
        return .success
    }

    /// PreFilter plugins in order (`RunPreFilterPlugins`): Skip marks the plugin's Filter skipped,
    /// UnschedulableAndUnresolvable stops at once, Unschedulable keeps going, results intersect.
    package func runPreFilter(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot
    ) -> (result: PreFilterResult?, status: Status, rejectors: Set<String>, narrowing: [String]) {
        var merged: PreFilterResult?
        var narrowing: [String] = []
        var rejection: Status?
        var rejectors: Set<String> = []
        for plugin in preFilterPlugins {
            let (result, status) = measured(
                state,
                plugin.name,
                .preFilter,
                { plugin.preFilter(state: state, pod: pod, snapshot: snapshot) },
                code: { $0.1.code }
            )
            if status.isSkip {
                state.skipFilterPlugins.insert(plugin.name)
                state.skipFilterMask |= pluginBits[plugin.name] ?? 0
                continue
            }
            if !status.isSuccess {
                let attributed = status.attributed(to: plugin.name)
                switch status.code {
                case .unschedulableAndUnresolvable:
                    rejectors.insert(plugin.name)
                    return (nil, attributed, rejectors, narrowing)
                case .unschedulable:
                    rejectors.insert(plugin.name)
                    if rejection == nil { rejection = attributed }
                    continue
                default:
                    return (
                        nil,
                        .error("running PreFilter plugin \"\(plugin.name)\": \(status.message)", plugin: plugin.name),
                        rejectors, narrowing
                    )
                }
            }
            if let result, !result.allNodes {
                narrowing.append(plugin.name)
                merged = (merged ?? result).merged(with: result)
                if merged?.nodeNames?.isEmpty == true {
                    let message =
                        narrowing.count > 1
                        ? "node(s) didn't satisfy plugin(s) [\(narrowing.joined(separator: " "))] simultaneously"
                        : "node(s) didn't satisfy plugin \(plugin.name)"
                    rejectors.formUnion(narrowing)
                    return (
                        merged, Status(.unschedulableAndUnresolvable, message, plugin: plugin.name), rejectors,
                        narrowing
                    )
                }
            }
        }
        if let rejection { return (merged, rejection, rejectors, narrowing) }
        return (merged, .success, rejectors, narrowing)
    }

    /// Filter plugins in order for one node, stopping at the first non-success (`RunFilterPlugins`).
    package func runFilter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        let anySkipped = !state.skipFilterPlugins.isEmpty
        for index in filterPlugins.indices {
            let plugin = filterPlugins[index]
            if anySkipped && isFilterSkipped(filterPluginBits[index], plugin.name, in: state) { continue }
            let status = plugin.filter(state: state, pod: pod, node: node)
            if status.code == .success { continue }
            return Self.filterFailure(status, plugin: plugin.name)
        }
        return Status(.success)
    }

    /// The Filter plugins that run this cycle, in order: those whose PreFilter returned Skip are left out.
    /// Computed once per cycle so that the per-node loop does no set lookups or string comparisons.
    package func activeFilterPlugins(_ state: CycleState) -> ContiguousArray<any FilterPlugin> {
        if state.skipFilterPlugins.isEmpty { return ContiguousArray(filterPlugins) }
        var active = ContiguousArray<any FilterPlugin>()
        active.reserveCapacity(filterPlugins.count)
        for index in filterPlugins.indices
        where !isFilterSkipped(filterPluginBits[index], filterPlugins[index].name, in: state) {
            active.append(filterPlugins[index])
        }
        return active
    }

    /// ``runFilter(state:pod:node:)`` for a batch of nodes, plugin by plugin (each plugin's batch Filter sees
    /// only the nodes every earlier plugin passed). On return `statuses[k]` is nil when `nodes[k]` fits, else the
    /// first failing plugin's status, attributed exactly as the per-node call returns it. `statuses` must be
    /// all nil on entry.
    package func runFilter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>,
        plugins: ContiguousArray<any FilterPlugin>
    ) {
        let count = nodes.count
        guard count > 0 else { return }
        let decided = UnsafeMutableBufferPointer<Bool>.allocate(capacity: count)
        decided.initialize(repeating: false)
        defer { decided.deallocate() }
        var pending = count
        for plugin in plugins {
            guard pending > 0 else { return }
            if state.recordPluginMetrics {
                let start = ContinuousClock.now
                plugin.filter(state: state, pod: pod, nodes: nodes, statuses: statuses)
                instrumentation.pluginExecuted(
                    plugin: plugin.name,
                    extensionPoint: .filter,
                    status: .success,
                    duration: ContinuousClock.now - start
                )
            } else {
                plugin.filter(state: state, pod: pod, nodes: nodes, statuses: statuses)
            }
            for k in 0..<count where !decided[k] {
                guard let status = statuses[k] else { continue }
                if status.code == .success {
                    statuses[k] = nil
                    continue
                }
                statuses[k] = Self.filterFailure(status, plugin: plugin.name)
                decided[k] = true
                pending -= 1
            }
        }
    }

    static func filterFailure(_ status: Status, plugin: String) -> Status {
        if status.isRejected { return status.attributed(to: plugin) }
        return .error("running \"\(plugin)\" filter plugin: \(status.message)", plugin: plugin)
    }

    /// Filter with the pods nominated to this node of equal or higher priority added (pass 1), then
    /// without them (pass 2); the node must pass both (`RunFilterPluginsWithNominatedPods`).
    package func runFilterWithNominatedPods(
        state: CycleState,
        pod: PodInfo,
        node: NodeInfo,
        nominated: [PodInfo]
    ) -> Status {
        guard nominated.contains(where: { $0.uid != pod.uid && $0.priority >= pod.priority }) else {
            return runFilter(state: state, pod: pod, node: node)
        }
        let relevant = nominated.filter { $0.uid != pod.uid && $0.priority >= pod.priority }
        var augmented = node
        // Only plugins with AddPod extensions change the state; without any active one, no copy is needed.
        let extensionsActive = preFilterExtensionPlugins.contains { !isFilterSkipped($0.bit, $0.name, in: state) }
        let augmentedState = extensionsActive ? state.clone() : state
        for other in relevant {
            augmented.addPod(other)
            let status = runPreFilterExtensionAddPod(
                state: augmentedState,
                podToSchedule: pod,
                podToAdd: other,
                nodeInfo: augmented
            )
            if !status.isSuccess { return status }
        }
        let first = runFilter(state: augmentedState, pod: pod, node: augmented)
        guard first.isSuccess else { return first }
        return runFilter(state: state, pod: pod, node: node)
    }

    /// Every PreFilter plugin's AddPod extension, except for plugins whose Filter is skipped this cycle.
    package func runPreFilterExtensionAddPod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToAdd: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        for entry in preFilterExtensionPlugins where !isFilterSkipped(entry.bit, entry.name, in: state) {
            let status = entry.extensions.addPod(
                state: state,
                podToSchedule: podToSchedule,
                podToAdd: podToAdd,
                nodeInfo: nodeInfo
            )
            if !status.isSuccess {
                return .error("running AddPod on PreFilter plugin \"\(entry.name)\": \(status.message)")
            }
        }
        return .success
    }

    /// Every PreFilter plugin's RemovePod extension, except for plugins whose Filter is skipped this cycle.
    package func runPreFilterExtensionRemovePod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToRemove: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        for entry in preFilterExtensionPlugins where !isFilterSkipped(entry.bit, entry.name, in: state) {
            let status = entry.extensions.removePod(
                state: state,
                podToSchedule: podToSchedule,
                podToRemove: podToRemove,
                nodeInfo: nodeInfo
            )
            if !status.isSuccess {
                return .error("running RemovePod on PreFilter plugin \"\(entry.name)\": \(status.message)")
            }
        }
        return .success
    }

    /// PostFilter plugins until one succeeds or one is unresolvable (`RunPostFilterPlugins`).
    package func runPostFilter(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus,
        reportEach: ((_ plugin: String, PostFilterResult?, Status) -> Void)? = nil
    ) -> (PostFilterResult?, Status) {
        var reasons: [String] = []
        var firstRejector: String?
        var result: PostFilterResult?
        for plugin in postFilterPlugins {
            let (pluginResult, status) = plugin.postFilter(
                state: state,
                pod: pod,
                snapshot: snapshot,
                nodeStatuses: nodeStatuses
            )
            reportEach?(plugin.name, pluginResult, status)
            if status.isSuccess { return (pluginResult, status) }
            if status.code == .unschedulableAndUnresolvable {
                return (pluginResult, status.attributed(to: plugin.name))
            }
            if !status.isRejected { return (nil, .error(status.message, plugin: plugin.name)) }
            reasons += status.reasons
            if firstRejector == nil { firstRejector = plugin.name }
            if let pluginResult, pluginResult.nominatingMode != .noop { result = pluginResult }
        }
        return (result, Status(.unschedulable, reasons, plugin: firstRejector))
    }

    /// PreScore plugins in order; Skip marks the plugin's Score skipped.
    package func runPreScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        for plugin in preScorePlugins {
            let status = measured(
                state,
                plugin.name,
                .preScore,
                { plugin.preScore(state: state, pod: pod, nodes: nodes) },
                code: \.code
            )
            if status.isSkip {
                state.skipScorePlugins.insert(plugin.name)
                continue
            }
            if !status.isSuccess {
                return .error("running PreScore plugin \"\(plugin.name)\": \(status.message)", plugin: plugin.name)
            }
        }
        return .success
    }

    /// Reserve plugins in order; on failure the caller runs ``runUnreserve(state:pod:nodeName:)``.
    package func runReserve(state: CycleState, pod: PodInfo, nodeName: String) -> Status {
        for plugin in reservePlugins {
            let status = measured(
                state,
                plugin.name,
                .reserve,
                { plugin.reserve(state: state, pod: pod, nodeName: nodeName) },
                code: \.code
            )
            if status.isSuccess { continue }
            if status.isRejected { return status.attributed(to: plugin.name) }
            return .error("running Reserve plugin \"\(plugin.name)\": \(status.message)", plugin: plugin.name)
        }
        return .success
    }

    /// Unreserve on every Reserve plugin, in reverse order.
    package func runUnreserve(state: CycleState, pod: PodInfo, nodeName: String) {
        for plugin in reservePlugins.reversed() { plugin.unreserve(state: state, pod: pod, nodeName: nodeName) }
    }

    /// Permit plugins: a rejection or error stops; Wait collects each plugin's timeout (capped at 15 min).
    package func runPermit(state: CycleState, pod: PodInfo, nodeName: String) -> (Status, waits: [String: Duration]) {
        var waits: [String: Duration] = [:]
        for plugin in permitPlugins {
            let (status, timeout) = measured(
                state,
                plugin.name,
                .permit,
                { plugin.permit(state: state, pod: pod, nodeName: nodeName) },
                code: { $0.0.code }
            )
            if status.isSuccess { continue }
            if status.isWait {
                waits[plugin.name] = min(timeout, .seconds(15 * 60))
                continue
            }
            if status.isRejected { return (status.attributed(to: plugin.name), [:]) }
            return (.error("running Permit plugin \"\(plugin.name)\": \(status.message)", plugin: plugin.name), [:])
        }
        return (waits.isEmpty ? .success : Status(.wait), waits)
    }

    package func runPreBind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status {
        for plugin in preBindPlugins {
            let status = await measured(state, plugin.name, .preBind) {
                await plugin.preBind(state: state, pod: pod, nodeName: nodeName)
            }
            if status.isSuccess || status.isSkip { continue }
            if status.isRejected { return status.attributed(to: plugin.name) }
            return .error("running PreBind plugin \"\(plugin.name)\": \(status.message)", plugin: plugin.name)
        }
        return .success
    }

    /// Bind plugins in order until one does not Skip.
    package func runBind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status {
        for plugin in bindPlugins {
            let status = await measured(state, plugin.name, .bind) {
                await plugin.bind(state: state, pod: pod, nodeName: nodeName)
            }
            if status.isSkip { continue }
            if status.isSuccess { return status }
            return .error("running Bind plugin \"\(plugin.name)\": \(status.message)", plugin: plugin.name)
        }
        return .skip
    }

    package func runPostBind(state: CycleState, pod: PodInfo, nodeName: String) async {
        for plugin in postBindPlugins {
            _ = await measured(state, plugin.name, .postBind) {
                await plugin.postBind(state: state, pod: pod, nodeName: nodeName)
                return Status.success
            }
        }
    }
}
