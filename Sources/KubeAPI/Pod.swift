/// `v1.Pod`, with the fields a scheduler reads. Unknown fields are ignored when decoding.
public struct Pod: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodSpec
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec = PodSpec(), status: PodStatus? = nil) {
        self.apiVersion = "v1"
        self.kind = "Pod"
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
        spec = try c.decodeIfPresent(PodSpec.self, forKey: .spec) ?? PodSpec()
        status = try c.decodeIfPresent(PodStatus.self, forKey: .status)
    }

    /// `namespace/name`, the key upstream's queue and cache use.
    public var key: String { "\(metadata.namespace ?? "default")/\(metadata.name)" }
    public var namespace: String { metadata.namespace ?? "default" }
    public var name: String { metadata.name }
    public var labels: [String: String] { metadata.labels ?? [:] }
    /// The UID, or the key when the object has none (manifests written by hand).
    public var uid: String { metadata.uid ?? key }
    public var priority: Int32 { spec.priority ?? 0 }
    public var schedulerName: String { spec.schedulerName ?? "default-scheduler" }
    public var nodeName: String { spec.nodeName ?? "" }
    public var isTerminal: Bool { status?.phase == "Succeeded" || status?.phase == "Failed" }
    public var isTerminating: Bool { metadata.deletionTimestamp != nil }
}

public struct PodSpec: Codable, Sendable, Hashable {
    public var containers: [Container]
    public var initContainers: [Container]?
    public var overhead: ResourceList?
    /// Pod-level resources (`spec.resources`).
    public var resources: ResourceRequirements?
    public var nodeSelector: [String: String]?
    public var affinity: Affinity?
    public var tolerations: [Toleration]?
    public var topologySpreadConstraints: [TopologySpreadConstraint]?
    public var volumes: [Volume]?
    public var priority: Int32?
    public var priorityClassName: String?
    public var preemptionPolicy: String?
    public var schedulerName: String?
    public var schedulingGates: [PodSchedulingGate]?
    public var nodeName: String?
    public var hostNetwork: Bool?

    public init(
        containers: [Container] = [],
        initContainers: [Container]? = nil,
        overhead: ResourceList? = nil,
        nodeSelector: [String: String]? = nil,
        affinity: Affinity? = nil,
        tolerations: [Toleration]? = nil,
        topologySpreadConstraints: [TopologySpreadConstraint]? = nil,
        volumes: [Volume]? = nil,
        priority: Int32? = nil,
        priorityClassName: String? = nil,
        preemptionPolicy: String? = nil,
        schedulerName: String? = nil,
        schedulingGates: [PodSchedulingGate]? = nil,
        nodeName: String? = nil
    ) {
        self.containers = containers
        self.initContainers = initContainers
        self.overhead = overhead
        self.nodeSelector = nodeSelector
        self.affinity = affinity
        self.tolerations = tolerations
        self.topologySpreadConstraints = topologySpreadConstraints
        self.volumes = volumes
        self.priority = priority
        self.priorityClassName = priorityClassName
        self.preemptionPolicy = preemptionPolicy
        self.schedulerName = schedulerName
        self.schedulingGates = schedulingGates
        self.nodeName = nodeName
    }

    enum CodingKeys: String, CodingKey {
        case containers, initContainers, overhead, resources, nodeSelector, affinity, tolerations
        case topologySpreadConstraints, volumes, priority, priorityClassName, preemptionPolicy
        case schedulerName, schedulingGates, nodeName, hostNetwork
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        containers = try c.decodeIfPresent([Container].self, forKey: .containers) ?? []
        initContainers = try c.decodeIfPresent([Container].self, forKey: .initContainers)
        overhead = try c.decodeIfPresent(ResourceList.self, forKey: .overhead)
        resources = try c.decodeIfPresent(ResourceRequirements.self, forKey: .resources)
        nodeSelector = try c.decodeIfPresent([String: String].self, forKey: .nodeSelector)
        affinity = try c.decodeIfPresent(Affinity.self, forKey: .affinity)
        tolerations = try c.decodeIfPresent([Toleration].self, forKey: .tolerations)
        topologySpreadConstraints = try c.decodeIfPresent(
            [TopologySpreadConstraint].self,
            forKey: .topologySpreadConstraints
        )
        volumes = try c.decodeIfPresent([Volume].self, forKey: .volumes)
        priority = try c.decodeIfPresent(Int32.self, forKey: .priority)
        priorityClassName = try c.decodeIfPresent(String.self, forKey: .priorityClassName)
        preemptionPolicy = try c.decodeIfPresent(String.self, forKey: .preemptionPolicy)
        schedulerName = try c.decodeIfPresent(String.self, forKey: .schedulerName)
        schedulingGates = try c.decodeIfPresent([PodSchedulingGate].self, forKey: .schedulingGates)
        nodeName = try c.decodeIfPresent(String.self, forKey: .nodeName)
        hostNetwork = try c.decodeIfPresent(Bool.self, forKey: .hostNetwork)
    }
}

public struct PodSchedulingGate: Codable, Sendable, Hashable {
    public var name: String
    public init(name: String) { self.name = name }
}

public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    public var resources: ResourceRequirements?
    public var ports: [ContainerPort]?
    /// `Always` on an init container makes it a sidecar (restartable init container).
    public var restartPolicy: String?

    public init(
        name: String,
        image: String? = nil,
        resources: ResourceRequirements? = nil,
        ports: [ContainerPort]? = nil,
        restartPolicy: String? = nil
    ) {
        self.name = name
        self.image = image
        self.resources = resources
        self.ports = ports
        self.restartPolicy = restartPolicy
    }

    public var isSidecar: Bool { restartPolicy == "Always" }
}

public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var requests: ResourceList?
    public var limits: ResourceList?
    public init(requests: ResourceList? = nil, limits: ResourceList? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

public struct ContainerPort: Codable, Sendable, Hashable {
    public var name: String?
    public var containerPort: Int32
    public var hostPort: Int32?
    public var hostIP: String?
    public var `protocol`: String?

    public init(containerPort: Int32, hostPort: Int32? = nil, hostIP: String? = nil, protocol: String? = nil) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.hostIP = hostIP
        self.protocol = `protocol`
    }
}

public struct PodStatus: Codable, Sendable, Hashable {
    public var phase: String?
    public var conditions: [PodCondition]?
    public var nominatedNodeName: String?
    public var startTime: String?
    public var qosClass: String?
    /// In-place resize: what the kubelet allocated and actuated, per container.
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?

    public init(
        phase: String? = nil,
        conditions: [PodCondition]? = nil,
        nominatedNodeName: String? = nil,
        startTime: String? = nil
    ) {
        self.phase = phase
        self.conditions = conditions
        self.nominatedNodeName = nominatedNodeName
        self.startTime = startTime
    }
}

public struct PodCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: String?
    public var observedGeneration: Int64?

    public init(
        type: String,
        status: String,
        reason: String? = nil,
        message: String? = nil,
        lastTransitionTime: String? = nil
    ) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

public struct Toleration: Codable, Sendable, Hashable {
    public var key: String?
    public var `operator`: String?
    public var value: String?
    public var effect: String?
    public var tolerationSeconds: Int64?

    public init(
        key: String? = nil,
        operator: String? = nil,
        value: String? = nil,
        effect: String? = nil,
        tolerationSeconds: Int64? = nil
    ) {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
        self.tolerationSeconds = tolerationSeconds
    }

    /// Whether this toleration tolerates `taint` (`v1.Toleration.ToleratesTaint`).
    public func tolerates(_ taint: Taint) -> Bool {
        if let effect, !effect.isEmpty, effect != taint.effect { return false }
        if let key, !key.isEmpty, key != taint.key { return false }
        switch self.operator ?? "" {
        case "", "Equal": return (value ?? "") == (taint.value ?? "")
        case "Exists": return true
        default: return false
        }
    }
}

public struct TopologySpreadConstraint: Codable, Sendable, Hashable {
    public var maxSkew: Int32
    public var topologyKey: String
    public var whenUnsatisfiable: String
    public var labelSelector: LabelSelector?
    public var minDomains: Int32?
    public var nodeAffinityPolicy: String?
    public var nodeTaintsPolicy: String?
    public var matchLabelKeys: [String]?

    public init(
        maxSkew: Int32,
        topologyKey: String,
        whenUnsatisfiable: String,
        labelSelector: LabelSelector? = nil,
        minDomains: Int32? = nil,
        nodeAffinityPolicy: String? = nil,
        nodeTaintsPolicy: String? = nil,
        matchLabelKeys: [String]? = nil
    ) {
        self.maxSkew = maxSkew
        self.topologyKey = topologyKey
        self.whenUnsatisfiable = whenUnsatisfiable
        self.labelSelector = labelSelector
        self.minDomains = minDomains
        self.nodeAffinityPolicy = nodeAffinityPolicy
        self.nodeTaintsPolicy = nodeTaintsPolicy
        self.matchLabelKeys = matchLabelKeys
    }
}

public struct Volume: Codable, Sendable, Hashable {
    public var name: String
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?
    public var ephemeral: EphemeralVolumeSource?
    public var csi: CSIVolumeSource?
    public var hostPath: HostPathVolumeSource?
    // In-tree sources (InTreeVolumeSources.swift).
    public var gcePersistentDisk: GCEPersistentDiskVolumeSource?
    public var awsElasticBlockStore: AWSElasticBlockStoreVolumeSource?
    public var rbd: RBDVolumeSource?
    public var iscsi: ISCSIVolumeSource?
    public var azureDisk: AzureDiskVolumeSource?
    public var azureFile: AzureFileVolumeSource?
    public var cinder: CinderVolumeSource?
    public var vsphereVolume: VsphereVirtualDiskVolumeSource?
    public var portworxVolume: PortworxVolumeSource?

    public init(name: String, persistentVolumeClaim: PersistentVolumeClaimVolumeSource? = nil) {
        self.name = name
        self.persistentVolumeClaim = persistentVolumeClaim
    }
}

public struct PersistentVolumeClaimVolumeSource: Codable, Sendable, Hashable {
    public var claimName: String
    public var readOnly: Bool?
    public init(claimName: String, readOnly: Bool? = nil) {
        self.claimName = claimName
        self.readOnly = readOnly
    }
}

public struct EphemeralVolumeSource: Codable, Sendable, Hashable {
    public var volumeClaimTemplate: PersistentVolumeClaimTemplate?
}

public struct PersistentVolumeClaimTemplate: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PersistentVolumeClaimSpec
}

public struct CSIVolumeSource: Codable, Sendable, Hashable {
    public var driver: String
    public var readOnly: Bool?
}

public struct HostPathVolumeSource: Codable, Sendable, Hashable {
    public var path: String
    public var type: String?
}
