import KubeAPI
import SchedulerFramework

/// `NodeAffinityArgs` (kubescheduler.config.k8s.io/v1): node affinity the profile adds to every pod.
package struct NodeAffinityArgs: PluginArgs, Equatable {
    /// Required terms every node must match, and preferred terms added to every pod's score.
    package var addedAffinity: KubeAPI.NodeAffinity?

    /// Args adding `addedAffinity` to every pod of the profile.
    package init(addedAffinity: KubeAPI.NodeAffinity? = nil) {
        self.addedAffinity = addedAffinity
    }

    /// No added affinity.
    package static var defaults: NodeAffinityArgs { NodeAffinityArgs() }

    enum CodingKeys: String, CodingKey { case addedAffinity }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        addedAffinity = try c.decodeIfPresent(KubeAPI.NodeAffinity.self, forKey: .addedAffinity)
    }

    /// Upstream's `ValidateNodeAffinityArgs`: every non-empty required and preferred term must parse.
    package func validate() throws(PluginArgsError) {
        guard let affinity = addedAffinity else { return }
        if let required = affinity.requiredDuringSchedulingIgnoredDuringExecution {
            let path = "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
            for (i, term) in required.nodeSelectorTerms.enumerated() {
                if let error = NodeSelectorTermValidation.firstError(term, path: "\(path)[\(i)]") { throw error }
            }
        }
        let path = "addedAffinity.preferredDuringSchedulingIgnoredDuringExecution"
        for (i, term) in affinity.preferred.enumerated() where term.weight != 0 {
            if let error = NodeSelectorTermValidation.firstError(term.preference, path: "\(path)[\(i)].preference") {
                throw error
            }
        }
    }
}

/// Parse checks of a node selector term as upstream's `nodeaffinity` package makes them when it builds
/// selectors (operators, value counts, integer operands). Empty terms are ignored, as upstream drops them.
enum NodeSelectorTermValidation {
    static let labelOperators = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    static let fieldOperators = ["In", "NotIn"]

    static func firstError(_ term: NodeSelectorTerm, path: String) -> PluginArgsError? {
        for (j, requirement) in (term.matchExpressions ?? []).enumerated() {
            let base = "\(path).matchExpressions[\(j)]"
            let values = requirement.values ?? []
            switch requirement.operator {
            case "In", "NotIn":
                if values.isEmpty {
                    return PluginArgsError(
                        field: "\(base).values",
                        "Invalid value: \(goStrings(values)): for 'in', 'notin' operators, values set can't be empty"
                    )
                }
            case "Exists", "DoesNotExist":
                if !values.isEmpty {
                    return PluginArgsError(
                        field: "\(base).values",
                        "Invalid value: \(goStrings(values)): values set must be empty for exists and does not exist"
                    )
                }
            case "Gt", "Lt":
                if values.count != 1 {
                    return PluginArgsError(
                        field: "\(base).values",
                        "Invalid value: \(goStrings(values)): for 'Gt', 'Lt' operators, exactly one value is required"
                    )
                }
                for (k, value) in values.enumerated() where Int64(value) == nil {
                    return PluginArgsError(
                        field: "\(base).values[\(k)]",
                        "Invalid value: \"\(value)\": for 'Gt', 'Lt' operators, the value must be an integer"
                    )
                }
            default:
                return PluginArgsError(field: "\(base).operator", unsupported(requirement.operator, labelOperators))
            }
            if requirement.key.isEmpty {
                return PluginArgsError(field: "\(base).key", "Invalid value: \"\": name part must be non-empty")
            }
        }
        for (j, requirement) in (term.matchFields ?? []).enumerated() {
            let base = "\(path).matchFields[\(j)]"
            guard fieldOperators.contains(requirement.operator) else {
                return PluginArgsError(field: "\(base).operator", unsupported(requirement.operator, fieldOperators))
            }
            let values = requirement.values ?? []
            if values.count != 1 {
                return PluginArgsError(
                    field: "\(base).values",
                    "Invalid value: \(goStrings(values)): must have one element"
                )
            }
            if requirement.key != "metadata.name" {
                return PluginArgsError(
                    field: "\(base).key",
                    "Invalid value: \"\(requirement.key)\": not a valid field selector key"
                )
            }
        }
        return nil
    }

    static func unsupported(_ value: String, _ supported: [String]) -> String {
        "Unsupported value: \"\(value)\": supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    /// A string slice as Go's `%#v` prints it: `[]string{"a", "b"}`.
    static func goStrings(_ values: [String]) -> String {
        "[]string{" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "}"
    }
}
