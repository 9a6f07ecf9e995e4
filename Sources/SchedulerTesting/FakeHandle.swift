import KubeAPI
import SchedulerFramework
import Synchronization

/// A ``FrameworkHandle`` for plugin unit tests: an in-memory object lister and a client that records
/// what plugins ask of the cluster.
public final class FakeHandle: FrameworkHandle, Sendable {
    public let profileName: String
    public let parallelism: Int
    public let recordingClient: RecordingClient
    public let objectStore: FakeObjectLister

    /// The scheduler's services, for plugins that need them (preemption); nil by default, as outside a scheduler.
    public let services: (any FrameworkServices)?

    public init(
        profileName: String = "default-scheduler",
        objects: FakeObjectLister = FakeObjectLister(),
        parallelism: Int = 1,
        services: (any FrameworkServices)? = nil
    ) {
        self.profileName = profileName
        self.parallelism = parallelism
        self.objectStore = objects
        self.recordingClient = RecordingClient()
        self.services = services
    }

    public var client: any ClusterClient { recordingClient }
    public var objects: any ClusterObjectLister { objectStore }
}

/// A static object lister for tests.
public struct FakeObjectLister: ClusterObjectLister {
    public var namespaces: [Namespace]
    public var priorityClassList: [PriorityClass]
    public var volumes: [PersistentVolume]
    public var claims: [PersistentVolumeClaim]
    public var storageClasses: [StorageClass]
    public var csiNodes: [CSINode]
    public var budgets: [PodDisruptionBudget]
    public var serviceList: [Service] = []
    public var replicationControllerList: [ReplicationController] = []
    public var replicaSetList: [ReplicaSet] = []
    public var statefulSetList: [StatefulSet] = []
    public var podGroupList: [PodGroup] = []
    public var volumeAttachments: [VolumeAttachment] = []

    public init(
        namespaces: [Namespace] = [],
        priorityClasses: [PriorityClass] = [],
        volumes: [PersistentVolume] = [],
        claims: [PersistentVolumeClaim] = [],
        storageClasses: [StorageClass] = [],
        csiNodes: [CSINode] = [],
        budgets: [PodDisruptionBudget] = []
    ) {
        self.namespaces = namespaces
        self.priorityClassList = priorityClasses
        self.volumes = volumes
        self.claims = claims
        self.storageClasses = storageClasses
        self.csiNodes = csiNodes
        self.budgets = budgets
    }

    public func namespace(named name: String) -> Namespace? { namespaces.first { $0.metadata.name == name } }
    public func allNamespaces() -> [Namespace]? { namespaces }
    public func priorityClass(named name: String) -> PriorityClass? {
        priorityClassList.first { $0.metadata.name == name }
    }
    public func priorityClasses() -> [PriorityClass] { priorityClassList }
    public func persistentVolume(named name: String) -> PersistentVolume? { volumes.first { $0.metadata.name == name } }
    public func persistentVolumes() -> [PersistentVolume] { volumes }
    public func persistentVolumeClaim(namespace: String, name: String) -> PersistentVolumeClaim? {
        claims.first { ($0.metadata.namespace ?? "default") == namespace && $0.metadata.name == name }
    }
    public func storageClass(named name: String) -> StorageClass? { storageClasses.first { $0.metadata.name == name } }
    public func csiNode(named name: String) -> CSINode? { csiNodes.first { $0.metadata.name == name } }
    public func csiNodesByName() -> [String: IndexedCSINode]? {
        Dictionary(csiNodes.map { ($0.metadata.name, IndexedCSINode($0)) }, uniquingKeysWith: { first, _ in first })
    }
    /// The lister never changes, so neither does its generation.
    public func csiNodesGeneration() -> UInt64? { 0 }
    public func volumeAttachmentsByNode() -> [String: [String: VolumeAttachment]] {
        var byNode: [String: [String: VolumeAttachment]] = [:]
        for attachment in volumeAttachments {
            byNode[attachment.spec.nodeName, default: [:]][attachment.metadata.name] = attachment
        }
        return byNode
    }
    public func services(namespace: String) -> [Service] {
        serviceList.filter { ($0.metadata.namespace ?? "default") == namespace }
    }
    public func replicationControllers(namespace: String) -> [ReplicationController] {
        replicationControllerList.filter { ($0.metadata.namespace ?? "default") == namespace }
    }
    public func replicaSets(namespace: String) -> [ReplicaSet] {
        replicaSetList.filter { ($0.metadata.namespace ?? "default") == namespace }
    }
    public func statefulSets(namespace: String) -> [StatefulSet] {
        statefulSetList.filter { ($0.metadata.namespace ?? "default") == namespace }
    }
    public func podGroup(namespace: String, name: String) -> PodGroup? {
        podGroupList.first { ($0.metadata.namespace ?? "default") == namespace && $0.metadata.name == name }
    }
    public func podDisruptionBudgets(namespace: String) -> [PodDisruptionBudget] {
        budgets.filter { ($0.metadata.namespace ?? "default") == namespace }
    }
}

/// A cluster client that records bindings, status patches, deletions and events, and can be told to
/// fail binding.
public final class RecordingClient: ClusterClient, Sendable {
    public struct Binding: Sendable, Equatable {
        public var namespace: String
        public var name: String
        public var nodeName: String
    }

    private let state = Mutex<
        (
            bindings: [Binding], patches: [PodStatusPatch], deletions: [String], events: [SchedulingEvent],
            bindError: ClusterError?, gone: Set<String>
        )
    >(
        ([], [], [], [], nil, [])
    )

    public init() {}

    public var bindings: [Binding] { state.withLock { $0.bindings } }
    public var patches: [PodStatusPatch] { state.withLock { $0.patches } }
    public var deletions: [String] { state.withLock { $0.deletions } }
    public var events: [SchedulingEvent] { state.withLock { $0.events } }

    /// Makes every later bind fail with `error` (nil restores success).
    public func failBinding(with error: ClusterError?) { state.withLock { $0.bindError = error } }

    public func list(_ kind: ObjectKind) async throws(ClusterError) -> ObjectList {
        ObjectList(items: [], resourceVersion: "0")
    }

    public func watch(_ kind: ObjectKind, resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { $0.finish() }
    }

    public func bind(namespace: String, name: String, uid: String, nodeName: String) async throws(ClusterError) {
        let error: ClusterError? = state.withLock { state in
            if let error = state.bindError { return error }
            state.bindings.append(Binding(namespace: namespace, name: name, nodeName: nodeName))
            return nil
        }
        if let error { throw error }
    }

    /// Makes the pod `namespace/name` absent from the cluster: later status patches and deletions of it fail
    /// with NotFound, as when another client deleted it first.
    public func removePod(namespace: String, name: String) {
        _ = state.withLock { $0.gone.insert("\(namespace)/\(name)") }
    }

    public func patchPodStatus(namespace: String, name: String, patch: PodStatusPatch) async throws(ClusterError) {
        let found = state.withLock { state in
            guard !state.gone.contains("\(namespace)/\(name)") else { return false }
            state.patches.append(patch)
            return true
        }
        if !found { throw ClusterError(.notFound, "pods \"\(name)\" not found") }
    }

    public func deletePod(namespace: String, name: String, uid: String) async throws(ClusterError) {
        let found = state.withLock { state in
            guard !state.gone.contains("\(namespace)/\(name)") else { return false }
            state.deletions.append("\(namespace)/\(name)")
            return true
        }
        if !found { throw ClusterError(.notFound, "pods \"\(name)\" not found") }
    }

    public func recordEvent(_ event: SchedulingEvent) async {
        state.withLock { $0.events.append(event) }
    }
}
