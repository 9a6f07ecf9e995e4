import Foundation
import KubeAPI
import SchedulerFramework
import WasmKit

/// The anchor's `k8s.io/scheduler` `handle.*` functions: the guest's window on the framework handle.
enum GuestHandle {
    /// `handle.eventrecorder.eventf(ptr, len)`: the SDK's `EventMessage` as JSON (Go field names:
    /// `RegardingReference`/`RelatedReference` {Kind, APIVersion, Name, Namespace, UID, ResourceVersion},
    /// `Eventtype`, `Reason`, `Action`, `Note`), recorded through the scheduler's event recorder
    /// (`events.k8s.io/v1`, reporting controller = the profile's scheduler name). Malformed JSON fails the call,
    /// as the anchor's host panics on it; a type other than Normal or Warning is dropped with a log line, as
    /// client-go's recorder drops it.
    static func eventf(_ call: GuestCall, _ env: HostEnvironment, _ pointer: UInt32, _ count: UInt32) throws {
        let bytes = try call.read(pointer, count)
        guard let message = EventMessage(json: bytes) else {
            throw HostFault(description: "handle.eventrecorder.eventf: not an EventMessage JSON object")
        }
        guard message.type == "Normal" || message.type == "Warning" else {
            env.log("wasm plugin \(env.pluginName): unsupported event type \(jsonQuoted(message.type)); event dropped")
            return
        }
        let regarding = message.regarding
        var event = SchedulingEvent(
            namespace: regarding.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            podName: regarding.name ?? "",
            type: message.type,
            reason: message.reason,
            action: message.action,
            note: message.note,
            reportingController: env.handle.profileName
        )
        event.regarding = regarding
        event.related = message.related
        let client = env.handle.client
        let recorded = event
        if let services = env.handle.services {
            services.runAsync { await client.recordEvent(recorded) }
        } else {
            Task { await client.recordEvent(recorded) }
        }
    }

    /// `handle.get_waiting_pod(uid_ptr, uid_len, buf, buf_limit)`: the pod waiting at Permit with that UID,
    /// as protobuf `v1.Pod` bytes written when they fit the limit; 8 zero bytes when no such pod waits (the
    /// anchor's host writes a little-endian u64 0 there).
    static func getWaitingPod(
        _ call: GuestCall,
        _ env: HostEnvironment,
        _ args: UnsafeBufferPointer<WasmKit.Value>
    ) throws {
        let uid = try call.readString(HostFunctions.u32(args[0]), HostFunctions.u32(args[1]))
        let buffer = HostFunctions.u32(args[2])
        guard let waiting = env.handle.services?.waitingPods().first(where: { $0.uid == uid }) else {
            try call.writeUInt64(0, at: buffer)
            return
        }
        _ = try call.writeIfFits(KubeProto.pod(waiting.pod), buffer, HostFunctions.u32(args[3]))
    }

    /// `handle.reject_waiting_pod(uid_ptr, uid_len, buf, buf_limit)`: rejects the waiting pod as upstream's
    /// `RejectWaitingPod` does (no plugin, message "removed") and writes a little-endian u64: 1 when a pod with
    /// that UID was waiting, else 0.
    static func rejectWaitingPod(
        _ call: GuestCall,
        _ env: HostEnvironment,
        _ args: UnsafeBufferPointer<WasmKit.Value>
    ) throws {
        let uid = try call.readString(HostFunctions.u32(args[0]), HostFunctions.u32(args[1]))
        let rejected = env.handle.services?.rejectWaitingPod(uid: uid, plugin: "", message: "removed") ?? false
        try call.writeUInt64(rejected ? 1 : 0, at: HostFunctions.u32(args[2]))
    }
}

extension GuestCall {
    /// Writes a little-endian u64 at `pointer` whatever the buffer's limit (the anchor's `writeUint64`); a
    /// pointer outside the guest's memory fails the call.
    func writeUInt64(_ value: UInt64, at pointer: UInt32) throws {
        var little = value.littleEndian
        _ = try withUnsafeBytes(of: &little) { (raw) throws -> UInt32 in try writeIfFits(raw, pointer, 8) }
    }
}

/// The SDK's `EventMessage`, read the way Go's `encoding/json` reads it (field names case-insensitively).
struct EventMessage {
    var regarding: EventsV1Event.Reference
    var related: EventsV1Event.Reference?
    var type: String
    var reason: String
    var action: String
    var note: String

    init?(json bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        func field(_ object: [String: Any], _ name: String) -> Any? {
            if let value = object[name] { return value }
            return object.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        func text(_ object: [String: Any], _ name: String) -> String { field(object, name) as? String ?? "" }
        func reference(_ name: String) -> EventsV1Event.Reference? {
            guard let object = field(object, name) as? [String: Any] else { return nil }
            let parts = ["Kind", "Namespace", "Name", "UID", "APIVersion", "ResourceVersion"].map { text(object, $0) }
            guard parts.contains(where: { !$0.isEmpty }) else { return nil }
            func nonEmpty(_ index: Int) -> String? { parts[index].isEmpty ? nil : parts[index] }
            var reference = EventsV1Event.Reference(
                kind: nonEmpty(0),
                namespace: nonEmpty(1),
                name: nonEmpty(2),
                uid: nonEmpty(3),
                apiVersion: nonEmpty(4)
            )
            reference.resourceVersion = nonEmpty(5)
            return reference
        }
        regarding = reference("RegardingReference") ?? EventsV1Event.Reference()
        related = reference("RelatedReference")
        type = text(object, "Eventtype")
        reason = text(object, "Reason")
        action = text(object, "Action")
        note = text(object, "Note")
    }
}
