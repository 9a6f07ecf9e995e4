import Foundation
import InTreePlugins
import KubeAPI
import NIOHTTP1
import SchedulerConfig
import SchedulerServer
import Testing

@testable import KubeTestSupport

extension ExtenderSuites {
    /// The bind verb against the fake API server: the extender binds (here by writing the binding on the fake server, as
    /// a real extender would through the API), and the scheduler's own binder stays out of it.
    @Suite struct ExtenderBindTests {
        static func configuration(_ extenders: String) throws -> SchedulerConfiguration {
            let yaml = """
                apiVersion: kubescheduler.config.k8s.io/v1
                kind: KubeSchedulerConfiguration
                leaderElection: {leaderElect: false}
                profiles:
                - schedulerName: \(testSchedulerName)
                extenders:
                \(extenders)
                """
            return try ConfigurationLoader.load(contents: yaml, source: "test.yaml", registry: makeInTreeRegistry())
        }

        /// An extender whose bind verb binds on `fake` (or answers `error`).
        static func binder(_ fake: FakeAPIServer, error: String? = nil) async throws -> LoopbackExtender {
            try await LoopbackExtender.start { _, body in
                let args = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
                if let error { return .init(body: json(["Error": error])) }
                let key = "\(args["PodNamespace"] as? String ?? "")/\(args["PodName"] as? String ?? "")"
                fake.bindExternally(key, node: args["Node"] as? String ?? "")
                return .init(body: "{}")
            }
        }

        @Test(.timeLimit(.minutes(1))) func theBinderExtenderBindsInsteadOfTheBindPlugins() async throws {
            let fake = try await FakeAPIServer.start()
            fake.createNode(node("n1"))
            fake.createPod(pod("p1"))
            let extender = try await Self.binder(fake)
            let configuration = try Self.configuration("- urlPrefix: \(extender.url)\n  bindVerb: bind")
            let runner = try makeRunner(fake, identity: "sched-a") { $0.configuration = configuration }
            let run = launch(runner)
            #expect(await eventually { allBound(fake, ["default/p1"]) })
            let args = try #require(extender.requests("bind").first).json
            #expect(args["PodName"] as? String == "p1")
            #expect(args["PodNamespace"] as? String == "default")
            #expect(args["PodUID"] as? String == fake.pod("default/p1")?.metadata.uid)
            #expect(args["Node"] as? String == "n1")
            #expect(fake.bindings.isEmpty)
            #expect(await eventually { fake.events.contains { $0.reason == "Scheduled" && $0.regarding.name == "p1" } })
            runner.shutdown()
            _ = await run.value
            await extender.stop()
            await fake.stop()
        }

        @Test(.timeLimit(.minutes(1))) func aFailedBindingIsRetriedAndReported() async throws {
            let fake = try await FakeAPIServer.start()
            fake.createNode(node("n1"))
            fake.createPod(pod("p1"))
            let extender = try await Self.binder(fake, error: "binding refused by extender")
            let configuration = try Self.configuration("- urlPrefix: \(extender.url)\n  bindVerb: bind")
            let runner = try makeRunner(fake, identity: "sched-a") { $0.configuration = configuration }
            let run = launch(runner)
            #expect(
                await eventually {
                    fake.events.contains { $0.reason == "FailedScheduling" && $0.note == "binding refused by extender" }
                }
            )
            #expect(fake.pod("default/p1")?.nodeName == "")
            #expect(fake.bindings.isEmpty)
            runner.shutdown()
            _ = await run.value
            await extender.stop()
            await fake.stop()
        }

        @Test(.timeLimit(.minutes(1))) func anIgnorableFailingBinderLeavesBindingToTheBindPlugins() async throws {
            let fake = try await FakeAPIServer.start()
            fake.createNode(node("n1"))
            fake.createPod(pod("p1"))
            let extender = try await LoopbackExtender.start { _, _ in .init(status: .internalServerError, body: "") }
            let configuration = try Self.configuration(
                "- urlPrefix: \(extender.url)\n  bindVerb: bind\n  ignorable: true"
            )
            let runner = try makeRunner(fake, identity: "sched-a") { $0.configuration = configuration }
            let run = launch(runner)
            #expect(await eventually { allBound(fake, ["default/p1"]) })
            #expect(fake.bindings.map(\.pod) == ["default/p1"])
            #expect(extender.requests("bind").count == 1)
            runner.shutdown()
            _ = await run.value
            await extender.stop()
            await fake.stop()
        }

        @Test(.timeLimit(.minutes(1))) func aPodWithoutTheManagedResourceIsBoundByTheBindPlugins() async throws {
            let fake = try await FakeAPIServer.start()
            fake.createNode(node("n1"))
            fake.createPod(pod("p1"))
            let extender = try await Self.binder(fake)
            let configuration = try Self.configuration(
                "- urlPrefix: \(extender.url)\n  bindVerb: bind\n  managedResources:\n  - name: example.com/gpu"
            )
            let runner = try makeRunner(fake, identity: "sched-a") { $0.configuration = configuration }
            let run = launch(runner)
            #expect(await eventually { allBound(fake, ["default/p1"]) })
            #expect(fake.bindings.map(\.pod) == ["default/p1"])
            #expect(extender.requests.isEmpty)
            runner.shutdown()
            _ = await run.value
            await extender.stop()
            await fake.stop()
        }
    }
}
