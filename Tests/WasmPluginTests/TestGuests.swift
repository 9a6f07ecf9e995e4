import Foundation
import SchedulerFramework
import SchedulerTesting
import Synchronization
import WasmPlugin

/// Guests written in WebAssembly text for the tests; the host compiles `.wat` files itself.
enum TestGuests {
    /// Implements every extension point the tests check. PreFilter stores the size of the current pod in a
    /// global (its cycle state); Filter and Score fail when it is missing, so they prove PreFilter ran (or was
    /// replayed) on the instance serving them. PreScore stores the size of the filtered node list; Score adds
    /// it to the node name's length.
    static let allPoints = """
        (module
          (import "k8s.io/scheduler" "currentPod" (func $currentPod (param i32 i32) (result i32)))
          (import "k8s.io/scheduler" "currentNodeName" (func $currentNodeName (param i32 i32) (result i32)))
          (import "k8s.io/scheduler" "result.status_reason" (func $reason (param i32 i32)))
          (import "k8s.io/scheduler" "result.cluster_events" (func $events (param i32 i32)))
          (import "k8s.io/scheduler" "result.node_names" (func $nodeNames (param i32 i32)))
          (import "k8s.io/scheduler" "filteredNodeList" (func $filtered (param i32 i32) (result i32)))
          (import "k8s.io/scheduler" "get_config" (func $config (param i32 i32) (result i32)))
          (import "k8s.io/klog" "log" (func $log (param i32 i32 i32)))
          (import "k8s.io/klog" "severity" (func $severity (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "node b rejected")
          (data (i32.const 32) "no cycle state")
          (data (i32.const 64) "\\01\\00\\00\\00\\01\\00\\00\\00\\00\\00\\00\\00\\02\\00\\00\\00")
          (data (i32.const 96) "bound")
          (data (i32.const 112) "a1\\00a2\\00")
          (data (i32.const 128) "postbind ")
          (global $podSize (mut i32) (i32.const 0))
          (global $filtered (mut i32) (i32.const 0))
          (func (export "_start") (call $exit (i32.const 0)))
          (func (export "enqueue") (call $events (i32.const 64) (i32.const 16)))
          (func (export "prefilter") (result i32)
            (global.set $podSize (call $currentPod (i32.const 4096) (i32.const 8192)))
            ;; a config of "narrow" restricts the cycle to nodes a1 and a2
            (if (i32.eq (call $config (i32.const 256) (i32.const 64)) (i32.const 6))
              (then (call $nodeNames (i32.const 112) (i32.const 6))))
            (i32.const 0))
          (func (export "filter") (result i32)
            (if (i32.eqz (global.get $podSize))
              (then (call $reason (i32.const 32) (i32.const 14)) (return (i32.const 1))))
            (drop (call $currentNodeName (i32.const 2048) (i32.const 256)))
            (if (i32.eq (i32.load8_u (i32.const 2048)) (i32.const 98))
              (then (call $reason (i32.const 0) (i32.const 15)) (return (i32.const 2))))
            (i32.const 0))
          (func (export "prescore") (result i32)
            (global.set $filtered (call $filtered (i32.const 16384) (i32.const 4096)))
            (i32.const 0))
          (func (export "score") (result i64) (local $n i32)
            (if (i32.eqz (global.get $podSize)) (then (return (i64.const 1))))
            (local.set $n (call $currentNodeName (i32.const 2048) (i32.const 256)))
            (i64.shl (i64.extend_i32_u (i32.add (local.get $n) (global.get $filtered))) (i64.const 32)))
          (func (export "permit") (result i64) (i64.or (i64.shl (i64.const 4) (i64.const 32)) (i64.const 1500)))
          (func (export "reserve") (result i32) (i32.const 0))
          (func (export "bind") (result i32) (call $reason (i32.const 96) (i32.const 5)) (i32.const 5))
          (func (export "postbind") (local $n i32)
            (local.set $n (call $currentNodeName (i32.const 137) (i32.const 64)))
            (call $log (call $severity) (i32.const 128) (i32.add (i32.const 9) (local.get $n))))
        )
        """

    /// Filter only: rejects nodes whose name starts with "b".
    static let filterOnly = """
        (module
          (import "k8s.io/scheduler" "currentNodeName" (func $currentNodeName (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "filter") (result i32)
            (drop (call $currentNodeName (i32.const 2048) (i32.const 256)))
            (if (result i32) (i32.eq (i32.load8_u (i32.const 2048)) (i32.const 98))
              (then (i32.const 2)) (else (i32.const 0))))
        )
        """

    /// Prints a panic message and traps, as a TinyGo guest does on panic.
    static let panicking = """
        (module
          (import "wasi_snapshot_preview1" "fd_write" (func $fdWrite (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "panic: boom in filter")
          (data (i32.const 32) "\\00\\00\\00\\00\\15\\00\\00\\00")
          (func (export "filter") (result i32)
            (drop (call $fdWrite (i32.const 2) (i32.const 32) (i32.const 1) (i32.const 48)))
            unreachable)
        )
        """

    /// Never returns.
    static let looping = """
        (module
          (memory (export "memory") 1)
          (func (export "filter") (result i32) (loop $forever (br $forever)) (i32.const 0))
        )
        """

    /// Hands the host a buffer that runs past the end of its memory with a limit that would let the pod fit.
    static let oversizedBuffer = """
        (module
          (import "k8s.io/scheduler" "currentPod" (func $currentPod (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "filter") (result i32)
            (drop (call $currentPod (i32.const 65530) (i32.const 1048576)))
            (i32.const 0))
        )
        """

    /// Grows its memory by 64 MiB and reports whether the host allowed it (1 = refused, as an Error status).
    static let growing = """
        (module
          (memory (export "memory") 1)
          (func (export "filter") (result i32)
            (if (result i32) (i32.eq (memory.grow (i32.const 1024)) (i32.const -1))
              (then (i32.const 1)) (else (i32.const 0))))
        )
        """

    static let noMemory = """
        (module (func (export "filter") (result i32) (i32.const 0)))
        """

    static let unknownImport = """
        (module
          (import "k8s.io/scheduler" "noSuchFunction" (func (param i32)))
          (memory (export "memory") 1)
          (func (export "filter") (result i32) (i32.const 0)))
        """

    /// Writes `text` to a new temporary file ending in `suffix` and returns its `file://` URL.
    static func file(_ text: String, suffix: String = ".wat") -> String {
        let path = NSTemporaryDirectory() + "wasm-guest-\(UUID().uuidString)\(suffix)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return "file://" + path
    }

    static func plugin(
        _ text: String,
        name: String = "Guest",
        config: String = "",
        fuelLimit: UInt64 = WasmPluginArgs.defaultFuelLimit,
        memoryLimitMiB: Int = WasmPluginArgs.defaultMemoryLimitMiB,
        log: LogLines = LogLines()
    ) throws -> WasmGuestPlugin {
        let args = WasmPluginArgs(
            guestURL: file(text),
            guestConfig: config,
            fuelLimit: fuelLimit,
            memoryLimitMiB: memoryLimitMiB
        )
        return try WasmGuestPlugin(name: name, args: args, handle: FakeHandle(parallelism: 4)) { log.append($0) }
    }
}

/// Collects log lines from a plugin.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
