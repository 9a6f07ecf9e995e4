import SwiftKubeScheduler

/// Keeps pods in their node pool and prefers the cheapest nodes of it.
///
/// - Filter: a pod labelled `<poolLabel>: <pool>` fits only nodes labelled `<poolLabel>: <pool>`; a pod without
///   the label fits any node.
/// - Score: `100 × (maxCost − cost) / maxCost` from the node's `<costLabel>` (an integer; missing or larger than
///   `maxCost` scores 0).
public final class NodePool: FilterPlugin, ScorePlugin, EnqueueExtensions {
    /// The name profiles and `pluginConfig` use.
    public static let name = "NodePool"
    public var name: String { Self.name }

    /// The rejection reason, as `simulate` and the pod's `PodScheduled` condition show it.
    public static let reasonWrongPool = "node(s) were not in the pod's pool"

    let args: NodePoolArgs

    public init(args: NodePoolArgs) {
        self.args = args
    }

    /// Called concurrently for different nodes: reads only its arguments and the node, allocates nothing.
    public func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard let pool = pod.pod.metadata.labels?[args.poolLabel] else { return .success }
        if node.node.metadata.labels?[args.poolLabel] == pool { return .success }
        // No other plugin's decision can move the node into the pool: preemption would not help.
        return Status(.unschedulableAndUnresolvable, Self.reasonWrongPool)
    }

    /// Called concurrently for different nodes; the result must be in 0...100.
    public func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        guard let text = node.node.metadata.labels?[args.costLabel], let cost = Int64(text), cost >= 0,
            cost <= args.maxCost
        else { return (NodeScoreRange.min, .success) }
        return (NodeScoreRange.max * (args.maxCost - cost) / args.maxCost, .success)
    }

    /// A pod rejected for its pool can only be helped by a node that is added or relabelled into that pool.
    public func eventsToRegister() -> [ClusterEventWithHint] {
        let poolLabel = args.poolLabel
        return [
            ClusterEventWithHint(
                ClusterEvent(resource: .node, action: [.add, .updateNodeLabel], label: "NodeAddOrLabelChange"),
                hint: { pod, _, new in
                    guard let pool = pod.metadata.labels?[poolLabel] else { return .queue }
                    return new?.node?.metadata.labels?[poolLabel] == pool ? .queue : .skip
                }
            )
        ]
    }
}
