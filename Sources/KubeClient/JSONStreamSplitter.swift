/// Splits a byte stream of concatenated JSON values (a watch response: one object per event, usually but not
/// necessarily separated by newlines) into complete top-level values, whatever the chunk boundaries.
///
/// It tracks only nesting depth, strings and escapes; it does not validate. Text that is not an object or
/// array at top level (garbage) is returned up to the end of its line, so the caller can log and skip it.
package struct JSONStreamSplitter: Sendable {
    private var buffer: [UInt8] = []
    private var scanIndex = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var start: Int?
    private var bareValue = false

    /// The largest value accepted; a longer one is dropped (and reported as an empty value).
    package var maximumValueSize: Int
    /// One value per line (the API server's watch framing): a value still open at a line break — cut short,
    /// or with a raw line break inside a string, which JSON forbids — is returned as it stands at the break,
    /// so the caller sees it fail to parse instead of it swallowing the values after it.
    package var newlineDelimited: Bool

    /// A splitter that drops values larger than `maximumValueSize` bytes.
    package init(maximumValueSize: Int = 64 << 20, newlineDelimited: Bool = false) {
        self.maximumValueSize = maximumValueSize
        self.newlineDelimited = newlineDelimited
    }

    /// Bytes received but not yet part of a complete value.
    package var pendingByteCount: Int { buffer.count - (start ?? buffer.count) }

    /// Appends `bytes` and returns every value completed by them.
    package mutating func append<Bytes: Sequence>(_ bytes: Bytes) -> [[UInt8]] where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var values: [[UInt8]] = []
        var i = scanIndex
        while i < buffer.count {
            let byte = buffer[i]
            if let s = start {
                if bareValue {
                    if byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                        values.append(Self.trimmed(buffer[s..<i]))
                        start = nil
                        bareValue = false
                        continue  // rescan this byte as the start of the next value
                    }
                } else if newlineDelimited && (byte == 0x0A || byte == 0x0D) {
                    // Still open at a line break: cut short.
                    values.append(Array(buffer[s..<i]))
                    reset()
                } else if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                    depth += 1
                } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 {
                        values.append(Array(buffer[s...i]))
                        start = nil
                    }
                }
                if let s = start, i - s > maximumValueSize {
                    values.append([])
                    reset()
                    buffer.removeAll(keepingCapacity: true)
                    scanIndex = 0
                    return values
                }
            } else if !Self.isWhitespace(byte) {
                start = i
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                    depth = 1
                } else {
                    bareValue = true
                }
            }
            i += 1
        }
        // Drop consumed bytes.
        let keepFrom = start ?? buffer.count
        if keepFrom > 0 {
            buffer.removeFirst(keepFrom)
            if start != nil { start = 0 }
        }
        scanIndex = buffer.count
        return values
    }

    /// Returns a trailing bare value (a stream that ended without whitespace after it), if any.
    package mutating func finish() -> [UInt8]? {
        defer {
            reset()
            buffer = []
            scanIndex = 0
        }
        guard let s = start, s < buffer.count else { return nil }
        return Self.trimmed(buffer[s...])
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var end = bytes.endIndex
        while end > bytes.startIndex, isWhitespace(bytes[end - 1]) { end -= 1 }
        return Array(bytes[bytes.startIndex..<end])
    }

    private mutating func reset() {
        depth = 0
        inString = false
        escaped = false
        start = nil
        bareValue = false
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
