import Foundation
import InTreePlugins
import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import Simulator
import Testing

@testable import KubeTestSupport

/// Runs `simulate` in-process on manifests given as text.
func simulate(_ manifests: String, config: String? = nil, seed: UInt64 = 1) async throws -> SimulationResult {
    let registry = makeInTreeRegistry()
    let configuration =
        try config.map { try ConfigurationLoader.load(contents: $0, source: "config.yaml", registry: registry) }
        ?? ConfigurationLoader.defaultConfiguration(registry: registry)
    let objects = try ManifestLoader.load(contents: manifests, source: "cluster.yaml").objects
    return try await Simulation.run(configuration: configuration, registry: registry, objects: objects, seed: seed)
}

func node(
    _ name: String,
    cpu: String = "4",
    memory: String = "8Gi",
    pods: String = "110",
    labels: [String: String] = [:],
    taints: String = ""
) -> String {
    let labelLines = (["kubernetes.io/hostname": name].merging(labels) { $1 }).sorted { $0.key < $1.key }.map {
        "    \($0.key): \"\($0.value)\""
    }.joined(separator: "\n")
    return """
        apiVersion: v1
        kind: Node
        metadata:
          name: \(name)
          labels:
        \(labelLines)
        \(taints)
        status:
          allocatable: {cpu: "\(cpu)", memory: \(memory), pods: "\(pods)"}
        ---

        """
}

func pod(
    _ name: String,
    cpu: String? = nil,
    memory: String? = nil,
    extra: String = "",
    namespace: String = "default"
) -> String {
    var requests: [String] = []
    if let cpu { requests.append("cpu: \"\(cpu)\"") }
    if let memory { requests.append("memory: \(memory)") }
    let resources = requests.isEmpty ? "" : "\n    resources:\n      requests: {\(requests.joined(separator: ", "))}"
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
          namespace: \(namespace)
        spec:
        \(extra)
          containers:
          - name: main
            image: example.com/app:1\(resources)
        ---

        """
}

func outcome(_ result: SimulationResult, _ name: String) -> PodOutcome? { result.pods.first { $0.name == name } }

@Suite(.timeLimit(.minutes(3))) struct SimulateTests {
    @Test func jsonOutputHasTheDocumentedShape() async throws {
        let manifests =
            node("n1", cpu: "1") + node("n2", cpu: "1") + node("n3", cpu: "1")
            + pod("p", cpu: "500m") + pod("q", cpu: "2")
        let result = try await simulate(manifests)
        let json = SimulationReport.json(result)
        #expect(
            json
                == #"{"pods":[{"namespace":"default","name":"p","node":"n1","status":"Scheduled"},{"namespace":"default","name":"q","node":null,"status":"Unschedulable","message":"0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."}],"preempted":[]}"#
                || json
                    == #"{"pods":[{"namespace":"default","name":"p","node":"n2","status":"Scheduled"},{"namespace":"default","name":"q","node":null,"status":"Unschedulable","message":"0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."}],"preempted":[]}"#
                || json
                    == #"{"pods":[{"namespace":"default","name":"p","node":"n3","status":"Scheduled"},{"namespace":"default","name":"q","node":null,"status":"Unschedulable","message":"0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."}],"preempted":[]}"#
        )
        // And it is valid JSON.
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((parsed?["pods"] as? [Any])?.count == 2)
    }

    @Test func reasonsAreCountedPerNodeAndSortedAsStrings() async throws {
        let taint = "spec:\n  taints:\n  - {key: dedicated, value: infra, effect: NoSchedule}"
        let manifests =
            node("small", cpu: "1") + node("infra-1", cpu: "8", taints: taint)
            + node("infra-2", cpu: "8", taints: taint)
            + pod("big", cpu: "2")
        let result = try await simulate(manifests)
        // Nothing to evict, and the 1-CPU node could never hold 2 CPU (unresolvable): preemption cannot help.
        #expect(
            outcome(result, "big")?.message
                == "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint(s). preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        )
        #expect(outcome(result, "big")?.status == .unschedulable)
    }

    @Test func tolerationsAndNodeSelectorsSteerPlacement() async throws {
        let taint = "spec:\n  taints:\n  - {key: gpu, value: \"true\", effect: NoSchedule}"
        let manifests =
            node("plain", labels: ["disk": "hdd"]) + node("gpu", labels: ["disk": "ssd"], taints: taint)
            + pod(
                "tolerant",
                cpu: "1",
                extra:
                    "  nodeSelector: {disk: ssd}\n  tolerations:\n  - {key: gpu, operator: Exists, effect: NoSchedule}"
            )
            + pod("picky", cpu: "1", extra: "  nodeSelector: {disk: nvme}")
        let result = try await simulate(manifests)
        #expect(outcome(result, "tolerant")?.node == "gpu")
        // Filters stop at the first rejection per node, in profile order: TaintToleration runs before NodeAffinity.
        #expect(
            outcome(result, "picky")?.message
                == "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s). preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        )
    }

    @Test func initContainersCountByTheirMaximumNotTheirSum() async throws {
        // init 3 CPU then app 1 CPU: the pod needs max(3, 1) = 3, which fits a 3-CPU node; 4 would not.
        let initPod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: migrate-then-run}
            spec:
              initContainers:
              - {name: migrate, image: m, resources: {requests: {cpu: "3"}}}
              containers:
              - {name: app, image: a, resources: {requests: {cpu: "1"}}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: sidecar-adds-up}
            spec:
              initContainers:
              - {name: proxy, image: p, restartPolicy: Always, resources: {requests: {cpu: "1"}}}
              - {name: migrate, image: m, resources: {requests: {cpu: "3"}}}
              containers:
              - {name: app, image: a, resources: {requests: {cpu: "1"}}}

            """
        let result = try await simulate(node("n1", cpu: "3") + initPod)
        #expect(outcome(result, "migrate-then-run")?.node == "n1")
        // The sidecar runs beside the later init container: 1 + 3 = 4 > 3.
        #expect(
            outcome(result, "sidecar-adds-up")?.message
                == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
        )
    }

    @Test func higherPriorityPodsAreScheduledFirst() async throws {
        let classes = """
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata: {name: critical}
            value: 1000
            ---
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata: {name: normal}
            value: 10
            globalDefault: true
            ---

            """
        // One slot; the critical pod comes last in the file but is scheduled first.
        let manifests =
            classes + node("n1", cpu: "1") + pod("ordinary", cpu: "1")
            + pod("urgent", cpu: "1", extra: "  priorityClassName: critical")
            + pod("typo", cpu: "1", extra: "  priorityClassName: critcal")
        let result = try await simulate(manifests)
        #expect(outcome(result, "urgent")?.node == "n1")
        #expect(outcome(result, "ordinary")?.status == .unschedulable)
        #expect(outcome(result, "typo")?.status == .rejected)
        #expect(
            outcome(result, "typo")?.message
                == "pods \"typo\" is forbidden: no PriorityClass with name critcal was found"
        )
    }

    @Test func gatedIgnoredAndBoundPodsAreReportedButNotScheduled() async throws {
        let manifests =
            node("n1") + pod("gated", extra: "  schedulingGates:\n  - name: example.com/approval")
            + pod("elsewhere", extra: "  schedulerName: someone-else")
            + pod("already-running", cpu: "1", extra: "  nodeName: n1")
        let result = try await simulate(manifests)
        #expect(result.pods.map(\.name) == ["gated", "elsewhere"])
        #expect(outcome(result, "gated")?.status == .schedulingGated)
        #expect(outcome(result, "gated")?.message == "waiting for scheduling gates: [example.com/approval]")
        #expect(outcome(result, "elsewhere")?.status == .ignored)
        #expect(outcome(result, "elsewhere")?.node == nil)
    }

    @Test func equalPriorityPodsAreScheduledInQueueOrder() async throws {
        // One slot; pods are listed (and queued) in key order, as an API server lists them.
        let manifests =
            node("n1", cpu: "1") + pod("b-second", cpu: "1") + pod("a-first", cpu: "1") + pod("c-third", cpu: "1")
        let result = try await simulate(manifests)
        #expect(outcome(result, "a-first")?.node == "n1")
        #expect(outcome(result, "b-second")?.status == .unschedulable)
        #expect(outcome(result, "c-third")?.status == .unschedulable)
    }

    @Test func runningPodsUseCapacity() async throws {
        let manifests =
            node("n1", cpu: "2") + node("n2", cpu: "2")
            + pod("existing", cpu: "1500m", extra: "  nodeName: n1") + pod("new", cpu: "1")
        let result = try await simulate(manifests)
        #expect(outcome(result, "new")?.node == "n2")
    }

    @Test func binPackingProfileFillsTheFullestNodeWhileDefaultSpreads() async throws {
        let config = try String(
            contentsOf: repositoryRoot.appendingPathComponent("profiles/two-profiles.yaml"),
            encoding: .utf8
        )
        let manifests =
            node("a", cpu: "4") + node("b", cpu: "4")
            + pod("running", cpu: "2", extra: "  nodeName: a")
            + pod("packed", cpu: "1", extra: "  schedulerName: bin-packing-scheduler")
            + pod("spread", cpu: "1")
        let result = try await simulate(manifests, config: config)
        #expect(outcome(result, "packed")?.node == "a")
        #expect(outcome(result, "spread")?.node == "b")
    }

    @Test func sameSeedGivesTheSameResult() async throws {
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("examples/cluster.yaml"),
            encoding: .utf8
        )
        let first = try await simulate(text, seed: 42)
        let second = try await simulate(text, seed: 42)
        #expect(SimulationReport.json(first) == SimulationReport.json(second))
    }

    @Test func theSeedBreaksTiesBetweenEqualNodes() async throws {
        // Eight identical nodes score the same for one pod: the seed picks among them.
        let manifests = (0..<8).map { node("n\($0)") }.joined() + pod("p", cpu: "100m")
        var placements: Set<String> = []
        for seed: UInt64 in 1...16 {
            let again = try await simulate(manifests, seed: seed)
            let once = try await simulate(manifests, seed: seed)
            #expect(outcome(once, "p")?.node == outcome(again, "p")?.node, "seed \(seed)")
            if let node = outcome(once, "p")?.node { placements.insert(node) }
        }
        #expect(placements.count > 1, "every seed chose \(placements)")
    }

    @Test func exampleClusterPlacementsAndMessages() async throws {
        let config = try String(
            contentsOf: repositoryRoot.appendingPathComponent("profiles/default.yaml"),
            encoding: .utf8
        )
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("examples/cluster.yaml"),
            encoding: .utf8
        )
        let result = try await simulate(text, config: config)
        #expect(result.pods.count == 11)
        // payments may only run on worker-a3, which a low-priority batch pod fills: it is evicted.
        #expect(outcome(result, "payments")?.node == "worker-a3")
        #expect(
            result.preempted == [
                PreemptedPod(namespace: "default", name: "nightly-batch", node: "worker-a3", preemptor: "shop/payments")
            ]
        )
        // Only the ssd nodes match; the ssd nodes in zones a and b are full.
        #expect(outcome(result, "ssd-writer")?.node == "worker-c1")
        // The GPU trainer tolerates the GPU taint and prefers zone b.
        #expect(outcome(result, "trainer")?.node == "gpu-b1")
        #expect(outcome(result, "zone-c-only")?.node == "worker-c1")
        #expect(
            outcome(result, "gpu-no-toleration")?.message
                == "0/13 nodes are available: 1 node(s) were unschedulable, 4 node(s) had untolerated taint(s), 8 Insufficient nvidia.com/gpu. preemption: 0/13 nodes are available: 13 Preemption is not helpful for scheduling."
        )
        #expect(
            outcome(result, "huge")?.message
                == "0/13 nodes are available: 1 node(s) were unschedulable, 4 node(s) had untolerated taint(s), 8 Insufficient cpu. preemption: 0/13 nodes are available: 13 Preemption is not helpful for scheduling."
        )
        #expect(outcome(result, "waiting-for-quota")?.status == .schedulingGated)
        #expect(outcome(result, "other-scheduler")?.status == .ignored)
        #expect(
            result.events.contains {
                $0.reason == "Scheduled" && $0.note == "Successfully assigned default/trainer to gpu-b1"
            }
        )
        #expect(result.events.contains { $0.reason == "FailedScheduling" && $0.podName == "huge" })
    }

}
