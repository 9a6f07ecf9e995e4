import Foundation
import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Testing

@testable import Bench

let mostAllocatedProfile = """
    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    profiles:
    - schedulerName: default-scheduler
      pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy:
            type: MostAllocated
    """

@Suite(.serialized, .timeLimit(.minutes(5))) struct RunTests {
    @Test func smallEndToEndRunSchedulesEveryPod() async throws {
        let path = try basicWorkloadFile(nodes: 50, initPods: 20, measurePods: 100)
        let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
        let workload = try WorkloadFileParser.resolve(testCase, workload: try #require(testCase.defaultWorkload))
        let result = try await runQuietly(workload)
        #expect(result.workload == "SmallBasic")
        #expect(result.variant == "small")
        #expect(result.mode == "embedded")
        #expect(result.profile == "default-scheduler")
        #expect(result.nodes == 50)
        #expect(result.initPods == 20)
        #expect(result.measuredPods == 100)
        #expect(result.scheduled == 100)
        #expect(result.unschedulable == 0)
        #expect(result.durationSeconds > 0)
        #expect(result.throughput.overall > 0)
        #expect(abs(result.throughput.overall - Double(result.scheduled) / result.durationSeconds) < 1e-6)
        #expect(result.attemptLatency.count >= 100)
        #expect(result.attemptLatency.p50 > 0 && result.attemptLatency.p50 <= result.attemptLatency.p99)
        #expect(result.attemptLatency.p99 <= result.attemptLatency.max)
        #expect(result.extensionPoints.contains { $0.name == "Filter" && $0.seconds > 0 })
        #expect(result.extensionPoints.contains { $0.name == "Bind" })
        // 120 pods of 100m on 50 nodes of 4 CPU: LeastAllocated spreads them.
        #expect(result.placement.nodesTotal == 50)
        #expect(result.placement.nodesUsed == 50)
        #expect(abs(result.placement.cpuAllocation.mean - 120 * 0.1 / (50 * 4)) < 1e-9)
        #expect(result.peakRSSBytes > 0)
        #expect(result.threshold == 1)
        #expect(result.passed != nil)
        #expect(result.notes.allSatisfy { !$0.hasPrefix("missing plugins") })
        // The JSON of a real run parses.
        #expect(try JSONSerialization.jsonObject(with: Data(BenchOutput.json(result).utf8)) is [String: Any])
    }

    @Test func compareShowsBinPackingUsesFewerNodes() async throws {
        let path = try basicWorkloadFile(nodes: 50, initPods: 0, measurePods: 100)
        let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
        let workload = try WorkloadFileParser.resolve(testCase, workload: try #require(testCase.defaultWorkload))
        let spread = try await runQuietly(workload, seed: 7)
        let packed = try await runQuietly(workload, configurationText: mostAllocatedProfile, seed: 7)
        #expect(spread.scheduled == 100 && packed.scheduled == 100)
        #expect(packed.placement.nodesUsed < spread.placement.nodesUsed)
        #expect(packed.placement.cpuAllocation.stddev > spread.placement.cpuAllocation.stddev)
        // Same total load either way.
        #expect(abs(packed.placement.cpuAllocation.mean - spread.placement.cpuAllocation.mean) < 1e-9)
        let table = BenchOutput.text([spread, packed])
        #expect(table.contains("nodes used"))
        #expect(table.contains("\(spread.placement.nodesUsed) of 50"))
        #expect(table.contains("\(packed.placement.nodesUsed) of 50"))
    }

    @Test func commandComparesProfilesFromFiles() async throws {
        let path = try basicWorkloadFile(nodes: 20, initPods: 0, measurePods: 40)
        let directory = try makeTemporaryDirectory("profiles")
        let least = try write(
            """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            """,
            to: "least.yaml",
            in: directory
        )
        let most = try write(mostAllocatedProfile, to: "most.yaml", in: directory)
        var arguments = BenchArguments()
        arguments.workloadFile = path
        arguments.compare = [least, most]
        arguments.quiet = true
        arguments.json = true
        arguments.sampleInterval = 0.01
        let outcome = try await BenchCommand.run(arguments)
        #expect(outcome.results.count == 2)
        #expect(outcome.results[1].placement.nodesUsed < outcome.results[0].placement.nodesUsed)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [[String: Any]])
        #expect(array.count == 2)
    }

    @Test func missingPluginsAreNamedInNotes() async throws {
        let directory = try makeTemporaryDirectory("spread")
        try write(nodeTemplate, to: "node.yaml", in: directory)
        try write(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              generateName: spread-
              labels: {color: blue}
            spec:
              topologySpreadConstraints:
              - maxSkew: 1
                topologyKey: kubernetes.io/hostname
                whenUnsatisfiable: DoNotSchedule
                labelSelector: {matchLabels: {color: blue}}
              containers:
              - name: c
            """,
            to: "pod.yaml",
            in: directory
        )
        let path = try write(
            """
            - name: Spread
              workloadTemplate:
              - opcode: createNodes
                count: 3
                nodeTemplatePath: node.yaml
              - opcode: createPods
                count: 6
                podTemplatePath: pod.yaml
                collectMetrics: true
              workloads:
              - name: tiny
            """,
            to: "perf.yaml",
            in: directory
        )
        let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
        let workload = try WorkloadFileParser.resolve(testCase, workload: testCase.workloads[0])
        let missing = Requirements.missingPlugins(for: workload, registry: InTreeRegistryAccess.registry)
        let result = try await runQuietly(workload)
        #expect(result.scheduled == 6)
        if missing.contains("PodTopologySpread") {
            #expect(
                result.notes.contains {
                    $0.contains("missing plugins: PodTopologySpread (topology spread constraints)")
                }
            )
        } else {
            #expect(!result.notes.contains { $0.contains("missing plugins") })
        }
    }

    @Test func kubeconfigNeedsTheAPIClient() async throws {
        var arguments = BenchArguments()
        arguments.kubeconfig = "/tmp/kubeconfig"
        do {
            _ = try await BenchCommand.run(arguments)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "--kubeconfig: no Kubernetes API client is available to this bench")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func unknownWorkloadAndOverrideAreRefused() async throws {
        var arguments = BenchArguments()
        arguments.workload = "NoSuchWorkload"
        await #expect(throws: BenchError.self) { try await BenchCommand.run(arguments) }
        arguments.workload = "SchedulingDaemonset"
        arguments.initPods = 10
        do {
            _ = try await BenchCommand.run(arguments)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("--init-pods: SchedulingDaemonset/15000Nodes has no initPods parameter"))
        }
    }

    /// A run on a shared API server (here an embedded cluster standing in for one, with other users' objects in
    /// it): the workload's namespaces get the run's prefix, every object the run's labels, pods the profile's
    /// schedulerName; the scheduler sees only the run's nodes; cleanup deletes exactly what the run created.
    /// (The process against the fake API server, including Ctrl-C, is tested in KubeClientTests.)
    @Test func sharedClusterRunOwnsItsObjectsAndCleansUp() async throws {
        let path = try basicWorkloadFile(nodes: 4, initPods: 2, measurePods: 6)
        let testCase = try #require(try WorkloadFileParser.parse(path: path).first)
        let workload = try WorkloadFileParser.resolve(testCase, workload: try #require(testCase.defaultWorkload))
        let server = EmbeddedCluster()
        // Someone else's node and pod: never used, never deleted.
        try server.create(.node(sharedNode("real-node")))
        try server.create(.namespace(Namespace(name: "team")))
        var foreign = Pod(metadata: ObjectMeta(name: "theirs", namespace: "team"))
        foreign.spec.schedulerName = "default-scheduler"
        try server.create(.pod(foreign))
        let ownership = BenchOwnership(runID: "t3st")
        let (cluster, owner) = BenchCluster.shared(
            client: server,
            creator: EmbeddedObjectCreator(cluster: server),
            schedulerName: "default-scheduler",
            ownership: ownership
        )
        let registry = makeInTreeRegistry()
        var settings = RunSettings()
        settings.sampleInterval = 0.01
        settings.stallTimeout = 2
        let runner = WorkloadRunner(
            workload: workload,
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            cluster: cluster,
            settings: settings
        )
        let result = try await runner.run()
        #expect(result.mode == "kubeconfig")
        #expect(result.scheduled == 6)
        #expect(result.placement.nodesTotal == 4)
        #expect(owner.created.namespaces.isEmpty && owner.created.nodes.isEmpty)
        #expect(server.objects(.node).map(\.key) == ["real-node"])
        #expect(server.objects(.namespace).map(\.key) == ["team"])
        #expect(server.objects(.pod).map(\.key) == ["team/theirs"])
        #expect(server.objects(.pod).first?.pod?.spec.nodeName ?? "" == "")
        // After cleanup the creator refuses new objects.
        await #expect(throws: ClusterError.self) { try await owner.create(.namespace(Namespace(name: "late"))) }
    }

    @Test func sharedClusterLabelsAndPrefixes() async throws {
        let server = EmbeddedCluster()
        let ownership = BenchOwnership(runID: "abc")
        let owner = OwningObjectCreator(
            inner: EmbeddedObjectCreator(cluster: server),
            ownership: ownership,
            schedulerName: "bench-profile"
        )
        try await owner.create(.namespace(Namespace(name: ownership.namespacePrefix + "ns")))
        try await owner.create(.node(sharedNode("n1")))
        try await owner.create(.pod(Pod(metadata: ObjectMeta(name: "p", namespace: ownership.namespacePrefix + "ns"))))
        #expect(ownership.namespacePrefix == "sks-bench-abc-")
        for kind in [ObjectKind.namespace, .node, .pod] {
            let labels = try #require(server.objects(kind).first?.metadata.labels)
            #expect(labels["app.kubernetes.io/managed-by"] == "swift-kube-scheduler-bench")
            #expect(labels["swift-kube-scheduler.io/bench-run"] == "abc")
        }
        #expect(server.objects(.pod).first?.pod?.spec.schedulerName == "bench-profile")
        let scoped = RunScopedClient(inner: server, ownership: ownership)
        try server.create(.node(sharedNode("other")))
        #expect(try await scoped.list(.node).items.map(\.key) == ["n1"])
        // A name someone else already has is not ours to delete.
        try server.create(.node(sharedNode("taken")))
        await #expect(throws: ClusterError.self) { try await owner.create(.node(sharedNode("taken"))) }
        _ = await owner.cleanup(listingWith: server)
        #expect(Set(server.objects(.node).map(\.key)) == ["other", "taken"])
        #expect(server.objects(.namespace).isEmpty)
        #expect(server.objects(.pod).isEmpty)
    }
}

/// A node of 4 CPU, 32Gi and 110 pods.
private func sharedNode(_ name: String) -> Node {
    var capacity: ResourceList = [:]
    for (resource, text) in [("cpu", "4"), ("memory", "32Gi"), ("pods", "110")] {
        capacity[resource] = Quantity(parsing: text)
    }
    return Node(metadata: ObjectMeta(name: name), status: NodeStatus(capacity: capacity))
}
