import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import DefaultPreemptionPlugin

/// Asynchronous preemption's last step (`prepareCandidateAsync`): the preemptor is held at PreEnqueue while its
/// victims go, and is activated when the last victim leaves no deletion event that would requeue it.
@Suite struct DefaultPreemptionEvictionTests {
    struct Setup {
        let plugin: DefaultPreemption
        let services: FakeFrameworkServices
        let client: RecordingClient
        let preemptor: PodInfo
    }

    /// One full node holding `victims`; the preemptor needs the whole node.
    private func preempt(victims: [String], waiting: Set<String> = [], gone: Set<String> = []) throws -> Setup {
        // A node fits the preemptor only when it is empty.
        let services = FakeFrameworkServices(waitingPodUIDs: Set(waiting.map { "uid-\($0)" })) { _, node in
            node.pods.isEmpty ? .success : Status(.unschedulable, "Insufficient cpu")
        }
        let handle = FakeHandle(services: services)
        for name in gone { handle.recordingClient.removePod(namespace: "default", name: name) }
        let plugin = try DefaultPreemption(args: DefaultPreemptionArgs(), handle: handle)
        let pods = victims.map {
            PodBuilder($0).uid("uid-\($0)").priority(0).node("n1").container(["cpu": "1"]).build()
        }
        let node = NodeBuilder("n1").capacity(["cpu": "\(victims.count)", "pods": "110"]).info(pods: pods)
        var statuses = NodeToStatus()
        statuses.set(Status(.unschedulable, "Insufficient cpu"), for: "n1")
        let preemptor = PodBuilder("vip").uid("uid-vip").priority(100).container(["cpu": "1"]).info()
        let (result, status) = plugin.postFilter(
            state: CycleState(),
            pod: preemptor,
            snapshot: Snapshot(nodes: [node]),
            nodeStatuses: statuses
        )
        #expect(status.isSuccess, "\(status.message)")
        #expect(result?.nominatingMode == .override(nodeName: "n1"))
        return Setup(plugin: plugin, services: services, client: handle.recordingClient, preemptor: preemptor)
    }

    @Test func aPreemptorWhoseVictimsAreDeletedIsLeftToTheDeletionEvents() async throws {
        let setup = try preempt(victims: ["a", "b"])
        await setup.services.finishAsyncWork()
        #expect(Set(setup.client.deletions) == ["default/a", "default/b"])
        // Upstream: the last victim's deletion event requeues the preemptor; no activation is needed.
        #expect(setup.services.activated.isEmpty)
        #expect(setup.plugin.preEnqueue(setup.preemptor).isSuccess)
    }

    /// The victims were in this cycle's snapshot but another preemption had deleted them already: their
    /// deletion events came before the preemptor was held, so only an activation brings it back.
    @Test func aLastVictimAlreadyGoneActivatesThePreemptor() async throws {
        let setup = try preempt(victims: ["a", "b"], gone: ["a", "b"])
        await setup.services.finishAsyncWork()
        #expect(setup.client.deletions.isEmpty)
        #expect(setup.services.activated == ["vip"])
        #expect(setup.plugin.preEnqueue(setup.preemptor).isSuccess)
    }

    /// A victim waiting at Permit is rejected in memory (no API call, no deletion event).
    @Test func aLastVictimRejectedAtPermitActivatesThePreemptor() async throws {
        let setup = try preempt(victims: ["a"], waiting: ["a"])
        await setup.services.finishAsyncWork()
        #expect(setup.client.deletions.isEmpty)
        #expect(setup.services.activated == ["vip"])
        #expect(setup.plugin.preEnqueue(setup.preemptor).isSuccess)
    }

    /// Only the last victim matters: an earlier one already gone still leaves the last one's deletion event.
    @Test func anEarlierVictimAlreadyGoneLeavesTheLastOnesEvent() async throws {
        let setup = try preempt(victims: ["a", "b"], gone: ["a"])
        await setup.services.finishAsyncWork()
        #expect(setup.client.deletions.count == 1)
        #expect(setup.services.activated.isEmpty)
    }
}
