/// The outcome of running a plugin at an extension point, with upstream's codes.
///
/// Success is cheap: no reasons, no allocation. The framework sets ``plugin`` on rejections so that
/// diagnostics and requeueing know who rejected the pod.
public struct Status: Sendable, Equatable, CustomStringConvertible {
    /// Upstream's status codes, in upstream's order.
    public enum Code: UInt8, Sendable, Equatable, CustomStringConvertible {
        /// The plugin ran correctly and found the pod schedulable (or did its work).
        case success
        /// An internal or unexpected failure; aborts the cycle and sends the pod to error backoff.
        case error
        /// The pod does not fit; preemption might help.
        case unschedulable
        /// The pod does not fit and preemption on this node cannot help.
        case unschedulableAndUnresolvable
        /// Permit only: the pod waits for approval.
        case wait
        /// PreFilter/PreScore: skip the coupled Filter/Score; Bind: try the next binder.
        case skip
        /// The pod is waiting on something external; counts as a rejection.
        case pending

        public var description: String {
            switch self {
            case .success: "Success"
            case .error: "Error"
            case .unschedulable: "Unschedulable"
            case .unschedulableAndUnresolvable: "UnschedulableAndUnresolvable"
            case .wait: "Wait"
            case .skip: "Skip"
            case .pending: "Pending"
            }
        }
    }

    public var code: Code
    /// Human-readable reasons, upstream's exact strings for in-tree plugins.
    public var reasons: [String]
    /// The plugin that produced a rejection or error.
    public var plugin: String?

    public init(_ code: Code, _ reasons: [String] = [], plugin: String? = nil) {
        self.code = code
        self.reasons = reasons
        self.plugin = plugin
    }

    public init(_ code: Code, _ reason: String, plugin: String? = nil) {
        self.init(code, [reason], plugin: plugin)
    }

    public static let success = Status(.success)
    public static let skip = Status(.skip)

    /// An ``Code/error`` status carrying `message`.
    public static func error(_ message: String, plugin: String? = nil) -> Status {
        Status(.error, [message], plugin: plugin)
    }

    @inlinable public var isSuccess: Bool { code == .success }
    @inlinable public var isSkip: Bool { code == .skip }
    @inlinable public var isWait: Bool { code == .wait }
    /// Unschedulable, UnschedulableAndUnresolvable and Pending.
    @inlinable public var isRejected: Bool {
        code == .unschedulable || code == .unschedulableAndUnresolvable || code == .pending
    }

    /// The reasons joined by ", " (upstream `Status.Message()`).
    public var message: String { reasons.joined(separator: ", ") }

    public var description: String {
        reasons.isEmpty ? code.description : "\(code): \(message)"
    }

    /// Returns this status attributed to `plugin`.
    public func attributed(to plugin: String) -> Status {
        var copy = self
        copy.plugin = plugin
        return copy
    }
}
