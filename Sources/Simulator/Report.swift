import KubeAPI

/// Renders a ``SimulationResult`` as upstream-style text or as the documented JSON object.
package enum SimulationReport {
    /// `{"pods":[{"namespace":…,"name":…,"node":…|null,"status":…[,"message":…]}],"preempted":[…]}`
    /// with keys in that order.
    package static func json(_ result: SimulationResult) -> String {
        var out = "{\"pods\":["
        for (index, pod) in result.pods.enumerated() {
            if index > 0 { out += "," }
            out +=
                "{\"namespace\":\(quote(pod.namespace)),\"name\":\(quote(pod.name)),\"node\":\(pod.node.map(quote) ?? "null"),\"status\":\(quote(pod.status.rawValue))"
            if let message = pod.message { out += ",\"message\":\(quote(message))" }
            if let volumes = pod.volumes { out += ",\"volumes\":" + VolumeOutcome.json(volumes) }
            if let explained = result.explanations["\(pod.namespace)/\(pod.name)"] {
                out += ",\"explain\":" + ExplainJSON.json(explained)
            }
            out += "}"
        }
        out += "],\"preempted\":["
        for (index, victim) in result.preempted.enumerated() {
            if index > 0 { out += "," }
            out +=
                "{\"namespace\":\(quote(victim.namespace)),\"name\":\(quote(victim.name)),\"node\":\(quote(victim.node))"
            if let preemptor = victim.preemptor { out += ",\"preemptor\":\(quote(preemptor))" }
            out += "}"
        }
        out += "]}"
        return out
    }

    /// An aligned table: NAMESPACE, NAME, NODE, STATUS, MESSAGE; then who evicted whom.
    package static func text(_ result: SimulationResult) -> String {
        let header = ["NAMESPACE", "NAME", "NODE", "STATUS", "MESSAGE"]
        let rows = result.pods.map {
            [$0.namespace, $0.name, $0.node ?? "<none>", $0.status.rawValue, $0.message ?? ""]
        }
        var out = table([header] + rows)
        let scheduled = result.pods.filter { $0.status == .scheduled }.count
        out += "\n\(scheduled)/\(result.pods.count) pending pods scheduled"
        let volumeRows = result.pods.flatMap { pod in
            (pod.volumes ?? []).map {
                [pod.namespace, pod.name, $0.claim, $0.volume ?? "<none>", $0.provisioned ? "yes" : "no"]
            }
        }
        if !volumeRows.isEmpty {
            out += "\n\nVOLUMES\n"
            out += table([["NAMESPACE", "POD", "CLAIM", "VOLUME", "PROVISIONED"]] + volumeRows)
        }
        if !result.preempted.isEmpty {
            out += "\n\nPREEMPTED\n"
            out += table(
                [["NAMESPACE", "NAME", "NODE", "PREEMPTOR"]]
                    + result.preempted.map { [$0.namespace, $0.name, $0.node, $0.preemptor ?? ""] }
            )
        }
        return out
    }

    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (i, cell) in row.enumerated() where i < columns - 1 { widths[i] = max(widths[i], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 3)
            }.joined().trimmingSuffixSpaces()
        }.joined(separator: "\n")
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String { jsonQuoted(text) }
}

extension String {
    fileprivate func trimmingSuffixSpaces() -> String {
        var copy = self
        while copy.hasSuffix(" ") { copy.removeLast() }
        return copy
    }
}
