import Foundation
import SchedulerTesting
import SwiftKubeScheduler
import Testing

@testable import KubeTestSupport

/// An out-of-tree PostFilter plugin that tries to act (evict a pod in the background, activate the pod) and
/// reports it cannot help, nominating node-a.
final class EvictingPostFilter: PostFilterPlugin {
    static let name = "EvictingPostFilter"
    var name: String { Self.name }
    let handle: any FrameworkHandle
    init(handle: any FrameworkHandle) { self.handle = handle }

    func postFilter(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> (PostFilterResult?, Status) {
        let client = handle.client
        handle.services?.runAsync { try? await client.deletePod(namespace: "default", name: "victim", uid: "u-victim") }
        handle.services?.activate(pod.pod)
        return (
            PostFilterResult(nominatingMode: .override(nodeName: "node-a")),
            Status(.unschedulable, "evicting would not help")
        )
    }
}

/// `explain NS/NAME` on a live cluster explains any PostFilter plugin by running a read-only copy of it: its
/// outcome is shown and nothing is written (issue 13).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ExplainPostFilterLiveTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    @Test func aCustomPostFilterIsExplainedWithoutWriting() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(
            try decode(
                Node.self,
                #"{"metadata":{"name":"node-a","labels":{"kubernetes.io/hostname":"node-a"}},"status":{"allocatable":{"cpu":"1","memory":"1Gi","pods":"10"}}}"#
            )
        )
        fake.createPod(
            try decode(
                Pod.self,
                #"{"metadata":{"name":"victim","namespace":"default","uid":"u-victim"},"spec":{"nodeName":"node-a","containers":[{"name":"c"}]}}"#
            )
        )
        fake.createPod(
            try decode(
                Pod.self,
                #"{"metadata":{"name":"big","namespace":"default","uid":"u-big"},"spec":{"schedulerName":"default-scheduler","containers":[{"name":"c","resources":{"requests":{"cpu":"2"}}}]}}"#
            )
        )
        let dir = try scratchDirectory("explain-postfilter-live")
        let kubeconfig = dir + "/kubeconfig"
        try """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "\(fake.url)"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: fake, context: {cluster: fake, user: u}}]
        current-context: fake
        """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let config = try temporaryFile(
            "explain-postfilter-config.yaml",
            """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
              plugins:
                postFilter:
                  enabled: [{name: EvictingPostFilter}]
            """
        )
        var plugins = PluginRegistry()
        try plugins.register(EvictingPostFilter.name) { handle in EvictingPostFilter(handle: handle) }
        let output = Captured()
        let status = await SwiftKubeScheduler.execute(
            ["explain", "--kubeconfig", kubeconfig, "--config", config, "default/big"],
            plugins: plugins,
            output: output.sink
        )
        #expect(status == 0, "\(output.text)")
        #expect(
            output.text.contains(
                "PostFilter EvictingPostFilter: Unschedulable: evicting would not help; nominated node: node-a"
            ),
            "\(output.text)"
        )
        #expect(!output.text.contains("not explained"))
        // Reads only; the victim is still there.
        let writes = fake.requests.filter { "\($0.method)" != "GET" }
        #expect(writes.isEmpty, "mutating requests: \(writes.map { "\($0.method) \($0.path)" })")
        #expect(fake.pod("default/victim") != nil)
        #expect(fake.bindings.isEmpty && fake.statusPatches.isEmpty && fake.events.isEmpty)
        await fake.stop()
    }
}
