import Foundation
import SchedulerFramework
import WAT
@_spi(Fuzzing) import WasmKit
import WasmParser

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `pluginConfig[].args` of a guest plugin, in the anchor's format (`guestURL`, `guestConfig`, `logSeverity`)
/// plus this host's `guestSHA256` pin and its limits.
public struct WasmPluginArgs: PluginArgs, Equatable {
    /// `file:///path/to/guest.wasm` (or `.wat`; `file://relative/path` is relative to the working directory) or
    /// `https://…`; fetched once when the profile is built.
    public var guestURL: String
    /// Lower-case hex SHA-256 the guest's bytes must have (optional).
    public var guestSHA256: String?
    /// Handed to the guest by `get_config`.
    public var guestConfig: String
    /// 0 info, 1 warning, 2 error, 3 fatal: guest log lines below it are dropped.
    public var logSeverity: Int32
    /// Fuel (≈ WebAssembly operators) one guest call may burn before it fails with an Error status.
    public var fuelLimit: UInt64
    /// Linear memory one guest instance may grow to, in MiB.
    public var memoryLimitMiB: Int
    /// Guest instances serving Filter and Score in parallel; 0 means the profile's parallelism.
    public var instances: Int

    public static let defaultFuelLimit: UInt64 = 200_000_000
    public static let defaultMemoryLimitMiB = 128

    public static var defaults: WasmPluginArgs {
        WasmPluginArgs(guestURL: "")
    }

    public init(
        guestURL: String,
        guestSHA256: String? = nil,
        guestConfig: String = "",
        logSeverity: Int32 = 0,
        fuelLimit: UInt64 = WasmPluginArgs.defaultFuelLimit,
        memoryLimitMiB: Int = WasmPluginArgs.defaultMemoryLimitMiB,
        instances: Int = 0
    ) {
        self.guestURL = guestURL
        self.guestSHA256 = guestSHA256
        self.guestConfig = guestConfig
        self.logSeverity = logSeverity
        self.fuelLimit = fuelLimit
        self.memoryLimitMiB = memoryLimitMiB
        self.instances = instances
    }

    enum CodingKeys: String, CodingKey {
        case guestURL, guestSHA256, guestConfig, logSeverity, fuelLimit, memoryLimitMiB, instances
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guestURL = try c.decodeIfPresent(String.self, forKey: .guestURL) ?? ""
        guestSHA256 = try c.decodeIfPresent(String.self, forKey: .guestSHA256)
        guestConfig = try c.decodeIfPresent(String.self, forKey: .guestConfig) ?? ""
        logSeverity = try c.decodeIfPresent(Int32.self, forKey: .logSeverity) ?? 0
        fuelLimit = try c.decodeIfPresent(UInt64.self, forKey: .fuelLimit) ?? Self.defaultFuelLimit
        memoryLimitMiB = try c.decodeIfPresent(Int.self, forKey: .memoryLimitMiB) ?? Self.defaultMemoryLimitMiB
        instances = try c.decodeIfPresent(Int.self, forKey: .instances) ?? 0
    }

    public func validate() throws(PluginArgsError) {
        if guestURL.isEmpty { throw PluginArgsError(field: "guestURL", "Required value") }
        guard guestURL.hasPrefix("file://") || guestURL.hasPrefix("https://") || guestURL.hasPrefix("http://") else {
            throw PluginArgsError(field: "guestURL", "Unsupported value: \"\(guestURL)\": file://, http:// or https://")
        }
        if let pin = guestSHA256, pin.count != 64 || !pin.allSatisfy(\.isHexDigit) {
            throw PluginArgsError(field: "guestSHA256", "Invalid value: \"\(pin)\": 64 hex digits")
        }
        if !(0...3).contains(logSeverity) {
            throw PluginArgsError(field: "logSeverity", "Invalid value: \(logSeverity): must be 0 to 3")
        }
        if fuelLimit == 0 { throw PluginArgsError(field: "fuelLimit", "Invalid value: 0: must be positive") }
        if memoryLimitMiB <= 0 || memoryLimitMiB > 4096 {
            throw PluginArgsError(field: "memoryLimitMiB", "Invalid value: \(memoryLimitMiB): must be 1 to 4096")
        }
        if instances < 0 { throw PluginArgsError(field: "instances", "Invalid value: \(instances): must be ≥ 0") }
    }
}

/// A guest that cannot be loaded; the description is one line naming the plugin and the file.
public struct WasmLoadError: Error, CustomStringConvertible {
    public let description: String
}

/// The exports a guest may provide, one per extension point.
enum GuestExport: String, CaseIterable {
    case enqueue, prefilter, filter, postfilter, prescore, score, normalizescore, reserve, unreserve, permit
    case prebind, bind, postbind, addpod, removepod

    /// The signature the SDK exports (no parameters).
    var results: [ValueType] {
        switch self {
        case .enqueue, .unreserve, .postbind: []
        case .postfilter, .score, .permit: [.i64]
        default: [.i32]
        }
    }
}

/// A validated guest module: parsed once, instantiated once per instance.
struct GuestModule: Sendable {
    let module: Module
    let exports: Set<GuestExport>
    let engine: Engine

    /// Reads, pins, parses and checks a guest. `name` is the plugin's name, for messages.
    static func load(name: String, args: WasmPluginArgs) throws(WasmLoadError) -> GuestModule {
        func fail(_ reason: String) -> WasmLoadError {
            WasmLoadError(description: "wasm plugin \"\(name)\": guest \(args.guestURL): \(reason)")
        }
        let bytes: [UInt8]
        do {
            bytes = try fetch(args.guestURL)
        } catch {
            throw fail("cannot read it: \(error)")
        }
        if let pin = args.guestSHA256 {
            let digest = SHA256.hex(bytes)
            guard digest == pin.lowercased() else { throw fail("SHA-256 is \(digest), guestSHA256 wants \(pin)") }
        }
        var wasm = bytes
        if args.guestURL.hasSuffix(".wat") {
            do {
                wasm = try wat2wasm(String(decoding: bytes, as: UTF8.self))
            } catch {
                throw fail("invalid WebAssembly text: \(oneLine(String(describing: error)))")
            }
        }
        let module: Module
        do {
            module = try parseWasm(bytes: wasm)
        } catch {
            throw fail("invalid WebAssembly module: \(oneLine(String(describing: error)))")
        }
        guard module.exports.contains(where: { $0.name == "memory" && isMemory($0.descriptor) }) else {
            throw fail("the module does not export \"memory\"")
        }
        for entry in module.imports {
            guard case .function(let typeIndex) = entry.descriptor else {
                throw fail("unknown import \(entry.module).\(entry.name) (only functions can be imported)")
            }
            guard let definition = HostFunctions.lookup(module: entry.module, name: entry.name) else {
                throw fail("unknown import \(entry.module).\(entry.name)")
            }
            let wanted = FunctionType(parameters: definition.parameters, results: definition.results)
            if let actual = module.functionType(at: typeIndex), actual != wanted {
                throw fail("import \(entry.module).\(entry.name) has type \(actual), the host provides \(wanted)")
            }
        }
        // Which extension points: the exported names (their signatures are checked when the first instance is made).
        var exports: Set<GuestExport> = []
        for export in module.exports {
            guard case .function = export.descriptor, let point = GuestExport(rawValue: export.name) else { continue }
            exports.insert(point)
        }
        guard !exports.isEmpty else { throw fail("the module exports no plugin functions") }
        let engine = Engine(configuration: EngineConfiguration(fuelMetering: true))
        return GuestModule(module: module, exports: exports, engine: engine)
    }

    private static func isMemory(_ descriptor: ExportDescriptor) -> Bool {
        if case .memory = descriptor { return true }
        return false
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
    }

    private static func fetch(_ url: String) throws -> [UInt8] {
        if url.hasPrefix("file://") {
            let path = String(url.dropFirst("file://".count))
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HostFault(description: "no such file or not readable: \(path)")
            }
            return [UInt8](data)
        }
        guard let remote = URL(string: url) else { throw HostFault(description: "not a URL") }
        return [UInt8](try Data(contentsOf: remote))
    }
}

/// Denies memory growth past the plugin's limit.
final class MemoryLimiter: ResourceLimiter {
    let limit: Int
    init(limit: Int) { self.limit = limit }
    func limitMemoryGrowth(to desired: Int) throws -> Bool { desired <= limit }
    func limitTableGrowth(to desired: Int) throws -> Bool { desired <= 1 << 20 }
}
