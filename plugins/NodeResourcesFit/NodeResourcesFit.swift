import KubeAPI
import PluginSupport
import SchedulerFramework

/// Rejects nodes without room for the pod's requests and scores nodes by LeastAllocated, MostAllocated
/// or RequestedToCapacityRatio. Upstream's `noderesources.Fit` (v1.35).
package final class NodeResourcesFit: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.nodeResourcesFit
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// Rejection reasons. Scalar resources use ``insufficientReason(_:)``.
    package static let reasonTooManyPods = "Too many pods"
    /// The pod's cpu request exceeds what is left on the node.
    package static let reasonInsufficientCPU = "Insufficient cpu"
    /// The pod's memory request exceeds what is left on the node.
    package static let reasonInsufficientMemory = "Insufficient memory"
    /// The pod's ephemeral-storage request exceeds what is left on the node.
    package static let reasonInsufficientEphemeralStorage = "Insufficient ephemeral-storage"

    /// `Insufficient <resource>`.
    package static func insufficientReason(_ resource: String) -> String { "Insufficient " + resource }

    static let preFilterKey = StateKey<PreFilterState>("PreFilter" + NodeResourcesFit.name)
    static let preScoreKey = StateKey<PreScoreState>("PreScore" + NodeResourcesFit.name)

    /// The validated arguments this instance was built with.
    package let args: NodeResourcesFitArgs
    private let ignoredResources: Set<String>
    private let ignoredResourceGroups: Set<String>
    private let scorer: ResourceAllocationScorer
    private let strategy: Strategy

    /// Builds the plugin; throws when `args` do not validate.
    package init(args: NodeResourcesFitArgs, handle: any FrameworkHandle) throws(PluginArgsError) {
        try args.validate()
        self.args = args
        ignoredResources = Set(args.ignoredResources)
        ignoredResourceGroups = Set(args.ignoredResourceGroups)
        scorer = ResourceAllocationScorer(resources: args.scoringStrategy.resources, useRequested: false)
        switch args.scoringStrategy.type {
        case .mostAllocated: strategy = .mostAllocated
        case .requestedToCapacityRatio:
            // Shape scores are 0...10; scale them to the node score range 0...100.
            let shape = args.scoringStrategy.requestedToCapacityRatio?.shape ?? []
            strategy = .requestedToCapacityRatio(shape.map { (Int64($0.utilization), Int64($0.score) * 10) })
        default: strategy = .leastAllocated
        }
    }

    enum Strategy: Sendable {
        case leastAllocated
        case mostAllocated
        /// Shape points as (utilization, score × 10).
        case requestedToCapacityRatio([(utilization: Int64, score: Int64)])
    }
}

// MARK: - PreFilter / Filter

extension NodeResourcesFit {
    /// The pod's effective request, prepared once so Filter compares integers only.
    final class PreFilterState: StateData {
        let request: Resource
        /// Scalar resources to check: requested (> 0), not ignored, sorted by name for stable reasons.
        let scalars: [(name: String, amount: Int64, reason: String)]

        init(request: Resource, ignoredResources: Set<String>, ignoredResourceGroups: Set<String>) {
            self.request = request
            var scalars: [(name: String, amount: Int64, reason: String)] = []
            for (name, amount) in request.scalarResources.sorted(by: { $0.key < $1.key }) where amount != 0 {
                if Resource.isExtendedResourceName(name) {
                    let group =
                        name.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(
                            String.init
                        ) ?? name
                    if ignoredResources.contains(name) || ignoredResourceGroups.contains(group) { continue }
                }
                scalars.append((name, amount, NodeResourcesFit.insufficientReason(name)))
            }
            self.scalars = scalars
            singleScalarStatuses = scalars.map { scalar in
                (Status(.unschedulable, scalar.reason), Status(.unschedulableAndUnresolvable, scalar.reason))
            }
        }

        /// Per scalar, the statuses of a node that lacks only that resource (resolvable, unresolvable): built once
        /// per cycle, as most nodes fail alike when a pod asks for a resource few nodes have.
        private let singleScalarStatuses: [(resolvable: Status, unresolvable: Status)]

        func clone() -> any StateData { self }

        /// ``check(_:)`` for node `k` of a batch: the common case (no scalar resources to check) reads the
        /// node's numbers in place; a rejection goes through ``check(_:)`` for its reasons.
        @inline(__always)
        func check(_ nodes: NodeBatch, _ k: Int) -> Status? {
            if scalars.isEmpty {
                let tooManyPods = Int64(nodes[k].podCount) &+ 1 > nodes[k].allocatable.allowedPodNumber
                if request.isZero {
                    if !tooManyPods { return nil }
                } else if !tooManyPods {
                    let cpu =
                        request.milliCPU > 0
                        && request.milliCPU > nodes[k].allocatable.milliCPU &- nodes[k].requested.milliCPU
                    let memory =
                        request.memory > 0 && request.memory > nodes[k].allocatable.memory &- nodes[k].requested.memory
                    let storage =
                        request.ephemeralStorage > 0
                        && request.ephemeralStorage > nodes[k].allocatable.ephemeralStorage
                            &- nodes[k].requested.ephemeralStorage
                    if !cpu && !memory && !storage { return nil }
                }
            }
            return check(nodes[k])
        }

        /// nil when the pod fits `node`; otherwise the rejection with every failing reason, in upstream's
        /// order. Success allocates nothing.
        func check(_ node: NodeInfo) -> Status? {
            let allocatable = node.allocatable
            let requested = node.requested
            let tooManyPods = Int64(node.podCount) &+ 1 > allocatable.allowedPodNumber
            // A pod requesting nothing is only limited by the pod count.
            if request.isZero {
                return tooManyPods ? Status(.unschedulable, NodeResourcesFit.reasonTooManyPods) : nil
            }
            let cpu = request.milliCPU > 0 && request.milliCPU > allocatable.milliCPU &- requested.milliCPU
            let memory = request.memory > 0 && request.memory > allocatable.memory &- requested.memory
            let storage =
                request.ephemeralStorage > 0
                && request.ephemeralStorage > allocatable.ephemeralStorage &- requested.ephemeralStorage
            var scalarFails = false
            /// The node's allocatable of the first scalar that does not fit.
            var failingAllocatable: Int64 = 0
            for scalar in scalars {
                let nodeAllocatable = allocatable.scalarResources[scalar.name] ?? 0
                if scalar.amount > nodeAllocatable &- (requested.scalarResources[scalar.name] ?? 0) {
                    scalarFails = true
                    failingAllocatable = nodeAllocatable
                    break
                }
            }
            guard tooManyPods || cpu || memory || storage || scalarFails else { return nil }
            if scalars.count == 1, !(tooManyPods || cpu || memory || storage) {
                // Only the one scalar fails: the cycle's shared status, no reasons built per node.
                return scalars[0].amount > failingAllocatable
                    ? singleScalarStatuses[0].unresolvable : singleScalarStatuses[0].resolvable
            }

            // Rejection path: collect reasons; a request larger than the whole allocatable makes the
            // node unresolvable (preemption cannot free enough), except for the pod count.
            var reasons: [String] = []
            var unresolvable = false
            if tooManyPods { reasons.append(NodeResourcesFit.reasonTooManyPods) }
            if cpu {
                reasons.append(NodeResourcesFit.reasonInsufficientCPU)
                unresolvable = unresolvable || request.milliCPU > allocatable.milliCPU
            }
            if memory {
                reasons.append(NodeResourcesFit.reasonInsufficientMemory)
                unresolvable = unresolvable || request.memory > allocatable.memory
            }
            if storage {
                reasons.append(NodeResourcesFit.reasonInsufficientEphemeralStorage)
                unresolvable = unresolvable || request.ephemeralStorage > allocatable.ephemeralStorage
            }
            for scalar in scalars {
                let nodeAllocatable = allocatable.scalarResources[scalar.name] ?? 0
                guard scalar.amount > nodeAllocatable &- (requested.scalarResources[scalar.name] ?? 0) else { continue }
                reasons.append(scalar.reason)
                unresolvable = unresolvable || scalar.amount > nodeAllocatable
            }
            return Status(unresolvable ? .unschedulableAndUnresolvable : .unschedulable, reasons)
        }
    }

    /// Stores the pod's effective request (PodInfo.request) for Filter.
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        state.write(
            PreFilterState(
                request: pod.request,
                ignoredResources: ignoredResources,
                ignoredResourceGroups: ignoredResourceGroups
            ),
            for: Self.preFilterKey
        )
        return (nil, .success)
    }

    /// Too many pods, then cpu, memory, ephemeral-storage and scalar resources; every failure is listed.
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("error reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
        }
        return prepared.check(node) ?? .success
    }

    /// Batch Filter: the prepared request is read once; nodes are checked in place.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        guard let prepared = state.read(Self.preFilterKey) else {
            for k in 0..<nodes.count where statuses[k] == nil {
                statuses[k] = .error("error reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
            }
            return
        }
        for k in 0..<nodes.count where statuses[k] == nil {
            if let failure = prepared.check(nodes, k) { statuses[k] = failure }
        }
    }

    /// The reasons `pod` does not fit `node` with no resources ignored (upstream's `Fits`), empty when it fits.
    package static func insufficientResources(_ pod: Pod, node: NodeInfo) -> [String] {
        let state = PreFilterState(request: PodRequests.compute(pod), ignoredResources: [], ignoredResourceGroups: [])
        return state.check(node)?.reasons ?? []
    }
}

// MARK: - PreScore / Score

extension NodeResourcesFit {
    final class PreScoreState: StateData {
        /// The pod's request per configured resource (with the 100m/200Mi defaults for cpu and memory).
        let podRequests: [Int64]
        init(podRequests: [Int64]) { self.podRequests = podRequests }
        func clone() -> any StateData { self }
    }

    /// Stores the pod's request per configured resource (100m/200Mi defaults for cpu and memory).
    package func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        state.write(PreScoreState(podRequests: scorer.podRequests(pod)), for: Self.preScoreKey)
        return .success
    }

    /// The configured strategy's score for the node.
    package func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        guard !scorer.resources.isEmpty else { return (0, .error("resources not found")) }
        let podRequests = state.read(Self.preScoreKey)?.podRequests ?? scorer.podRequests(pod)
        return (score(podRequests: podRequests, node: node), .success)
    }

    /// Batch Score: the pod's requests are read once per batch.
    package func score(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        scores: UnsafeMutableBufferPointer<Int64>
    ) -> Status {
        guard !scorer.resources.isEmpty else { return .error("resources not found") }
        let podRequests = state.read(Self.preScoreKey)?.podRequests ?? scorer.podRequests(pod)
        for k in 0..<nodes.count {
            scores[k] = score(podRequests: podRequests) {
                scorer.allocatableAndRequested(at: $0, podRequest: podRequests[$0], nodes: nodes, node: k)
            }
        }
        return Status(.success)
    }

    /// The strategy's score for `node`, with Go's truncating integer arithmetic.
    func score(podRequests: [Int64], node: NodeInfo) -> Int64 {
        score(podRequests: podRequests) {
            scorer.allocatableAndRequested(at: $0, podRequest: podRequests[$0], node: node)
        }
    }

    /// The strategy's score from each configured resource's (allocatable, requested-with-pod) amounts.
    @inline(__always)
    func score(podRequests: [Int64], amounts: (Int) -> (allocatable: Int64, requested: Int64)) -> Int64 {
        var nodeScore: Int64 = 0
        var weightSum: Int64 = 0
        for i in podRequests.indices {
            let (allocatable, requested) = amounts(i)
            if allocatable == 0 { continue }
            let weight = scorer.resources[i].weight
            switch strategy {
            case .leastAllocated:
                let resourceScore =
                    requested > allocatable ? 0 : (allocatable &- requested) &* NodeScoreRange.max / allocatable
                nodeScore = nodeScore &+ resourceScore &* weight
                weightSum = weightSum &+ weight
            case .mostAllocated:
                let resourceScore = min(requested, allocatable) &* NodeScoreRange.max / allocatable
                nodeScore = nodeScore &+ resourceScore &* weight
                weightSum = weightSum &+ weight
            case .requestedToCapacityRatio(let shape):
                let utilization = requested > allocatable ? 100 : requested &* 100 / allocatable
                let resourceScore = Self.brokenLinear(shape, utilization)
                // Only resources with a positive score enter the average.
                if resourceScore > 0 {
                    nodeScore = nodeScore &+ resourceScore &* weight
                    weightSum = weightSum &+ weight
                }
            }
        }
        guard weightSum != 0 else { return 0 }
        if case .requestedToCapacityRatio = strategy {
            // Go's math.Round: half away from zero.
            return Int64((Double(nodeScore) / Double(weightSum)).rounded(.toNearestOrAwayFromZero))
        }
        return nodeScore / weightSum
    }

    /// Upstream's `BuildBrokenLinearFunction`: linear between shape points, flat outside them.
    static func brokenLinear(_ shape: [(utilization: Int64, score: Int64)], _ p: Int64) -> Int64 {
        for i in shape.indices where p <= shape[i].utilization {
            if i == 0 { return shape[0].score }
            let (u0, s0) = shape[i - 1]
            let (u1, s1) = shape[i]
            return s0 &+ (s1 &- s0) &* (p &- u0) / (u1 &- u0)
        }
        return shape.last?.score ?? 0
    }
}

// MARK: - Events

extension NodeResourcesFit {
    /// Scheduled pods going away or shrinking, and nodes added or gaining allocatable.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .pod,
                    action: [.delete, .updatePodScaleDown],
                    label: "PodDelete|UpdatePodScaleDown"
                ),
                hint: { pod, old, new in NodeResourcesFit.hintAfterPodChange(pod, old: old?.pod, new: new?.pod) }
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .node,
                    action: [.add, .updateNodeAllocatable],
                    label: "NodeAdd|UpdateNodeAllocatable"
                ),
                hint: { pod, old, new in NodeResourcesFit.hintAfterNodeChange(pod, old: old?.node, new: new?.node) }
            ),
        ]
    }

    static func hintAfterPodChange(_ pod: Pod, old: Pod?, new: Pod?) -> QueueingHint {
        guard let modified = new else {
            // A deleted pod frees resources only if it was on a node or nominated to one.
            guard let original = old else { return .queue }
            return original.nodeName.isEmpty && (original.status?.nominatedNodeName ?? "").isEmpty ? .skip : .queue
        }
        if modified.uid == pod.uid { return .queue }
        if modified.nodeName.isEmpty { return .skip }
        guard let original = old else { return .queue }
        let before = PodRequests.compute(original)
        let after = PodRequests.compute(modified)
        let target = PodRequests.compute(pod)
        if target.milliCPU != 0 && before.milliCPU > after.milliCPU { return .queue }
        if target.memory != 0 && before.memory > after.memory { return .queue }
        if target.ephemeralStorage != 0 && before.ephemeralStorage > after.ephemeralStorage { return .queue }
        for (name, amount) in target.scalarResources where amount != 0 {
            if (before.scalarResources[name] ?? 0) > (after.scalarResources[name] ?? 0) { return .queue }
        }
        return .skip
    }

    static func hintAfterNodeChange(_ pod: Pod, old: Node?, new: Node?) -> QueueingHint {
        guard let modified = new else { return .queue }
        guard insufficientResources(pod, node: NodeInfo(node: modified)).isEmpty else { return .skip }
        guard let original = old else { return .queue }
        let request = PodRequests.compute(pod)
        let before = Resource(original.status.allocatable)
        let after = Resource(modified.status.allocatable)
        if after.allowedPodNumber > before.allowedPodNumber { return .queue }
        if request.isZero { return .skip }
        if (request.milliCPU > 0 && after.milliCPU > before.milliCPU)
            || (request.memory > 0 && after.memory > before.memory)
            || (request.ephemeralStorage > 0 && after.ephemeralStorage > before.ephemeralStorage)
        {
            return .queue
        }
        for (name, amount) in request.scalarResources where amount != 0 {
            if (after.scalarResources[name] ?? 0) > (before.scalarResources[name] ?? 0) { return .queue }
        }
        return .skip
    }
}
