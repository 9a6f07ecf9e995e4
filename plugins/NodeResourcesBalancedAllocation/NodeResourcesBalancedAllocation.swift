import KubeAPI
import PluginSupport
import SchedulerFramework

/// `NodeResourcesBalancedAllocationArgs` (kubescheduler.config.k8s.io/v1): the resources whose usage
/// fractions should stay close to each other.
///
/// Decoding applies upstream's defaulting: an empty list becomes cpu and memory, a weight of 0 becomes 1.
package struct NodeResourcesBalancedAllocationArgs: PluginArgs, Equatable {
    /// The resources to balance; weights must be 1.
    package var resources: [ResourceSpec]

    /// Args with the given resources, taken as given (no defaulting).
    package init(resources: [ResourceSpec] = ResourceSpec.defaultResources) {
        self.resources = resources
    }

    /// cpu and memory, weight 1 each.
    package static var defaults: NodeResourcesBalancedAllocationArgs { NodeResourcesBalancedAllocationArgs() }

    enum CodingKeys: String, CodingKey { case resources }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var resources = try c.decodeIfPresent([ResourceSpec].self, forKey: .resources) ?? []
        if resources.isEmpty { resources = ResourceSpec.defaultResources }
        for i in resources.indices where resources[i].weight == 0 { resources[i].weight = 1 }
        self.resources = resources
    }

    /// Upstream's `ValidateNodeResourcesBalancedAllocationArgs`: no duplicate names, every weight 1.
    package func validate() throws(PluginArgsError) {
        var seen: Set<String> = []
        for (i, resource) in resources.enumerated() {
            if !seen.insert(resource.name).inserted {
                throw PluginArgsError(field: "resources[\(i)].name", "Duplicate value: \"\(resource.name)\"")
            }
            if resource.weight != 1 {
                throw PluginArgsError(field: "resources[\(i)].weight", "Invalid value: \(resource.weight): must be 1")
            }
        }
    }
}

/// Favors nodes whose resource usage fractions, with the pod added, are close to each other (lowest
/// standard deviation). Upstream's `noderesources.BalancedAllocation` (v1.35).
package final class NodeResourcesBalancedAllocation: PreScorePlugin, ScorePlugin {
    /// The registry and configuration name.
    package static let name = PluginName.nodeResourcesBalancedAllocation
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    static let preScoreKey = StateKey<PreScoreState>("PreScore" + NodeResourcesBalancedAllocation.name)

    /// The validated arguments this instance was built with.
    package let args: NodeResourcesBalancedAllocationArgs
    private let scorer: ResourceAllocationScorer

    /// Builds the plugin; throws when `args` do not validate.
    package init(args: NodeResourcesBalancedAllocationArgs, handle: any FrameworkHandle) throws(PluginArgsError) {
        try args.validate()
        self.args = args
        // Real requests: the 100m/200Mi defaults would make best-effort pods look balanced.
        scorer = ResourceAllocationScorer(resources: args.resources, useRequested: true)
    }

    final class PreScoreState: StateData {
        let podRequests: [Int64]
        init(podRequests: [Int64]) { self.podRequests = podRequests }
        func clone() -> any StateData { self }
    }
}

extension NodeResourcesBalancedAllocation {
    /// Skip for pods requesting none of the resources, so best-effort pods do not pile onto one node
    /// (kubernetes/kubernetes#129138).
    package func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        let podRequests = scorer.podRequests(pod)
        if ResourceAllocationScorer.isBestEffort(podRequests) { return .skip }
        state.write(PreScoreState(podRequests: podRequests), for: Self.preScoreKey)
        return .success
    }
}

extension NodeResourcesBalancedAllocation {
    /// `int64((1 - std) × 100)` over the usage fractions (capped at 1) of the resources the node has.
    package func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        guard !scorer.resources.isEmpty else { return (0, .error("resources not found")) }
        let podRequests: [Int64]
        if let prepared = state.read(Self.preScoreKey) {
            podRequests = prepared.podRequests
        } else {
            podRequests = scorer.podRequests(pod)
            if ResourceAllocationScorer.isBestEffort(podRequests) { return (0, .success) }
        }
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
        let podRequests: [Int64]
        if let prepared = state.read(Self.preScoreKey) {
            podRequests = prepared.podRequests
        } else {
            podRequests = scorer.podRequests(pod)
            if ResourceAllocationScorer.isBestEffort(podRequests) {
                for k in 0..<nodes.count { scores[k] = 0 }
                return Status(.success)
            }
        }
        for k in 0..<nodes.count {
            scores[k] = score(podRequests: podRequests) {
                scorer.allocatableAndRequested(at: $0, podRequest: podRequests[$0], nodes: nodes, node: k)
            }
        }
        return Status(.success)
    }

    func score(podRequests: [Int64], node: NodeInfo) -> Int64 {
        score(podRequests: podRequests) {
            scorer.allocatableAndRequested(at: $0, podRequest: podRequests[$0], node: node)
        }
    }

    /// The score from each configured resource's (allocatable, requested-with-pod) amounts.
    @inline(__always)
    func score(podRequests: [Int64], amounts: (Int) -> (allocatable: Int64, requested: Int64)) -> Int64 {
        @inline(__always) func fraction(at index: Int) -> Double? {
            let (allocatable, requested) = amounts(index)
            guard allocatable != 0 else { return nil }
            return min(Double(requested) / Double(allocatable), 1)
        }
        // Two passes over the resources instead of collecting fractions, to avoid allocating per node;
        // the fractions are recomputed identically, so the sums match upstream's bit for bit.
        var count = 0
        var total = 0.0
        var first = 0.0
        var second = 0.0
        for i in podRequests.indices {
            guard let fraction = fraction(at: i) else { continue }
            if count == 0 { first = fraction } else if count == 1 { second = fraction }
            total += fraction
            count += 1
        }
        var std = 0.0
        if count == 2 {
            std = abs((first - second) / 2)
        } else if count > 2 {
            let mean = total / Double(count)
            var sum = 0.0
            for i in podRequests.indices {
                guard let fraction = fraction(at: i) else { continue }
                sum = sum + (fraction - mean) * (fraction - mean)
            }
            std = (sum / Double(count)).squareRoot()
        }
        return Int64((1 - std) * Double(NodeScoreRange.max))
    }

}
