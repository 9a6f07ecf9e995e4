import Foundation
import InTreePlugins
import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import Simulator
import Testing

@testable import KubeTestSupport

/// A custom PostFilter plugin: it cannot help, says why, and nominates n1 anyway.
final class NominatingPostFilter: PostFilterPlugin {
    static let name = "NominatingPostFilter"
    var name: String { Self.name }

    func postFilter(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> (PostFilterResult?, Status) {
        (
            PostFilterResult(nominatingMode: .override(nodeName: "n1")),
            Status(.unschedulable, "custom: no room anywhere")
        )
    }
}

/// Issue 13: every PostFilter plugin's outcome is explained (plugin, code, message, nominated node), not only
/// DefaultPreemption's.
@Suite(.timeLimit(.minutes(3))) struct ExplainPostFilterTests {
    @Test func coschedulingsRejectionOfTheGangIsExplained() async throws {
        let config = try String(
            contentsOf: repositoryRoot.appendingPathComponent("profiles/gang.yaml"),
            encoding: .utf8
        )
        var manifests: String = node("n1", cpu: "1")
        manifests += """
            apiVersion: scheduling.x-k8s.io/v1alpha1
            kind: PodGroup
            metadata: {name: job, namespace: default}
            spec: {minMember: 3}
            ---

            """
        for index in 0..<3 {
            manifests += pod("job-\(index)", cpu: "1").replacingOccurrences(
                of: "  namespace: default",
                with: "  namespace: default\n  labels: {scheduling.x-k8s.io/pod-group: job}"
            )
        }
        let result = try await explainSimulate(manifests, config: config)
        let attempts = result.explanations.values.flatMap(\.attempts)
        let entries = attempts.flatMap(\.postFilter).filter { $0.plugin == "Coscheduling" }
        let rejection = try #require(
            entries.first { $0.verdict?.message.contains("gets rejected due to Pod") == true },
            "\(attempts.map(\.postFilter))"
        )
        #expect(rejection.explained)
        #expect(!rejection.notRun)
        #expect(rejection.verdict?.code == "Unschedulable")
        #expect(rejection.verdict?.plugin == "Coscheduling")
        #expect(rejection.nominatedNode == nil)
        // The explanation's message is the scheduler's, with Coscheduling's reason.
        let attempt = try #require(attempts.first { $0.postFilter.contains(rejection) })
        #expect(attempt.message?.contains("gets rejected due to Pod") == true)
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(text.contains("PostFilter Coscheduling: Unschedulable: PodGroup default/job gets rejected due to Pod"))
        #expect(!text.contains("not explained"))
    }

    @Test func aCustomPostFilterPluginIsExplained() async throws {
        var registry = makeInTreeRegistry()
        try registry.register(NominatingPostFilter.name) { _ in NominatingPostFilter() }
        let config = try ConfigurationLoader.load(
            contents: """
                apiVersion: kubescheduler.config.k8s.io/v1
                kind: KubeSchedulerConfiguration
                profiles:
                - schedulerName: default-scheduler
                  plugins:
                    postFilter:
                      enabled: [{name: NominatingPostFilter}]
                """,
            source: "config.yaml",
            registry: registry
        )
        let objects = try ManifestLoader.load(
            contents: node("n1", cpu: "1") + node("n2", cpu: "1") + pod("p", cpu: "2"),
            source: "cluster.yaml"
        ).objects
        let result = try await Simulation.run(
            configuration: config,
            registry: registry,
            objects: objects,
            explain: ExplainRequest()
        )
        let e = try #require(lastExplanation(result, "p"))
        #expect(e.postFilter.map(\.plugin) == ["DefaultPreemption", "NominatingPostFilter"])
        // DefaultPreemption keeps its detailed report.
        #expect(e.postFilter.first?.preemption != nil)
        let custom = try #require(e.postFilter.last)
        #expect(custom.explained)
        #expect(custom.verdict?.code == "Unschedulable")
        #expect(custom.verdict?.message == "custom: no room anywhere")
        #expect(custom.nominatedNode == "n1")
        #expect(e.message?.contains("custom: no room anywhere") == true)
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(
            text.contains(
                "PostFilter NominatingPostFilter: Unschedulable: custom: no room anywhere; nominated node: n1"
            ),
            "\(text)"
        )
        let json = SimulationReport.json(result)
        #expect(json.contains(#""plugin":"NominatingPostFilter","explained":true,"notRun":false"#))
        #expect(json.contains(#""nominatedNode":"n1""#))
        let page = ExplainHTML.page(result.explanations, order: result.pods.map { ($0.namespace, $0.name) })
        #expect(page.contains(#""nominatedNode":"n1""#))
        #expect(page.contains("nominated node: "))
    }
}
