public struct Affinity: Codable, Sendable, Hashable {
    public var nodeAffinity: NodeAffinity?
    public var podAffinity: PodAffinity?
    public var podAntiAffinity: PodAntiAffinity?

    public init(
        nodeAffinity: NodeAffinity? = nil,
        podAffinity: PodAffinity? = nil,
        podAntiAffinity: PodAntiAffinity? = nil
    ) {
        self.nodeAffinity = nodeAffinity
        self.podAffinity = podAffinity
        self.podAntiAffinity = podAntiAffinity
    }
}

public struct NodeAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: NodeSelector?
    public var preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]?

    public init(required: NodeSelector? = nil, preferred: [PreferredSchedulingTerm]? = nil) {
        self.requiredDuringSchedulingIgnoredDuringExecution = required
        self.preferredDuringSchedulingIgnoredDuringExecution = preferred
    }

    public var required: NodeSelector? { requiredDuringSchedulingIgnoredDuringExecution }
    public var preferred: [PreferredSchedulingTerm] { preferredDuringSchedulingIgnoredDuringExecution ?? [] }
}

public struct NodeSelector: Codable, Sendable, Hashable {
    public var nodeSelectorTerms: [NodeSelectorTerm]
    public init(nodeSelectorTerms: [NodeSelectorTerm]) { self.nodeSelectorTerms = nodeSelectorTerms }

    enum CodingKeys: String, CodingKey { case nodeSelectorTerms }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nodeSelectorTerms = try c.decodeIfPresent([NodeSelectorTerm].self, forKey: .nodeSelectorTerms) ?? []
    }
}

public struct NodeSelectorTerm: Codable, Sendable, Hashable {
    public var matchExpressions: [NodeSelectorRequirement]?
    public var matchFields: [NodeSelectorRequirement]?
    public init(matchExpressions: [NodeSelectorRequirement]? = nil, matchFields: [NodeSelectorRequirement]? = nil) {
        self.matchExpressions = matchExpressions
        self.matchFields = matchFields
    }
}

public struct NodeSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    public var `operator`: String
    public var values: [String]?
    public init(key: String, operator: String, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}

public struct PreferredSchedulingTerm: Codable, Sendable, Hashable {
    public var weight: Int32
    public var preference: NodeSelectorTerm
    public init(weight: Int32, preference: NodeSelectorTerm) {
        self.weight = weight
        self.preference = preference
    }
}

public struct PodAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?
    public init(required: [PodAffinityTerm]? = nil, preferred: [WeightedPodAffinityTerm]? = nil) {
        self.requiredDuringSchedulingIgnoredDuringExecution = required
        self.preferredDuringSchedulingIgnoredDuringExecution = preferred
    }
    public var required: [PodAffinityTerm] { requiredDuringSchedulingIgnoredDuringExecution ?? [] }
    public var preferred: [WeightedPodAffinityTerm] { preferredDuringSchedulingIgnoredDuringExecution ?? [] }
}

public typealias PodAntiAffinity = PodAffinity

public struct PodAffinityTerm: Codable, Sendable, Hashable {
    public var labelSelector: LabelSelector?
    public var namespaces: [String]?
    public var topologyKey: String
    public var namespaceSelector: LabelSelector?
    public var matchLabelKeys: [String]?
    public var mismatchLabelKeys: [String]?

    public init(
        labelSelector: LabelSelector? = nil,
        namespaces: [String]? = nil,
        topologyKey: String,
        namespaceSelector: LabelSelector? = nil,
        matchLabelKeys: [String]? = nil,
        mismatchLabelKeys: [String]? = nil
    ) {
        self.labelSelector = labelSelector
        self.namespaces = namespaces
        self.topologyKey = topologyKey
        self.namespaceSelector = namespaceSelector
        self.matchLabelKeys = matchLabelKeys
        self.mismatchLabelKeys = mismatchLabelKeys
    }
}

public struct WeightedPodAffinityTerm: Codable, Sendable, Hashable {
    public var weight: Int32
    public var podAffinityTerm: PodAffinityTerm
    public init(weight: Int32, podAffinityTerm: PodAffinityTerm) {
        self.weight = weight
        self.podAffinityTerm = podAffinityTerm
    }
}
