import KubeAPI
import SchedulerFramework
import Synchronization

/// Non-pod, non-node cluster objects kept current by the informers; what plugins read through
/// ``FrameworkHandle/objects``.
public final class ObjectStore: ClusterObjectLister, Sendable {
    private let objects = Mutex<[ObjectKind: [String: KubeObject]]>([:])

    public init() {}

    public func upsert(_ object: KubeObject) {
        objects.withLock { $0[object.kind, default: [:]][object.key] = object }
    }

    public func remove(_ object: KubeObject) {
        objects.withLock { _ = $0[object.kind]?.removeValue(forKey: object.key) }
    }

    private func get(_ kind: ObjectKind, _ key: String) -> KubeObject? {
        objects.withLock { $0[kind]?[key] }
    }

    private func all(_ kind: ObjectKind) -> [KubeObject] {
        objects.withLock { Array(($0[kind] ?? [:]).values) }
    }

    public func namespace(named name: String) -> Namespace? {
        if case .namespace(let o)? = get(.namespace, name) { return o }
        return nil
    }

    public func priorityClass(named name: String) -> PriorityClass? {
        if case .priorityClass(let o)? = get(.priorityClass, name) { return o }
        return nil
    }

    public func priorityClasses() -> [PriorityClass] {
        all(.priorityClass).compactMap { if case .priorityClass(let o) = $0 { o } else { nil } }
    }

    public func persistentVolume(named name: String) -> PersistentVolume? {
        if case .persistentVolume(let o)? = get(.persistentVolume, name) { return o }
        return nil
    }

    public func persistentVolumes() -> [PersistentVolume] {
        all(.persistentVolume).compactMap { if case .persistentVolume(let o) = $0 { o } else { nil } }
    }

    public func persistentVolumeClaim(namespace: String, name: String) -> PersistentVolumeClaim? {
        if case .persistentVolumeClaim(let o)? = get(.persistentVolumeClaim, "\(namespace)/\(name)") { return o }
        return nil
    }

    public func storageClass(named name: String) -> StorageClass? {
        if case .storageClass(let o)? = get(.storageClass, name) { return o }
        return nil
    }

    public func csiNode(named name: String) -> CSINode? {
        if case .csiNode(let o)? = get(.csiNode, name) { return o }
        return nil
    }

    public func services(namespace: String) -> [Service] {
        all(.service).compactMap { if case .service(let o) = $0, (o.metadata.namespace ?? "default") == namespace { o } else { nil } }
    }

    public func replicationControllers(namespace: String) -> [ReplicationController] {
        all(.replicationController).compactMap {
            if case .replicationController(let o) = $0, (o.metadata.namespace ?? "default") == namespace { o } else { nil }
        }
    }

    public func replicaSets(namespace: String) -> [ReplicaSet] {
        all(.replicaSet).compactMap { if case .replicaSet(let o) = $0, (o.metadata.namespace ?? "default") == namespace { o } else { nil } }
    }

    public func statefulSets(namespace: String) -> [StatefulSet] {
        all(.statefulSet).compactMap { if case .statefulSet(let o) = $0, (o.metadata.namespace ?? "default") == namespace { o } else { nil } }
    }

    public func podDisruptionBudgets(namespace: String) -> [PodDisruptionBudget] {
        all(.podDisruptionBudget).compactMap {
            if case .podDisruptionBudget(let o) = $0, (o.metadata.namespace ?? "default") == namespace { o } else { nil }
        }
    }
}

/// The handle a profile's plugins receive. Its services are attached once the scheduler is built.
struct RuntimeHandle: FrameworkHandle {
    let profileName: String
    let client: any ClusterClient
    let objects: any ClusterObjectLister
    let parallelism: Int
    let servicesBox: ServicesBox

    var services: (any FrameworkServices)? { servicesBox.services }
}

/// Set once, right after the scheduler is built, before any cycle runs.
final class ServicesBox: @unchecked Sendable {
    // Written once during Scheduler.init (before the scheduler is shared), read-only afterwards.
    var services: (any FrameworkServices)?
    init() {}
}
