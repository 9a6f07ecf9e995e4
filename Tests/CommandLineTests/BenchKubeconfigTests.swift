import Dispatch
import Foundation
import KubeAPI
import Testing

@testable import KubeTestSupport

/// `bench --kubeconfig` as a process against the fake API server: it creates the workload's nodes, namespaces
/// and pods through the API, schedules them through the real client path, and deletes everything it created —
/// after a normal run, after a failing op, and when interrupted.
@Suite(.serialized, .timeLimit(.minutes(5))) struct BenchKubeconfigTests {
    static let managedBy = "swift-kube-scheduler-bench"

    /// A scratch directory with a kubeconfig for `fake` and `workload` as `workload.yaml`.
    func prepare(
        _ fake: FakeAPIServer,
        _ name: String,
        workload: String,
        extraFiles: [String: String] = [:]
    ) throws -> String {
        let dir = try scratchDirectory(name)
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
        try write(workload, to: dir + "/workload.yaml")
        for (file, text) in extraFiles { try write(text, to: dir + "/" + file) }
        return dir
    }

    func benchProcess(_ dir: String, extra: [String] = []) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = builtExecutable
        process.arguments =
            [
                "bench", "--kubeconfig", dir + "/kubeconfig", "--workload-file", dir + "/workload.yaml",
                "--output", "json", "--quiet", "--sample-interval", "0.05",
            ] + extra
        process.environment = [:]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        return (process, output, errors)
    }

    /// Waits for the process and collects its output on Dispatch threads: a test that blocked a cooperative
    /// thread here would starve the in-process fake API server the child is talking to.
    func finished(_ process: Process, _ output: Pipe, _ errors: Pipe) async -> (stdout: Data, stderr: String) {
        struct Unchecked: @unchecked Sendable {
            let process: Process
            let output: Pipe
            let errors: Pipe
        }
        let handles = Unchecked(process: process, output: output, errors: errors)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let collected = CollectedData()
                let group = DispatchGroup()
                group.enter()
                DispatchQueue.global().async {
                    collected.data = handles.errors.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }
                let stdout = handles.output.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                handles.process.waitUntilExit()
                let stderr = String(decoding: collected.data, as: UTF8.self)
                continuation.resume(returning: (stdout, stderr))
            }
        }
    }

    /// Nothing the bench created is left on the server.
    func expectNothingLeft(_ fake: FakeAPIServer, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            fake.objects(.node).isEmpty,
            "nodes left: \(fake.objects(.node).map(\.key))",
            sourceLocation: sourceLocation
        )
        #expect(
            fake.objects(.namespace).isEmpty,
            "namespaces left: \(fake.objects(.namespace).map(\.key))",
            sourceLocation: sourceLocation
        )
        #expect(
            fake.objects(.pod).isEmpty,
            "pods left: \(fake.objects(.pod).map(\.key))",
            sourceLocation: sourceLocation
        )
    }

    @Test func runsAWorkloadThroughTheAPIAndDeletesWhatItCreated() async throws {
        let fake = try await FakeAPIServer.start()
        let dir = try prepare(
            fake,
            "bench-kube",
            workload: """
                - name: Tiny
                  workloadTemplate:
                  - opcode: createNodes
                    countParam: $initNodes
                  - opcode: createPods
                    countParam: $measurePods
                    collectMetrics: true
                  workloads:
                  - name: 3Nodes
                    labels: [performance]
                    params: {initNodes: 3, measurePods: 6}
                """
        )
        let (process, output, errors) = benchProcess(dir)
        try process.run()
        let (stdout, stderr) = await finished(process, output, errors)
        #expect(process.terminationStatus == 0, "\(stderr)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: stdout) as? [String: Any],
            "\(String(decoding: stdout, as: UTF8.self)) \(stderr)"
        )
        #expect(json["mode"] as? String == "kubeconfig")
        #expect(json["measuredPods"] as? Int == 6)
        #expect(json["scheduled"] as? Int == 6, "\(stderr)")

        let created = fake.apiCreations
        let pods = created.compactMap(\.pod)
        let nodes = created.compactMap(\.node)
        let namespaces = created.filter { $0.kind == .namespace }
        #expect(pods.count == 6)
        #expect(nodes.count == 3)
        #expect(namespaces.count == 1)
        // Every object is labelled with the bench and one run id; namespaces are the run's own.
        let runIDs = Set(created.compactMap { $0.metadata.labels?["swift-kube-scheduler.io/bench-run"] })
        #expect(runIDs.count == 1)
        #expect(created.allSatisfy { $0.metadata.labels?["app.kubernetes.io/managed-by"] == Self.managedBy })
        let runID = try #require(runIDs.first)
        #expect(namespaces.allSatisfy { $0.metadata.name.hasPrefix("sks-bench-\(runID)-") })
        #expect(pods.allSatisfy { ($0.metadata.namespace ?? "").hasPrefix("sks-bench-\(runID)-") })
        #expect(pods.allSatisfy { $0.spec.schedulerName == "default-scheduler" })

        // Every measured pod was bound exactly once, to one of the bench's nodes.
        let bindings = fake.bindings
        #expect(Set(bindings.map(\.pod)) == Set(pods.map { KubeObject.pod($0).key }))
        #expect(bindings.count == 6)
        #expect(fake.doublyBound.isEmpty)
        #expect(bindings.allSatisfy { binding in nodes.contains { $0.metadata.name == binding.node } })

        expectNothingLeft(fake)
        await fake.stop()
    }

    @Test func cleansUpAfterAnOpFailsMidRun() async throws {
        let fake = try await FakeAPIServer.start()
        let dir = try prepare(
            fake,
            "bench-kube-fail",
            workload: """
                - name: FailsMidRun
                  workloadTemplate:
                  - opcode: createNodes
                    count: 2
                  - opcode: createPods
                    count: 2
                  - opcode: createAny
                    templatePath: priority.yaml
                  workloads:
                  - name: one
                    labels: [performance]
                """,
            extraFiles: [
                "priority.yaml": """
                apiVersion: scheduling.k8s.io/v1
                kind: PriorityClass
                metadata: {name: high}
                value: 1000
                """
            ]
        )
        let (process, output, errors) = benchProcess(dir)
        try process.run()
        let (_, stderr) = await finished(process, output, errors)
        #expect(process.terminationStatus == 1)
        #expect(stderr.contains("PriorityClass"), "\(stderr)")
        #expect(fake.apiCreations.compactMap(\.node).count == 2)
        #expect(fake.apiCreations.compactMap(\.pod).count == 2)
        expectNothingLeft(fake)
        await fake.stop()
    }

    @Test func cleansUpWhenInterrupted() async throws {
        let fake = try await FakeAPIServer.start()
        let dir = try prepare(
            fake,
            "bench-kube-sigint",
            workload: """
                - name: Slow
                  workloadTemplate:
                  - opcode: createNodes
                    count: 2
                  - opcode: createPods
                    count: 3
                  - opcode: sleep
                    duration: 120s
                  workloads:
                  - name: one
                    labels: [performance]
                """
        )
        let (process, _, errors) = benchProcess(dir)
        try process.run()
        let started = await eventually(timeout: .seconds(60)) {
            fake.apiCreations.compactMap(\.pod).count == 3 && fake.bindings.count == 3
        }
        #expect(started)
        #expect(!fake.objects(.node).isEmpty)
        process.interrupt()  // SIGINT
        let exited = await eventually(timeout: .seconds(30)) { !process.isRunning }
        #expect(exited)
        if !exited { process.terminate() }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(stderr.contains("interrupted"), "\(stderr)")
        expectNothingLeft(fake)
        await fake.stop()
    }

    @Test func anUnreachableServerIsAOneLineError() async throws {
        let fake = try await FakeAPIServer.start()
        let dir = try prepare(
            fake,
            "bench-kube-down",
            workload: """
                - name: Tiny
                  workloadTemplate:
                  - opcode: createNodes
                    count: 1
                  workloads:
                  - name: one
                    labels: [performance]
                """
        )
        await fake.stop()
        let (process, output, errors) = benchProcess(dir)
        try process.run()
        let (_, stderr) = await finished(process, output, errors)
        #expect(process.terminationStatus == 1)
        #expect(stderr.contains("cannot reach the API server at \(fake.url)"), "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
    }
}
