import KubeAPI
import SchedulerFramework

/// `PodTopologySpreadArgs` (kubescheduler.config.k8s.io/v1): the constraints applied to pods that have none.
///
/// Decoding applies upstream's v1 defaulting: a missing (or empty) `defaultingType` is `System`. Fields missing
/// from a constraint take Go's zero values (so a missing `maxSkew` is 0 and fails validation, as upstream).
package struct PodTopologySpreadArgs: PluginArgs, Equatable {
    /// Constraints for pods without `topologySpreadConstraints`; only with `defaultingType: List`, and without
    /// `labelSelector` (the selector is deduced from the Services, ReplicationControllers, ReplicaSets and
    /// StatefulSets selecting the pod).
    package var defaultConstraints: [TopologySpreadConstraint]
    /// Where the default constraints come from.
    package var defaultingType: DefaultingType

    /// `System` or `List`; any other text fails validation.
    package struct DefaultingType: RawRepresentable, Codable, Sendable, Hashable {
        /// The type as written in the configuration.
        package var rawValue: String
        /// Wraps any text; unsupported text fails ``PodTopologySpreadArgs/validate()``.
        package init(rawValue: String) { self.rawValue = rawValue }
        /// Decodes the type from a plain string.
        package init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        /// Encodes the type as a plain string.
        package func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }

        /// Upstream's built-in defaults: hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway.
        package static let system = DefaultingType(rawValue: "System")
        /// The `defaultConstraints` of these args.
        package static let list = DefaultingType(rawValue: "List")
    }

    /// Args with the given values, taken as given (no defaulting).
    package init(defaultConstraints: [TopologySpreadConstraint] = [], defaultingType: DefaultingType = .system) {
        self.defaultConstraints = defaultConstraints
        self.defaultingType = defaultingType
    }

    /// `defaultingType: System`, no listed constraints.
    package static var defaults: PodTopologySpreadArgs { PodTopologySpreadArgs() }

    enum CodingKeys: String, CodingKey { case defaultConstraints, defaultingType }

    /// Decodes the args with upstream's v1 defaulting (an empty `defaultingType` is `System`).
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        defaultConstraints =
            try c.decodeIfPresent([DecodedConstraint].self, forKey: .defaultConstraints)?.map(\.constraint) ?? []
        let type = try c.decodeIfPresent(DefaultingType.self, forKey: .defaultingType)
        defaultingType = (type?.rawValue ?? "").isEmpty ? .system : type ?? .system
    }

    /// A constraint decoded with Go's zero values for missing fields.
    struct DecodedConstraint: Decodable {
        let constraint: TopologySpreadConstraint

        enum CodingKeys: String, CodingKey {
            case maxSkew, topologyKey, whenUnsatisfiable, labelSelector, minDomains, nodeAffinityPolicy,
                nodeTaintsPolicy, matchLabelKeys
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            constraint = TopologySpreadConstraint(
                maxSkew: try c.decodeIfPresent(Int32.self, forKey: .maxSkew) ?? 0,
                topologyKey: try c.decodeIfPresent(String.self, forKey: .topologyKey) ?? "",
                whenUnsatisfiable: try c.decodeIfPresent(String.self, forKey: .whenUnsatisfiable) ?? "",
                labelSelector: try c.decodeIfPresent(LabelSelector.self, forKey: .labelSelector),
                minDomains: try c.decodeIfPresent(Int32.self, forKey: .minDomains),
                nodeAffinityPolicy: try c.decodeIfPresent(String.self, forKey: .nodeAffinityPolicy),
                nodeTaintsPolicy: try c.decodeIfPresent(String.self, forKey: .nodeTaintsPolicy),
                matchLabelKeys: try c.decodeIfPresent([String].self, forKey: .matchLabelKeys)
            )
        }
    }

    /// Upstream's `ValidatePodTopologySpreadArgs`, in its order; throws the first problem found.
    package func validate() throws(PluginArgsError) {
        if defaultingType != .system && defaultingType != .list {
            throw PluginArgsError(
                field: "defaultingType",
                "Unsupported value: \(Self.quoted(defaultingType.rawValue)): supported values: \"System\", \"List\""
            )
        }
        if defaultingType == .system && !defaultConstraints.isEmpty {
            throw PluginArgsError(
                field: "defaultingType",
                "Invalid value: \"System\": when .defaultConstraints are not empty"
            )
        }
        for (i, constraint) in defaultConstraints.enumerated() {
            let path = "defaultConstraints[\(i)]"
            if constraint.maxSkew <= 0 {
                throw PluginArgsError(
                    field: "\(path).maxSkew",
                    "Invalid value: \(constraint.maxSkew): not in valid range (0, inf)"
                )
            }
            if constraint.topologyKey.isEmpty {
                throw PluginArgsError(field: "\(path).topologyKey", "Required value: can not be empty")
            }
            if let problem = NameValidation.qualifiedNameErrors(constraint.topologyKey).first {
                throw PluginArgsError(
                    field: "\(path).topologyKey",
                    "Invalid value: \(Self.quoted(constraint.topologyKey)): \(problem)"
                )
            }
            if constraint.whenUnsatisfiable.isEmpty {
                throw PluginArgsError(field: "\(path).whenUnsatisfiable", "Required value: can not be empty")
            }
            if constraint.whenUnsatisfiable != PodTopologySpread.doNotSchedule
                && constraint.whenUnsatisfiable != PodTopologySpread.scheduleAnyway
            {
                throw PluginArgsError(
                    field: "\(path).whenUnsatisfiable",
                    "Unsupported value: \(Self.quoted(constraint.whenUnsatisfiable)): supported values: \"DoNotSchedule\", \"ScheduleAnyway\""
                )
            }
            if constraint.labelSelector != nil {
                throw PluginArgsError(
                    field: "\(path).labelSelector",
                    "Forbidden: constraint must not define a selector, as they deduced for each pod"
                )
            }
            for other in defaultConstraints[..<i]
            where other.topologyKey == constraint.topologyKey && other.whenUnsatisfiable == constraint.whenUnsatisfiable
            {
                throw PluginArgsError(
                    field: path,
                    "Duplicate value: \(Self.quoted("{\(constraint.topologyKey), \(constraint.whenUnsatisfiable)}"))"
                )
            }
        }
    }

    /// `text` as Go's `%q` prints a plain string.
    static func quoted(_ text: String) -> String { goQuoted(text) }
}
