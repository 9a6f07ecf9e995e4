import Foundation
import InTreePlugins
import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Simulator
import Testing

@testable import WasmPlugin

/// The anchor's `handle.*` host functions: events through the scheduler's recorder, and the pods waiting at
/// Permit.
@Suite struct HandleTests {
    let pod = PodBuilder("p").uid("uid-p").info()
    let node = NodeBuilder("a1").info()

    func plugin(_ text: String, handle: FakeHandle, log: LogLines) throws -> WasmGuestPlugin {
        try WasmGuestPlugin(
            name: "Guest",
            args: WasmPluginArgs(guestURL: TestGuests.file(text)),
            handle: handle
        ) { log.append($0) }
    }

    @Test(.timeLimit(.minutes(1))) func eventfRecordsThroughTheHandlesClient() async throws {
        let handle = FakeHandle(profileName: "wasm-scheduler")
        let log = LogLines()
        let plugin = try plugin(HandleGuests.eventing, handle: handle, log: log)
        #expect(plugin.filter(state: CycleState(), pod: pod, node: node).isSuccess)
        // Without a running scheduler the event is sent from a task of its own.
        var events: [SchedulingEvent] = []
        for _ in 0..<500 where events.isEmpty {
            events = handle.recordingClient.events
            if events.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        }
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.type == "Normal")
        #expect(event.reason == "GuestScored")
        #expect(event.action == "Scoring")
        #expect(event.note == "score 7 for a1")
        #expect(event.reportingController == "wasm-scheduler")
        #expect(event.regarding == EventsV1Event.Reference(kind: "Node", name: "a1", apiVersion: "v1"))
        #expect(event.namespace == "default" && event.podName == "a1")
        // The SDK sends an all-empty RelatedReference for "no related object".
        #expect(event.related == nil)
        #expect(log.all.isEmpty)
    }

    @Test func eventfWithAnUnsupportedTypeIsDroppedWithALogLine() async throws {
        let handle = FakeHandle()
        let log = LogLines()
        let plugin = try plugin(HandleGuests.eventing, handle: handle, log: log)
        let status = await plugin.preBind(state: CycleState(), pod: pod, nodeName: "a1")
        #expect(status.isSuccess)
        #expect(log.all == [#"wasm plugin Guest: unsupported event type "Info"; event dropped"#])
        #expect(handle.recordingClient.events.isEmpty)
    }

    @Test func eventfWithMalformedJSONFailsTheCall() throws {
        let log = LogLines()
        let plugin = try plugin(HandleGuests.eventing, handle: FakeHandle(), log: log)
        let status = plugin.reserve(state: CycleState(), pod: pod, nodeName: "a1")
        #expect(status.code == .error)
        #expect(status.message.contains("handle.eventrecorder.eventf: not an EventMessage JSON object"))
    }

    @Test func noWaitingPodWithoutAScheduler() throws {
        let log = LogLines()
        let plugin = try plugin(HandleGuests.gate, handle: FakeHandle(), log: log)
        let (status, _) = plugin.permit(state: CycleState(), pod: pod, nodeName: "kill-node")
        #expect(status.isSuccess)
        #expect(log.all == ["wasm plugin Guest [info]: missing", "wasm plugin Guest [info]: rejected=0"])
    }

    /// Pod `w` waits at the guest's Permit on `wait-node`; pod `x`'s Permit (scheduled after `w`) finds it through `get_waiting_pod`,
    /// rejects it through `reject_waiting_pod` (upstream's `RejectWaitingPod`: message "removed") and records an
    /// event about it, which lands among the embedded cluster's events.
    @Test(.timeLimit(.minutes(1))) func aGuestFindsAndRejectsAWaitingPod() async throws {
        let log = LogLines()
        let url = TestGuests.file(HandleGuests.gate)
        var registry = makeInTreeRegistry()
        try registry.register("Gate", args: WasmPluginArgs.self) { args, handle in
            try WasmGuestPlugin(name: "Gate", args: args, handle: handle) { log.append($0) }
        }
        let text = """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
              - schedulerName: default-scheduler
                plugins:
                  multiPoint:
                    enabled:
                      - name: Gate
                pluginConfig:
                  - name: Gate
                    args:
                      guestURL: \(url)
            """
        let configuration = try ConfigurationLoader.load(contents: text, source: "config.yaml", registry: registry)
        var manifests = ""
        for name in ["wait-node", "kill-node"] {
            manifests += """
                apiVersion: v1
                kind: Node
                metadata: {name: \(name), labels: {role: \(name)}}
                status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
                ---

                """
        }
        for (name, node) in [("w", "wait-node"), ("x", "kill-node")] {
            manifests += """
                apiVersion: v1
                kind: Pod
                metadata: {name: \(name), namespace: default, uid: uid-\(name)}
                spec: {nodeSelector: {role: \(node)}, containers: [{name: c, image: busybox}]}
                ---

                """
        }
        let objects = try ManifestLoader.load(contents: manifests, source: "cluster.yaml").objects
        let result = try await Simulation.run(configuration: configuration, registry: registry, objects: objects)
        #expect(log.all.prefix(2) == ["wasm plugin Gate [info]: w", "wasm plugin Gate [info]: rejected=1"])
        #expect(result.pods.first { $0.name == "x" }?.node == "kill-node")
        let rejections = result.events.filter { $0.podName == "w" && $0.reason == "FailedScheduling" }
        #expect(rejections.first?.note.contains("removed") == true, "\(rejections.map(\.note))")
        let guestEvent = try #require(result.events.first { $0.reason == "RejectedByGuest" })
        #expect(guestEvent.type == "Warning" && guestEvent.action == "Permit")
        #expect(guestEvent.note == "removed by the guest")
        #expect(guestEvent.reportingController == "default-scheduler")
        #expect(guestEvent.regarding?.kind == "Pod" && guestEvent.regarding?.uid == "uid-w")
        #expect(guestEvent.related?.kind == "Node" && guestEvent.related?.name == "kill-node")
    }
}
