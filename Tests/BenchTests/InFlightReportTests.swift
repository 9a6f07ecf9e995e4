import Foundation
import InTreePlugins
import SchedulerConfig
import Testing

@testable import Bench

/// Bench reports the scheduling queue's in-flight bookkeeping at the end of a run and fails on a leak
/// (issue 14, point 6).
@Suite struct InFlightReportTests {
    private static func churnWorkload() throws -> ResolvedWorkload {
        let directory = try makeTemporaryDirectory("inflight")
        try write(nodeTemplate, to: "templates/node.yaml", in: directory)
        try write(podTemplate, to: "templates/pod.yaml", in: directory)
        let path = try write(
            """
            - name: InFlight
              defaultPodTemplatePath: ../templates/pod.yaml
              workloadTemplate:
              - opcode: createNodes
                countParam: $initNodes
                nodeTemplatePath: ../templates/node.yaml
              - opcode: churn
                mode: recreate
                number: 3
                intervalMilliseconds: 5
                templatePaths: [../templates/node.yaml, ../templates/pod.yaml]
              - opcode: createPods
                countParam: $initPods
                namespace: cycle-0
              - opcode: deletePods
                namespace: cycle-0
              - opcode: createPods
                countParam: $initPods
                namespace: cycle-1
              - opcode: deletePods
                namespace: cycle-1
              - opcode: createPods
                countParam: $measurePods
                collectMetrics: true
              workloads:
              - name: small
                labels: [performance]
                params: {initNodes: 8, initPods: 150, measurePods: 100}
            """,
            to: "cases/perf.yaml",
            in: directory
        )
        let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
        return try WorkloadFileParser.resolve(testCase, workload: try #require(testCase.defaultWorkload))
    }

    @Test(.timeLimit(.minutes(2))) func aChurnRunEndsWithNothingInFlight() async throws {
        let result = try await runQuietly(try Self.churnWorkload())
        #expect(result.scheduled == 100)
        #expect(result.inFlightPods == 0)
        #expect(result.inFlightEvents == 0)
        #expect(!result.notes.contains { $0.contains("in-flight") })
        #expect(BenchCommand.exitStatus([result]) == 0)
        #expect(BenchOutput.json(result).contains("\"inFlight\":{\"pods\":0,\"events\":0}"))
    }

    /// The names kept for the `Attempted` barrier are those of live pods: deleted ones are forgotten (still
    /// counted), so a soak's bookkeeping does not grow with every pod it ever created.
    @Test(.timeLimit(.minutes(2))) func barrierBookkeepingHoldsOnlyLivePods() async throws {
        let registry = makeInTreeRegistry()
        var settings = RunSettings()
        settings.sampleInterval = 0.01
        settings.stallTimeout = 2
        let runner = WorkloadRunner(
            workload: try Self.churnWorkload(),
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            cluster: .embedded(),
            settings: settings
        )
        let result = try await runner.run()
        #expect(result.scheduled == 100)
        // 2 × 150 pods (and the churn's recreated ones) were created and deleted; 100 measured pods remain, with the
        // churn's 3 and, when the run stops mid-round, 3 more whose deletion the informer has not applied yet. A leak
        // would hold every name ever created (over 300 more).
        #expect(runner.recorder.retainedPodNames <= 106)
        #expect(runner.recorder.retainedPodNames >= 100)
        #expect(runner.recorder.attemptedCount(in: ["cycle-0"]) == 150)
        #expect(runner.recorder.attemptedCount(in: ["cycle-0", "cycle-1"]) == 300)
    }

    @Test func aLeakFailsTheRunAndIsReported() throws {
        let registry = makeInTreeRegistry()
        let runner = WorkloadRunner(
            workload: try Self.churnWorkload(),
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            cluster: .embedded(),
            settings: RunSettings()
        )
        let placement = BenchResult.Placement(
            nodesUsed: 0,
            nodesTotal: 0,
            cpuAllocation: MeanAndDeviation([]),
            memoryAllocation: MeanAndDeviation([])
        )
        let clean = runner.result(placement: placement, notes: [], inFlight: (0, 0))
        #expect(BenchCommand.exitStatus([clean]) == 0)
        #expect(clean.notes.allSatisfy { !$0.hasPrefix("FAIL") })

        let leaked = runner.result(placement: placement, notes: [], inFlight: (2, 5))
        #expect(leaked.inFlightPods == 2 && leaked.inFlightEvents == 5)
        #expect(BenchCommand.exitStatus([leaked]) == 1)
        #expect(BenchCommand.exitStatus([clean, leaked]) == 1)
        #expect(leaked.notes.contains { $0.hasPrefix("FAIL") && $0.contains("2 pod(s) and 5 event(s)") })
        #expect(BenchOutput.json(leaked).contains("\"inFlight\":{\"pods\":2,\"events\":5}"))

        var eventsOnly = clean
        eventsOnly.inFlightEvents = 1
        #expect(BenchCommand.exitStatus([eventsOnly]) == 1)
    }
}
