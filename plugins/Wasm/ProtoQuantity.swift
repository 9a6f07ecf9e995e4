import KubeAPI

/// `resource.Quantity` on the wire: its `String()`, the canonical form (apimachinery's `CanonicalizeBytes`),
/// not the text it was written as — `1000m` crosses as `1`, `1024Mi` as `1Gi`, `0.5` as `500m`, `1.5Gi` as
/// `1536Mi`. Computed from the exact value in billionths (rounded up to `1n` and capped at `Int64.max` units
/// as `ParseQuantity` does) and the format named by the suffix.
enum CanonicalQuantity {
    enum Format { case decimalSI, binarySI, decimalExponent }

    /// The format `ParseQuantity` assigns: binary for `Ki`…`Ei`, exponent for `e3`/`E-2`, decimal otherwise.
    static func format(of text: String) -> Format {
        var rest = Substring(text)
        if let first = rest.first, first == "+" || first == "-" { rest = rest.dropFirst() }
        rest = rest.drop { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard let first = rest.first else { return .decimalSI }
        if (first == "e" || first == "E") && rest.count > 1 { return .decimalExponent }
        return rest.hasSuffix("i") ? .binarySI : .decimalSI
    }

    static func string(_ quantity: Quantity) -> String {
        string(nanos: quantity.nanoValue, format: format(of: quantity.text))
    }

    static func string(nanos: Int128, format: Format) -> String {
        guard nanos != 0 else { return "0" }
        let nanosPerUnit = Quantity.nanosPerUnit
        if format == .binarySI, nanos <= -1024 * nanosPerUnit || nanos >= 1024 * nanosPerUnit,
            nanos % nanosPerUnit == 0
        {
            var amount = nanos / nanosPerUnit
            var exponent = 0
            while amount % 1024 == 0 && exponent < 6 {
                amount /= 1024
                exponent += 1
            }
            return "\(amount)" + ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exponent]
        }
        // Decimal: mantissa × 10^exponent with trailing zeros removed, then the exponent lowered to a multiple
        // of three.
        var mantissa = nanos
        var exponent = -9
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
        while exponent % 3 != 0 {
            mantissa *= 10
            exponent -= 1
        }
        if format == .decimalExponent {
            return exponent == 0 ? "\(mantissa)" : "\(mantissa)e\(exponent)"
        }
        let suffixes = [-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"]
        return "\(mantissa)" + (suffixes[exponent] ?? "e\(exponent)")
    }
}
