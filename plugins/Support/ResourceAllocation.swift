import KubeAPI
import SchedulerFramework

/// A resource and its weight in a resource-scoring configuration (upstream's `ResourceSpec`), shared by
/// `NodeResourcesFitArgs.scoringStrategy.resources` and `NodeResourcesBalancedAllocationArgs.resources`.
///
/// Decoding leaves a missing `weight` at 0; the args types then apply upstream's defaulting (0 → 1).
package struct ResourceSpec: Codable, Sendable, Hashable {
    /// A resource name, e.g. `cpu` or `nvidia.com/gpu`.
    package var name: String
    /// The resource's weight in the weighted average.
    package var weight: Int64

    /// A resource spec; `weight` defaults to 1.
    package init(name: String, weight: Int64 = 1) {
        self.name = name
        self.weight = weight
    }

    enum CodingKeys: String, CodingKey { case name, weight }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        weight = try c.decodeIfPresent(Int64.self, forKey: .weight) ?? 0
    }

    /// Upstream's default scoring resources: cpu and memory, weight 1 each.
    package static let defaultResources = [
        ResourceSpec(name: ResourceName.cpu), ResourceSpec(name: ResourceName.memory),
    ]
}

/// The node-side arithmetic shared by NodeResourcesFit scoring and NodeResourcesBalancedAllocation
/// (upstream's `resourceAllocationScorer` minus the strategy itself).
///
/// Resource names are resolved once at construction so that per-node scoring reads integers only.
package struct ResourceAllocationScorer: Sendable {
    /// Where a configured resource's numbers come from.
    package enum Kind: Sendable, Hashable {
        case cpu, memory, ephemeralStorage
        /// Extended, hugepages and other scalar resources: skipped when the pod does not request them.
        case scalar
        /// Anything else (e.g. `pods`, `storage`): never scored.
        case unscored
    }

    /// The configured resources, in configuration order.
    package let resources: [ResourceSpec]
    /// Each resource's kind, resolved from its name.
    package let kinds: [Kind]
    /// `true` reads the node's real requests for cpu and memory (BalancedAllocation); `false` reads the
    /// requests with upstream's 100m/200Mi defaults (NodeResourcesFit).
    package let useRequested: Bool

    /// Resolves `resources` once, for scoring with real (`useRequested`) or defaulted requests.
    package init(resources: [ResourceSpec], useRequested: Bool) {
        self.resources = resources
        self.useRequested = useRequested
        kinds = resources.map { spec in
            switch spec.name {
            case ResourceName.cpu: .cpu
            case ResourceName.memory: .memory
            case ResourceName.ephemeralStorage: .ephemeralStorage
            default: Resource.isScalarResourceName(spec.name) ? .scalar : .unscored
            }
        }
    }

    /// The pod's request of each configured resource, in configuration order (computed in PreScore).
    package func podRequests(_ pod: PodInfo) -> [Int64] {
        let request = useRequested ? pod.request : pod.nonZeroRequest
        return resources.map { request.amount(of: $0.name) }
    }

    /// Whether the pod requests none of the configured resources.
    package static func isBestEffort(_ podRequests: [Int64]) -> Bool {
        podRequests.allSatisfy { $0 == 0 }
    }

    /// ``allocatableAndRequested(at:podRequest:node:)`` for node `k` of a batch, reading the node info in place
    /// (no copy, so no reference count per node in batch Score).
    @inlinable
    package func allocatableAndRequested(
        at index: Int,
        podRequest: Int64,
        nodes: NodeBatch,
        node k: Int
    ) -> (allocatable: Int64, requested: Int64) {
        switch kinds[index] {
        case .cpu:
            let used = useRequested ? nodes[k].requested.milliCPU : nodes[k].nonZeroRequested.milliCPU
            return (nodes[k].allocatable.milliCPU, used &+ podRequest)
        case .memory:
            let used = useRequested ? nodes[k].requested.memory : nodes[k].nonZeroRequested.memory
            return (nodes[k].allocatable.memory, used &+ podRequest)
        case .ephemeralStorage:
            return (nodes[k].allocatable.ephemeralStorage, nodes[k].requested.ephemeralStorage &+ podRequest)
        case .scalar:
            guard podRequest != 0 else { return (0, 0) }
            let name = resources[index].name
            guard let allocatable = nodes[k].allocatable.scalarResources[name] else { return (0, 0) }
            return (allocatable, (nodes[k].requested.scalarResources[name] ?? 0) &+ podRequest)
        case .unscored:
            return (0, 0)
        }
    }

    /// The node's allocatable amount of resource `index` and the amount requested once the pod is added.
    /// `(0, 0)` means "skip this resource" (unrequested scalar, unknown resource, or none on the node).
    @inlinable
    package func allocatableAndRequested(
        at index: Int,
        podRequest: Int64,
        node: NodeInfo
    ) -> (allocatable: Int64, requested: Int64) {
        switch kinds[index] {
        case .cpu:
            let used = useRequested ? node.requested.milliCPU : node.nonZeroRequested.milliCPU
            return (node.allocatable.milliCPU, used &+ podRequest)
        case .memory:
            let used = useRequested ? node.requested.memory : node.nonZeroRequested.memory
            return (node.allocatable.memory, used &+ podRequest)
        case .ephemeralStorage:
            return (node.allocatable.ephemeralStorage, node.requested.ephemeralStorage &+ podRequest)
        case .scalar:
            // An extended resource the pod does not request is left out of the score entirely.
            guard podRequest != 0 else { return (0, 0) }
            let name = resources[index].name
            guard let allocatable = node.allocatable.scalarResources[name] else { return (0, 0) }
            return (allocatable, (node.requested.scalarResources[name] ?? 0) &+ podRequest)
        case .unscored:
            return (0, 0)
        }
    }
}
