import KubeAPI

/// The checks `metav1.LabelSelectorAsSelector` and `labels.NewRequirement` make, with upstream's messages, so a
/// pod whose term does not parse is refused with the text upstream prints (e.g.
/// `values[0][service]: Invalid value: "{{.bad-value.}}": a valid label must be …`).
enum SelectorValidation {
    static let qualifiedNameMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    /// The first requirement of `selector` that does not parse, as upstream's error text; nil when all parse.
    /// `matchLabels` are checked in key order (Go visits them in map order).
    static func firstError(_ selector: LabelSelector?) -> String? {
        guard let selector else { return nil }
        for (key, value) in (selector.matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let error = requirementError(key: key, operator: "=", values: [value]) { return error }
        }
        for expression in selector.matchExpressions ?? [] {
            switch expression.operator {
            case "In", "NotIn", "Exists", "DoesNotExist": break
            default: return "\"\(expression.operator)\" is not a valid label selector operator"
            }
            if let error = requirementError(key: expression.key, operator: expression.operator, values: expression.values ?? []) {
                return error
            }
        }
        return nil
    }

    /// `labels.NewRequirement`'s errors, aggregated as `utilerrors.NewAggregate` prints them.
    static func requirementError(key: String, operator op: String, values: [String]) -> String? {
        var errors: [String] = []
        let keyErrors = qualifiedNameErrors(key)
        if !keyErrors.isEmpty {
            errors.append("key: Invalid value: \(quoted(key)): " + keyErrors.joined(separator: "; "))
        }
        switch op {
        case "In", "NotIn":
            if values.isEmpty {
                errors.append("values: Invalid value: \(goStrings(values)): for 'in', 'notin' operators, values set can't be empty")
            }
        case "Exists", "DoesNotExist":
            if !values.isEmpty {
                errors.append("values: Invalid value: \(goStrings(values)): values set must be empty for exists and does not exist")
            }
        default:
            break
        }
        for (i, value) in values.enumerated() {
            let valueErrors = labelValueErrors(value)
            if !valueErrors.isEmpty {
                errors.append("values[\(i)][\(key)]: Invalid value: \(quoted(value)): " + valueErrors.joined(separator: "; "))
            }
        }
        if errors.isEmpty { return nil }
        return errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
    }

    /// `validation.IsValidLabelValue`.
    static func labelValueErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 63 { errors.append("must be no more than 63 characters") }
        if !value.isEmpty && !isQualifiedNamePart(Substring(value)) { errors.append(labelValueMessage) }
        return errors
    }

    /// `validation.IsQualifiedName`.
    static func qualifiedNameErrors(_ value: String) -> [String] {
        var errors: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                if prefix.utf8.count > 253 { errors.append("prefix part must be no more than 253 characters") }
                if !isSubdomain(prefix) { errors.append("prefix part " + subdomainMessage) }
            }
        default:
            return ["a qualified name " + qualifiedNameMessage + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errors.append("name part must be no more than 63 characters")
        }
        if !isQualifiedNamePart(name) { errors.append("name part " + qualifiedNameMessage) }
        return errors
    }

    private static func isQualifiedNamePart(_ name: Substring) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    private static func isSubdomain(_ value: Substring) -> Bool {
        value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
            return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 122)
    }

    /// Go's `%q` of a plain string.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result + "\""
    }

    /// A string slice as Go's `%#v` prints it: `[]string{"a", "b"}`.
    static func goStrings(_ values: [String]) -> String {
        "[]string{" + values.map(quoted).joined(separator: ", ") + "}"
    }
}
