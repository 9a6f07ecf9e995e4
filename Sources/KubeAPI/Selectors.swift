/// `metav1.LabelSelector`: matchLabels and matchExpressions, all ANDed.
public struct LabelSelector: Codable, Sendable, Hashable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// True when the selector has no requirement at all (`{}`), which selects everything.
    public var isEmpty: Bool { (matchLabels ?? [:]).isEmpty && (matchExpressions ?? []).isEmpty }
}

/// One `matchExpressions` entry of a label selector.
public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    public var `operator`: String
    public var values: [String]?

    public init(key: String, operator: String, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}

/// A label requirement in its checked, ready-to-match form (`labels.Requirement`).
public struct LabelRequirement: Sendable, Hashable {
    public enum Operator: Sendable, Hashable {
        case `in`, notIn, exists, doesNotExist, greaterThan, lessThan
    }
    public let key: String
    public let op: Operator
    public let values: [String]
    /// For Gt/Lt: the single integer operand.
    let bound: Int64

    /// Validates `op` and `values` the way `labels.NewRequirement` does.
    public init(key: String, operator name: String, values: [String]) throws(SelectorError) {
        self.key = key
        self.values = values
        var bound: Int64 = 0
        switch name {
        case "In":
            self.op = .in
            guard !values.isEmpty else { throw SelectorError("\(key): values must be non-empty for operator \(name)") }
        case "NotIn":
            self.op = .notIn
            guard !values.isEmpty else { throw SelectorError("\(key): values must be non-empty for operator \(name)") }
        case "Exists":
            self.op = .exists
            guard values.isEmpty else { throw SelectorError("\(key): values must be empty for operator \(name)") }
        case "DoesNotExist":
            self.op = .doesNotExist
            guard values.isEmpty else { throw SelectorError("\(key): values must be empty for operator \(name)") }
        case "Gt", "Lt":
            self.op = name == "Gt" ? .greaterThan : .lessThan
            guard values.count == 1, let value = Int64(values[0]) else {
                throw SelectorError("\(key): for operator \(name) values must be a single integer")
            }
            bound = value
        default:
            throw SelectorError("\(key): \"\(name)\" is not a valid label selector operator")
        }
        guard !key.isEmpty else { throw SelectorError("label key must not be empty") }
        self.bound = bound
    }

    /// Whether `labels` satisfy this requirement. NotIn and DoesNotExist match absent keys.
    @inlinable
    public func matches(_ labels: [String: String]) -> Bool {
        let value = labels[key]
        switch op {
        case .in: return value.map { values.contains($0) } ?? false
        case .notIn: return value.map { !values.contains($0) } ?? true
        case .exists: return value != nil
        case .doesNotExist: return value == nil
        case .greaterThan:
            guard let value, let number = Int64(value) else { return false }
            return number > boundValue
        case .lessThan:
            guard let value, let number = Int64(value) else { return false }
            return number < boundValue
        }
    }

    @usableFromInline var boundValue: Int64 { bound }
}

/// An invalid selector or requirement.
public struct SelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A compiled label selector. `nothing` matches no object (a nil selector in most contexts);
/// an empty requirement list matches everything.
public struct Selector: Sendable, Hashable {
    public let requirements: [LabelRequirement]
    public let matchesNothing: Bool

    public static let everything = Selector(requirements: [], matchesNothing: false)
    public static let nothing = Selector(requirements: [], matchesNothing: true)

    public init(requirements: [LabelRequirement], matchesNothing: Bool = false) {
        self.requirements = requirements
        self.matchesNothing = matchesNothing
    }

    /// `metav1.LabelSelectorAsSelector`: nil → nothing, `{}` → everything.
    public init(_ selector: LabelSelector?) throws(SelectorError) {
        guard let selector else {
            self = .nothing
            return
        }
        var requirements: [LabelRequirement] = []
        for (key, value) in (selector.matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) {
            requirements.append(try LabelRequirement(key: key, operator: "In", values: [value]))
        }
        for expression in selector.matchExpressions ?? [] {
            // Gt/Lt exist only in node selectors, not in metav1 label selectors.
            guard expression.operator != "Gt", expression.operator != "Lt" else {
                throw SelectorError(
                    "\(expression.key): \"\(expression.operator)\" is not a valid label selector operator"
                )
            }
            requirements.append(
                try LabelRequirement(
                    key: expression.key,
                    operator: expression.operator,
                    values: expression.values ?? []
                )
            )
        }
        self.init(requirements: requirements)
    }

    /// A selector requiring each label in `labels` to have exactly its value (`labels.SelectorFromSet`).
    public init(matching labels: [String: String]) {
        var requirements: [LabelRequirement] = []
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            if let requirement = try? LabelRequirement(key: key, operator: "In", values: [value]) {
                requirements.append(requirement)
            }
        }
        self.init(requirements: requirements)
    }

    /// True when the selector matches everything (`Empty()` upstream).
    public var isEmpty: Bool { !matchesNothing && requirements.isEmpty }

    @inlinable
    public func matches(_ labels: [String: String]) -> Bool {
        if matchesNothing { return false }
        for requirement in requirements where !requirement.matches(labels) { return false }
        return true
    }

    /// Returns this selector with `extra` requirements ANDed.
    public func adding(_ extra: [LabelRequirement]) -> Selector {
        Selector(requirements: requirements + extra, matchesNothing: matchesNothing)
    }
}
