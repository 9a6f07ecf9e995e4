/// Types plain YAML scalars the way go-yaml v2 (used by `sigs.k8s.io/yaml`, and so by kubectl and
/// kube-scheduler) does, so that a manifest or configuration means here what it means upstream.
enum ScalarResolver {
    /// The content of an untagged plain scalar.
    static func resolvePlain(_ text: String) -> PositionedValue.Content {
        guard let first = text.utf8.first else { return .null }
        switch text {
        case "~", "null", "Null", "NULL":
            return .null
        case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
            return .bool(true)
        case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
            return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
            return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF":
            return .float(-.infinity)
        case ".nan", ".NaN", ".NAN":
            return .float(.nan)
        default:
            break
        }
        // Only text starting like a number can be one.
        let isDigit = first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")
        guard isDigit || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".") else {
            return .string(text)
        }
        let plain = String(text.filter { $0 != "_" })
        if let integer = parseGoInteger(plain) {
            return integer
        }
        if isYAMLFloat(plain), let double = Double(plain) {
            return .float(double)
        }
        return .string(text)
    }

    /// The content of a scalar with an explicit tag (`!!str 5`, `!!int "5"`).
    static func resolveTagged(_ text: String, tag: String) -> PositionedValue.Content {
        switch tag {
        case "tag:yaml.org,2002:str", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:timestamp", "!":
            return .string(text)
        case "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float":
            let resolved = resolvePlain(text)
            switch (tag, resolved) {
            case ("tag:yaml.org,2002:null", .null), ("tag:yaml.org,2002:bool", .bool),
                ("tag:yaml.org,2002:int", .int), ("tag:yaml.org,2002:float", .float):
                return resolved
            case ("tag:yaml.org,2002:float", .int(let value)):
                return .float(Double(value))
            default:
                return .string(text)
            }
        default:
            // Unknown local tags do not change the value.
            return resolvePlain(text)
        }
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint` (kept as a float beyond Int64).
    static func parseGoInteger(_ text: String) -> PositionedValue.Content? {
        var bytes = Substring(text)
        var negative = false
        if let sign = bytes.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty else { return nil }
        var radix = 10
        if bytes.count > 1, bytes.first == "0" {
            let second = bytes[bytes.index(after: bytes.startIndex)]
            switch second {
            case "x", "X":
                radix = 16
                bytes = bytes.dropFirst(2)
            case "b", "B":
                radix = 2
                bytes = bytes.dropFirst(2)
            case "o", "O":
                radix = 8
                bytes = bytes.dropFirst(2)
            default:
                radix = 8
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty else { return nil }
        }
        guard bytes.allSatisfy({ $0.isASCII && $0.isHexDigit }), let magnitude = UInt64(bytes, radix: radix) else {
            return nil
        }
        if negative {
            if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
            if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            return nil  // ParseUint refuses a sign; go-yaml then tries a float, which this text is not.
        }
        if magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
        return .float(Double(magnitude))
    }

    /// go-yaml v2's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
    static func isYAMLFloat(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            bytes = bytes.dropFirst()
        }
        var integerDigits = 0
        while let byte = bytes.first, isDigit(byte) {
            integerDigits += 1
            bytes = bytes.dropFirst()
        }
        var fractionDigits = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            while let byte = bytes.first, isDigit(byte) {
                fractionDigits += 1
                bytes = bytes.dropFirst()
            }
            // `.5` needs fraction digits; `5.` does not.
            guard integerDigits > 0 || fractionDigits > 0 else { return false }
        } else if integerDigits == 0 {
            return false
        }
        if let byte = bytes.first, byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                bytes = bytes.dropFirst()
            }
            var exponentDigits = 0
            while let byte = bytes.first, isDigit(byte) {
                exponentDigits += 1
                bytes = bytes.dropFirst()
            }
            guard exponentDigits > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
