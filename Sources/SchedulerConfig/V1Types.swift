import KubeDecoding
import SchedulerFramework

// The versioned file format, `kubescheduler.config.k8s.io/v1`, field for field as upstream's
// `staging/src/k8s.io/kube-scheduler/config/v1/types.go` (v1.35). Every field is optional here: defaulting
// happens afterwards, as upstream's `SetDefaults_*` do. Decoded strictly, so a key not listed here is an
// unknown field.

/// A coding key made from any string (extension-point names).
struct StringKey: CodingKey {
    let stringValue: String
    init(_ stringValue: String) { self.stringValue = stringValue }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    var intValue: Int? { nil }
}

struct V1Configuration: Decodable {
    var apiVersion: String?
    var kind: String?
    var parallelism: Int32?
    var leaderElection: V1LeaderElection?
    var clientConnection: V1ClientConnection?
    // componentbaseconfigv1alpha1.DebuggingConfiguration, inlined.
    var enableProfiling: Bool?
    var enableContentionProfiling: Bool?
    var percentageOfNodesToScore: Int32?
    var podInitialBackoffSeconds: Int64?
    var podMaxBackoffSeconds: Int64?
    var profiles: [V1Profile]?
    var extenders: [V1Extender]?
    var delayCacheUntilActive: Bool?
}

/// `componentbaseconfigv1alpha1.LeaderElectionConfiguration`.
struct V1LeaderElection: Decodable {
    var leaderElect: Bool?
    var leaseDuration: GoDuration?
    var renewDeadline: GoDuration?
    var retryPeriod: GoDuration?
    var resourceLock: String?
    var resourceName: String?
    var resourceNamespace: String?
}

/// `componentbaseconfigv1alpha1.ClientConnectionConfiguration`.
struct V1ClientConnection: Decodable {
    var kubeconfig: String?
    var acceptContentTypes: String?
    var contentType: String?
    var qps: Float?
    var burst: Int32?
}

struct V1Profile: Decodable {
    var schedulerName: String?
    var percentageOfNodesToScore: Int32?
    var plugins: V1Plugins?
    var pluginConfig: [V1PluginConfig]?
}

struct V1Plugins: Decodable {
    var sets: [ExtensionPoint: V1PluginSet] = [:]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StringKey.self)
        for point in ExtensionPoint.allCases {
            if let set = try container.decodeIfPresent(V1PluginSet.self, forKey: StringKey(point.rawValue)) {
                sets[point] = set
            }
        }
    }
}

struct V1PluginSet: Decodable {
    var enabled: [V1Plugin]?
    var disabled: [V1Plugin]?
}

struct V1Plugin: Decodable {
    var name: String?
    var weight: Int32?
}

struct V1PluginConfig: Decodable {
    var name: String?
    /// Kept raw, with positions; decoded by the plugin through ``ConfigPluginArgs``.
    var args: PositionedValue?
}

struct V1Extender: Decodable {
    var urlPrefix: String?
    var filterVerb: String?
    var preemptVerb: String?
    var prioritizeVerb: String?
    var weight: Int64?
    var bindVerb: String?
    var enableHTTPS: Bool?
    var tlsConfig: V1ExtenderTLSConfig?
    var httpTimeout: GoDuration?
    var nodeCacheCapable: Bool?
    var managedResources: [V1ExtenderManagedResource]?
    var ignorable: Bool?
}

struct V1ExtenderManagedResource: Decodable {
    var name: String?
    var ignoredByScheduler: Bool?
}

struct V1ExtenderTLSConfig: Decodable {
    var insecure: Bool?
    var serverName: String?
    var certFile: String?
    var keyFile: String?
    var caFile: String?
    /// `[]byte` fields are base64 strings in JSON.
    var certData: Base64Bytes?
    var keyData: Base64Bytes?
    var caData: Base64Bytes?
}

/// A Go `[]byte` field: a base64 string.
struct Base64Bytes: Decodable {
    var bytes: [UInt8]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let bytes = Base64.decode(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "illegal base64 data")
        }
        self.bytes = bytes
    }
}

/// Standard base64 with padding, as Go's `encoding/base64.StdEncoding`.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            values.append(value)
        }
        guard (values.count + padding) % 4 == 0, padding <= 2 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index + 1 < values.count {
            let a = values[index]
            let b = values[index + 1]
            output.append(a << 2 | b >> 4)
            if index + 2 < values.count { output.append((b & 0x0F) << 4 | values[index + 2] >> 2) }
            if index + 3 < values.count { output.append((values[index + 2] & 0x03) << 6 | values[index + 3]) }
            index += 4
        }
        return output
    }
}
