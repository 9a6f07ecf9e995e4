/// Per-node statuses of one filtering pass; nodes not listed share ``absentStatus``.
public struct NodeToStatus: Sendable {
    public private(set) var statuses: [String: Status] = [:]
    /// The status of nodes not in ``statuses`` (e.g. nodes a PreFilter excluded). nil means those
    /// nodes were not evaluated and are not counted.
    public var absentStatus: Status?

    public init() {}

    public mutating func set(_ status: Status, for node: String) { statuses[node] = status }

    public func status(of node: String) -> Status? { statuses[node] ?? absentStatus }

    public var count: Int { statuses.count }
}

/// Why no node fitted: per-node statuses, the plugins that rejected, and PreFilter/PostFilter messages.
public struct Diagnosis: Sendable {
    public var nodeToStatus = NodeToStatus()
    public var unschedulablePlugins: Set<String> = []
    public var pendingPlugins: Set<String> = []
    public var preFilterMessage: String?
    public var postFilterMessage: String?

    public init() {}
}

/// The error of a pod that fits no node; its message is upstream's `FitError.Error()`.
public struct FitError: Error, Sendable, CustomStringConvertible {
    public var podKey: String
    public var numAllNodes: Int
    public var diagnosis: Diagnosis

    public init(podKey: String, numAllNodes: Int, diagnosis: Diagnosis) {
        self.podKey = podKey
        self.numAllNodes = numAllNodes
        self.diagnosis = diagnosis
    }

    /// `0/N nodes are available: <histogram or PreFilter message>.[ <PostFilter message>]`; with no
    /// reason at all upstream stops at the colon (`0/N nodes are available:`), never ` .`.
    public var message: String {
        var text = "0/\(numAllNodes) nodes are available:"
        if let preFilter = diagnosis.preFilterMessage, !preFilter.isEmpty {
            text += " \(preFilter)."
        } else {
            let histogram = FitError.histogram(diagnosis.nodeToStatus, numAllNodes: numAllNodes)
            if !histogram.isEmpty { text += " \(histogram)." }
        }
        if let postFilter = diagnosis.postFilterMessage, !postFilter.isEmpty {
            text += " \(postFilter)"
        }
        return text
    }

    public var description: String { message }

    /// `"<count> <reason>"` entries sorted as strings and joined by `", "`.
    public static func histogram(_ statuses: NodeToStatus, numAllNodes: Int) -> String {
        var counts: [String: Int] = [:]
        for (_, status) in statuses.statuses {
            for reason in status.reasons { counts[reason, default: 0] += 1 }
        }
        let absent = numAllNodes - statuses.count
        if absent > 0, let absentStatus = statuses.absentStatus {
            for reason in absentStatus.reasons { counts[reason, default: 0] += absent }
        }
        return counts.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
    }
}
