import Foundation
import InTreePlugins
import KubeAPI
import KubeClient
import NIOHTTP1
import SchedulerConfig
import SchedulerFramework
import SchedulerServer
import Testing

@testable import KubeTestSupport

/// Against a real cluster: set `SKS_E2E_KUBECONFIG` (and optionally `SKS_E2E_CONTEXT`) to a kubeconfig whose
/// user may create namespaces, pods, events and leases (e.g. a kind or minikube admin). The test creates a
/// namespace `sks-e2e-<random>`, runs the scheduler in-process with a profile of its own name, and checks that
/// its pod is bound, that a pod naming another scheduler is left alone, and that the `Scheduled` Event exists;
/// then deletes the namespace. Skipped when the variable is not set.
@Suite struct EndToEndTests {
    static let kubeconfig = ProcessInfo.processInfo.environment["SKS_E2E_KUBECONFIG"]

    @Test(
        .enabled(if: kubeconfig != nil, "set SKS_E2E_KUBECONFIG to run against a real cluster"),
        .timeLimit(.minutes(5))
    )
    func schedulesAPodInARealCluster() async throws {
        let path = try #require(Self.kubeconfig)
        let suffix = UUID().uuidString.lowercased().prefix(8)
        let namespace = "sks-e2e-\(suffix)"
        let schedulerName = "sks-e2e-\(suffix)"
        let logs = LogCapture()
        var connection = try ClientConfigLoader.loadFiles(
            [path],
            context: ProcessInfo.processInfo.environment["SKS_E2E_CONTEXT"]
        )
        connection.userAgent = "swift-kube-scheduler-e2e"
        let admin = KubernetesClient(
            rest: try RESTClient(configuration: connection, logger: logs.logger("e2e")),
            logger: logs.logger("e2e")
        )

        func post(_ path: String, _ json: String) async throws {
            _ = try await admin.rest.send(.POST, path, body: Array(json.utf8))
        }
        try await post(
            "/api/v1/namespaces",
            #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(namespace)"}}"#
        )
        do {
            let yaml = """
                apiVersion: kubescheduler.config.k8s.io/v1
                kind: KubeSchedulerConfiguration
                leaderElection:
                  leaderElect: true
                  resourceName: \(schedulerName)
                  resourceNamespace: \(namespace)
                profiles:
                - schedulerName: \(schedulerName)
                """
            let registry = makeInTreeRegistry()
            let configuration = try ConfigurationLoader.load(contents: yaml, source: "e2e.yaml", registry: registry)
            var options = RunOptions(
                configuration: configuration,
                client: connection,
                identity: BuildInfo.makeIdentity()
            )
            options.port = nil
            let runner = try SchedulerRunner(options: options, registry: registry, logger: logs.logger("scheduler"))
            let run = Task { await runner.run() }

            func podJSON(_ name: String, scheduler: String) -> String {
                #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"\#(namespace)"},"spec":{"schedulerName":"\#(scheduler)","containers":[{"name":"pause","image":"registry.k8s.io/pause:3.10","resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}],"tolerations":[{"operator":"Exists"}]}}"#
            }
            try await post("/api/v1/namespaces/\(namespace)/pods", podJSON("ours", scheduler: schedulerName))
            try await post(
                "/api/v1/namespaces/\(namespace)/pods",
                podJSON("theirs", scheduler: "\(schedulerName)-nobody")
            )

            /// The pod's node (empty when unbound), or nil when it could not be read — never mistaken for "unbound".
            func nodeName(_ pod: String) async -> String? {
                guard let response = try? await admin.rest.send(.GET, "/api/v1/namespaces/\(namespace)/pods/\(pod)"),
                    let decoded = try? JSONDecoder().decode(Pod.self, from: Data(response.body))
                else { return nil }
                return decoded.nodeName
            }
            #expect(await eventually(timeout: .seconds(120)) { (await nodeName("ours") ?? "") != "" })
            #expect(
                await eventually(timeout: .seconds(60)) {
                    guard
                        let response = try? await admin.rest.send(
                            .GET,
                            "/apis/events.k8s.io/v1/namespaces/\(namespace)/events"
                        )
                    else { return false }
                    let text = String(decoding: response.body, as: UTF8.self)
                    return text.contains("\"reason\":\"Scheduled\"")
                        && text.contains("\"reportingController\":\"\(schedulerName)\"")
                }
            )
            let theirs = await nodeName("theirs")
            #expect(theirs != nil, "could not read pod theirs")
            #expect(theirs == "")
            runner.shutdown()
            #expect(await run.value == .shutdown)
        } catch {
            Issue.record("end-to-end run failed: \(error)")
        }
        _ = try? await admin.rest.send(.DELETE, "/api/v1/namespaces/\(namespace)")
        await admin.shutdown()
    }
}
