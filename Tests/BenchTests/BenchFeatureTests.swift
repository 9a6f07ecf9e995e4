import Foundation
import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization
import Testing

@testable import Bench

/// An embedded cluster whose creates and deletes are counted per kind.
private final class CountingCreator: ObjectCreator {
    let inner: EmbeddedObjectCreator
    let counts = Mutex<(created: [ObjectKind: Int], deleted: [ObjectKind: Int])>(([:], [:]))
    init(cluster: EmbeddedCluster) { inner = EmbeddedObjectCreator(cluster: cluster) }
    func create(_ object: KubeObject) async throws(ClusterError) {
        try await inner.create(object)
        counts.withLock { $0.created[object.kind, default: 0] += 1 }
    }
    func delete(_ kind: ObjectKind, key: String) async throws(ClusterError) {
        try await inner.delete(kind, key: key)
        counts.withLock { $0.deleted[kind, default: 0] += 1 }
    }
}

private func workloadFile(_ operations: String, threshold: Double? = nil) throws -> String {
    let directory = try makeTemporaryDirectory("features")
    try write(nodeTemplate, to: "templates/node.yaml", in: directory)
    try write(podTemplate, to: "templates/pod.yaml", in: directory)
    let thresholdLine = threshold.map { "\n    threshold: \($0)" } ?? ""
    return try write(
        """
        - name: Features
          defaultPodTemplatePath: ../templates/pod.yaml
          workloadTemplate:
        \(operations)
          workloads:
          - name: small
            labels: [performance]\(thresholdLine)
            params: {initNodes: 5, measurePods: 20}
        """,
        to: "cases/perf.yaml",
        in: directory
    )
}

private func resolve(_ path: String) throws -> ResolvedWorkload {
    let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
    return try WorkloadFileParser.resolve(testCase, workload: try #require(testCase.defaultWorkload))
}

private func arguments(_ path: String) -> BenchArguments {
    var arguments = BenchArguments()
    arguments.workloadFile = path
    arguments.quiet = true
    arguments.sampleInterval = 0.01
    arguments.stallTimeout = 2
    return arguments
}

private let basicOperations = """
      - opcode: createNodes
        countParam: $initNodes
        nodeTemplatePath: ../templates/node.yaml
      - opcode: createPods
        countParam: $measurePods
        collectMetrics: true
    """

/// Bench features that had no test (issue 14, point 4).
@Suite(.serialized, .timeLimit(.minutes(5))) struct BenchFeatureTests {
    @Test func listNamesTheBuiltInWorkloadsAndExitsZero() async throws {
        var arguments = BenchArguments()
        arguments.list = true
        let outcome = try await BenchCommand.run(arguments)
        #expect(outcome.status == 0)
        #expect(outcome.results.isEmpty)
        #expect(outcome.output.contains("SchedulingBasic"))
        #expect(outcome.output == (try BenchCommand.listing()))
    }

    @Test func aMetThresholdPassesAndExitsZero() async throws {
        let outcome = try await BenchCommand.run(arguments(try workloadFile(basicOperations, threshold: 0.001)))
        #expect(outcome.results.first?.passed == true)
        #expect(outcome.status == 0)
        #expect(outcome.output.contains("PASS"))
    }

    @Test func aMissedThresholdFailsAndExitsOne() async throws {
        let outcome = try await BenchCommand.run(arguments(try workloadFile(basicOperations, threshold: 1e12)))
        #expect(outcome.results.first?.passed == false)
        #expect(outcome.status == 1)
        #expect(outcome.output.contains("FAIL"))
    }

    @Test func reportIsWrittenToTheFile() async throws {
        let directory = try makeTemporaryDirectory("report")
        let report = directory.appendingPathComponent("out/report.html").path
        try FileManager.default.createDirectory(
            atPath: directory.appendingPathComponent("out").path,
            withIntermediateDirectories: true
        )
        var args = arguments(try workloadFile(basicOperations))
        args.report = report
        let outcome = try await BenchCommand.run(args)
        #expect(outcome.status == 0)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<html"))
        #expect(html.contains("Features"))
    }

    @Test func anUnwritableReportIsAnError() async throws {
        var args = arguments(try workloadFile(basicOperations))
        args.report = "/nonexistent-directory/report.html"
        await #expect(throws: BenchError.self) { _ = try await BenchCommand.run(args) }
    }

    @Test func churnCreatesAndDeletesWhileTheMeasuredPodsRun() async throws {
        let operations = """
              - opcode: createNodes
                countParam: $initNodes
                nodeTemplatePath: ../templates/node.yaml
              - opcode: churn
                mode: recreate
                number: 2
                intervalMilliseconds: 10
                templatePaths: [../templates/pod.yaml]
              - opcode: sleep
                duration: 300ms
              - opcode: createPods
                countParam: $measurePods
                collectMetrics: true
            """
        let cluster = EmbeddedCluster()
        let creator = CountingCreator(cluster: cluster)
        let bench = BenchCluster(
            mode: "embedded",
            client: cluster,
            creator: creator,
            cleanup: {},
            shutdown: { cluster.shutdown() },
            inventory: { cluster.objects($0) }
        )
        var settings = RunSettings()
        settings.sampleInterval = 0.01
        settings.stallTimeout = 2
        let registry = makeInTreeRegistry()
        let runner = WorkloadRunner(
            workload: try resolve(try workloadFile(operations)),
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            cluster: bench,
            settings: settings
        )
        let result = try await runner.run()
        #expect(result.scheduled == 20)
        let counts = creator.counts.withLock { $0 }
        // Recreate mode: 2 objects created, then each deleted and created again every interval.
        #expect((counts.created[.pod] ?? 0) > 20 + 2)
        #expect((counts.deleted[.pod] ?? 0) > 0)
    }

    @Test func deletePodsRemovesThePodsOfItsNamespace() async throws {
        let operations = """
              - opcode: createNodes
                countParam: $initNodes
                nodeTemplatePath: ../templates/node.yaml
              - opcode: createPods
                count: 6
                namespace: doomed
              - opcode: deletePods
                namespace: doomed
                deletePodsPerSecond: 1000
              - opcode: createPods
                countParam: $measurePods
                collectMetrics: true
            """
        let cluster = EmbeddedCluster()
        let creator = CountingCreator(cluster: cluster)
        let bench = BenchCluster(
            mode: "embedded",
            client: cluster,
            creator: creator,
            cleanup: {},
            shutdown: { cluster.shutdown() },
            inventory: { cluster.objects($0) }
        )
        var settings = RunSettings()
        settings.sampleInterval = 0.01
        settings.stallTimeout = 2
        let registry = makeInTreeRegistry()
        let runner = WorkloadRunner(
            workload: try resolve(try workloadFile(operations)),
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            cluster: bench,
            settings: settings
        )
        let result = try await runner.run()
        #expect(result.scheduled == 20)
        #expect(creator.counts.withLock { $0.deleted[.pod] } == 6)
        #expect(!cluster.objects(.pod).contains { $0.metadata.namespace == "doomed" })
    }
}
