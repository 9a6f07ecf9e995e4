import Foundation
import InTreePlugins
import KubeAPI
import SchedulerConfig
import Testing

@testable import KubeTestSupport

/// The `run` command as a process, against the fake API server, and the shipped deployment files.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CommandTests {
    /// SIGTERM and SIGINT both stop the scheduler gracefully (exit 0, lease released); `--port 0` serves nothing.
    @Test(arguments: [SIGTERM, SIGINT])
    func runSchedulesThenExitsZeroOnASignalReleasingTheLease(signal: Int32) async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("cli-pod"))
        let dir = try scratchDirectory("cli")
        try write(
            """
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "\(fake.url)"}}]
            users: [{name: u, user: {token: abc}}]
            contexts: [{name: fake, context: {cluster: fake, user: u}}]
            current-context: fake
            """,
            to: dir + "/kubeconfig"
        )
        try write(
            """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            leaderElection: {leaderElect: false, resourceName: swift-kube-scheduler, resourceNamespace: kube-system}
            profiles: [{schedulerName: \(testSchedulerName)}]
            """,
            to: dir + "/config.yaml"
        )
        let process = Process()
        process.executableURL = builtExecutable
        process.arguments = [
            "run", "--config", dir + "/config.yaml", "--kubeconfig", dir + "/kubeconfig", "--leader-elect=true",
            "--port", "0", "-v", "2",
        ]
        process.environment = [:]
        // stderr goes to a file, read while the process runs.
        let logPath = dir + "/stderr.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let errors = try #require(FileHandle(forWritingAtPath: logPath))
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        func logText() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        try process.run()
        let bound = await eventually(timeout: .seconds(60)) { allBound(fake, ["default/cli-pod"]) }
        #expect(bound)
        // --leader-elect=true overrides the file's leaderElect: false.
        #expect(
            fake.lease(namespace: "kube-system", name: "swift-kube-scheduler")?.spec?.holderIdentity?.isEmpty == false
        )
        kill(process.processIdentifier, signal)
        let exited = await eventually(timeout: .seconds(30)) { !process.isRunning }
        #expect(exited)
        if !exited { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        try? errors.close()
        let log = logText()
        #expect(log.contains("\"Successfully bound pod to node\""), "\(log)")
        // -v 2 reads as the scheduler's own lines: one per binding, no HTTP connection chatter.
        let boundLines = log.split(separator: "\n").filter {
            $0.contains("Successfully bound pod to node") && $0.contains("cli-pod")
        }
        #expect(boundLines.count == 1, "\(boundLines)")
        #expect(!log.contains("Request was scheduled on connection"))
        #expect(log.contains("Requested to terminate, exiting"))
        // --port 0 turns the endpoints off, as kube-scheduler's --secure-port 0 does.
        #expect(!log.contains("Serving health and metrics"))
        #expect(log.split(separator: "\n").allSatisfy { $0.first.map { "IWE".contains($0) } ?? true })
        let holder = fake.lease(namespace: "kube-system", name: "swift-kube-scheduler")?.spec?.holderIdentity
        #expect(holder == nil || holder == "")
        #expect(fake.requests.allSatisfy { $0.userAgent.hasPrefix("swift-kube-scheduler/") })
        await fake.stop()
    }

    @Test func runRefusesAMissingKubeconfig() throws {
        let process = Process()
        process.executableURL = builtExecutable
        process.arguments = ["run", "--kubeconfig", "/nonexistent/kubeconfig", "--port", "0"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("cannot read kubeconfig /nonexistent/kubeconfig"))
    }

    @Test func theShippedConfigMapIsAValidConfiguration() throws {
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("deploy/configmap.yaml"),
            encoding: .utf8
        )
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.contains("config.yaml: |") })
        let embedded = lines[(start + 1)...].map { $0.hasPrefix("    ") ? String($0.dropFirst(4)) : String($0) }.joined(
            separator: "\n"
        )
        let configuration = try ConfigurationLoader.load(
            contents: embedded,
            source: "deploy/configmap.yaml",
            registry: makeInTreeRegistry()
        )
        #expect(configuration.profiles.map(\.schedulerName) == ["swift-kube-scheduler"])
        #expect(configuration.leaderElection.leaderElect)
        #expect(configuration.leaderElection.resourceName == "swift-kube-scheduler")
        let deployment = try String(
            contentsOf: repositoryRoot.appendingPathComponent("deploy/deployment.yaml"),
            encoding: .utf8
        )
        #expect(deployment.contains("replicas: 2"))
        #expect(deployment.contains("readOnlyRootFilesystem: true"))
        #expect(deployment.contains("runAsNonRoot: true"))
        let rbac = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/rbac.yaml"), encoding: .utf8)
        #expect(rbac.contains("resources: [pods/binding]"))
        #expect(rbac.contains("resourceNames: [\(configuration.leaderElection.resourceName)]"))
    }
}
