import Foundation
import KubeAPI
import Testing

@testable import Bench

/// The built-in gang workload: PodGroups created from a `createAny` template, members through `createPodSets`.
@Suite(.timeLimit(.minutes(3))) struct GangWorkloadTests {
    @Test func theSmallGangVariantBindsEveryGroupWhole() async throws {
        let testCase = try #require(try WorkloadLibrary.testCases().first { $0.name == "GangScheduling" })
        let variant = try #require(testCase.workload(named: "5Nodes_2Groups"))
        let workload = try WorkloadFileParser.resolve(testCase, workload: variant)
        let configPath = try #require(testCase.schedulerConfigPath)
        #expect(configPath.hasSuffix("gang/scheduler-config.yaml"))
        let result = try await runQuietly(
            workload,
            configurationText: try String(contentsOfFile: configPath, encoding: .utf8)
        )
        #expect(result.measuredPods == 16)
        #expect(result.scheduled == 16)
    }
}

/// scheduler_perf's `div` template function, which the gang pod template uses to give 8 pods each group.
@Suite struct TemplateDivisionTests {
    @Test func divSplitsIndicesIntoGroups() throws {
        let template = try ObjectTemplate(
            text: """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p-{{.Index}}
                  labels: {group: "g-{{div .Index 8}}", size: "{{ div .Count .Per }}"}
                spec:
                  containers: [{name: c, image: i}]
                """,
            source: "pod.yaml"
        )
        let instance = try template.instantiate(index: 17, count: 32, params: ["Per": .int(8)])
        #expect(instance.object.metadata.labels?["group"] == "g-2")
        #expect(instance.object.metadata.labels?["size"] == "4")
        let byZero = try ObjectTemplate(text: "metadata: {name: \"{{div .Index 0}}\"}", source: "x.yaml")
        #expect(throws: BenchError.self) { try byZero.instantiate(index: 1, count: 1, params: [:]) }
    }
}
