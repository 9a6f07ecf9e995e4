import Foundation
import KubeAPI
import KubeDecoding
import Simulator
import Testing

@testable import KubeTestSupport

/// `simulate` with profiles/gang.yaml: the shipped example, timeouts on the simulated clock, PodGroup decoding.
@Suite(.timeLimit(.minutes(3))) struct GangSimulateTests {
    private func file(_ path: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func theTrainingJobBindsWholeAndTheEvalGroupWaits() async throws {
        let result = try await simulate(try file("examples/gang.yaml"), config: try file("profiles/gang.yaml"))
        let workers = result.pods.filter { $0.name.hasPrefix("train-worker-") }
        let eval = result.pods.filter { $0.name.hasPrefix("eval-") }
        #expect(workers.count == 8 && eval.count == 4)
        #expect(workers.allSatisfy { $0.status == .scheduled }, "\(workers)")
        #expect(eval.allSatisfy { $0.status == .unschedulable && $0.node == nil }, "\(eval)")
        #expect(eval.allSatisfy { ($0.message ?? "").contains("resource gap: map[cpu:4]") }, "\(eval)")
    }

    @Test func withoutGangSchedulingTheTrainingJobStartsHalfway() async throws {
        // The contrast the example describes: the default profile binds eval first and 4 of the 8 workers.
        let result = try await simulate(try file("examples/gang.yaml"))
        let workers = result.pods.filter { $0.name.hasPrefix("train-worker-") }
        #expect(workers.filter { $0.status == .scheduled }.count == 4, "\(workers)")
        #expect(result.pods.filter { $0.name.hasPrefix("eval-") }.allSatisfy { $0.status == .scheduled })
    }

    @Test func aGroupShortOfRoomTimesOutOnTheSimulatedClock() async throws {
        let config = try file("profiles/gang.yaml").replacingOccurrences(
            of: "podGroupRejectPercentage: 10",
            with: "podGroupRejectPercentage: 100"
        )
        var manifests = node("n1", cpu: "1") + node("n2", cpu: "1")
        manifests += """
            apiVersion: scheduling.x-k8s.io/v1alpha1
            kind: PodGroup
            metadata: {name: job}
            spec: {minMember: 3, scheduleTimeoutSeconds: 600}
            ---

            """
        for index in 0..<3 {
            manifests += pod("job-\(index)", cpu: "1").replacingOccurrences(
                of: "  namespace: default",
                with: "  namespace: default\n  labels: {scheduling.x-k8s.io/pod-group: job}"
            )
        }
        let start = ContinuousClock.now
        let result = try await simulate(manifests, config: config)
        // Ten minutes of waiting cost no real time.
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(result.pods.allSatisfy { $0.status == .unschedulable }, "\(result.pods)")
        #expect(
            result.pods.contains { ($0.message ?? "").contains("rejected due to timeout after waiting 600.0 seconds") },
            "\(result.pods.map { $0.message ?? "" })"
        )
    }

    @Test func podGroupDecodeErrorsNameFileObjectAndField() {
        let yaml = """
            apiVersion: scheduling.x-k8s.io/v1alpha1
            kind: PodGroup
            metadata:
              name: train
              namespace: ml
            spec:
              minMember: eight
            """
        #expect {
            try ManifestLoader.load(contents: yaml, source: "gang.yaml")
        } throws: { error in
            let text = (error as? DecodeError)?.description ?? ""
            return text.hasPrefix("gang.yaml:7:14: PodGroup ml/train: spec.minMember:")
        }
        let badQuantity = yaml.replacingOccurrences(
            of: "minMember: eight",
            with: "minMember: 2\n  minResources: {cpu: lots}"
        )
        #expect {
            try ManifestLoader.load(contents: badQuantity, source: "gang.yaml")
        } throws: { error in
            ((error as? DecodeError)?.description ?? "").hasPrefix(
                "gang.yaml:8:23: PodGroup ml/train: spec.minResources.cpu:"
            )
        }
        let good = yaml.replacingOccurrences(of: "minMember: eight", with: "minMember: 8\n  scheduleTimeoutSeconds: 30")
        let objects = (try? ManifestLoader.load(contents: good, source: "gang.yaml").objects) ?? []
        guard case .podGroup(let group)? = objects.first else {
            Issue.record("no PodGroup decoded")
            return
        }
        #expect(group.spec.minMember == 8 && group.spec.scheduleTimeoutSeconds == 30)
    }
}
