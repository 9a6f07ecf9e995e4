import SchedulerFramework
import Synchronization
@_spi(Fuzzing) import WasmKit
import WasmParser

/// Why a guest call failed: a trap (panic, out of fuel, memory fault) or a host fault, with what the guest
/// printed before it.
struct GuestFailure: Error, CustomStringConvertible {
    var export: String
    var detail: String
    var output: String

    var description: String {
        output.isEmpty ? "wasm: \(export) error: \(detail)" : "wasm: \(export) error: \(output): \(detail)"
    }
}

/// One instantiated guest: its own store, memory and host-call context. Used by one thread at a time (it is
/// leased from ``GuestPool``), hence `@unchecked Sendable`.
final class GuestInstance: @unchecked Sendable {
    let store: Store
    let call = GuestCall()
    private var functions: [GuestExport: Function] = [:]
    private var stack: ExecutionStack
    private let fuelLimit: UInt64
    /// The cycle whose PreFilter (stage 1) and PreScore (stage 2) this instance has seen.
    var cycle: UInt64 = 0
    var stage = 0
    /// Set after a trap: the guest's own state may be inconsistent, so the pool drops the instance.
    var broken = false

    init(module: GuestModule, environment: HostEnvironment, args: WasmPluginArgs) throws(GuestFailure) {
        store = Store(engine: module.engine)
        let memoryLimit = args.memoryLimitMiB << 20
        store.resourceLimiter = MemoryLimiter(limit: memoryLimit)
        stack = ExecutionStack(engine: module.engine)
        fuelLimit = args.fuelLimit
        var imports = Imports()
        let call = self.call
        for entry in module.module.imports {
            guard let definition = HostFunctions.lookup(module: entry.module, name: entry.name) else { continue }
            let body = definition.body
            let function = Function(
                store: store,
                parameters: definition.parameters,
                results: definition.results,
                raw: { caller, parameters, results in
                    if call.memory == nil, case .memory(let memory)? = caller.instance?.export("memory") {
                        call.memory = memory
                    }
                    if let value = try body(call, environment, parameters), results.count > 0 { results[0] = value }
                }
            )
            imports.define(module: entry.module, name: entry.name, function)
        }
        let instance: Instance
        do {
            instance = try module.module.instantiate(store: store, imports: imports)
        } catch {
            throw GuestFailure(
                export: "instantiate",
                detail: GuestModule.oneLine(String(describing: error)),
                output: ""
            )
        }
        guard case .memory(let memory)? = instance.export("memory") else {
            throw GuestFailure(export: "instantiate", detail: "no memory export", output: "")
        }
        guard memory.byteCount <= memoryLimit else {
            throw GuestFailure(
                export: "instantiate",
                detail: "initial memory of \(memory.byteCount) bytes exceeds memoryLimitMiB",
                output: ""
            )
        }
        call.memory = memory
        for export in module.exports {
            guard case .function(let function)? = instance.export(export.rawValue) else { continue }
            let type = function.type
            guard type.parameters.isEmpty, type.results == export.results else {
                throw GuestFailure(
                    export: export.rawValue,
                    detail: "exported with type \(type), the SDK's is () -> \(export.results)",
                    output: ""
                )
            }
            functions[export] = function
        }
        // `_start` registers the plugin (TinyGo's main); proc_exit(0) there is success.
        if case .function(let start)? = instance.export("_start") {
            store.fuel = Fuel(remaining: fuelLimit)
            do {
                try start.invoke([], on: &stack)
            } catch let exit as GuestExit where exit.code == 0 {
            } catch {
                let output = String(decoding: call.output, as: UTF8.self)
                throw GuestFailure(
                    export: "_start",
                    detail: GuestModule.oneLine(String(describing: error)),
                    output: GuestModule.oneLine(output)
                )
            }
        }
        call.resetResults()
    }

    /// Calls `export` and returns its single result (0 for exports without one).
    func invoke(_ export: GuestExport) throws(GuestFailure) -> UInt64 {
        guard let function = functions[export] else { return 0 }
        call.resetResults()
        store.fuel = Fuel(remaining: fuelLimit)
        do {
            let results = try function.invoke([], on: &stack)
            switch results.first {
            case .i32(let value)?: return UInt64(value)
            case .i64(let value)?: return value
            default: return 0
            }
        } catch {
            broken = true
            let output = GuestModule.oneLine(String(decoding: call.output, as: UTF8.self))
            let detail: String
            if let exit = error as? GuestExit {
                detail = exit.description
            } else {
                detail = GuestModule.oneLine(String(describing: error))
            }
            throw GuestFailure(export: export.rawValue, detail: detail, output: output)
        }
    }
}

/// Idle guest instances of one plugin. A caller leases one for a batch of calls and gives it back; instances
/// are created on demand (so there are at most as many as concurrent callers) and those that trapped are
/// dropped.
final class GuestPool: Sendable {
    private let idle = Mutex<[GuestInstance]>([])
    private let maxIdle: Int
    private let make: @Sendable () throws(GuestFailure) -> GuestInstance

    init(maxIdle: Int, make: @escaping @Sendable () throws(GuestFailure) -> GuestInstance) {
        self.maxIdle = maxIdle
        self.make = make
    }

    func lease() throws(GuestFailure) -> GuestInstance {
        if let instance = idle.withLock({ $0.popLast() }) { return instance }
        return try make()
    }

    func giveBack(_ instance: GuestInstance) {
        guard !instance.broken else { return }
        idle.withLock { pool in
            if pool.count < maxIdle { pool.append(instance) }
        }
    }

    /// Adds an instance made at load time (so that load errors surface in the configuration).
    func seed(_ instance: GuestInstance) { giveBack(instance) }
}
