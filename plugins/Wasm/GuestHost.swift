import KubeAPI
import SchedulerFramework
import WasmKit
import WasmParser

/// An error raised by a host function; it unwinds the guest call, which then fails with an Error status.
struct HostFault: Error, CustomStringConvertible {
    var description: String
}

/// `proc_exit` from the guest: unwinds the call. Exit code 0 during `_start` is success.
struct GuestExit: Error, CustomStringConvertible {
    var code: UInt32
    var description: String { "guest exited with code \(code)" }
}

/// The inputs and results of the call in progress on one guest instance. Host functions read and write it;
/// the plugin sets the inputs before and reads the results after each call.
final class GuestCall {
    var memory: WasmKit.Memory?
    // Inputs.
    var pod: [UInt8] = []
    var targetPod: [UInt8] = []
    var nodeName: String = ""
    var node: NodeInfo?
    var snapshot: Snapshot?
    var cycle: GuestCycle?
    var filteredNodes: [UInt8] = []
    var nodeToStatus: [UInt8] = []
    var nodeScores: [UInt8] = []
    // Results.
    var reason: String?
    var nodeNames: [String]?
    var nominatedNodeName: String?
    var clusterEvents: [ClusterEvent] = []
    var normalizedScores: [String: Int64]?
    /// What the guest wrote to stdout/stderr during the call (its panic text, when it traps).
    var output: [UInt8] = []

    func resetResults() {
        reason = nil
        nodeNames = nil
        nominatedNodeName = nil
        normalizedScores = nil
        if !output.isEmpty { output.removeAll(keepingCapacity: true) }
    }

    // MARK: Memory access, bounds-checked (a guest pointer is untrusted input).

    func guestMemory() throws -> WasmKit.Memory {
        guard let memory else { throw HostFault(description: "guest memory is not available") }
        return memory
    }

    func read(_ pointer: UInt32, _ count: UInt32) throws -> [UInt8] {
        let memory = try guestMemory()
        guard Int(pointer) + Int(count) <= memory.byteCount else {
            throw HostFault(description: "guest buffer [\(pointer), +\(count)) is outside its memory")
        }
        return memory.withUnsafeBufferPointer(offset: UInt(pointer), count: Int(count)) { Array($0) }
    }

    func readString(_ pointer: UInt32, _ count: UInt32) throws -> String {
        String(decoding: try read(pointer, count), as: UTF8.self)
    }

    /// The buffer protocol: returns the full size; writes only when it fits `limit`. Size 0 means none.
    func writeIfFits(_ bytes: UnsafeRawBufferPointer, _ pointer: UInt32, _ limit: UInt32) throws -> UInt32 {
        let size = bytes.count
        guard size > 0, size <= Int(limit) else { return UInt32(truncatingIfNeeded: size) }
        let memory = try guestMemory()
        guard Int(pointer) + size <= memory.byteCount else {
            throw HostFault(description: "guest buffer [\(pointer), +\(size)) is outside its memory")
        }
        memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: size) { target in
            target.copyMemory(from: bytes)
        }
        return UInt32(size)
    }

    func writeIfFits(_ bytes: [UInt8], _ pointer: UInt32, _ limit: UInt32) throws -> UInt32 {
        try bytes.withUnsafeBytes { (raw) throws -> UInt32 in try writeIfFits(raw, pointer, limit) }
    }

    func writeIfFits(_ text: String, _ pointer: UInt32, _ limit: UInt32) throws -> UInt32 {
        var text = text
        return try text.withUTF8 { (utf8) throws -> UInt32 in
            try writeIfFits(UnsafeRawBufferPointer(utf8), pointer, limit)
        }
    }
}

/// Everything the host functions of one plugin share (read-only after load).
struct HostEnvironment: Sendable {
    var pluginName: String
    var guestConfig: String
    var logSeverity: Int32
    var handle: any FrameworkHandle
    var log: @Sendable (String) -> Void
}

/// The host functions a guest may import, by module and name, with their signatures.
enum HostFunctions {
    typealias Body = (GuestCall, HostEnvironment, UnsafeBufferPointer<Value>) throws -> Value?

    struct Definition {
        var parameters: [ValueType]
        var results: [ValueType]
        var body: Body
    }

    static func u32(_ value: Value) -> UInt32 {
        if case .i32(let v) = value { return v }
        return 0
    }

    static func lookup(module: String, name: String) -> Definition? {
        switch module {
        case "k8s.io/api": return api(name)
        case "k8s.io/scheduler": return scheduler(name)
        case "k8s.io/klog": return klog(name)
        case "wasi_snapshot_preview1": return wasi(name)
        default: return nil
        }
    }

    private static func bufferFunction(
        _ produce: @escaping (GuestCall, HostEnvironment) throws -> [UInt8]
    ) -> Definition {
        Definition(parameters: [.i32, .i32], results: [.i32]) { call, env, args in
            .i32(try call.writeIfFits(try produce(call, env), u32(args[0]), u32(args[1])))
        }
    }

    private static func resultFunction(_ consume: @escaping (GuestCall, [UInt8]) throws -> Void) -> Definition {
        Definition(parameters: [.i32, .i32], results: []) { call, _, args in
            try consume(call, try call.read(u32(args[0]), u32(args[1])))
            return nil
        }
    }

    private static func api(_ name: String) -> Definition? {
        switch name {
        case "node":
            return Definition(parameters: [.i32, .i32, .i32, .i32], results: [.i32]) { call, _, args in
                let name = try call.readString(u32(args[0]), u32(args[1]))
                let node = call.node.flatMap { $0.name == name ? $0 : nil } ?? call.snapshot?.nodeInfo(named: name)
                let bytes = node.map { KubeProto.node($0.node) } ?? []
                return .i32(try call.writeIfFits(bytes, u32(args[2]), u32(args[3])))
            }
        case "nodeList":
            return bufferFunction { call, _ in
                call.cycle?.encodedNodeList() ?? KubeProto.nodeList((call.snapshot?.nodes ?? []).map(\.node))
            }
        default: return nil
        }
    }

    private static func scheduler(_ name: String) -> Definition? {
        switch name {
        case "currentPod":
            return Definition(parameters: [.i32, .i32], results: [.i32]) { call, _, args in
                .i32(try call.writeIfFits(call.pod, u32(args[0]), u32(args[1])))
            }
        case "targetPod":
            return Definition(parameters: [.i32, .i32], results: [.i32]) { call, _, args in
                .i32(try call.writeIfFits(call.targetPod, u32(args[0]), u32(args[1])))
            }
        case "currentNodeName":
            return Definition(parameters: [.i32, .i32], results: [.i32]) { call, _, args in
                .i32(try call.writeIfFits(call.nodeName, u32(args[0]), u32(args[1])))
            }
        case "filteredNodeList": return bufferFunction { call, _ in call.filteredNodes }
        case "nodeToStatusMap": return bufferFunction { call, _ in call.nodeToStatus }
        case "nodeScoreList": return bufferFunction { call, _ in call.nodeScores }
        case "get_config": return bufferFunction { _, env in Array(env.guestConfig.utf8) }
        case "nodeImageStates":
            return Definition(parameters: [.i32, .i32, .i32, .i32], results: [.i32]) { call, _, args in
                let name = try call.readString(u32(args[0]), u32(args[1]))
                let node = call.node.flatMap { $0.name == name ? $0 : nil } ?? call.snapshot?.nodeInfo(named: name)
                let json = node.map { JSONText.imageStates($0.imageStates) } ?? "null"
                return .i32(try call.writeIfFits(json, u32(args[2]), u32(args[3])))
            }
        case "result.status_reason":
            return resultFunction { call, bytes in call.reason = String(decoding: bytes, as: UTF8.self) }
        case "result.nominated_node_name":
            return resultFunction { call, bytes in call.nominatedNodeName = String(decoding: bytes, as: UTF8.self) }
        case "result.node_names":
            return resultFunction { call, bytes in
                call.nodeNames = bytes.split(separator: 0, omittingEmptySubsequences: true).map {
                    String(decoding: $0, as: UTF8.self)
                }
            }
        case "result.cluster_events":
            return resultFunction { call, bytes in call.clusterEvents = GuestEvents.decode(bytes) }
        case "result.normalized_score_list":
            return resultFunction { call, bytes in
                guard let scores = JSONText.parseScoreMap(bytes) else {
                    throw HostFault(description: "normalized score list is not a JSON object of integers")
                }
                call.normalizedScores = scores
            }
        case "handle.eventrecorder.eventf":
            return Definition(parameters: [.i32, .i32], results: []) { call, env, args in
                try GuestHandle.eventf(call, env, u32(args[0]), u32(args[1]))
                return nil
            }
        case "handle.reject_waiting_pod":
            return Definition(parameters: [.i32, .i32, .i32, .i32], results: []) { call, env, args in
                try GuestHandle.rejectWaitingPod(call, env, args)
                return nil
            }
        case "handle.get_waiting_pod":
            return Definition(parameters: [.i32, .i32, .i32, .i32], results: []) { call, env, args in
                try GuestHandle.getWaitingPod(call, env, args)
                return nil
            }
        default: return nil
        }
    }

    private static let severityNames = ["info", "warning", "error", "fatal"]

    private static func klog(_ name: String) -> Definition? {
        func emit(_ env: HostEnvironment, _ severity: Int32, _ text: String) {
            guard severity >= env.logSeverity else { return }
            let label = severityNames.indices.contains(Int(severity)) ? severityNames[Int(severity)] : "\(severity)"
            env.log("wasm plugin \(env.pluginName) [\(label)]: \(text)")
        }
        switch name {
        case "log":
            return Definition(parameters: [.i32, .i32, .i32], results: []) { call, env, args in
                emit(env, Int32(bitPattern: u32(args[0])), try call.readString(u32(args[1]), u32(args[2])))
                return nil
            }
        case "logs":
            return Definition(parameters: [.i32, .i32, .i32, .i32, .i32], results: []) { call, env, args in
                var text = try call.readString(u32(args[1]), u32(args[2]))
                let pairs = try call.read(u32(args[3]), u32(args[4])).split(separator: 0).map {
                    String(decoding: $0, as: UTF8.self)
                }
                var index = 0
                while index < pairs.count {
                    text += " \(pairs[index])=\(index + 1 < pairs.count ? pairs[index + 1] : "")"
                    index += 2
                }
                emit(env, Int32(bitPattern: u32(args[0])), text)
                return nil
            }
        case "severity":
            return Definition(parameters: [], results: [.i32]) { _, env, _ in .i32(UInt32(bitPattern: env.logSeverity))
            }
        default: return nil
        }
    }

    // WASI preview1: only what guest SDKs import. No files, no arguments, no environment; the clock is real,
    // random bytes come from the system generator, stdout/stderr are captured for panic messages.
    private static func wasi(_ name: String) -> Definition? {
        let success = Value.i32(0)
        switch name {
        case "fd_write":
            return Definition(parameters: [.i32, .i32, .i32, .i32], results: [.i32]) { call, _, args in
                let fd = u32(args[0])
                let vectors = try call.read(u32(args[1]), u32(args[2]) * 8)
                var written: UInt32 = 0
                for index in 0..<Int(u32(args[2])) {
                    let base = index * 8
                    let pointer = vectors.loadLE32(at: base)
                    let length = vectors.loadLE32(at: base + 4)
                    let bytes = try call.read(pointer, length)
                    if fd == 1 || fd == 2, call.output.count < 1 << 16 { call.output.append(contentsOf: bytes) }
                    written &+= length
                }
                var count = written
                _ = try withUnsafeBytes(of: &count) { (raw) throws -> UInt32 in
                    try call.writeIfFits(raw, u32(args[3]), 4)
                }
                return fd == 1 || fd == 2 ? success : .i32(8)  // EBADF
            }
        case "clock_time_get":
            return Definition(parameters: [.i32, .i64, .i32], results: [.i32]) { call, _, args in
                var now = SystemClock.nanoseconds(monotonic: u32(args[0]) == 1)
                _ = try withUnsafeBytes(of: &now) { (raw) throws -> UInt32 in
                    try call.writeIfFits(raw, u32(args[2]), 8)
                }
                return success
            }
        case "args_sizes_get", "environ_sizes_get":
            return Definition(parameters: [.i32, .i32], results: [.i32]) { call, _, args in
                var zero = UInt32(0)
                for pointer in [u32(args[0]), u32(args[1])] {
                    _ = try withUnsafeBytes(of: &zero) { (raw) throws -> UInt32 in
                        try call.writeIfFits(raw, pointer, 4)
                    }
                }
                return success
            }
        case "args_get", "environ_get":
            return Definition(parameters: [.i32, .i32], results: [.i32]) { _, _, _ in success }
        case "random_get":
            return Definition(parameters: [.i32, .i32], results: [.i32]) { call, _, args in
                var generator = SystemRandomNumberGenerator()
                let bytes = (0..<Int(u32(args[1]))).map { _ in UInt8.random(in: 0...255, using: &generator) }
                _ = try call.writeIfFits(bytes, u32(args[0]), u32(args[1]))
                return success
            }
        case "proc_exit":
            return Definition(parameters: [.i32], results: []) { _, _, args in throw GuestExit(code: u32(args[0])) }
        case "sched_yield":
            return Definition(parameters: [], results: [.i32]) { _, _, _ in success }
        case "fd_close", "fd_fdstat_get", "fd_prestat_get", "fd_seek", "fd_read", "fd_prestat_dir_name":
            return nil
        default: return nil
        }
    }
}

extension [UInt8] {
    func loadLE32(at offset: Int) -> UInt32 {
        guard offset + 4 <= count else { return 0 }
        return UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }
}
