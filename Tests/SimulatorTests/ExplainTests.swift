import Foundation
import InTreePlugins
import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import Simulator
import Testing

@testable import KubeTestSupport

/// `simulate --explain` (issue 13): per-node verdicts, scores, selection, preemption, verified suggestions.
func explainSimulate(
    _ manifests: String,
    config: String? = nil,
    pod: String? = nil,
    scoreAllNodes: Bool = false
) async throws -> SimulationResult {
    let registry = makeInTreeRegistry()
    var configuration =
        try config.map { try ConfigurationLoader.load(contents: $0, source: "config.yaml", registry: registry) }
        ?? ConfigurationLoader.defaultConfiguration(registry: registry)
    if scoreAllNodes { configuration.percentageOfNodesToScore = 100 }
    let objects = try ManifestLoader.load(contents: manifests, source: "cluster.yaml").objects
    return try await Simulation.run(
        configuration: configuration,
        registry: registry,
        objects: objects,
        explain: ExplainRequest(pod: pod)
    )
}

/// A pod bound to `node` with a priority (and labels).
func runningPod(_ name: String, node: String, cpu: String, priority: Int = 0, labels: String = "{}") -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: \(name), namespace: default, labels: \(labels)}
    spec:
      priority: \(priority)
      nodeName: \(node)
      containers: [{name: c, image: i, resources: {requests: {cpu: "\(cpu)"}}}]
    status: {phase: Running, startTime: "2024-01-01T00:00:00Z"}
    ---

    """
}

func lastExplanation(_ result: SimulationResult, _ name: String) -> PodExplanation? {
    result.explanations["default/\(name)"]?.last
}

let taintSpec = "spec:\n  taints:\n  - {key: dedicated, value: gpu, effect: NoSchedule}"

@Suite(.timeLimit(.minutes(3))) struct ExplainTests {
    @Test func podRejectedBySeveralPluginsOnDifferentNodes() async throws {
        let manifests =
            node("small", cpu: "1", labels: ["disk": "ssd"])
            + node("tainted", labels: ["disk": "ssd"], taints: taintSpec)
            + node("hdd", labels: ["disk": "hdd"])
            + pod("p", cpu: "2", extra: "  nodeSelector: {disk: ssd}")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        #expect(e.outcome == .unschedulable)
        let byNode = Dictionary(uniqueKeysWithValues: e.nodes.map { ($0.node, $0) })
        #expect(byNode["small"]?.state == .rejected)
        #expect(byNode["small"]?.verdict?.plugin == "NodeResourcesFit")
        // The pod asks for more than the node's allocatable: no eviction can help (upstream v1.35).
        #expect(byNode["small"]?.verdict?.code == "UnschedulableAndUnresolvable")
        #expect(byNode["small"]?.verdict?.reasons == ["Insufficient cpu"])
        #expect(byNode["tainted"]?.verdict?.plugin == "TaintToleration")
        #expect(byNode["tainted"]?.verdict?.code == "UnschedulableAndUnresolvable")
        #expect(byNode["tainted"]?.verdict?.reasons == ["node(s) had untolerated taint(s)"])
        #expect(byNode["hdd"]?.verdict?.plugin == "NodeAffinity")
        #expect(byNode["hdd"]?.verdict?.reasons == ["node(s) didn't match Pod's node affinity/selector"])
        // The message is upstream's FitError, identical to what the scheduler reported.
        #expect(e.message == outcome(result, "p")?.message)
        #expect(e.postFilter.first?.plugin == "DefaultPreemption")
        // The text groups nodes by reason.
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(text.contains("EXPLAIN default/p (profile default-scheduler, 3 nodes"))
        #expect(text.contains("rejected   NodeResourcesFit   UnschedulableAndUnresolvable"))
        #expect(text.contains("Insufficient cpu"))
        #expect(text.contains("node(s) had untolerated taint(s)"))
        #expect(text.contains("Message: 0/3 nodes are available:"))
    }

    @Test func podPlacedByScoresAndTotalsAreTheWeightedSum() async throws {
        let manifests =
            node("busy") + node("idle") + node("half")
            + runningPod("b", node: "busy", cpu: "3") + runningPod("h", node: "half", cpu: "2")
            + pod("p", cpu: "1", memory: "1Gi")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        #expect(e.outcome == .scheduled)
        #expect(e.selectedNode == outcome(result, "p")?.node)
        #expect(e.selectedNode == "idle")
        #expect(e.selectionReason == .highestScore)
        #expect(e.scores.count == 3)
        #expect(!e.scoreColumns.isEmpty)
        for score in e.scores {
            let sum = zip(score.normalized, e.scoreColumns).reduce(Int64(0)) { $0 + $1.0 * $1.1.weight }
            #expect(score.total == sum)
            #expect(score.raw.count == e.scoreColumns.count)
        }
        #expect(e.scores.map(\.total) == e.scores.map(\.total).sorted(by: >))
        #expect(e.scores.first?.node == "idle")
        let fit = try #require(e.scoreColumns.firstIndex { $0.plugin == "NodeResourcesFit" })
        // LeastAllocated: more free CPU scores higher.
        let byNode = Dictionary(uniqueKeysWithValues: e.scores.map { ($0.node, $0) })
        #expect((byNode["idle"]?.normalized[fit] ?? 0) > (byNode["half"]?.normalized[fit] ?? 0))
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(text.contains("Selected: idle — highest total score"))
        #expect(text.contains("NodeResourcesFit ×1"))
    }

    @Test func tieIsBrokenBySeedAndMatchesTheScheduler() async throws {
        let manifests = node("a") + node("b") + node("c") + node("d") + pod("p", cpu: "1")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        #expect(e.selectionReason == .tieBrokenBySeed)
        #expect(e.tiedNodes == 4)
        #expect(e.selectedNode == outcome(result, "p")?.node)
    }

    @Test func nodesSkippedByPercentageOfNodesToScoreAreNotRejected() async throws {
        // 150 nodes: numFeasibleNodesToFind is 100, so 50 nodes are not evaluated.
        let manifests = (0..<150).map { node("n\($0)") }.joined() + pod("p", cpu: "1")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        #expect(e.numFeasibleNodesToFind == 100)
        #expect(e.nodes.filter { $0.state == .feasible }.count == 100)
        #expect(e.nodes.filter { $0.state == .notEvaluated }.count == 50)
        #expect(e.nodes.allSatisfy { $0.state != .rejected })
        #expect(e.scores.count == 100)
        #expect(e.selectedNode == outcome(result, "p")?.node)
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(text.contains("enough feasible nodes found (percentageOfNodesToScore)"))
        #expect(text.contains("… 90 more feasible node(s) scored lower"))

        let all = try await explainSimulate(manifests, scoreAllNodes: true)
        let everything = try #require(lastExplanation(all, "p"))
        #expect(everything.scores.count == 150)
        #expect(everything.nodes.allSatisfy { $0.state == .feasible })
    }

    @Test func preemptionExplainsCandidatesVictimsAndTheChoice() async throws {
        let manifests =
            node("n1", cpu: "2") + node("n2", cpu: "2")
            + runningPod("low-1", node: "n1", cpu: "2", priority: 1)
            + runningPod("low-2a", node: "n2", cpu: "1", priority: 1)
            + runningPod("low-2b", node: "n2", cpu: "1", priority: 1)
            + pod("urgent", cpu: "2", extra: "  priority: 1000")
        let result = try await explainSimulate(manifests)
        let attempts = try #require(result.explanations["default/urgent"]?.attempts)
        #expect(attempts.count == 2)
        let first = attempts[0]
        #expect(first.outcome == .unschedulable)
        let report = try #require(first.postFilter.first?.preemption)
        #expect(report.potentialNodes == 2)
        #expect(Set(report.candidates.map(\.node)) == ["n1", "n2"])
        #expect(report.chosen == "n1")
        #expect(report.decidedBy == "smallest sum of victim priorities")
        #expect(report.candidates.first { $0.node == "n1" }?.victims == ["default/low-1"])
        #expect(report.candidates.allSatisfy { $0.pdbViolations == 0 })
        // What the explanation said is what the scheduler did.
        #expect(result.preempted.map(\.name) == ["low-1"])
        let second = attempts[1]
        #expect(second.outcome == .scheduled)
        #expect(second.selectedNode == "n1")
        #expect(second.selectionReason == .nominatedNode)
        // The failed attempt suggests preemption, verified by a re-run without the victims.
        let preemption = try #require(first.suggestions.first { $0.kind == .preemption })
        #expect(preemption.wouldLandOn == "n1")
        #expect(preemption.change.contains("default/low-1"))
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(
            text.contains(
                "n1: evict default/low-1 (priority 1); 0 PDB violation(s)  <- chosen: smallest sum of victim priorities"
            )
        )
    }

    @Test func suggestsTheLargestRequestThatFits() async throws {
        let manifests = node("n1", cpu: "2") + node("n2", cpu: "1") + pod("p", cpu: "3")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        let lower = try #require(e.suggestions.first { $0.kind == .lowerRequest })
        #expect(lower.change == "lower the cpu request from 3 to 2")
        #expect(lower.opensNodes == ["n1"])
        #expect(lower.wouldLandOn == "n1")
        #expect(e.suggestions.filter { $0.kind == .lowerRequest }.count == 1)
    }

    @Test func suggestsATolerationForTheTaint() async throws {
        let manifests = node("gpu", taints: taintSpec) + pod("p", cpu: "1")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        let toleration = try #require(e.suggestions.first)
        #expect(toleration.kind == .addToleration)
        #expect(toleration.change == "add a toleration for taint dedicated=gpu:NoSchedule")
        #expect(toleration.opensNodes == ["gpu"])
        #expect(toleration.wouldLandOn == "gpu")
    }

    @Test func suggestsDroppingANodeSelectorTermOrNodeAffinity() async throws {
        let affinity = """
              nodeSelector: {disk: ssd, zone: a}
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                    - matchExpressions: [{key: arch, operator: In, values: [arm64]}]
            """
        let manifests = node("n1", labels: ["disk": "ssd", "arch": "arm64"]) + pod("p", cpu: "1", extra: affinity)
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        #expect(e.suggestions.map(\.change) == ["drop nodeSelector zone=a"])
        #expect(e.suggestions.first?.opensNodes == ["n1"])
        // Dropping the other key or the node affinity would not help: tried, not offered.
        #expect(e.rejectedSuggestions.map(\.change).contains("drop nodeSelector disk=ssd"))
        #expect(e.rejectedSuggestions.contains { $0.kind == .dropNodeAffinity })
    }

    @Test func suggestsDroppingASpreadConstraintOrAntiAffinity() async throws {
        let spread = """
              topologySpreadConstraints:
              - {maxSkew: 1, topologyKey: rack, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
            """
        let spreadResult = try await explainSimulate(node("n1") + pod("p", cpu: "1", extra: spread))
        let s = try #require(lastExplanation(spreadResult, "p"))
        #expect(s.suggestions.first?.kind == .dropTopologySpreadConstraint)
        #expect(s.suggestions.first?.wouldLandOn == "n1")

        let anti = """
              affinity:
                podAntiAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                  - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}
            """
        let antiResult = try await explainSimulate(
            node("n1") + runningPod("web-0", node: "n1", cpu: "1", labels: "{app: web}")
                + pod("p", cpu: "1", extra: anti)
        )
        let a = try #require(lastExplanation(antiResult, "p"))
        #expect(a.suggestions.first?.kind == .dropPodAntiAffinity)
        #expect(
            a.suggestions.first?.change
                == "drop required pod anti-affinity term #1 (topologyKey kubernetes.io/hostname)"
        )
        #expect(a.suggestions.first?.opensNodes == ["n1"])
    }

    @Test func aChangeThatWouldNotHelpIsNotOffered() async throws {
        // The tainted node is also too small: tolerating the taint alone leaves the pod pending.
        let manifests = node("gpu", cpu: "1", taints: taintSpec) + pod("p", cpu: "2")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        #expect(e.suggestions.isEmpty)
        #expect(e.rejectedSuggestions.map(\.change) == ["add a toleration for taint dedicated=gpu:NoSchedule"])
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(text.contains("Tried and not offered"))
    }

    @Test func onlyTheNamedPodIsExplained() async throws {
        let manifests = node("n1") + pod("p", cpu: "1") + pod("q", cpu: "1")
        let result = try await explainSimulate(manifests, pod: "default/q")
        #expect(Array(result.explanations.keys) == ["default/q"])
    }
}

@Suite(.timeLimit(.minutes(3))) struct ExplainJSONTests {
    @Test func jsonCarriesTheDocumentedExplainObject() async throws {
        let manifests =
            node("small", cpu: "1") + node("big") + pod("p", cpu: "2") + pod("q", cpu: "8")
        let result = try await explainSimulate(manifests)
        let json = SimulationReport.json(result)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let pods = try #require(parsed["pods"] as? [[String: Any]])
        let schemaData = try Data(contentsOf: repositoryRoot.appendingPathComponent("docs/explain-schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: Any])
        let attemptSchema = try #require(defs["attempt"] as? [String: Any])
        let required = try #require(attemptSchema["required"] as? [String])
        let properties = try #require(attemptSchema["properties"] as? [String: Any])
        for pod in pods {
            let explain = try #require(pod["explain"] as? [String: Any])
            let attempts = try #require(explain["attempts"] as? [[String: Any]])
            #expect(!attempts.isEmpty)
            for attempt in attempts {
                // Every required key present, and no key the schema does not document.
                #expect(Set(attempt.keys) == Set(required))
                #expect(Set(attempt.keys).isSubset(of: Set(properties.keys)))
            }
        }
        let q = try #require(pods.first { $0["name"] as? String == "q" })
        let attempt = try #require(((q["explain"] as? [String: Any])?["attempts"] as? [[String: Any]])?.last)
        #expect(attempt["outcome"] as? String == "Unschedulable")
        #expect(attempt["message"] as? String == q["message"] as? String)
        let nodes = try #require(attempt["nodes"] as? [[String: Any]])
        let small = try #require(nodes.first { $0["node"] as? String == "small" })
        #expect(small["state"] as? String == "rejected")
        #expect(small["plugin"] as? String == "NodeResourcesFit")
        #expect(small["code"] as? String == "UnschedulableAndUnresolvable")
        #expect(small["reasons"] as? [String] == ["Insufficient cpu"])
        let p = try #require(pods.first { $0["name"] as? String == "p" })
        let placed = try #require(((p["explain"] as? [String: Any])?["attempts"] as? [[String: Any]])?.last)
        #expect((placed["selected"] as? [String: Any])?["node"] as? String == "big")
        #expect((placed["selected"] as? [String: Any])?["reason"] as? String == "onlyFeasibleNode")
    }
}
