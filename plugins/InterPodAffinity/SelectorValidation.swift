import KubeAPI

/// The checks `metav1.LabelSelectorAsSelector` and `labels.NewRequirement` make, with upstream's messages, so a
/// pod whose term does not parse is refused with the text upstream prints (e.g.
/// `values[0][service]: Invalid value: "{{.bad-value.}}": a valid label must be …`).
enum SelectorValidation {
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
            if let error = requirementError(
                key: expression.key,
                operator: expression.operator,
                values: expression.values ?? []
            ) {
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
                errors.append(
                    "values: Invalid value: \(goStrings(values)): for 'in', 'notin' operators, values set can't be empty"
                )
            }
        case "Exists", "DoesNotExist":
            if !values.isEmpty {
                errors.append(
                    "values: Invalid value: \(goStrings(values)): values set must be empty for exists and does not exist"
                )
            }
        default:
            break
        }
        for (i, value) in values.enumerated() {
            let valueErrors = labelValueErrors(value)
            if !valueErrors.isEmpty {
                errors.append(
                    "values[\(i)][\(key)]: Invalid value: \(quoted(value)): " + valueErrors.joined(separator: "; ")
                )
            }
        }
        if errors.isEmpty { return nil }
        return errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
    }

    /// `validation.IsValidLabelValue`.
    static func labelValueErrors(_ value: String) -> [String] { NameValidation.labelValueErrors(value) }

    static func qualifiedNameErrors(_ value: String) -> [String] { NameValidation.qualifiedNameErrors(value) }

    /// Go's `%q` of a plain string.
    static func quoted(_ text: String) -> String { goQuoted(text) }

    /// A string slice as Go's `%#v` prints it: `[]string{"a", "b"}`.
    static func goStrings(_ values: [String]) -> String {
        "[]string{" + values.map(quoted).joined(separator: ", ") + "}"
    }
}
