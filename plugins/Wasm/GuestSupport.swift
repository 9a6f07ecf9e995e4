import KubeAPI
import SchedulerFramework

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cluster events as guests return them from `enqueue`: 8 bytes each, a little-endian u32 resource kind
/// (the SDK's GVK index) and a u32 action mask (the SDK's six action bits).
enum GuestEvents {
    static let resources: [EventResource] = [
        .pod, .node, .persistentVolume, .persistentVolumeClaim, .wildcard, .wildcard, .storageClass, .csiNode,
        .csiDriver, .csiStorageCapacity, .wildcard,
    ]

    static func decode(_ bytes: [UInt8]) -> [ClusterEvent] {
        var events: [ClusterEvent] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            let kind = Int(bytes.loadLE32(at: offset))
            let bits = bytes.loadLE32(at: offset + 4)
            offset += 8
            let resource = kind < resources.count ? resources[kind] : .wildcard
            var action = ActionType(rawValue: bits & 0b11_1111)
            if bits & 0b11_1100 == 0b11_1100 { action.formUnion(.update) }
            events.append(ClusterEvent(resource: resource, action: action))
        }
        return events
    }
}

/// The few JSON shapes that cross the boundary, written and read without Foundation.
enum JSONText {
    static func quoted(_ text: String) -> String { jsonQuoted(text) }

    /// `["a","b"]`, as Go marshals a `[]string`.
    static func stringArray(_ items: some Sequence<String>) -> [UInt8] {
        Array(("[" + items.map(quoted).joined(separator: ",") + "]").utf8)
    }

    /// `{"a":1}` with keys sorted, as Go marshals a `map[string]int`.
    static func integerMap(_ map: [String: Int64]) -> [UInt8] {
        Array(("{" + map.keys.sorted().map { "\(quoted($0)):\(map[$0] ?? 0)" }.joined(separator: ",") + "}").utf8)
    }

    /// `map[string]*ImageStateSummary` as Go marshals it (`null` when there are none).
    static func imageStates(_ states: [String: ImageStateSummary]) -> String {
        guard !states.isEmpty else { return "null" }
        return "{"
            + states.keys.sorted().map { key in
                let state = states[key] ?? ImageStateSummary(size: 0, numNodes: 0)
                return "\(quoted(key)):{\"Size\":\(state.size),\"NumNodes\":\(state.numNodes)}"
            }.joined(separator: ",") + "}"
    }

    /// Parses a flat JSON object of string keys and integer values.
    static func parseScoreMap(_ bytes: [UInt8]) -> [String: Int64]? {
        var index = 0
        func skipSpace() {
            while index < bytes.count, [0x20, 0x0a, 0x0d, 0x09].contains(bytes[index]) { index += 1 }
        }
        func expect(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        func string() -> String? {
            guard expect(0x22) else { return nil }
            var out: [UInt8] = []
            while index < bytes.count, bytes[index] != 0x22 {
                if bytes[index] == 0x5c, index + 1 < bytes.count { index += 1 }
                out.append(bytes[index])
                index += 1
            }
            guard index < bytes.count else { return nil }
            index += 1
            return String(decoding: out, as: UTF8.self)
        }
        func integer() -> Int64? {
            skipSpace()
            var digits = ""
            while index < bytes.count, bytes[index] == 0x2d || (0x30...0x39).contains(bytes[index]) {
                digits.unicodeScalars.append(Unicode.Scalar(bytes[index]))
                index += 1
            }
            return Int64(digits)
        }
        if bytes.elementsEqual("null".utf8) { return [:] }
        guard expect(0x7b) else { return nil }
        var result: [String: Int64] = [:]
        if expect(0x7d) { return result }
        repeat {
            guard let key = string(), expect(0x3a), let value = integer() else { return nil }
            result[key] = value
        } while expect(0x2c)
        guard expect(0x7d) else { return nil }
        return result
    }
}

enum SystemClock {
    static func nanoseconds(monotonic: Bool) -> UInt64 {
        var spec = timespec()
        clock_gettime(monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }
}

/// SHA-256 (FIPS 180-4), for the `guestSHA256` pin.
enum SHA256 {
    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    static func hex(_ data: [UInt8]) -> String {
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var message = data
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        let bitLength = UInt64(data.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) {
            message.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: message.count, by: 64) {
            for i in 0..<16 {
                let b = chunk + i * 4
                w[i] =
                    UInt32(message[b]) << 24 | UInt32(message[b + 1]) << 16 | UInt32(message[b + 2]) << 8
                    | UInt32(message[b + 3])
            }
            for i in 16..<64 {
                let s0 = w[i - 15].rotatedRight(7) ^ w[i - 15].rotatedRight(18) ^ (w[i - 15] >> 3)
                let s1 = w[i - 2].rotatedRight(17) ^ w[i - 2].rotatedRight(19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                let choice = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ choice &+ k[i] &+ w[i]
                let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ majority
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h[0] &+= a
            h[1] &+= b
            h[2] &+= c
            h[3] &+= d
            h[4] &+= e
            h[5] &+= f
            h[6] &+= g
            h[7] &+= hh
        }
        return h.map { word in
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 8 - text.count) + text
        }.joined()
    }
}

extension UInt32 {
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 - count)) }
}

enum FileDescriptorWriter {
    static func standardError(_ text: String) {
        var text = text
        text.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
    }
}
