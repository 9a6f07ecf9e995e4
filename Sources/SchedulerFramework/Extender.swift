import KubeAPI

/// A scheduler extender: an external process the scheduler consults over HTTP at filter, prioritize, preempt
/// and bind (upstream's `framework.Extender`, configured by `extenders` in KubeSchedulerConfiguration).
///
/// The scheduling cycle calls ``filter(pod:nodes:)``, ``prioritize(pod:nodes:)`` and
/// ``processPreemption(pod:victims:snapshot:)`` synchronously (the cycle waits for the answer, as upstream does);
/// binding is asynchronous.
public protocol Extender: Sendable {
    /// How messages name the extender (upstream: its URL prefix).
    var name: String { get }
    /// Whether scheduling goes on when the extender fails (`ignorable`).
    var isIgnorable: Bool { get }
    /// Whether it has a filter verb.
    var isFilter: Bool { get }
    /// Whether it has a prioritize verb.
    var isPrioritizer: Bool { get }
    /// Whether it has a bind verb (then it binds the pods it is interested in, instead of the Bind plugins).
    var isBinder: Bool { get }
    /// Whether it has a preempt verb.
    var supportsPreemption: Bool { get }
    /// Whether the pod requests or limits one of the extender's managed resources (always, when it has none).
    func isInterested(_ pod: Pod) -> Bool
    /// The names of the nodes that pass, in the order given, and why the others failed.
    func filter(pod: Pod, nodes: [NodeInfo]) throws(ExtenderError) -> ExtenderFilterOutcome
    /// Scores in the extender's range (0…``ExtenderPriority/max``) and the extender's weight.
    func prioritize(pod: Pod, nodes: [NodeInfo]) throws(ExtenderError) -> (scores: [HostPriority], weight: Int64)
    /// Binds `pod` to `nodeName`.
    func bind(pod: Pod, nodeName: String) async throws(ExtenderError)
    /// Narrows the preemption candidates: node name → the victims the extender agrees to.
    func processPreemption(
        pod: Pod,
        victims: [String: ExtenderVictims],
        snapshot: Snapshot
    ) throws(ExtenderError) -> [String: ExtenderVictims]
}

/// What a filter call returned.
public struct ExtenderFilterOutcome: Sendable, Equatable {
    /// The nodes that pass.
    public var nodeNames: [String]
    /// Rejected nodes (Unschedulable) with their reasons.
    public var failed: [String: String]
    /// Rejected nodes that preemption cannot help (UnschedulableAndUnresolvable); they win over ``failed``.
    public var failedAndUnresolvable: [String: String]

    public init(nodeNames: [String], failed: [String: String] = [:], failedAndUnresolvable: [String: String] = [:]) {
        self.nodeNames = nodeNames
        self.failed = failed
        self.failedAndUnresolvable = failedAndUnresolvable
    }
}

/// One node's score from an extender (`HostPriority`).
public struct HostPriority: Sendable, Equatable {
    public var host: String
    public var score: Int64
    public init(host: String, score: Int64) {
        self.host = host
        self.score = score
    }
}

/// The pods preemption would evict on one node, and how many PodDisruptionBudgets that violates.
public struct ExtenderVictims: Sendable {
    public var pods: [Pod]
    public var numPDBViolations: Int64
    public init(pods: [Pod], numPDBViolations: Int64) {
        self.pods = pods
        self.numPDBViolations = numPDBViolations
    }
}

/// The extender score range; scores are scaled to ``NodeScoreRange`` (×10) and by the extender's weight.
public enum ExtenderPriority {
    public static let max: Int64 = 10
    public static let min: Int64 = 0
}

/// The fake plugin name upstream records as having rejected a pod when extenders filtered nodes out, so that any
/// cluster event requeues it (`framework.ExtenderName`).
public enum ExtenderName {
    public static let value = "Extender"
}

/// An extender call that failed: the message is upstream's error text.
public struct ExtenderError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension FrameworkServices {
    /// The scheduler's extenders (none by default).
    public var extenders: [any Extender] { [] }
}
