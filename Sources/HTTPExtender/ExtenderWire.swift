import Foundation
import KubeAPI
import SchedulerFramework

/// The JSON of `k8s.io/kube-scheduler/extender/v1`. Its Go structs have no JSON tags, so the keys are the Go field
/// names (`Pod`, `Nodes`, `NodeNames`, …); requests use that spelling, answers are matched case-insensitively as
/// Go's decoder does.
enum ExtenderWire {
    /// `ExtenderArgs`: the pod and either the full nodes (a NodeList) or only their names (`nodeCacheCapable`).
    static func args(pod: Pod, nodes: [NodeInfo], namesOnly: Bool) throws(ExtenderError) -> [UInt8] {
        var out: [UInt8] = []
        out += Array(#"{"Pod":"#.utf8)
        out += try encode(pod)
        if namesOnly {
            out += Array(#","Nodes":null,"NodeNames":"#.utf8)
            out += try encode(nodes.map(\.name))
        } else {
            out += Array(#","Nodes":{"metadata":{},"items":["#.utf8)
            for (index, node) in nodes.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out += try encode(node.node)
            }
            out += Array(#"]},"NodeNames":null"#.utf8)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `ExtenderBindingArgs`.
    static func bindingArgs(pod: Pod, nodeName: String) throws(ExtenderError) -> [UInt8] {
        let fields: [(String, String)] = [
            ("PodName", pod.metadata.name), ("PodNamespace", pod.metadata.namespace ?? ""),
            ("PodUID", pod.metadata.uid ?? ""), ("Node", nodeName),
        ]
        var out = Array("{".utf8)
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += try encode(key) + Array(":".utf8) + encode(value)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `ExtenderPreemptionArgs`: full victims, or only their uids (`nodeCacheCapable`).
    static func preemptionArgs(
        pod: Pod,
        victims: [String: ExtenderVictims],
        metaOnly: Bool
    ) throws(ExtenderError) -> [UInt8] {
        var out = Array(#"{"Pod":"#.utf8) + (try encode(pod))
        out += Array(
            (metaOnly ? #","NodeNameToVictims":null,"NodeNameToMetaVictims":{"# : #","NodeNameToVictims":{"#).utf8
        )
        for (index, node) in victims.keys.sorted().enumerated() {
            guard let entry = victims[node] else { continue }
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += try encode(node) + Array(#":{"Pods":["#.utf8)
            for (podIndex, victim) in entry.pods.enumerated() {
                if podIndex > 0 { out.append(UInt8(ascii: ",")) }
                out +=
                    metaOnly
                    ? Array(#"{"UID":"#.utf8) + (try encode(victim.metadata.uid ?? "")) + [UInt8(ascii: "}")]
                    : try encode(victim)
            }
            out += Array(#"],"NumPDBViolations":\#(entry.numPDBViolations)}"#.utf8)
        }
        out += Array((metaOnly ? "}}" : #"},"NodeNameToMetaVictims":null}"#).utf8)
        return out
    }

    static func encode<T: Encodable>(_ value: T) throws(ExtenderError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw ExtenderError("json: \(error)")
        }
    }

    // MARK: Answers

    /// The top-level JSON object of an answer.
    static func object(_ bytes: [UInt8]) throws(ExtenderError) -> [String: Any] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw ExtenderError("invalid JSON from extender: \(error.localizedDescription)")
        }
        if value is NSNull { return [:] }
        guard let object = value as? [String: Any] else {
            throw ExtenderError("json: cannot unmarshal \(jsonKind(value)) into a JSON object")
        }
        return object
    }

    /// `object[key]`, the exact key first, else the first key equal ignoring case (Go's `encoding/json`).
    static func field(_ object: [String: Any], _ key: String) -> Any? {
        if let value = object[key] { return value is NSNull ? nil : value }
        let lowered = key.lowercased()
        for (name, value) in object where name.lowercased() == lowered { return value is NSNull ? nil : value }
        return nil
    }

    static func string(_ object: [String: Any], _ key: String) -> String {
        field(object, key) as? String ?? ""
    }

    static func stringMap(_ object: [String: Any], _ key: String) -> [String: String] {
        guard let map = field(object, key) as? [String: Any] else { return [:] }
        return map.compactMapValues { $0 as? String }
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: Any) throws(ExtenderError) -> T {
        do {
            let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ExtenderError("json: cannot decode \(T.self): \(error)")
        }
    }

    static func int64(_ value: Any?) -> Int64 {
        switch value {
        case let number as NSNumber: return number.int64Value
        case let text as String: return Int64(text) ?? 0
        default: return 0
        }
    }

    /// `HostPriorityList`.
    static func priorities(_ bytes: [UInt8]) throws(ExtenderError) -> [HostPriority] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw ExtenderError("invalid JSON from extender: \(error.localizedDescription)")
        }
        if value is NSNull { return [] }
        guard let list = value as? [Any] else {
            throw ExtenderError("json: cannot unmarshal \(jsonKind(value)) into Go value of type v1.HostPriorityList")
        }
        return list.compactMap { entry in
            guard let object = entry as? [String: Any] else { return nil }
            return HostPriority(host: string(object, "Host"), score: int64(field(object, "Score")))
        }
    }

    private static func jsonKind(_ value: Any) -> String {
        switch value {
        case is [Any]: return "array"
        case is String: return "string"
        case is NSNumber: return "number"
        default: return "object"
        }
    }
}
