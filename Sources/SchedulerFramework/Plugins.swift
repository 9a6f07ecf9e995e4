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
    func postFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot, nodeStatuses: NodeToStatus) -> (PostFilterResult?, Status)
}

/// Runs once per pod before Score, over the feasible nodes.
public protocol PreScorePlugin: Plugin {
    func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status
}

/// Scores one feasible node. Runs concurrently across nodes.
public protocol ScorePlugin: Plugin {
    func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status)
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
