import Foundation
import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerRuntime
import Synchronization
import Testing

@testable import Bench

/// Where the bench must behave like scheduler_perf on upstream's own files.
@Suite(.serialized) struct SchedulerPerfFidelityTests {
    /// A workload that creates gated pods, then waits for them with `stageRequirement: Attempted`, then measures.
    func gatedWorkloadFile(featureGates: String = "") throws -> String {
        let directory = try makeTemporaryDirectory("gated")
        try write(nodeTemplate, to: "templates/node.yaml", in: directory)
        try write(podTemplate, to: "templates/pod.yaml", in: directory)
        try write(
            podTemplate + "\n  schedulingGates:\n  - name: test.k8s.io/hold\n",
            to: "templates/gated.yaml",
            in: directory
        )
        return try write(
            """
            - name: GatedThenMeasured
            \(featureGates)  workloadTemplate:
              - opcode: createNodes
                countParam: $initNodes
                nodeTemplatePath: ../templates/node.yaml
              - opcode: createPods
                countParam: $gatedPods
                podTemplatePath: ../templates/gated.yaml
                skipWaitToCompletion: true
              - opcode: barrier
                stageRequirement: Attempted
              - opcode: createPods
                countParam: $measurePods
                podTemplatePath: ../templates/pod.yaml
                collectMetrics: true
              workloads:
              - name: small
                params:
                  initNodes: 2
                  gatedPods: 20
                  measurePods: 10
            """,
            to: "cases/gated.yaml",
            in: directory
        )
    }

    @Test func theAPIServerMarksAGatedPodSchedulingGatedAtCreation() throws {
        let cluster = EmbeddedCluster()
        var gated = Pod(metadata: ObjectMeta(name: "gated"))
        gated.spec.schedulingGates = [PodSchedulingGate(name: "example.com/hold")]
        try cluster.create(.pod(gated))
        try cluster.create(.pod(Pod(metadata: ObjectMeta(name: "plain"))))
        var marked = Pod(metadata: ObjectMeta(name: "marked"))
        marked.spec.schedulingGates = [PodSchedulingGate(name: "example.com/hold")]
        marked.status = PodStatus(conditions: [PodCondition(type: "PodScheduled", status: "True")])
        try cluster.create(.pod(marked))

        let condition = cluster.pod(namespace: "default", name: "gated")?.status?.conditions?.first
        #expect(
            condition
                == PodCondition(
                    type: "PodScheduled",
                    status: "False",
                    reason: "SchedulingGated",
                    message: "Scheduling is blocked due to non-empty scheduling gates"
                )
        )
        #expect(cluster.pod(namespace: "default", name: "plain")?.status?.conditions == nil)
        // An existing PodScheduled condition is kept as it is.
        #expect(cluster.pod(namespace: "default", name: "marked")?.status?.conditions?.map(\.status) == ["True"])
    }

    @Test(.timeLimit(.minutes(1))) func anAttemptedBarrierCountsGatedPodsAtOnce() async throws {
        let path = try gatedWorkloadFile()
        let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
        let workload = try WorkloadFileParser.resolve(testCase, workload: try #require(testCase.defaultWorkload))
        let registry = makeInTreeRegistry()
        var settings = RunSettings()
        settings.sampleInterval = 0.01
        // Waiting out the stall timeout would take longer than the test's time limit.
        settings.stallTimeout = 120
        let runner = WorkloadRunner(
            workload: workload,
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            cluster: .embedded(),
            settings: settings
        )
        let result = try await runner.run()
        #expect(result.scheduled == 10)
    }

    @Test func featureGatesAreNamedOnceAsHavingNoEffect() throws {
        let path = try gatedWorkloadFile(
            featureGates: "  featureGates:\n    SchedulerQueueingHints: true\n    SchedulerAsyncPreemption: false\n"
        )
        let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
        let workload = try WorkloadFileParser.resolve(testCase, workload: try #require(testCase.defaultWorkload))
        let note = try #require(Requirements.featureGateNote(workload))
        #expect(note.hasSuffix(": SchedulerAsyncPreemption=false, SchedulerQueueingHints=true"))
        let plain = try gatedWorkloadFile()
        let plainCase = try #require(try WorkloadFileParser.parse(path: plain).first)
        #expect(
            Requirements.featureGateNote(
                try WorkloadFileParser.resolve(plainCase, workload: try #require(plainCase.defaultWorkload))
            ) == nil
        )
    }

    @Test func listWithAWorkloadFileListsThatFilesCases() throws {
        let path = try gatedWorkloadFile()
        let listing = try BenchCommand.listing(workloadFile: path)
        #expect(listing.hasPrefix("GatedThenMeasured\n"))
        #expect(!listing.contains("SchedulingBasic"))
        #expect(try BenchCommand.listing().contains("SchedulingBasic"))
    }

    /// Records every progress report.
    final class RecordingProgress: ProgressSink {
        let reports = Mutex<[(scheduled: Int, elapsed: Double)]>([])
        func phase(_ text: String) {}
        func measured(scheduled: Int, total: Int, elapsed: Double) {
            reports.withLock { $0.append((scheduled, elapsed)) }
        }
        func measuredDone() {}
    }

    @Test(.timeLimit(.minutes(1))) func theLastProgressLineStatesTheResult() async throws {
        let path = try basicWorkloadFile(nodes: 20, initPods: 0, measurePods: 200)
        let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
        let workload = try WorkloadFileParser.resolve(testCase, workload: try #require(testCase.defaultWorkload))
        let registry = makeInTreeRegistry()
        let progress = RecordingProgress()
        var settings = RunSettings()
        settings.sampleInterval = 0.01
        settings.progress = progress
        let runner = WorkloadRunner(
            workload: workload,
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            cluster: .embedded(),
            settings: settings
        )
        let result = try await runner.run()
        let last = try #require(progress.reports.withLock { $0.last })
        #expect(last.scheduled == result.scheduled)
        #expect(
            abs(Double(last.scheduled) / last.elapsed - result.throughput.overall) < 1e-6 * result.throughput.overall
        )
    }
}
