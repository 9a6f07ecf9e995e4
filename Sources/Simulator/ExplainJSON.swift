import KubeAPI
import SchedulerFramework

/// The JSON form of explanations (documented by docs/explain-schema.json): keys in a fixed order, reason codes
/// (plugin, code, reasons) next to upstream's message.
package enum ExplainJSON {
    /// `{"attempts":[…]}` for one pod.
    package static func json(_ pod: PodExplanations) -> String {
        "{\"attempts\":[" + pod.attempts.map(json).joined(separator: ",") + "]}"
    }

    package static func json(_ e: PodExplanation) -> String {
        var fields: [String] = [
            "\"profile\":\(q(e.profile))",
            "\"outcome\":\(q(e.outcome.rawValue))",
            "\"numAllNodes\":\(e.numAllNodes)",
            "\"numFeasibleNodesToFind\":\(e.numFeasibleNodesToFind)",
        ]
        fields.append(
            "\"preFilter\":{\"skipped\":\(strings(e.preFilter.skipped)),\"narrowedBy\":\(strings(e.preFilter.narrowedBy)),\"narrowedTo\":\(e.preFilter.narrowedTo.map(String.init) ?? "null"),\"rejection\":\(e.preFilter.rejection.map(verdict) ?? "null")}"
        )
        let nodes = e.nodes.map { entry -> String in
            var object = "{\"node\":\(q(entry.node)),\"state\":\(q(entry.state.rawValue))"
            if let v = entry.verdict { object += "," + verdictFields(v) }
            return object + "}"
        }
        fields.append("\"nodes\":[" + nodes.joined(separator: ",") + "]")
        let columns = e.scoreColumns.map { "{\"plugin\":\(q($0.plugin)),\"weight\":\($0.weight)}" }
        let scores = e.scores.map {
            "{\"node\":\(q($0.node)),\"raw\":\(ints($0.raw)),\"normalized\":\(ints($0.normalized)),\"total\":\($0.total)}"
        }
        fields.append(
            "\"score\":{\"plugins\":[\(columns.joined(separator: ","))],\"skipped\":\(strings(e.skippedScorePlugins)),\"nodes\":[\(scores.joined(separator: ","))]}"
        )
        if let node = e.selectedNode, let reason = e.selectionReason {
            fields.append(
                "\"selected\":{\"node\":\(q(node)),\"reason\":\(q(reason.rawValue)),\"tiedNodes\":\(e.tiedNodes)}"
            )
        } else {
            fields.append("\"selected\":null")
        }
        fields.append("\"postFilter\":[" + e.postFilter.map(postFilter).joined(separator: ",") + "]")
        fields.append("\"message\":\(e.message.map(q) ?? "null")")
        fields.append("\"suggestions\":[" + e.suggestions.map(suggestion).joined(separator: ",") + "]")
        fields.append("\"rejectedSuggestions\":[" + e.rejectedSuggestions.map(suggestion).joined(separator: ",") + "]")
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func postFilter(_ p: PodExplanation.PostFilter) -> String {
        var object =
            "{\"plugin\":\(q(p.plugin)),\"explained\":\(p.explained),\"notRun\":\(p.notRun),\"verdict\":\(p.verdict.map(verdict) ?? "null"),\"nominatedNode\":\(p.nominatedNode.map(q) ?? "null")"
        if let r = p.preemption {
            let candidates = r.candidates.map { c in
                let victims = zip(c.victims, c.victimPriorities).map { "{\"pod\":\(q($0)),\"priority\":\($1)}" }
                return
                    "{\"node\":\(q(c.node)),\"victims\":[\(victims.joined(separator: ","))],\"pdbViolations\":\(c.pdbViolations)}"
            }
            let failures = r.failures.keys.sorted().map { node in
                let status = r.failures[node].map { PodExplanation.Verdict($0) }
                return "{\"node\":\(q(node))" + (status.map { "," + verdictFields($0) } ?? "") + "}"
            }
            object +=
                ",\"preemption\":{\"ineligibleReason\":\(r.ineligibleReason.map(q) ?? "null"),\"potentialNodes\":\(r.potentialNodes),\"candidates\":[\(candidates.joined(separator: ","))],\"chosen\":\(r.chosen.map(q) ?? "null"),\"decidedBy\":\(r.decidedBy.map(q) ?? "null"),\"failures\":[\(failures.joined(separator: ","))]}"
        }
        return object + "}"
    }

    static func suggestion(_ s: Suggestion) -> String {
        "{\"kind\":\(q(s.kind.rawValue)),\"change\":\(q(s.change)),\"opensNodes\":\(strings(s.opensNodes)),\"wouldLandOn\":\(s.wouldLandOn.map(q) ?? "null"),\"notOfferedBecause\":\(s.notOfferedBecause.map(q) ?? "null")}"
    }

    static func verdict(_ v: PodExplanation.Verdict) -> String { "{" + verdictFields(v) + "}" }

    static func verdictFields(_ v: PodExplanation.Verdict) -> String {
        "\"plugin\":\(v.plugin.map(q) ?? "null"),\"code\":\(q(v.code)),\"reasons\":\(strings(v.reasons)),\"message\":\(q(v.message))"
    }

    static func q(_ text: String) -> String { jsonQuoted(text) }
    static func strings(_ values: [String]) -> String { "[" + values.map(q).joined(separator: ",") + "]" }
    static func ints(_ values: [Int64]) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }
}
