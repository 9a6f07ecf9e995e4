import Foundation
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Synchronization
import Testing

@testable import Simulator

/// A cluster client that counts what reaches it.
private final class CountingClient: ClusterClient {
    let calls = Mutex<[String]>([])
    func note(_ call: String) { calls.withLock { $0.append(call) } }

    func list(_ kind: ObjectKind) async throws(ClusterError) -> ObjectList {
        note("list")
        return ObjectList(items: [], resourceVersion: "1")
    }
    func watch(_ kind: ObjectKind, resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        note("watch")
        return AsyncThrowingStream { $0.finish() }
    }
    func bind(namespace: String, name: String, uid: String, nodeName: String) async throws(ClusterError) {
        note("bind")
    }
    func patchPodStatus(namespace: String, name: String, patch: PodStatusPatch) async throws(ClusterError) {
        note("patch")
    }
    func deletePod(namespace: String, name: String, uid: String) async throws(ClusterError) { note("delete") }
    func recordEvent(_ event: SchedulingEvent) async { note("event") }
}

/// The read-only handle `explain` gives the copies of PostFilter plugins it runs against a live cluster.
@Suite struct ExplainWhatIfTests {
    let pod = Pod(metadata: ObjectMeta(name: "p", namespace: "default"), spec: PodSpec(containers: []))

    @Test func theReadOnlyClientReadsAndRefusesEveryWrite() async throws {
        let base = CountingClient()
        let client = ReadOnlyClient(base: base)
        _ = try await client.list(.node)
        await #expect(throws: ClusterError.self) {
            try await client.bind(namespace: "default", name: "p", uid: "u", nodeName: "n1")
        }
        await #expect(throws: ClusterError.self) {
            try await client.patchPodStatus(namespace: "default", name: "p", patch: PodStatusPatch())
        }
        await #expect(throws: ClusterError.self) {
            try await client.deletePod(namespace: "default", name: "p", uid: "u")
        }
        await client.recordEvent(
            SchedulingEvent(
                namespace: "default",
                podName: "p",
                type: "Normal",
                reason: "Scheduled",
                action: "Binding",
                note: "",
                reportingController: "test"
            )
        )
        #expect(base.calls.withLock { $0 } == ["list"])
    }

    @Test func dryRunServicesReadButChangeNothing() {
        let base = FakeFrameworkServices(waitingPodUIDs: ["u"])
        let services = DryRunServices(base: base)
        _ = services.latestPod(uid: "u")
        services.runAsync {}
        services.activate(pod)
        #expect(!services.rejectWaitingPod(uid: "u", plugin: "X", message: "m"))
        #expect(!services.allowWaitingPod(uid: "u", plugin: "X"))
        services.podPreempted(pod, nodeName: "n1", preemptor: pod)
        services.preemptionAttempted(victims: 1)
        #expect(base.calls == ["latestPod"])
    }
}
