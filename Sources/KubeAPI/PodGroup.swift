/// `scheduling.x-k8s.io/v1alpha1` PodGroup, the gang of kubernetes-sigs/scheduler-plugins' Coscheduling:
/// pods join it with the label ``PodGroup/label`` and are bound only when `minMember` of them can be.
public struct PodGroup: Codable, Sendable, Hashable {
    /// The label that names a pod's group (in the pod's namespace).
    public static let label = "scheduling.x-k8s.io/pod-group"
    /// The API version objects are written with.
    public static let apiVersion = "scheduling.x-k8s.io/v1alpha1"

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodGroupSpec
    public var status: PodGroupStatus?

    public init(metadata: ObjectMeta, spec: PodGroupSpec, status: PodGroupStatus? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = "PodGroup"
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
        spec = try c.decodeIfPresent(PodGroupSpec.self, forKey: .spec) ?? PodGroupSpec()
        status = try c.decodeIfPresent(PodGroupStatus.self, forKey: .status)
    }
}

/// What a PodGroup asks for.
public struct PodGroupSpec: Codable, Sendable, Hashable {
    /// How many pods must be placeable together before any is bound (the CRD's minimum is 1; 0 when unset).
    public var minMember: Int32
    /// Resources the cluster must have free for the whole group before its pods are tried.
    public var minResources: ResourceList?
    /// How long assumed members wait at Permit for the rest; the plugin's `permitWaitingTimeSeconds` when unset.
    public var scheduleTimeoutSeconds: Int32?

    public init(minMember: Int32 = 0, minResources: ResourceList? = nil, scheduleTimeoutSeconds: Int32? = nil) {
        self.minMember = minMember
        self.minResources = minResources
        self.scheduleTimeoutSeconds = scheduleTimeoutSeconds
    }

    enum CodingKeys: String, CodingKey { case minMember, minResources, scheduleTimeoutSeconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minMember = try c.decodeIfPresent(Int32.self, forKey: .minMember) ?? 0
        minResources = try c.decodeIfPresent(ResourceList.self, forKey: .minResources)
        scheduleTimeoutSeconds = try c.decodeIfPresent(Int32.self, forKey: .scheduleTimeoutSeconds)
    }
}

/// What the PodGroup controller reports; the scheduler only reads it.
public struct PodGroupStatus: Codable, Sendable, Hashable {
    /// `Pending`, `Scheduling`, `Running`, `Unknown`, `Finished` or `Failed`.
    public var phase: String?
    public var occupiedBy: String?
    public var scheduled: Int32?
    public var running: Int32?
    public var succeeded: Int32?
    public var failed: Int32?
    public var scheduleStartTime: String?

    public init(phase: String? = nil) { self.phase = phase }
}
