/// `v1.Node`.
public struct Node: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: NodeSpec
    public var status: NodeStatus

    public init(metadata: ObjectMeta, spec: NodeSpec = NodeSpec(), status: NodeStatus = NodeStatus()) {
        self.apiVersion = "v1"
        self.kind = "Node"
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        spec = try c.decodeIfPresent(NodeSpec.self, forKey: .spec) ?? NodeSpec()
        status = try c.decodeIfPresent(NodeStatus.self, forKey: .status) ?? NodeStatus()
    }

    public var name: String { metadata.name }
    public var labels: [String: String] { metadata.labels ?? [:] }
    public var taints: [Taint] { spec.taints ?? [] }
}

public struct NodeSpec: Codable, Sendable, Hashable {
    public var unschedulable: Bool?
    public var taints: [Taint]?
    public var providerID: String?
    public init(unschedulable: Bool? = nil, taints: [Taint]? = nil) {
        self.unschedulable = unschedulable
        self.taints = taints
    }
}

public struct Taint: Codable, Sendable, Hashable {
    public var key: String
    public var value: String?
    public var effect: String
    public var timeAdded: String?
    public init(key: String, value: String? = nil, effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    public static let noSchedule = "NoSchedule"
    public static let preferNoSchedule = "PreferNoSchedule"
    public static let noExecute = "NoExecute"
}

public struct NodeStatus: Codable, Sendable, Hashable {
    public var capacity: ResourceList?
    public var allocatable: ResourceList?
    public var images: [ContainerImage]?
    public var conditions: [NodeCondition]?
    public init(capacity: ResourceList? = nil, allocatable: ResourceList? = nil, images: [ContainerImage]? = nil) {
        self.capacity = capacity
        self.allocatable = allocatable
        self.images = images
    }
}

public struct ContainerImage: Codable, Sendable, Hashable {
    public var names: [String]?
    public var sizeBytes: Int64?
    public init(names: [String], sizeBytes: Int64) {
        self.names = names
        self.sizeBytes = sizeBytes
    }
}

public struct NodeCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
}
