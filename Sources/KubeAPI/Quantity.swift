/// A Kubernetes resource quantity (`500m`, `1.5Gi`, `1e3`, `2`), parsed by apimachinery's rules.
///
/// The parsed value is kept as two saturating integers with upstream's rounding: ``value`` is
/// `Value()` (rounded up to a whole unit) and ``milliValue`` is `MilliValue()` (rounded up to a
/// thousandth). CPU is read through ``milliValue``; memory, storage and counts through ``value``.
public struct Quantity: Sendable, Hashable, CustomStringConvertible {
    /// The quantity rounded up to a whole unit (bytes, cores, counts), saturated at `Int64.max`.
    public let value: Int64
    /// The quantity in thousandths, rounded up, saturated at `Int64.max`.
    public let milliValue: Int64
    /// The text the quantity was written as.
    public let text: String
    /// The exact quantity in billionths (apimachinery keeps quantities exactly and rounds a value finer
    /// than `1n` up to `1n`), saturated at ±`Int64.max` units. Sums of quantities are taken here, so that
    /// rounding to ``value`` or ``milliValue`` happens once, on the total, as upstream's `Quantity.Add`.
    public let nanoValue: Int128

    public var description: String { text }

    /// Creates a quantity from a whole number of units.
    public init(_ value: Int64) {
        self.value = value
        self.milliValue =
            value.multipliedReportingOverflow(by: 1000).overflow
            ? (value < 0 ? Int64.min : Int64.max) : value * 1000
        self.text = String(value)
        self.nanoValue = Int128(value) * Quantity.nanosPerUnit
    }

    /// Billionths in one unit.
    public static let nanosPerUnit: Int128 = 1_000_000_000

    /// Creates a quantity from thousandths of a unit (`Quantity(milli: 250)` is `250m`).
    public init(milli: Int64) {
        self.milliValue = milli
        self.value = milli >= 0 ? (milli + 999) / 1000 : milli / 1000
        self.text = milli % 1000 == 0 ? String(milli / 1000) : "\(milli)m"
        self.nanoValue = Int128(milli) * 1_000_000
    }

    /// Rounds an exact amount in billionths up (away from zero) to whole units, saturated to Int64.
    public static func units(fromNanos nanos: Int128) -> Int64 {
        rounded(nanos, divisor: nanosPerUnit)
    }

    /// Rounds an exact amount in billionths up (away from zero) to thousandths, saturated to Int64.
    public static func millis(fromNanos nanos: Int128) -> Int64 {
        rounded(nanos, divisor: 1_000_000)
    }

    private static func rounded(_ nanos: Int128, divisor: Int128) -> Int64 {
        var result = nanos / divisor
        if nanos % divisor != 0 { result += nanos < 0 ? -1 : 1 }
        if result > Int128(Int64.max) { return Int64.max }
        if result < Int128(Int64.min) { return Int64.min }
        return Int64(result)
    }

    /// Parses `text`, or returns nil when it is not a valid quantity.
    public init?(parsing text: String) {
        guard let parsed = QuantityParser.parse(text) else { return nil }
        self.value = parsed.value
        self.milliValue = parsed.milli
        self.nanoValue = parsed.nanos
        self.text = text
    }

    /// Parses `text`, throwing a ``QuantityError`` that quotes it when it is invalid.
    public init(validating text: String) throws(QuantityError) {
        guard let quantity = Quantity(parsing: text) else { throw QuantityError(text: text) }
        self = quantity
    }

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        lhs.milliValue == rhs.milliValue && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(milliValue)
        hasher.combine(value)
    }
}

/// A string that is not a valid quantity.
public struct QuantityError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public var description: String {
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"\(text)\""
    }
}

extension Quantity: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let double = try? container.decode(Double.self) {
            text = String(double)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a quantity")
        }
        guard let quantity = Quantity(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: QuantityError(text: text).description
            )
        }
        self = quantity
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// Exact fixed-point parsing: `digits × 10^exp10 × 2^exp2`, evaluated in 128-bit integers, rounded up.
enum QuantityParser {
    static func parse(_ text: String) -> (value: Int64, milli: Int64, nanos: Int128)? {
        var bytes = Array(text.utf8)[...]
        guard !bytes.isEmpty else { return nil }
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        // Number part: digits with at most one '.', at least one digit.
        var mantissa: Int128 = 0
        var fractionDigits = 0
        var sawDot = false
        var sawDigit = false
        var overflowDigits = 0  // digits dropped because the mantissa is already huge
        while let byte = bytes.first {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
                if mantissa < Int128(10).power(30) {
                    mantissa = mantissa * 10 + Int128(byte - UInt8(ascii: "0"))
                    if sawDot { fractionDigits += 1 }
                } else if !sawDot {
                    overflowDigits += 1
                }
                bytes = bytes.dropFirst()
            } else if byte == UInt8(ascii: ".") && !sawDot {
                sawDot = true
                bytes = bytes.dropFirst()
            } else {
                break
            }
        }
        guard sawDigit else { return nil }
        // Suffix.
        let suffix = String(decoding: bytes, as: UTF8.self)
        var exp10 = overflowDigits - fractionDigits
        var exp2 = 0
        switch suffix {
        case "": break
        case "n": exp10 -= 9
        case "u": exp10 -= 6
        case "m": exp10 -= 3
        case "k": exp10 += 3
        case "M": exp10 += 6
        case "G": exp10 += 9
        case "T": exp10 += 12
        case "P": exp10 += 15
        case "E": exp10 += 18
        case "Ki": exp2 = 10
        case "Mi": exp2 = 20
        case "Gi": exp2 = 30
        case "Ti": exp2 = 40
        case "Pi": exp2 = 50
        case "Ei": exp2 = 60
        default:
            // Exponent form: e<int> or E<int>.
            let chars = Array(suffix.utf8)
            guard chars.count >= 2, chars[0] == UInt8(ascii: "e") || chars[0] == UInt8(ascii: "E") else { return nil }
            let rest = String(decoding: chars.dropFirst(), as: UTF8.self)
            guard
                rest.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || ($0 >= 48 && $0 <= 57) }),
                let exponent = Int(rest), abs(exponent) < 1000
            else { return nil }
            exp10 += exponent
        }
        return (
            scaled(mantissa, exp10: exp10, exp2: exp2, negative: negative),
            scaled(mantissa, exp10: exp10 + 3, exp2: exp2, negative: negative),
            scaledNanos(mantissa, exp10: exp10 + 9, exp2: exp2, negative: negative)
        )
    }

    /// `mantissa × 10^exp10 × 2^exp2` in billionths, rounded away from zero, saturated at
    /// ±`Int64.max` units (apimachinery's bound). Exact for every input: a fraction is carried by binary
    /// long division, so no intermediate exceeds twice the bound or twice the divisor.
    private static func scaledNanos(_ mantissa: Int128, exp10: Int, exp2: Int, negative: Bool) -> Int128 {
        if mantissa == 0 { return 0 }
        let limit = Int128(Int64.max) * Quantity.nanosPerUnit
        let saturated = negative ? -limit : limit
        var whole: Int128
        var remainder: Int128 = 0
        var divisor: Int128 = 1
        if exp10 >= 0 {
            whole = mantissa
            for _ in 0..<exp10 {
                whole *= 10
                if whole > limit { return saturated }
            }
        } else {
            if -exp10 > 36 { return negative ? -1 : 1 }  // finer than 1n: rounds up to 1n
            divisor = Int128(10).power(-exp10)
            whole = mantissa / divisor
            remainder = mantissa % divisor
        }
        for _ in 0..<exp2 {
            whole <<= 1
            remainder <<= 1
            if remainder >= divisor {
                whole += 1
                remainder -= divisor
            }
            if whole > limit { return saturated }
        }
        if remainder != 0 { whole += 1 }
        if whole > limit { whole = limit }
        return negative ? -whole : whole
    }

    /// `mantissa × 10^exp10 × 2^exp2`, rounded away from zero, saturated to Int64. Carried as a whole part and a
    /// remainder over `10^-exp10` (binary long division for `2^exp2`), each bound checked before it grows, so
    /// nothing overflows and a long fraction times a binary suffix (`1.000…0Ei`) stays exact.
    private static func scaled(_ mantissa: Int128, exp10: Int, exp2: Int, negative: Bool) -> Int64 {
        if mantissa == 0 { return 0 }
        let limit = Int128(Int64.max)
        let saturated = negative ? Int64.min : Int64.max
        var whole: Int128
        var remainder: Int128 = 0
        var divisor: Int128 = 1
        if exp10 >= 0 {
            whole = mantissa
            for _ in 0..<exp10 {
                if whole > limit { return saturated }
                whole *= 10
            }
        } else {
            if -exp10 > 36 { return negative ? -1 : 1 }  // tiny but non-zero rounds up to one unit
            divisor = Int128(10).power(-exp10)
            whole = mantissa / divisor
            remainder = mantissa % divisor
        }
        for _ in 0..<exp2 {
            if whole > limit { return saturated }
            whole <<= 1
            remainder <<= 1
            if remainder >= divisor {
                whole += 1
                remainder -= divisor
            }
        }
        if remainder != 0 { whole += 1 }
        if whole > limit { return saturated }
        return negative ? -Int64(whole) : Int64(whole)
    }
}

extension Int128 {
    fileprivate func power(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<exponent { result *= self }
        return result
    }
}

/// Well-known resource names.
public enum ResourceName {
    public static let cpu = "cpu"
    public static let memory = "memory"
    public static let ephemeralStorage = "ephemeral-storage"
    public static let pods = "pods"
    public static let storage = "storage"
}

/// `requests`, `limits`, `capacity`, `allocatable` and `overhead` maps.
public typealias ResourceList = [String: Quantity]
