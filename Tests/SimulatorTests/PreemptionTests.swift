import Foundation
import KubeAPI
import SchedulerFramework
import Simulator
import Testing

private let classes = """
    apiVersion: scheduling.k8s.io/v1
    kind: PriorityClass
    metadata: {name: high}
    value: 1000
    ---
    apiVersion: scheduling.k8s.io/v1
    kind: PriorityClass
    metadata: {name: mid}
    value: 500
    ---

    """

/// A running pod bound to `node`, with a priority and a start time.
private func running(
    _ name: String,
    node: String,
    cpu: String,
    priority: Int,
    start: String = "2024-01-01T00:00:00Z",
    labels: String = "{}"
) -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: \(name), labels: \(labels)}
    spec:
      priority: \(priority)
      nodeName: \(node)
      containers: [{name: c, image: i, resources: {requests: {cpu: "\(cpu)"}}}]
    status: {phase: Running, startTime: "\(start)"}
    ---

    """
}

private func pending(_ name: String, cpu: String, priorityClass: String, extra: String = "") -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: \(name)}
    spec:
      priorityClassName: \(priorityClass)
    \(extra)
      containers: [{name: c, image: i, resources: {requests: {cpu: "\(cpu)"}}}]
    ---

    """
}

@Suite(.timeLimit(.minutes(3))) struct PreemptionTests {
    @Test func evictsExactlyTheLeastImportantPodsThatMakeRoom() async throws {
        // n1 (4 CPU) runs four 1-CPU pods with priorities 1..4; the preemptor needs 2 CPU.
        var manifests = classes + node("n1", cpu: "4")
        for (i, priority) in [3, 1, 4, 2].enumerated() {
            manifests += running("low-\(i)", node: "n1", cpu: "1", priority: priority)
        }
        manifests += pending("urgent", cpu: "2", priorityClass: "high")
        let result = try await simulate(manifests)
        #expect(outcome(result, "urgent")?.node == "n1")
        // Reprieve goes from the most important down: priorities 4 and 3 stay, 2 and 1 go.
        #expect(Set(result.preempted.map(\.name)) == ["low-1", "low-3"])
        #expect(result.preempted.allSatisfy { $0.node == "n1" && $0.preemptor == "default/urgent" })
        #expect(
            result.events.contains {
                $0.reason == "Preempted" && $0.podName == "low-1" && $0.note.hasSuffix("on node n1")
            }
        )
    }

    @Test func prefersTheNodeWhoseVictimsRespectPodDisruptionBudgets() async throws {
        let budget = """
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: db}
            spec:
              minAvailable: 1
              selector: {matchLabels: {app: db}}
            status: {disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1}
            ---

            """
        // Both nodes need one victim of equal priority; only the one on b is unprotected.
        let manifests =
            classes + budget + node("a", cpu: "2") + node("b", cpu: "2")
            + running("db-0", node: "a", cpu: "2", priority: 1, labels: "{app: db}")
            + running(
                "batch-0",
                node: "b",
                cpu: "2",
                priority: 1,
                start: "2023-01-01T00:00:00Z",
                labels: "{app: batch}"
            )
            + pending("urgent", cpu: "2", priorityClass: "high")
        let result = try await simulate(manifests)
        #expect(outcome(result, "urgent")?.node == "b")
        #expect(result.preempted.map(\.name) == ["batch-0"])
    }

    @Test func podThatCannotPreemptStaysPendingWithUpstreamsMessage() async throws {
        let manifests =
            classes + node("n1", cpu: "1") + node("n2", cpu: "1") + node("n3", cpu: "1")
            + running("big-0", node: "n1", cpu: "1", priority: 2000)
            + running("big-1", node: "n2", cpu: "1", priority: 2000)
            + running("big-2", node: "n3", cpu: "1", priority: 1000)
            + pending("urgent", cpu: "1", priorityClass: "high")
        let result = try await simulate(manifests)
        #expect(outcome(result, "urgent")?.status == .unschedulable)
        #expect(
            outcome(result, "urgent")?.message
                == "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        )
        #expect(result.preempted.isEmpty)
    }

    @Test func unresolvableNodesAreNotCandidates() async throws {
        let taint = "spec:\n  taints:\n  - {key: dedicated, value: infra, effect: NoSchedule}"
        let manifests =
            classes + node("tainted", cpu: "4", taints: taint) + node("full", cpu: "1")
            + running("low-on-tainted", node: "tainted", cpu: "1", priority: 1)
            + running("peer", node: "full", cpu: "1", priority: 1000)
            + pending("urgent", cpu: "1", priorityClass: "high")
        let result = try await simulate(manifests)
        #expect(
            outcome(result, "urgent")?.message
                == "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s). preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
        )
        #expect(result.preempted.isEmpty)
    }

    @Test func preemptionPolicyNeverWaitsInsteadOfEvicting() async throws {
        let manifests =
            classes + node("n1", cpu: "1") + running("low", node: "n1", cpu: "1", priority: 1)
            + pending("polite", cpu: "1", priorityClass: "high", extra: "  preemptionPolicy: Never")
        let result = try await simulate(manifests)
        #expect(
            outcome(result, "polite")?.message
                == "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
        )
        #expect(result.preempted.isEmpty)
    }

    @Test func roomMadeForANominatedPodIsNotTakenByALowerPriorityOne() async throws {
        // urgent preempts low on n1; mid (lower than urgent, cannot preempt) must not grab the freed CPU.
        let manifests =
            classes + node("n1", cpu: "1") + running("low", node: "n1", cpu: "1", priority: 1)
            + pending("urgent", cpu: "1", priorityClass: "high")
            + pending("mid", cpu: "1", priorityClass: "mid", extra: "  preemptionPolicy: Never")
        let result = try await simulate(manifests)
        #expect(outcome(result, "urgent")?.node == "n1")
        #expect(outcome(result, "mid")?.status == .unschedulable)
        #expect(result.preempted.map(\.name) == ["low"])
    }

    @Test func textOutputShowsWhoEvictedWhom() async throws {
        let manifests =
            classes + node("n1", cpu: "1") + running("low", node: "n1", cpu: "1", priority: 1)
            + pending("urgent", cpu: "1", priorityClass: "high")
        let text = SimulationReport.text(try await simulate(manifests))
        #expect(text.contains("PREEMPTED"))
        let rows = text.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        #expect(rows.contains(["default", "low", "n1", "default/urgent"]))
    }
}
