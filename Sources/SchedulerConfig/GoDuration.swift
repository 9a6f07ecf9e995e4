import KubeAPI

/// A Go `time.Duration` written as text (`15s`, `1m30s`, `500ms`), as `metav1.Duration` fields take it.
package struct GoDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The duration in nanoseconds.
    package var nanoseconds: Int64

    /// Creates a duration from nanoseconds.
    package init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// Creates a duration from whole seconds.
    package init(seconds: Int64) { self.nanoseconds = seconds * 1_000_000_000 }

    /// The duration in seconds.
    package var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Shorter first.
    package static func < (lhs: GoDuration, rhs: GoDuration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// Go's `Duration.String()`: `15s`, `1m30s`, `1.5s`, `500ms`, `0s`.
    package var description: String {
        var value = nanoseconds.magnitude
        let sign = nanoseconds < 0 ? "-" : ""
        if value == 0 { return "0s" }
        if value < 1_000_000_000 {
            // Below one second Go uses the largest unit that keeps an integer part.
            let (unit, scale): (String, UInt64) =
                value < 1_000 ? ("ns", 1) : value < 1_000_000 ? ("µs", 1_000) : ("ms", 1_000_000)
            return sign + Self.decimal(value, scale: scale) + unit
        }
        var result = ""
        let hours = value / 3_600_000_000_000
        value -= hours * 3_600_000_000_000
        let minutes = value / 60_000_000_000
        value -= minutes * 60_000_000_000
        if hours > 0 { result += "\(hours)h" }
        if hours > 0 || minutes > 0 { result += "\(minutes)m" }
        result += Self.decimal(value, scale: 1_000_000_000) + "s"
        return sign + result
    }

    private static func decimal(_ value: UInt64, scale: UInt64) -> String {
        let whole = value / scale
        let fraction = value % scale
        guard fraction > 0 else { return String(whole) }
        var digits = String(fraction)
        let width = String(scale).count - 1
        digits = String(repeating: "0", count: width - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// Parses Go's duration syntax (`time.ParseDuration`): a sequence of decimal numbers with units
    /// `ns`, `us` (`µs`), `ms`, `s`, `m`, `h`, optionally signed; `0` alone needs no unit.
    ///
    /// - Throws: ``GoDurationError`` with Go's message (`time: unknown unit "x" in duration "1x"`).
    package init(parsing text: String) throws(GoDurationError) {
        let original = text
        var rest = Substring(text)
        var negative = false
        if let first = rest.first, first == "-" || first == "+" {
            negative = first == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" {
            self.nanoseconds = 0
            return
        }
        guard !rest.isEmpty else { throw GoDurationError("time: invalid duration \(goQuote(original))") }
        var total: UInt64 = 0
        let limit = UInt64(Int64.max) + (negative ? 1 : 0)
        while !rest.isEmpty {
            guard let first = rest.first, first == "." || first.isASCIIDigit else {
                throw GoDurationError("time: invalid duration \(goQuote(original))")
            }
            let integerDigits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(integerDigits.count)
            var fractionDigits = Substring("")
            if rest.first == "." {
                rest = rest.dropFirst()
                fractionDigits = rest.prefix(while: \.isASCIIDigit)
                rest = rest.dropFirst(fractionDigits.count)
            }
            guard !integerDigits.isEmpty || !fractionDigits.isEmpty else {
                throw GoDurationError("time: invalid duration \(goQuote(original))")
            }
            let unitText = rest.prefix(while: { $0 != "." && !$0.isASCIIDigit })
            rest = rest.dropFirst(unitText.count)
            guard !unitText.isEmpty else {
                throw GoDurationError("time: missing unit in duration \(goQuote(original))")
            }
            let unit: UInt64
            switch unitText {
            case "ns": unit = 1
            case "us", "µs", "μs": unit = 1_000
            case "ms": unit = 1_000_000
            case "s": unit = 1_000_000_000
            case "m": unit = 60_000_000_000
            case "h": unit = 3_600_000_000_000
            default:
                throw GoDurationError(
                    "time: unknown unit \(goQuote(String(unitText))) in duration \(goQuote(original))"
                )
            }
            let overflow = GoDurationError("time: invalid duration \(goQuote(original))")
            var integer: UInt64 = 0
            for digit in integerDigits {
                let (times, o1) = integer.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(UInt64(digit.asciiValue ?? 48) - 48)
                guard !o1, !o2, plus <= 1 << 63 else { throw overflow }
                integer = plus
            }
            let (whole, o3) = integer.multipliedReportingOverflow(by: unit)
            guard !o3, whole <= 1 << 63 else { throw overflow }
            // The fraction, computed as Go does: float64(f) * (float64(unit) / scale), truncated.
            var fraction: UInt64 = 0
            var scale: Double = 1
            for digit in fractionDigits.prefix(18) {
                fraction = fraction * 10 + UInt64((digit.asciiValue ?? 48) - 48)
                scale *= 10
            }
            let part = whole + UInt64((Double(fraction) * (Double(unit) / scale)).rounded(.towardZero))
            let (sum, o4) = total.addingReportingOverflow(part)
            guard !o4, sum <= limit else { throw overflow }
            total = sum
        }
        if negative {
            self.nanoseconds = total == UInt64(Int64.max) + 1 ? Int64.min : -Int64(total)
        } else {
            self.nanoseconds = Int64(total)
        }
    }
}

extension GoDuration: Decodable {
    /// Decodes a duration string; numbers are refused, as `metav1.Duration` refuses them.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try GoDuration(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
}

/// A duration string Go's `time.ParseDuration` would refuse.
package struct GoDurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Go's message, e.g. `time: unknown unit "x" in duration "15x"`.
    package let description: String
    init(_ description: String) { self.description = description }
}

/// Go's `strconv.Quote`.
func goQuote(_ text: String) -> String { goQuoted(text) }

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
