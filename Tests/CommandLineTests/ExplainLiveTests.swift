import Foundation
import KubeAPI
import NIOHTTP1
import Testing

@testable import KubeTestSupport

/// `explain NS/NAME` against the fake API server, authenticated by an exec credential plugin (issue 13): it lists
/// the cluster, explains the pod, and writes nothing.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ExplainLiveTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    /// A kubeconfig whose user is an exec plugin (a shell script) that logs each run and prints a token.
    func kubeconfig(_ fake: FakeAPIServer, dir: String, expiration: String = "2999-01-01T00:00:00Z") throws -> String {
        let plugin = dir + "/credential-plugin.sh"
        try """
        #!/bin/sh
        echo run >> "\(dir)/plugin-runs"
        test "$SKS_TEST_ENV" = from-kubeconfig || { echo "env not passed" >&2; exit 3; }
        echo "$KUBERNETES_EXEC_INFO" | grep -q '"interactive":false' || { echo "no exec info" >&2; exit 4; }
        printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token-%s","expirationTimestamp":"\(expiration)"}}' "$1"
        """.write(toFile: plugin, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugin)
        let path = dir + "/kubeconfig"
        try """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "\(fake.url)"}}]
        users:
        - name: u
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: ./credential-plugin.sh
              args: [abc]
              env: [{name: SKS_TEST_ENV, value: from-kubeconfig}]
              interactiveMode: Never
              installHint: install the test plugin
        contexts: [{name: fake, context: {cluster: fake, user: u}}]
        current-context: fake
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func explainsAPodOfALiveClusterWithoutWritingAnything() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(
            try decode(
                Node.self,
                #"{"metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1"}},"status":{"allocatable":{"cpu":"1","memory":"1Gi","pods":"10"}}}"#
            )
        )
        fake.createNode(
            try decode(
                Node.self,
                #"{"metadata":{"name":"n2","labels":{"kubernetes.io/hostname":"n2"}},"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]},"status":{"allocatable":{"cpu":"8","memory":"8Gi","pods":"10"}}}"#
            )
        )
        fake.createPod(
            try decode(
                Pod.self,
                #"{"metadata":{"name":"web","namespace":"shop","uid":"u-web"},"spec":{"schedulerName":"default-scheduler","containers":[{"name":"c","resources":{"requests":{"cpu":"2"}}}]}}"#
            )
        )
        let dir = try scratchDirectory("explain-live")
        let config = try kubeconfig(fake, dir: dir)
        let (status, stdout, stderr) = try await runCLIAsync(["explain", "--kubeconfig", config, "shop/web"])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("EXPLAIN shop/web (profile default-scheduler, 2 nodes): Unschedulable"), "\(stdout)")
        #expect(stdout.contains("Insufficient cpu"))
        #expect(stdout.contains("node(s) had untolerated taint(s)"))
        #expect(stdout.contains("add a toleration for taint dedicated=gpu:NoSchedule"))

        let requests = fake.requests
        #expect(!requests.isEmpty)
        // Reads only: no bind, status patch, event, eviction or delete.
        let writes = requests.filter { $0.method != .GET }
        #expect(writes.isEmpty, "mutating requests: \(writes.map { "\($0.method) \($0.path)" })")
        #expect(fake.bindings.isEmpty)
        #expect(fake.statusPatches.isEmpty)
        #expect(fake.events.isEmpty)
        // Every request carried the plugin's token, and the plugin ran once (its token is cached until 2999).
        #expect(requests.allSatisfy { $0.authorization == "Bearer exec-token-abc" })
        let runs = try String(contentsOfFile: dir + "/plugin-runs", encoding: .utf8)
        #expect(runs.split(separator: "\n").count == 1)
        await fake.stop()
    }

    @Test func anExpiredCredentialIsFetchedAgain() async throws {
        let fake = try await FakeAPIServer.start()
        let dir = try scratchDirectory("explain-live-expired")
        // Already expired: every request runs the plugin again.
        let config = try kubeconfig(fake, dir: dir, expiration: "2001-01-01T00:00:00Z")
        fake.createPod(
            try decode(
                Pod.self,
                #"{"metadata":{"name":"p","namespace":"default","uid":"u-p"},"spec":{"containers":[{"name":"c"}]}}"#
            )
        )
        let (status, _, stderr) = try await runCLIAsync([
            "explain", "--kubeconfig", config, "--output", "json", "default/p",
        ])
        #expect(status == 0, "\(stderr)")
        let runs = try String(contentsOfFile: dir + "/plugin-runs", encoding: .utf8)
        #expect(runs.split(separator: "\n").count > 1)
        await fake.stop()
    }

    @Test func aMissingPluginShowsItsInstallHint() async throws {
        let fake = try await FakeAPIServer.start()
        let dir = try scratchDirectory("explain-live-missing")
        let path = dir + "/kubeconfig"
        try """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "\(fake.url)"}}]
        users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: sks-no-such-plugin, interactiveMode: Never, installHint: "brew install sks-no-such-plugin"}}}]
        contexts: [{name: fake, context: {cluster: fake, user: u}}]
        current-context: fake
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, _, stderr) = try await runCLIAsync(["explain", "--kubeconfig", path, "default/p"])
        #expect(status != 0)
        #expect(stderr.contains("executable \"sks-no-such-plugin\" was not found"), "\(stderr)")
        #expect(stderr.contains("brew install sks-no-such-plugin"))
        #expect(fake.requests.isEmpty)
        await fake.stop()
    }
}
