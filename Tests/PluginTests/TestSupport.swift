import Foundation
import KubeAPI
import SchedulerFramework
import SchedulerTesting

/// Plugin args given as JSON, the way a `pluginConfig` entry hands them to the registry.
struct JSONArgs: PluginArgsSource {
    let json: String
    init(_ json: String) { self.json = json }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }
}

func decodeArgs<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(json.utf8))
}

/// Node infos in a snapshot, as the feasible-node list PreScore and NormalizeScore receive.
func nodeList(_ infos: [NodeInfo]) -> NodeList {
    NodeList(snapshot: Snapshot(nodes: infos), indices: Array(infos.indices))
}

/// A node with `capacity` holding `pods` (each pod's nodeName is set to this node).
func nodeInfo(
    _ name: String,
    _ capacity: [String: String] = [:],
    labels: [String: String] = [:],
    pods: [PodBuilder] = []
) -> NodeInfo {
    var builder = NodeBuilder(name)
    if !capacity.isEmpty { builder = builder.capacity(capacity) }
    if !labels.isEmpty { builder = builder.labels(labels) }
    return builder.info(pods: pods.map { $0.build() })
}

/// Requests of one container, as upstream's `framework.Resource` literals in its table tests: cpu in
/// millicores, the others in units.
struct Usage: Sendable {
    var milliCPU: Int64 = 0
    var memory: Int64 = 0
    var ephemeralStorage: Int64 = 0
    var scalars: [String: Int64] = [:]

    var requests: [String: String] {
        var list = ["cpu": "\(milliCPU)m", "memory": "\(memory)", "ephemeral-storage": "\(ephemeralStorage)"]
        for (name, value) in scalars { list[name] = "\(value)" }
        return list
    }
}

/// Upstream's `newResourcePod`: one container per usage.
func resourcePod(_ name: String = "pod", _ usages: Usage...) -> PodBuilder {
    usages.reduce(PodBuilder(name)) { $0.container($1.requests) }
}

/// Upstream's `newResourceInitPod`: the given pod plus one init container per usage.
func withInitContainers(_ pod: PodBuilder, _ usages: Usage...) -> PodBuilder {
    usages.reduce(pod) { $0.initContainer($1.requests) }
}

/// Scores every node (after PreScore) and returns the raw scores in node order.
func rawScores(
    _ plugin: some PreScorePlugin & ScorePlugin,
    pod: PodInfo,
    nodes: [NodeInfo],
    runPreScore: Bool = true
) -> [Int64] {
    let state = CycleState()
    if runPreScore { _ = plugin.preScore(state: state, pod: pod, nodes: nodeList(nodes)) }
    return nodes.map { plugin.score(state: state, pod: pod, node: $0).score }
}
