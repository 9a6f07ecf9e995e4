import KubeAPI
import SchedulerFramework
import Synchronization

/// Non-pod, non-node cluster objects kept current by the informers; what plugins read through
/// ``FrameworkHandle/objects``.
package final class ObjectStore: ClusterObjectLister, Sendable {
    private let objects = Mutex<[ObjectKind: [String: KubeObject]]>([:])
    /// PVs and CSIStorageCapacities indexed for VolumeBinding (StorageIndex.swift).
    private let storage = Mutex(StorageIndex())
    /// CSINodes by name, kept apart so that a cycle can take all of them at once (copy-on-write).
    private let csiNodes = Mutex<[String: IndexedCSINode]>([:])
    /// Bumped after each change of `csiNodes` is stored (``csiNodesGeneration()``).
    private let csiNodeGeneration = Atomic<UInt64>(0)
    /// VolumeAttachments by node name, then name (upstream's index by `spec.nodeName`).
    private let attachments = Mutex(VolumeAttachmentIndex())
    /// Waiters for PV and claim changes (VolumeBinding's PreBind), signalled after each such change is stored.
    private let volumeObservers = Mutex<[ObjectIdentifier: VolumeChangeObserver]>([:])

    package init() {}

    package func upsert(_ object: KubeObject) {
        objects.withLock { $0[object.kind, default: [:]][object.key] = object }
        switch object {
        case .persistentVolume(let pv): storage.withLock { $0.upsert(pv) }
        case .csiStorageCapacity(let capacity): storage.withLock { $0.upsert(capacity) }
        case .csiNode(let csiNode):
            let indexed = IndexedCSINode(csiNode)
            csiNodes.withLock { $0[csiNode.metadata.name] = indexed }
            csiNodeGeneration.add(1, ordering: .releasing)
        case .volumeAttachment(let attachment):
            attachments.withLock { $0.upsert(attachment) }
        default: break
        }
        signalVolumeObservers(object)
    }

    package func remove(_ object: KubeObject) {
        objects.withLock { _ = $0[object.kind]?.removeValue(forKey: object.key) }
        switch object.kind {
        case .persistentVolume: storage.withLock { $0.removeVolume(named: object.metadata.name) }
        case .csiStorageCapacity: storage.withLock { $0.removeCapacity(key: object.key) }
        case .csiNode:
            csiNodes.withLock { _ = $0.removeValue(forKey: object.metadata.name) }
            csiNodeGeneration.add(1, ordering: .releasing)
        case .volumeAttachment:
            attachments.withLock { $0.remove(named: object.metadata.name) }
        default: break
        }
        signalVolumeObservers(object)
    }

    private func signalVolumeObservers(_ object: KubeObject) {
        guard object.kind == .persistentVolume || object.kind == .persistentVolumeClaim else { return }
        let interested = volumeObservers.withLock { observers in
            observers.isEmpty ? [] : observers.values.filter { $0.isInterested(in: object) }
        }
        for observer in interested { observer.signal() }
    }

    package func startObservingVolumes(_ observer: VolumeChangeObserver) -> Bool {
        volumeObservers.withLock { $0[ObjectIdentifier(observer)] = observer }
        return true
    }

    package func stopObservingVolumes(_ observer: VolumeChangeObserver) {
        volumeObservers.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(observer)) }
    }

    private func get(_ kind: ObjectKind, _ key: String) -> KubeObject? {
        objects.withLock { $0[kind]?[key] }
    }

    private func all(_ kind: ObjectKind) -> [KubeObject] {
        objects.withLock { Array(($0[kind] ?? [:]).values) }
    }

    package func allNamespaces() -> [Namespace]? {
        all(.namespace).compactMap { if case .namespace(let o) = $0 { o } else { nil } }
    }

    package func namespace(named name: String) -> Namespace? {
        if case .namespace(let o)? = get(.namespace, name) { return o }
        return nil
    }

    package func priorityClass(named name: String) -> PriorityClass? {
        if case .priorityClass(let o)? = get(.priorityClass, name) { return o }
        return nil
    }

    package func priorityClasses() -> [PriorityClass] {
        all(.priorityClass).compactMap { if case .priorityClass(let o) = $0 { o } else { nil } }
    }

    package func persistentVolume(named name: String) -> PersistentVolume? {
        if case .persistentVolume(let o)? = get(.persistentVolume, name) { return o }
        return nil
    }

    package func persistentVolumes() -> [PersistentVolume] {
        all(.persistentVolume).compactMap { if case .persistentVolume(let o) = $0 { o } else { nil } }
    }

    package func persistentVolumeClaim(namespace: String, name: String) -> PersistentVolumeClaim? {
        if case .persistentVolumeClaim(let o)? = get(.persistentVolumeClaim, "\(namespace)/\(name)") { return o }
        return nil
    }

    package func storageClass(named name: String) -> StorageClass? {
        if case .storageClass(let o)? = get(.storageClass, name) { return o }
        return nil
    }

    /// Every StorageClass (explain's suggestions try the other classes for a claim).
    package func storageClasses() -> [StorageClass] {
        all(.storageClass).compactMap { if case .storageClass(let o) = $0 { o } else { nil } }
    }

    package func csiNode(named name: String) -> CSINode? {
        csiNodes.withLock { $0[name]?.csiNode }
    }

    package func csiNodesByName() -> [String: IndexedCSINode]? {
        csiNodes.withLock { $0 }
    }

    package func csiNodesGeneration() -> UInt64? {
        csiNodeGeneration.load(ordering: .acquiring)
    }

    package func volumeAttachmentsByNode() -> [String: [String: VolumeAttachment]] {
        attachments.withLock { $0.byNode }
    }

    package func csiDriver(named name: String) -> CSIDriver? {
        if case .csiDriver(let o)? = get(.csiDriver, name) { return o }
        return nil
    }

    package func persistentVolumeCandidates(storageClass: String, hostname: String?) -> PersistentVolumeCandidates {
        storage.withLock { $0.candidates(storageClass: storageClass, hostname: hostname) }
    }

    package func persistentVolumeClassIndex(storageClass: String) -> PersistentVolumeClassIndex? {
        storage.withLock { $0.classIndex(storageClass: storageClass) }
    }

    package func persistentVolumesClaimed(namespace: String, name: String) -> [PersistentVolume] {
        storage.withLock { $0.claimedVolumes(namespace: namespace, name: name) }
    }

    package func firstCSIStorageCapacity(
        storageClass: String,
        nodeLabels: [String: String],
        where predicate: (CSIStorageCapacity) -> Bool
    ) -> CSIStorageCapacity? {
        storage.withLock { $0.firstCapacity(storageClass: storageClass, nodeLabels: nodeLabels, where: predicate) }
    }

    package func services(namespace: String) -> [Service] {
        all(.service).compactMap {
            if case .service(let o) = $0, (o.metadata.namespace ?? "default") == namespace { o } else { nil }
        }
    }

    package func replicationControllers(namespace: String) -> [ReplicationController] {
        all(.replicationController).compactMap {
            if case .replicationController(let o) = $0, (o.metadata.namespace ?? "default") == namespace {
                o
            } else {
                nil
            }
        }
    }

    package func podGroup(namespace: String, name: String) -> PodGroup? {
        if case .podGroup(let o)? = get(.podGroup, "\(namespace)/\(name)") { return o }
        return nil
    }

    package func replicaSets(namespace: String) -> [ReplicaSet] {
        all(.replicaSet).compactMap {
            if case .replicaSet(let o) = $0, (o.metadata.namespace ?? "default") == namespace { o } else { nil }
        }
    }

    package func statefulSets(namespace: String) -> [StatefulSet] {
        all(.statefulSet).compactMap {
            if case .statefulSet(let o) = $0, (o.metadata.namespace ?? "default") == namespace { o } else { nil }
        }
    }

    package func allPodDisruptionBudgets() -> [PodDisruptionBudget]? {
        all(.podDisruptionBudget).compactMap { if case .podDisruptionBudget(let o) = $0 { o } else { nil } }
    }

    package func podDisruptionBudgets(namespace: String) -> [PodDisruptionBudget] {
        all(.podDisruptionBudget).compactMap {
            if case .podDisruptionBudget(let o) = $0, (o.metadata.namespace ?? "default") == namespace {
                o
            } else {
                nil
            }
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
