import KubeAPI

/// A scheduler plugin. Each plugin type also conforms to one protocol per extension point it
/// implements; the runtime discovers them once when it builds a profile.
///
/// Plugins are long-lived and shared by the scheduling loop, the Filter/Score workers and binding
/// tasks, so they are class-bound and `Sendable`.
public protocol Plugin: AnyObject, Sendable {
    /// The registry and configuration name, e.g. `"NodeResourcesFit"`.
    var name: String { get }
}

/// Decides whether a pod may enter the active queue (e.g. SchedulingGates).
public protocol PreEnqueuePlugin: Plugin {
    func preEnqueue(_ pod: PodInfo) -> Status
}

/// Orders the active queue. Every profile must use the same one.
public protocol QueueSortPlugin: Plugin {
    func less(_ lhs: QueuedPodInfo, _ rhs: QueuedPodInfo) -> Bool
}

/// The nodes a PreFilter plugin restricts the cycle to. `nil` node names means all nodes.
public struct PreFilterResult: Sendable, Equatable {
    public var nodeNames: Set<String>?
    public init(nodeNames: Set<String>?) { self.nodeNames = nodeNames }

    public var allNodes: Bool { nodeNames == nil }

    /// Intersection of two results (`PreFilterResult.Merge`).
    public func merged(with other: PreFilterResult?) -> PreFilterResult {
        guard let other, let theirs = other.nodeNames else { return self }
        guard let mine = nodeNames else { return other }
        return PreFilterResult(nodeNames: mine.intersection(theirs))
    }
}

/// Runs once per pod before Filter; precomputes state, may narrow the node set or Skip its Filter.
public protocol PreFilterPlugin: Plugin {
    func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status)
    /// Incremental updates of this plugin's PreFilter state when pods are added to or removed from a
    /// node in a what-if evaluation (nominated pods, preemption). nil when the state does not depend
    /// on other pods.
    var preFilterExtensions: (any PreFilterExtensions)? { get }
}

extension PreFilterPlugin {
    public var preFilterExtensions: (any PreFilterExtensions)? { nil }
}

public protocol PreFilterExtensions: Sendable {
    func addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo) -> Status
    func removePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo) -> Status
}

/// The per-node feasibility check. Runs once per (pod, node), concurrently: keep it allocation-free
/// on success and read per-pod data from ``CycleState``.
public protocol FilterPlugin: Plugin {
    func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status

    /// Filters a batch of nodes in one call; the framework calls this instead of ``filter(state:pod:node:)``.
    ///
    /// On entry `statuses[k] == nil` means `nodes[k]` passed the earlier plugins and must be filtered; a
    /// non-nil entry was rejected earlier and must be left alone. For each filtered node whose outcome is
    /// not success, store the status in `statuses[k]`. The outcome must equal calling
    /// ``filter(state:pod:node:)`` per node; the default implementation does exactly that. Plugins on the hot
    /// path implement it to read their per-cycle state once per batch instead of once per node.
    func filter(state: CycleState, pod: PodInfo, nodes: NodeBatch, statuses: UnsafeMutableBufferPointer<Status?>)
}

extension FilterPlugin {
    /// Calls ``filter(state:pod:node:)`` for each pending node.
    public func filter(state: CycleState, pod: PodInfo, nodes: NodeBatch, statuses: UnsafeMutableBufferPointer<Status?>)
    {
        for k in 0..<nodes.count where statuses[k] == nil {
            let status = filter(state: state, pod: pod, node: nodes[k])
            if status.code != .success { statuses[k] = status }
        }
    }
}

/// Nodes handed to a batch Filter or Score call: position `k` is `nodes[indices[k]]` of the cycle's snapshot.
/// Only valid during the call.
public struct NodeBatch {
    /// The snapshot's node infos.
    public let nodes: UnsafeBufferPointer<NodeInfo>
    /// Which of them, in batch order.
    public let indices: UnsafeBufferPointer<Int>

    /// A batch of `nodes[indices[k]]`.
    public init(nodes: UnsafeBufferPointer<NodeInfo>, indices: UnsafeBufferPointer<Int>) {
        self.nodes = nodes
        self.indices = indices
    }

    /// How many nodes the batch holds.
    @inlinable public var count: Int { indices.count }

    /// The node at batch position `k`.
    @inlinable public subscript(k: Int) -> NodeInfo {
        _read { yield nodes[indices[k]] }
    }
}

/// How a PostFilter plugin wants the pod's nominated node changed.
public enum NominatingMode: Sendable, Equatable {
    case noop
    case override(nodeName: String)
}

public struct PostFilterResult: Sendable, Equatable {
    public var nominatingMode: NominatingMode
    public init(nominatingMode: NominatingMode) { self.nominatingMode = nominatingMode }
}

/// Runs when no node fits (e.g. DefaultPreemption). Synchronous, like the rest of the scheduling
/// cycle: API calls it needs (evicting victims) are started asynchronously and not awaited.
public protocol PostFilterPlugin: Plugin {
    /// - Parameters:
    ///   - snapshot: the cycle's snapshot (all nodes).
    ///   - nodeStatuses: why each node failed Filter.
    func postFilter(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> (PostFilterResult?, Status)
}

/// Runs once per pod before Score, over the feasible nodes.
public protocol PreScorePlugin: Plugin {
    func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status
}

/// Scores one feasible node. Runs concurrently across nodes.
public protocol ScorePlugin: Plugin {
    func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status)

    /// Scores a batch of nodes in one call, writing `scores[k]` for `nodes[k]`; the framework calls this
    /// instead of ``score(state:pod:node:)``. Returns the first non-success status (the cycle then fails).
    /// Scores must equal calling ``score(state:pod:node:)`` per node; the default implementation does exactly
    /// that.
    func score(state: CycleState, pod: PodInfo, nodes: NodeBatch, scores: UnsafeMutableBufferPointer<Int64>) -> Status
}

extension ScorePlugin {
    /// Calls ``score(state:pod:node:)`` for each node, stopping at the first failure.
    public func score(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        scores: UnsafeMutableBufferPointer<Int64>
    ) -> Status {
        for k in 0..<nodes.count {
            let (score, status) = score(state: state, pod: pod, node: nodes[k])
            if status.code != .success { return status }
            scores[k] = score
        }
        return Status(.success)
    }
}

/// A Score plugin that rescales its raw scores into `0...100` after all nodes are scored.
public protocol NormalizeScorePlugin: ScorePlugin {
    /// `scores[i]` belongs to `nodes[i]`.
    func normalizeScores(state: CycleState, pod: PodInfo, nodes: NodeList, scores: inout [Int64]) -> Status
}

public enum NodeScoreRange {
    public static let min: Int64 = 0
    public static let max: Int64 = 100
}

/// Reserves resources for a pod on its chosen node; Unreserve undoes it on failure.
public protocol ReservePlugin: Plugin {
    func reserve(state: CycleState, pod: PodInfo, nodeName: String) -> Status
    func unreserve(state: CycleState, pod: PodInfo, nodeName: String)
}

/// Approves, rejects or delays a pod's binding. Returning ``Status/Code/wait`` with a timeout parks it.
public protocol PermitPlugin: Plugin {
    func permit(state: CycleState, pod: PodInfo, nodeName: String) -> (Status, timeout: Duration)
}

public protocol PreBindPlugin: Plugin {
    func preBind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status
}

/// Binds the pod. Return ``Status/skip`` to let the next bind plugin handle it.
public protocol BindPlugin: Plugin {
    func bind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status
}

public protocol PostBindPlugin: Plugin {
    func postBind(state: CycleState, pod: PodInfo, nodeName: String) async
}

/// The cluster events after which a pod this plugin rejected may have become schedulable.
public protocol EnqueueExtensions: Plugin {
    func eventsToRegister() -> [ClusterEventWithHint]
}
