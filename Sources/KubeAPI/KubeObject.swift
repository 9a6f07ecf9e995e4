/// Any object kind the scheduler reads, as one value.
///
/// Indirect: each payload lives in a shared box, so a value is one reference whatever the largest kind. Stores,
/// watch histories and event streams hold many of them; inline, every one took the size of the largest payload
/// (a pod spec), and copying them dominated (SchedulingBasic peak RSS 177 → see BENCHMARKS.md).
public indirect enum KubeObject: Sendable, Hashable {
    case pod(Pod)
    case node(Node)
    case priorityClass(PriorityClass)
    case namespace(Namespace)
    case persistentVolume(PersistentVolume)
    case persistentVolumeClaim(PersistentVolumeClaim)
    case storageClass(StorageClass)
    case csiNode(CSINode)
    case csiDriver(CSIDriver)
    case csiStorageCapacity(CSIStorageCapacity)
    case volumeAttachment(VolumeAttachment)
    case podDisruptionBudget(PodDisruptionBudget)
    case service(Service)
    case replicationController(ReplicationController)
    case replicaSet(ReplicaSet)
    case statefulSet(StatefulSet)
    case podGroup(PodGroup)

    public var kind: ObjectKind {
        switch self {
        case .pod: .pod
        case .node: .node
        case .priorityClass: .priorityClass
        case .namespace: .namespace
        case .persistentVolume: .persistentVolume
        case .persistentVolumeClaim: .persistentVolumeClaim
        case .storageClass: .storageClass
        case .csiNode: .csiNode
        case .csiDriver: .csiDriver
        case .csiStorageCapacity: .csiStorageCapacity
        case .volumeAttachment: .volumeAttachment
        case .podDisruptionBudget: .podDisruptionBudget
        case .service: .service
        case .replicationController: .replicationController
        case .replicaSet: .replicaSet
        case .statefulSet: .statefulSet
        case .podGroup: .podGroup
        }
    }

    public var metadata: ObjectMeta {
        switch self {
        case .pod(let o): o.metadata
        case .node(let o): o.metadata
        case .priorityClass(let o): o.metadata
        case .namespace(let o): o.metadata
        case .persistentVolume(let o): o.metadata
        case .persistentVolumeClaim(let o): o.metadata
        case .storageClass(let o): o.metadata
        case .csiNode(let o): o.metadata
        case .csiDriver(let o): o.metadata
        case .csiStorageCapacity(let o): o.metadata
        case .volumeAttachment(let o): o.metadata
        case .podDisruptionBudget(let o): o.metadata
        case .service(let o): o.metadata
        case .replicationController(let o): o.metadata
        case .replicaSet(let o): o.metadata
        case .statefulSet(let o): o.metadata
        case .podGroup(let o): o.metadata
        }
    }

    /// `namespace/name` for namespaced kinds, `name` otherwise.
    public var key: String {
        let meta = metadata
        return kind.isNamespaced ? "\(meta.namespace ?? "default")/\(meta.name)" : meta.name
    }

    public var pod: Pod? {
        if case .pod(let pod) = self { return pod }
        return nil
    }

    public var node: Node? {
        if case .node(let node) = self { return node }
        return nil
    }
}

/// The object kinds the scheduler lists and watches.
public enum ObjectKind: String, Sendable, Hashable, CaseIterable {
    case pod = "Pod"
    case node = "Node"
    case priorityClass = "PriorityClass"
    case namespace = "Namespace"
    case persistentVolume = "PersistentVolume"
    case persistentVolumeClaim = "PersistentVolumeClaim"
    case storageClass = "StorageClass"
    case csiNode = "CSINode"
    case csiDriver = "CSIDriver"
    case csiStorageCapacity = "CSIStorageCapacity"
    case volumeAttachment = "VolumeAttachment"
    case podDisruptionBudget = "PodDisruptionBudget"
    case service = "Service"
    case replicationController = "ReplicationController"
    case replicaSet = "ReplicaSet"
    case statefulSet = "StatefulSet"
    /// `scheduling.x-k8s.io/v1alpha1` (scheduler-plugins' CRD); listed only when a profile uses Coscheduling.
    case podGroup = "PodGroup"

    public var isNamespaced: Bool {
        switch self {
        case .pod, .persistentVolumeClaim, .csiStorageCapacity, .podDisruptionBudget, .service, .replicationController,
            .replicaSet, .statefulSet, .podGroup:
            true
        default: false
        }
    }
}
