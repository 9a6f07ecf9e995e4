/// A compiled `requiredDuringScheduling` node selector (terms ORed), as `nodeaffinity.NodeSelector`.
///
/// Invalid terms are dropped lazily: they never match, while the other terms still can. A selector whose
/// terms are all empty or invalid matches no node.
public struct CompiledNodeSelector: Sendable, Hashable {
    public let terms: [CompiledNodeSelectorTerm]

    public init(_ selector: NodeSelector) {
        terms = selector.nodeSelectorTerms.compactMap { CompiledNodeSelectorTerm($0) }
    }

    public func matches(_ node: Node) -> Bool {
        matches(labels: node.metadata.labels ?? [:], name: node.metadata.name)
    }

    public func matches(labels: [String: String], name: String) -> Bool {
        // Indexing (not `for … in`) avoids copying each term per node on the Filter path.
        for index in terms.indices where terms[index].matches(labels: labels, name: name) { return true }
        return false
    }
}

/// One node selector term: its label expressions ANDed with its field expressions.
/// `nil` from the initializer means the term is empty or invalid and therefore matches nothing.
public struct CompiledNodeSelectorTerm: Sendable, Hashable {
    public let labelRequirements: [LabelRequirement]
    /// `metadata.name` In/NotIn with one value each: (name, mustEqual).
    public let nameRequirements: [NameRequirement]
    public let isValid: Bool

    public struct NameRequirement: Sendable, Hashable {
        public let name: String
        public let mustEqual: Bool
    }

    public init?(_ term: NodeSelectorTerm) {
        let expressions = term.matchExpressions ?? []
        let fields = term.matchFields ?? []
        guard !expressions.isEmpty || !fields.isEmpty else { return nil }
        var labels: [LabelRequirement] = []
        var valid = true
        for expression in expressions {
            do {
                labels.append(
                    try LabelRequirement(
                        key: expression.key,
                        operator: expression.operator,
                        values: expression.values ?? []
                    )
                )
            } catch {
                valid = false
            }
        }
        var names: [NameRequirement] = []
        for field in fields {
            let values = field.values ?? []
            guard field.key == "metadata.name", values.count == 1, field.operator == "In" || field.operator == "NotIn"
            else {
                valid = false
                continue
            }
            names.append(NameRequirement(name: values[0], mustEqual: field.operator == "In"))
        }
        self.labelRequirements = labels
        self.nameRequirements = names
        self.isValid = valid
    }

    public func matches(labels: [String: String], name: String) -> Bool {
        guard isValid else { return false }
        for index in labelRequirements.indices where !labelRequirements[index].matches(labels) { return false }
        if !name.isEmpty {
            for index in nameRequirements.indices
            where (nameRequirements[index].name == name) != nameRequirements[index].mustEqual {
                return false
            }
        }
        return true
    }
}
