import Foundation
import SchedulerTesting
import SwiftKubeScheduler
import Synchronization
import Testing

@testable import KubeTestSupport

/// A small out-of-tree plugin, registered the way a program built on the SDK registers it: Filter keeps the
/// nodes whose `label` has `value`, Score prefers nodes carrying `preferred` (typed args from `pluginConfig`).
final class LabelGate: FilterPlugin, ScorePlugin {
    static let name = "LabelGate"
    var name: String { Self.name }
    let args: LabelGateArgs
    init(args: LabelGateArgs) { self.args = args }

    func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        node.node.metadata.labels?[args.label] == args.value
            ? .success : Status(.unschedulableAndUnresolvable, "node(s) didn't have \(args.label)=\(args.value)")
    }

    func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        guard let preferred = args.preferred else { return (0, .success) }
        return (node.node.metadata.labels?[preferred] != nil ? NodeScoreRange.max : 0, .success)
    }
}

struct LabelGateArgs: PluginArgs, Equatable {
    var label = "team"
    var value = "a"
    var preferred: String?

    static var defaults: LabelGateArgs { LabelGateArgs() }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        label = try container.decodeIfPresent(String.self, forKey: .label) ?? "team"
        value = try container.decodeIfPresent(String.self, forKey: .value) ?? "a"
        preferred = try container.decodeIfPresent(String.self, forKey: .preferred)
    }

    enum CodingKeys: String, CodingKey { case label, value, preferred }

    func validate() throws(PluginArgsError) {
        if label.isEmpty { throw PluginArgsError(field: "label", "must not be empty") }
    }
}

func labelGateRegistry() throws -> PluginRegistry {
    var registry = PluginRegistry()
    try registry.register(LabelGate.name, args: LabelGateArgs.self) { args, _ in LabelGate(args: args) }
    return registry
}

/// Collects what a command writes to its output.
final class Captured: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    var sink: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
}

private let cluster = """
    apiVersion: v1
    kind: Node
    metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a, team: a}}
    status: {allocatable: {cpu: "8", memory: 16Gi, pods: "110"}}
    ---
    apiVersion: v1
    kind: Node
    metadata: {name: node-b, labels: {kubernetes.io/hostname: node-b, team: b, fast: "true"}}
    status: {allocatable: {cpu: "8", memory: 16Gi, pods: "110"}}
    ---
    apiVersion: v1
    kind: Node
    metadata: {name: node-c, labels: {kubernetes.io/hostname: node-c, team: b}}
    status: {allocatable: {cpu: "8", memory: 16Gi, pods: "110"}}
    """
    + (1...4).map { index in
        """

        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p\(index), namespace: default}
        spec: {containers: [{name: c, image: i, resources: {requests: {cpu: "1"}}}]}
        """
    }.joined()

private func profile(args: String) -> String {
    """
    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    profiles:
    - schedulerName: default-scheduler
      plugins:
        multiPoint:
          enabled:
          - name: LabelGate
            weight: 10
      pluginConfig:
      - name: LabelGate
        args:
    \(args)
    """
}

/// Runs `simulate` through the SDK's entry point and returns pod name → node.
private func simulate(config: String?, plugins: PluginRegistry) async throws -> (status: Int32, nodes: [String: String])
{
    let clusterPath = try temporaryFile("sdk-cluster.yaml", cluster)
    var arguments = ["simulate", "--cluster", clusterPath, "--output", "json"]
    if let config { arguments += ["--config", try temporaryFile("sdk-config-\(UUID().uuidString).yaml", config)] }
    let output = Captured()
    let status = await SwiftKubeScheduler.execute(arguments, plugins: plugins, output: output.sink)
    guard status == 0 else { return (status, [:]) }
    struct Report: Decodable {
        struct Entry: Decodable {
            var name: String
            var node: String?
        }
        var pods: [Entry]
    }
    let report = try JSONDecoder().decode(Report.self, from: Data(output.text.utf8))
    return (status, Dictionary(uniqueKeysWithValues: report.pods.map { ($0.name, $0.node ?? "") }))
}

@Suite struct SDKEntryPointTests {
    @Test(.timeLimit(.minutes(1))) func withoutThePluginPodsSpreadOverEveryNode() async throws {
        let result = try await simulate(config: nil, plugins: try labelGateRegistry())
        #expect(result.status == 0)
        #expect(result.nodes.count == 4)
        #expect(Set(result.nodes.values).count > 1)
    }

    @Test(.timeLimit(.minutes(1))) func thePluginEnabledFromYAMLChangesPlacements() async throws {
        let config = profile(args: "        label: team\n        value: a")
        let result = try await simulate(config: config, plugins: try labelGateRegistry())
        #expect(result.status == 0)
        #expect(result.nodes == ["p1": "node-a", "p2": "node-a", "p3": "node-a", "p4": "node-a"])
    }

    @Test(.timeLimit(.minutes(1))) func typedArgsReachTheFilterAndTheScore() async throws {
        let config = profile(args: "        value: b\n        preferred: fast")
        let result = try await simulate(config: config, plugins: try labelGateRegistry())
        #expect(result.status == 0)
        // value b admits node-b and node-c; the weighted preference for `fast` outweighs spreading.
        #expect(result.nodes == ["p1": "node-b", "p2": "node-b", "p3": "node-b", "p4": "node-b"])
    }

    @Test(.timeLimit(.minutes(1))) func argsAreValidatedWithTheirPath() async throws {
        let config = profile(args: "        label: \"\"")
        let result = try await simulate(config: config, plugins: try labelGateRegistry())
        #expect(result.status == 1)
    }

    @Test(.timeLimit(.minutes(1))) func anUnregisteredPluginIsRefused() async throws {
        let config = profile(args: "        label: team")
        let result = try await simulate(config: config, plugins: PluginRegistry())
        #expect(result.status == 1)
    }

    @Test(.timeLimit(.minutes(1))) func configValidateSeesOutOfTreePlugins() async throws {
        let path = try temporaryFile("sdk-validate.yaml", profile(args: "        label: team"))
        let output = Captured()
        let status = await SwiftKubeScheduler.execute(
            ["config", "validate", path],
            plugins: try labelGateRegistry(),
            output: output.sink
        )
        #expect(status == 0)
        #expect(output.text.contains("valid (default-scheduler)"))
    }

    @Test(.timeLimit(.minutes(1))) func aNameTakenByAnInTreePluginIsAUsageError() async throws {
        var plugins = PluginRegistry()
        try plugins.register(PluginName.nodeName) { _ in LabelGate(args: .defaults) }
        let path = repositoryRoot.appendingPathComponent("profiles/default.yaml").path
        let status = await SwiftKubeScheduler.execute(["config", "validate", path], plugins: plugins)
        #expect(status == 1)
    }
}
