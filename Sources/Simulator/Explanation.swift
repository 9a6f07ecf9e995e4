import SchedulerFramework

/// Why one pod went where it went, or nowhere: the replay of one scheduling cycle with every plugin's verdict
/// and score kept (issue 13). Rendered by ``ExplainText`` and ``ExplainJSON`` (schema: docs/explain-schema.json).
package struct PodExplanation: Sendable, Equatable {
    package enum Outcome: String, Sendable {
        case scheduled = "Scheduled"
        case unschedulable = "Unschedulable"
        case error = "Error"
    }

    /// A plugin's non-success status: the plugin, upstream's code name and reasons.
    package struct Verdict: Sendable, Equatable {
        package var plugin: String?
        package var code: String
        package var reasons: [String]

        package init(_ status: Status) {
            plugin = status.plugin
            code = status.code.description
            reasons = status.reasons
        }

        package var message: String { reasons.joined(separator: ", ") }
    }

    package enum NodeState: String, Sendable {
        /// Every Filter plugin passed.
        case feasible
        /// A Filter plugin rejected the node.
        case rejected
        /// A PreFilter plugin left the node out of the candidates (or rejected the pod for every node).
        case preFilterRejected
        /// Not evaluated: enough feasible nodes had been found (percentageOfNodesToScore), or the nominated
        /// node fitted and no other node was scanned.
        case notEvaluated
    }

    package struct NodeVerdict: Sendable, Equatable {
        package var node: String
        package var state: NodeState
        /// The rejection (rejected, preFilterRejected).
        package var verdict: Verdict?
    }

    package struct PreFilter: Sendable, Equatable {
        /// Plugins whose PreFilter returned Skip (their Filter did not run).
        package var skipped: [String] = []
        /// Plugins that narrowed the candidate nodes, and to how many.
        package var narrowedBy: [String] = []
        package var narrowedTo: Int?
        /// The rejection, when PreFilter rejected the pod.
        package var rejection: Verdict?
    }

    /// One Score plugin's column.
    package struct ScoreColumn: Sendable, Equatable {
        package var plugin: String
        package var weight: Int64
    }

    /// One feasible node's scores: per column raw and normalized, and Σ normalized × weight.
    package struct NodeScore: Sendable, Equatable {
        package var node: String
        package var raw: [Int64]
        package var normalized: [Int64]
        package var total: Int64
    }

    package enum SelectionReason: String, Sendable {
        /// The node named by an earlier preemption still fits; no other node was scanned.
        case nominatedNode
        /// Only one node fits: scoring is skipped.
        case onlyFeasibleNode
        /// The highest total score.
        case highestScore
        /// Several nodes share the highest total; the seeded tie-breaker picked this one.
        case tieBrokenBySeed
    }

    package struct PostFilter: Sendable, Equatable {
        package var plugin: String
        /// Whether the outcome is known: a preemption plugin's dry run, the outcome the scheduler's own cycle
        /// reported (simulate), or a run of a read-only copy of the plugin (explain against a cluster).
        package var explained: Bool
        package var preemption: PreemptionReport?
        /// The status the plugin returned (nil: Success, for preemption reports).
        package var verdict: Verdict?
        /// The node the plugin nominated, if any.
        package var nominatedNode: String?
        /// The plugin did not run: an earlier PostFilter plugin succeeded or found the pod unresolvable.
        package var notRun = false
    }

    package var namespace: String
    package var name: String
    package var profile: String
    package var outcome: Outcome
    package var numAllNodes: Int
    /// How many feasible nodes the Filter scan looks for (numFeasibleNodesToFind).
    package var numFeasibleNodesToFind: Int
    package var preFilter = PreFilter()
    /// Every node, in the order the scan visited them (then the ones PreFilter left out).
    package var nodes: [NodeVerdict] = []
    package var scoreColumns: [ScoreColumn] = []
    /// Score plugins whose PreScore returned Skip.
    package var skippedScorePlugins: [String] = []
    /// Feasible nodes by descending total (empty when scoring was skipped).
    package var scores: [NodeScore] = []
    package var selectedNode: String?
    package var selectionReason: SelectionReason?
    /// How many nodes shared the highest total.
    package var tiedNodes: Int = 0
    package var postFilter: [PostFilter] = []
    /// Upstream's FitError message (what the FailedScheduling event says), or the error.
    package var message: String?
    package var suggestions: [Suggestion] = []
    /// Whether suggestions were worked out for this attempt (the last failed one of its pod).
    package var suggestionsWorkedOut = false
    /// Changes considered but not offered, because re-running the cycle showed the pod still would not fit.
    package var rejectedSuggestions: [Suggestion] = []

    /// Node verdicts grouped by state and reason, largest group first (the text form's rows).
    package var groups: [(state: NodeState, verdict: Verdict?, nodes: [String])] {
        var order: [String] = []
        var byKey: [String: (state: NodeState, verdict: Verdict?, nodes: [String])] = [:]
        for entry in nodes {
            let key =
                "\(entry.state.rawValue)\u{0}\(entry.verdict?.plugin ?? "")\u{0}\(entry.verdict?.code ?? "")\u{0}\(entry.verdict?.message ?? "")"
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = (entry.state, entry.verdict, [])
            }
            byKey[key]?.nodes.append(entry.node)
        }
        // Within a group, names in natural order (n2 before n10); ``nodes`` keeps the scan order.
        for key in order { byKey[key]?.nodes.sort(by: Self.naturalOrder) }
        let rank: [NodeState: Int] = [.feasible: 0, .rejected: 1, .preFilterRejected: 2, .notEvaluated: 3]
        return order.compactMap { byKey[$0] }.enumerated().sorted {
            let l = (rank[$0.element.state] ?? 9, -$0.element.nodes.count, $0.offset)
            let r = (rank[$1.element.state] ?? 9, -$1.element.nodes.count, $1.offset)
            return l < r
        }.map(\.element)
    }
}

extension PodExplanation {
    /// Natural order of names: digit runs compare as numbers (`node-2` before `node-10`), the rest as text;
    /// equal-looking names (`n01`, `n1`) fall back to plain comparison, so the order is total and stable.
    package static func naturalOrder(_ a: String, _ b: String) -> Bool {
        var i = a.unicodeScalars.makeIterator()
        var j = b.unicodeScalars.makeIterator()
        var x = i.next()
        var y = j.next()
        func digit(_ s: Unicode.Scalar?) -> Bool { s.map { $0.value >= 48 && $0.value <= 57 } ?? false }
        while let l = x, let r = y {
            if digit(l) && digit(r) {
                var left: [UInt32] = []
                var right: [UInt32] = []
                while let c = x, digit(c) {
                    if !(left.isEmpty && c == "0") { left.append(c.value) }
                    x = i.next()
                }
                while let c = y, digit(c) {
                    if !(right.isEmpty && c == "0") { right.append(c.value) }
                    y = j.next()
                }
                if left.count != right.count { return left.count < right.count }
                if left != right { return left.lexicographicallyPrecedes(right) }
                continue
            }
            if l != r { return l.value < r.value }
            x = i.next()
            y = j.next()
        }
        if (x == nil) != (y == nil) { return x == nil }
        return a < b
    }
}

/// A change to the pod (or the cluster) that re-running the cycle showed would make the pod schedule.
package struct Suggestion: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case lowerRequest
        case addToleration
        case dropNodeSelector
        case dropNodeAffinity
        case dropTopologySpreadConstraint
        case dropPodAntiAffinity
        case dropPodAffinity
        case preemption
        /// Lower a PersistentVolumeClaim's storage request.
        case lowerClaimRequest
        /// Give a PersistentVolumeClaim another storageClassName.
        case changeStorageClass
    }

    package var kind: Kind
    /// What to change, in words.
    package var change: String
    /// Nodes that fit after the change.
    package var opensNodes: [String]
    /// Where the re-run cycle placed the pod (nil when it still did not fit).
    package var wouldLandOn: String?
    /// Why a change was not offered without re-running the cycle (e.g. the claim is already bound); nil when
    /// the re-run decided.
    package var notOfferedBecause: String?
}
