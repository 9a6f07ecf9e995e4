/// `scheduling.k8s.io/v1` PriorityClass.
public struct PriorityClass: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var value: Int32
    public var globalDefault: Bool?
    public var preemptionPolicy: String?
    public var description: String?

    public init(name: String, value: Int32, globalDefault: Bool? = nil, preemptionPolicy: String? = nil) {
        self.apiVersion = "scheduling.k8s.io/v1"
        self.kind = "PriorityClass"
        self.metadata = ObjectMeta(name: name)
        self.value = value
        self.globalDefault = globalDefault
        self.preemptionPolicy = preemptionPolicy
    }
}

/// `v1.Namespace`.
public struct Namespace: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public init(name: String, labels: [String: String]? = nil) {
        self.apiVersion = "v1"
        self.kind = "Namespace"
        self.metadata = ObjectMeta(name: name, labels: labels)
    }
}

/// `v1.ObjectReference`, as used by a PersistentVolume's claimRef.
public struct ObjectReference: Codable, Sendable, Hashable {
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var apiVersion: String?
    public var resourceVersion: String?

    public init(
        kind: String? = nil,
        namespace: String?,
        name: String?,
        uid: String? = nil,
        apiVersion: String? = nil,
        resourceVersion: String? = nil
    ) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.apiVersion = apiVersion
        self.resourceVersion = resourceVersion
    }
}

/// `v1.PersistentVolume`.
public struct PersistentVolume: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeSpec
    public var status: PersistentVolumeStatus?
}

public struct PersistentVolumeSpec: Codable, Sendable, Hashable {
    public var capacity: ResourceList?
    public var accessModes: [String]?
    public var claimRef: ObjectReference?
    public var storageClassName: String?
    public var nodeAffinity: VolumeNodeAffinity?
    public var volumeMode: String?
    public var persistentVolumeReclaimPolicy: String?
    public var csi: CSIPersistentVolumeSource?
    // In-tree sources that CSI migration translates (InTreeVolumeSources.swift).
    public var gcePersistentDisk: GCEPersistentDiskVolumeSource?
    public var awsElasticBlockStore: AWSElasticBlockStoreVolumeSource?
    public var azureDisk: AzureDiskVolumeSource?
    public var azureFile: AzureFileVolumeSource?
    public var cinder: CinderVolumeSource?
    public var vsphereVolume: VsphereVirtualDiskVolumeSource?
    public var portworxVolume: PortworxVolumeSource?
    public var local: LocalVolumeSource?

    public init(
        capacity: ResourceList? = nil,
        accessModes: [String]? = nil,
        claimRef: ObjectReference? = nil,
        storageClassName: String? = nil,
        nodeAffinity: VolumeNodeAffinity? = nil,
        volumeMode: String? = nil,
        persistentVolumeReclaimPolicy: String? = nil,
        csi: CSIPersistentVolumeSource? = nil,
        local: LocalVolumeSource? = nil
    ) {
        self.capacity = capacity
        self.accessModes = accessModes
        self.claimRef = claimRef
        self.storageClassName = storageClassName
        self.nodeAffinity = nodeAffinity
        self.volumeMode = volumeMode
        self.persistentVolumeReclaimPolicy = persistentVolumeReclaimPolicy
        self.csi = csi
        self.local = local
    }
}

public struct VolumeNodeAffinity: Codable, Sendable, Hashable {
    public var required: NodeSelector?
    public init(required: NodeSelector?) { self.required = required }
}

public struct CSIPersistentVolumeSource: Codable, Sendable, Hashable {
    public var driver: String
    public var volumeHandle: String
    public var readOnly: Bool?
}

public struct PersistentVolumeStatus: Codable, Sendable, Hashable {
    public var phase: String?
    public var message: String?
    public var reason: String?
    public init(phase: String?, message: String? = nil, reason: String? = nil) {
        self.phase = phase
        self.message = message
        self.reason = reason
    }
}

/// `v1.PersistentVolumeClaim`.
public struct PersistentVolumeClaim: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec
    public var status: PersistentVolumeClaimStatus?
}

public struct PersistentVolumeClaimSpec: Codable, Sendable, Hashable {
    public var accessModes: [String]?
    public var resources: VolumeResourceRequirements?
    public var storageClassName: String?
    public var volumeName: String?
    public var volumeMode: String?
    public var selector: LabelSelector?
    public var volumeAttributesClassName: String?

    public init(
        accessModes: [String]? = nil,
        resources: VolumeResourceRequirements? = nil,
        storageClassName: String? = nil,
        volumeName: String? = nil,
        volumeMode: String? = nil,
        selector: LabelSelector? = nil
    ) {
        self.accessModes = accessModes
        self.resources = resources
        self.storageClassName = storageClassName
        self.volumeName = volumeName
        self.volumeMode = volumeMode
        self.selector = selector
    }
}

public struct VolumeResourceRequirements: Codable, Sendable, Hashable {
    public var requests: ResourceList?
    public var limits: ResourceList?
    public init(requests: ResourceList?, limits: ResourceList? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

public struct PersistentVolumeClaimStatus: Codable, Sendable, Hashable {
    public var phase: String?
    public var capacity: ResourceList?
    public var accessModes: [String]?
    public init(phase: String?, capacity: ResourceList? = nil, accessModes: [String]? = nil) {
        self.phase = phase
        self.capacity = capacity
        self.accessModes = accessModes
    }
}

/// `storage.k8s.io/v1` StorageClass.
public struct StorageClass: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var provisioner: String
    public var volumeBindingMode: String?
    public var allowedTopologies: [TopologySelectorTerm]?
    public var parameters: [String: String]?
    public var reclaimPolicy: String?
    public var allowVolumeExpansion: Bool?
}

public struct TopologySelectorTerm: Codable, Sendable, Hashable {
    public var matchLabelExpressions: [TopologySelectorLabelRequirement]?
    public init(matchLabelExpressions: [TopologySelectorLabelRequirement]?) {
        self.matchLabelExpressions = matchLabelExpressions
    }
}

public struct TopologySelectorLabelRequirement: Codable, Sendable, Hashable {
    public var key: String
    public var values: [String]
    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }
}

/// `storage.k8s.io/v1` CSINode.
public struct CSINode: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CSINodeSpec
}

public struct CSINodeSpec: Codable, Sendable, Hashable {
    public var drivers: [CSINodeDriver]?
}

public struct CSINodeDriver: Codable, Sendable, Hashable {
    public var name: String
    public var nodeID: String?
    public var topologyKeys: [String]?
    public var allocatable: VolumeNodeResources?
}

public struct VolumeNodeResources: Codable, Sendable, Hashable {
    public var count: Int32?
}

/// `policy/v1` PodDisruptionBudget.
public struct PodDisruptionBudget: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodDisruptionBudgetSpec
    public var status: PodDisruptionBudgetStatus?
}

public struct PodDisruptionBudgetSpec: Codable, Sendable, Hashable {
    public var minAvailable: IntOrString?
    public var maxUnavailable: IntOrString?
    public var selector: LabelSelector?
    public var unhealthyPodEvictionPolicy: String?
}

public struct PodDisruptionBudgetStatus: Codable, Sendable, Hashable {
    public var disruptionsAllowed: Int32?
    public var currentHealthy: Int32?
    public var desiredHealthy: Int32?
    public var expectedPods: Int32?
    public var disruptedPods: [String: String]?
    public var observedGeneration: Int64?
}

/// `v1.Service`: only the selector matters to the scheduler (PodTopologySpread's system defaults).
public struct Service: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ServiceSpec?
    public init(metadata: ObjectMeta, selector: [String: String]?) {
        self.apiVersion = "v1"
        self.kind = "Service"
        self.metadata = metadata
        self.spec = ServiceSpec(selector: selector)
    }
}

public struct ServiceSpec: Codable, Sendable, Hashable {
    public var selector: [String: String]?
    public init(selector: [String: String]?) { self.selector = selector }
}

/// `v1.ReplicationController`.
public struct ReplicationController: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ReplicationControllerSpec?
}

public struct ReplicationControllerSpec: Codable, Sendable, Hashable {
    public var selector: [String: String]?
    public var replicas: Int32?
}

/// `apps/v1` ReplicaSet and StatefulSet: the label selector of the pods they own.
public struct ReplicaSet: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: WorkloadSpec?
    public init(metadata: ObjectMeta, selector: LabelSelector?) {
        self.apiVersion = "apps/v1"
        self.kind = "ReplicaSet"
        self.metadata = metadata
        self.spec = WorkloadSpec(selector: selector)
    }
}

public struct StatefulSet: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: WorkloadSpec?
    public init(metadata: ObjectMeta, selector: LabelSelector?) {
        self.apiVersion = "apps/v1"
        self.kind = "StatefulSet"
        self.metadata = metadata
        self.spec = WorkloadSpec(selector: selector)
    }
}

public struct WorkloadSpec: Codable, Sendable, Hashable {
    public var selector: LabelSelector?
    public var replicas: Int32?
    public init(selector: LabelSelector?, replicas: Int32? = nil) {
        self.selector = selector
        self.replicas = replicas
    }
}
