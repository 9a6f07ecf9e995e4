import Foundation
import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerRuntime
import SchedulerServer
import SchedulerTesting
import Testing

@testable import KubeTestSupport

/// Coscheduling against the fake API server: PodGroups read through list/watch, and a gang that cannot be placed
/// whole never gets a single binding request.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CoschedulingAPITests {
    private func gangConfiguration() throws -> SchedulerConfiguration {
        let yaml = """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: \(testSchedulerName)
              plugins:
                multiPoint:
                  enabled:
                  - name: Coscheduling
                queueSort:
                  enabled:
                  - name: Coscheduling
                  disabled:
                  - name: "*"
            """
        return try ConfigurationLoader.load(contents: yaml, source: "gang.yaml", registry: makeInTreeRegistry())
    }

    private func member(_ name: String, group: String, cpu: String) -> Pod {
        PodBuilder(name).schedulerName(testSchedulerName).label(PodGroup.label, group)
            .container(["cpu": cpu, "memory": "100Mi"]).build()
    }

    private func podGroup(_ name: String, minMember: Int32) -> KubeObject {
        .podGroup(
            PodGroup(metadata: ObjectMeta(name: name, namespace: "default"), spec: PodGroupSpec(minMember: minMember))
        )
    }

    @Test func noMemberOfAnIncompleteGangIsEverBound() async throws {
        let fake = try await FakeAPIServer.start()
        // 7 CPUs: a gang of 8 one-CPU pods cannot run whole; a gang of 2 half-CPU pods can.
        fake.createNode(node("n1", cpu: "4"))
        fake.createNode(node("n2", cpu: "3"))
        fake.create(podGroup("big", minMember: 8))
        fake.create(podGroup("small", minMember: 2))
        let big = (0..<8).map { "big-\($0)" }
        for name in big { fake.createPod(member(name, group: "big", cpu: "1")) }
        for name in ["small-0", "small-1"] { fake.createPod(member(name, group: "small", cpu: "500m")) }
        let configuration = try gangConfiguration()
        let runner = try makeRunner(fake, identity: "gang") { $0.configuration = configuration }
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/small-0", "default/small-1"]) })
        // Every big member was tried, and after its backoff tried again: two rounds of rejections at least.
        #expect(
            await eventually {
                let failed = fake.events.filter {
                    $0.reason == "FailedScheduling" && $0.regarding.name?.hasPrefix("big-") == true
                }
                // Repeats of an event are folded into a series (patches) by the recorder.
                return Set(failed.compactMap(\.regarding.name)).count == 8
                    && (failed.count >= 16 || fake.eventPatchCount > 0)
            }
        )
        runner.shutdown()
        _ = await run.value
        await fake.stop()

        #expect(fake.bindAttemptLog.filter { $0.pod.hasPrefix("default/big-") }.isEmpty, "\(fake.bindAttemptLog)")
        #expect(big.allSatisfy { (fake.pod("default/\($0)")?.nodeName ?? "").isEmpty })
        #expect(fake.doublyBound.isEmpty)
        let podGroupCalls = Set(
            fake.requests.compactMap(APICall.init).filter { $0.resource == "podgroups" }.map(\.verb)
        )
        #expect(podGroupCalls == ["list", "watch"])
        // deploy/rbac.yaml grants what the plugin needs.
        let rules = RBACRule.parse(
            try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/rbac.yaml"), encoding: .utf8)
        )
        for verb in ["list", "watch"] {
            #expect(
                rules.contains { $0.allows(group: "scheduling.x-k8s.io", resource: "podgroups", verb: verb, name: nil) }
            )
        }
    }

    /// A member parked at Permit has not started binding: a graceful stop rejects it instead of waiting out its
    /// Permit timeout (or the grace period).
    @Test func shutdownDoesNotWaitForPodsParkedAtPermit() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1", cpu: "1"))
        fake.create(podGroup("pair", minMember: 2))
        // "fits" waits at Permit for its sibling, which another scheduler is to place.
        fake.createPod(member("fits", group: "pair", cpu: "500m"))
        fake.createPod(
            PodBuilder("elsewhere").schedulerName("another-scheduler").label(PodGroup.label, "pair")
                .container(["cpu": "100m", "memory": "100Mi"]).build()
        )
        let configuration = try gangConfiguration()
        let runner = try makeRunner(fake, identity: "gang") {
            $0.configuration = configuration
            $0.shutdownGracePeriod = .seconds(600)
        }
        let run = launch(runner)
        #expect(
            await eventually { runner.scheduler.permitWaitingPods.undecidedCount == 1 },
            "\(fake.events.map { "\($0.regarding.name ?? "") \($0.reason ?? "") \($0.note ?? "")" })"
        )
        let clock = ContinuousClock()
        let started = clock.now
        runner.shutdown()
        _ = await run.value
        // Without the rejection this waits for Coscheduling's Permit timeout (60 s by default).
        #expect(clock.now - started < .seconds(30))
        await fake.stop()
        #expect(fake.bindAttemptLog.isEmpty)
    }

    @Test func withoutCoschedulingPodGroupsAreNotRead() async throws {
        // A cluster without the CRD must still work: the default profile never lists podgroups.
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("p"))
        let runner = try makeRunner(fake, identity: "plain")
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/p"]) })
        runner.shutdown()
        _ = await run.value
        await fake.stop()
        #expect(!fake.requests.contains { $0.path.contains("podgroups") })
    }
}
