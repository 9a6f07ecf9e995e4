import Foundation
import SwiftKubeScheduler
import Synchronization
import Testing

@testable import KubeTestSupport

/// One pod's line of a `simulate --output json` report.
struct Placement: Decodable, Equatable {
    var name: String
    var node: String?
    var status: String
    var message: String?
}

struct SimulationOutcome {
    var pods: [String: Placement]
    var preempted: [String]
    func node(_ pod: String) -> String? { pods[pod]?.node }
    func message(_ pod: String) -> String { pods[pod]?.message ?? "" }
}

final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    var sink: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
}

/// A configuration with `extenders` (YAML list items, indented by two) and upstream's default profile.
func extenderConfig(_ extenders: String) -> String {
    """
    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    extenders:
    \(extenders)
    """
}

/// Three 4-CPU nodes `n1`…`n3`, then `extra` manifests.
func threeNodes(_ extra: String = "") -> String {
    (1...3).map { index in
        """
        apiVersion: v1
        kind: Node
        metadata: {name: n\(index), labels: {kubernetes.io/hostname: n\(index)}}
        status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
        """
    }.joined(separator: "\n---\n") + (extra.isEmpty ? "" : "\n---\n" + extra)
}

/// A pending pod manifest. An extended resource in `extraRequests` needs the same in `limits` (flow-mapping
/// entries), as the API server requires.
func podManifest(
    _ name: String,
    cpu: String = "1",
    extraRequests: String = "",
    limits: String? = nil,
    priorityClass: String? = nil
) -> String {
    let limitsEntry = limits.map { ", limits: {\($0)}" } ?? ""
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: default, uid: uid-\(name)}
        spec:
          \(priorityClass.map { "priorityClassName: \($0)" } ?? "")
          containers: [{name: c, image: i, resources: {requests: {cpu: "\(cpu)"\(extraRequests)}\(limitsEntry)}}]
        """
}

/// Runs `simulate` through the SDK with `config` on `cluster`.
func simulate(config: String, cluster: String) async throws -> SimulationOutcome {
    let id = UUID().uuidString.prefix(8)
    let configPath = try temporaryFile("extender-config-\(id).yaml", config)
    let clusterPath = try temporaryFile("extender-cluster-\(id).yaml", cluster)
    let output = Lines()
    let status = await SwiftKubeScheduler.execute(
        ["simulate", "--config", configPath, "--cluster", clusterPath, "--output", "json"],
        output: output.sink
    )
    guard status == 0 else { throw SimulationFailed(status: status) }
    struct Report: Decodable {
        struct Preempted: Decodable { var name: String }
        var pods: [Placement]
        var preempted: [Preempted]
    }
    let report = try JSONDecoder().decode(Report.self, from: Data(output.text.utf8))
    return SimulationOutcome(
        pods: Dictionary(report.pods.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last }),
        preempted: report.preempted.map(\.name)
    )
}

struct SimulationFailed: Error {
    var status: Int32
}

/// The JSON text of `value`.
func json(_ value: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "null" }
    return String(decoding: data, as: UTF8.self)
}

/// The node items of an ExtenderArgs body.
func nodeItems(_ args: [String: Any]) -> [[String: Any]] {
    ((args["Nodes"] as? [String: Any])?["items"] as? [[String: Any]]) ?? []
}

func nodeName(_ item: [String: Any]) -> String {
    ((item["metadata"] as? [String: Any])?["name"] as? String) ?? ""
}

func podName(_ args: [String: Any]) -> String {
    ((args["Pod"] as? [String: Any])?["metadata"] as? [String: Any])?["name"] as? String ?? ""
}

/// Every extender suite, one test at a time: a scheduling cycle waits for its extender on the calling thread, and
/// the loopback extender answers through Swift concurrency, so extender tests running side by side could hold
/// every cooperative thread and stall the whole test process until their HTTP timeouts.
@Suite(.serialized) enum ExtenderSuites {}
