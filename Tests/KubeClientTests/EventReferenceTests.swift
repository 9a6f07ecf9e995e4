import KubeAPI
import KubeClient
import SchedulerFramework
import Testing

@testable import KubeTestSupport

/// An event about an object other than the pod `namespace/podName` (a WebAssembly guest's `eventf`) is written
/// with that object as `regarding` and the `related` object beside it.
@Suite struct EventReferenceTests {
    @Test(.timeLimit(.minutes(1))) func regardingAndRelatedComeFromTheEvent() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try makeClient(fake)
        var event = SchedulingEvent(
            namespace: "default",
            podName: "node-1",
            type: "Normal",
            reason: "GuestNoticed",
            action: "Scoring",
            note: "hello from the guest",
            reportingController: "swift-kube-scheduler"
        )
        event.regarding = EventsV1Event.Reference(kind: "Node", name: "node-1", uid: "node-uid", apiVersion: "v1")
        event.related = EventsV1Event.Reference(
            kind: "Pod",
            namespace: "prod",
            name: "web-0",
            uid: "pod-uid",
            apiVersion: "v1"
        )
        await client.recordEvent(event)
        #expect(await eventually { fake.events.count == 1 })
        let created = try #require(fake.events.first)
        #expect(created.regarding.kind == "Node" && created.regarding.name == "node-1")
        #expect(created.regarding.uid == "node-uid" && created.regarding.namespace == nil)
        #expect(created.related?.kind == "Pod" && created.related?.name == "web-0")
        #expect(created.related?.namespace == "prod" && created.related?.uid == "pod-uid")
        #expect(created.metadata.namespace == "default")
        #expect(created.metadata.name.hasPrefix("node-1."))
        #expect(created.reason == "GuestNoticed" && created.note == "hello from the guest")
        await client.shutdown()
        await fake.stop()
    }
}
