import Foundation
import Testing

@testable import KubeTestSupport

/// `simulate --explain` from the command line (issue 13).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ExplainCommandTests {
    @Test func explainOnePodAsText() async throws {
        let path = try temporaryFile(
            "explain-cli.yaml",
            """
            apiVersion: v1
            kind: Node
            metadata: {name: n1, labels: {kubernetes.io/hostname: n1}}
            status: {allocatable: {cpu: "1", memory: 1Gi, pods: "10"}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: big, namespace: default}
            spec:
              containers: [{name: c, image: i, resources: {requests: {cpu: "2"}}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: small, namespace: default}
            spec:
              containers: [{name: c, image: i, resources: {requests: {cpu: "100m"}}}]

            """
        )
        let (status, stdout, stderr) = try await runCLIAsync([
            "simulate", "--cluster", path, "--explain", "--pod", "default/big",
        ])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("EXPLAIN default/big (profile default-scheduler, 1 nodes): Unschedulable"))
        #expect(stdout.contains("Insufficient cpu"))
        // Suggestions belong to big's failed attempt, made before small took 100m of n1.
        #expect(stdout.contains("lower the cpu request from 2 to 1: opens 1 node(s) [n1]; would land on n1"))
        #expect(!stdout.contains("EXPLAIN default/small"))

        let json = try await runCLIAsync(["simulate", "--cluster", path, "--explain", "--output", "json"])
        #expect(json.status == 0)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let pods = parsed?["pods"] as? [[String: Any]] ?? []
        #expect(pods.count == 2)
        #expect(pods.allSatisfy { $0["explain"] != nil })
    }

    @Test func podNeedsExplain() async throws {
        let (status, _, stderr) = try await runCLIAsync([
            "simulate", "--cluster", "examples/cluster.yaml", "--pod", "a/b",
        ])
        #expect(status != 0)
        #expect(stderr.contains("--pod needs --explain"))
    }
}
