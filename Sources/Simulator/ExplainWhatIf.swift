import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime

/// Copies of a profile for explain's what-ifs: the same configuration and registry, built again with a handle
/// whose listers see changed claims (a PVC with another class or size, for suggestions) or whose client and
/// services write nothing (PostFilter dry runs for `explain` against a live cluster). The scheduler's own plugin
/// instances are never touched.
package struct ExplainProfiles: Sendable {
    package var configuration: SchedulerConfiguration
    package var registry: PluginRegistry
    /// Every StorageClass of the cluster (candidates for a claim's class).
    package var storageClasses: [StorageClass]

    package init(configuration: SchedulerConfiguration, registry: PluginRegistry, storageClasses: [StorageClass]) {
        self.configuration = configuration
        self.registry = registry
        self.storageClasses = storageClasses
    }

    /// `base`'s profile built again; its plugins read `claims` in place of the cluster's claims of the same
    /// namespace and name, and, when `readOnly`, cannot write to the cluster or change the scheduler.
    package func framework(
        like base: ProfileFramework,
        claims: [PersistentVolumeClaim] = [],
        readOnly: Bool = false
    ) -> ProfileFramework? {
        guard let profile = configuration.profiles.first(where: { $0.schedulerName == base.schedulerName }) else {
            return nil
        }
        let handle = WhatIfHandle(base: base.handle, claims: claims, readOnly: readOnly)
        return try? ProfileFramework(profile: profile, registry: registry, handle: handle)
    }
}

/// A profile handle seeing changed claims, and writing nothing when read-only.
struct WhatIfHandle: FrameworkHandle {
    let profileName: String
    let client: any ClusterClient
    let objects: any ClusterObjectLister
    let parallelism: Int
    let services: (any FrameworkServices)?

    init(base: any FrameworkHandle, claims: [PersistentVolumeClaim], readOnly: Bool) {
        profileName = base.profileName
        parallelism = base.parallelism
        objects =
            claims.isEmpty
            ? base.objects
            : ClaimOverlayLister(
                base: base.objects,
                claims: Dictionary(claims.map { ($0.key, $0) }) { _, last in last }
            )
        client = readOnly ? ReadOnlyClient(base: base.client) : base.client
        services = readOnly ? base.services.map { DryRunServices(base: $0) } : base.services
    }
}

/// The cluster's objects with some claims replaced.
struct ClaimOverlayLister: ClusterObjectLister {
    let base: any ClusterObjectLister
    /// By `namespace/name`.
    let claims: [String: PersistentVolumeClaim]

    func persistentVolumeClaim(namespace: String, name: String) -> PersistentVolumeClaim? {
        claims["\(namespace)/\(name)"] ?? base.persistentVolumeClaim(namespace: namespace, name: name)
    }

    func namespace(named name: String) -> Namespace? { base.namespace(named: name) }
    func allNamespaces() -> [Namespace]? { base.allNamespaces() }
    func allPodDisruptionBudgets() -> [PodDisruptionBudget]? { base.allPodDisruptionBudgets() }
    func priorityClass(named name: String) -> PriorityClass? { base.priorityClass(named: name) }
    func priorityClasses() -> [PriorityClass] { base.priorityClasses() }
    func persistentVolume(named name: String) -> PersistentVolume? { base.persistentVolume(named: name) }
    func persistentVolumes() -> [PersistentVolume] { base.persistentVolumes() }
    func storageClass(named name: String) -> StorageClass? { base.storageClass(named: name) }
    func csiNode(named name: String) -> CSINode? { base.csiNode(named: name) }
    func csiNodesByName() -> [String: IndexedCSINode]? { base.csiNodesByName() }
    func csiNodesGeneration() -> UInt64? { base.csiNodesGeneration() }
    func volumeAttachmentsByNode() -> [String: [String: VolumeAttachment]] { base.volumeAttachmentsByNode() }
    func csiDriver(named name: String) -> CSIDriver? { base.csiDriver(named: name) }
    func persistentVolumeCandidates(storageClass: String, hostname: String?) -> PersistentVolumeCandidates {
        base.persistentVolumeCandidates(storageClass: storageClass, hostname: hostname)
    }
    func persistentVolumeClassIndex(storageClass: String) -> PersistentVolumeClassIndex? {
        base.persistentVolumeClassIndex(storageClass: storageClass)
    }
    func persistentVolumesClaimed(namespace: String, name: String) -> [PersistentVolume] {
        base.persistentVolumesClaimed(namespace: namespace, name: name)
    }
    func firstCSIStorageCapacity(
        storageClass: String,
        nodeLabels: [String: String],
        where predicate: (CSIStorageCapacity) -> Bool
    ) -> CSIStorageCapacity? {
        base.firstCSIStorageCapacity(storageClass: storageClass, nodeLabels: nodeLabels, where: predicate)
    }
    func podDisruptionBudgets(namespace: String) -> [PodDisruptionBudget] {
        base.podDisruptionBudgets(namespace: namespace)
    }
    func services(namespace: String) -> [Service] { base.services(namespace: namespace) }
    func replicationControllers(namespace: String) -> [ReplicationController] {
        base.replicationControllers(namespace: namespace)
    }
    func replicaSets(namespace: String) -> [ReplicaSet] { base.replicaSets(namespace: namespace) }
    func statefulSets(namespace: String) -> [StatefulSet] { base.statefulSets(namespace: namespace) }
    func podGroup(namespace: String, name: String) -> PodGroup? { base.podGroup(namespace: namespace, name: name) }
}

/// Reads through to the cluster; every write is refused and no event is recorded.
struct ReadOnlyClient: ClusterClient {
    let base: any ClusterClient

    static func refused(_ what: String) -> ClusterError {
        ClusterError(.other, "explain writes nothing: \(what) refused")
    }

    func list(_ kind: ObjectKind) async throws(ClusterError) -> ObjectList { try await base.list(kind) }
    func watch(_ kind: ObjectKind, resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        base.watch(kind, resourceVersion: resourceVersion)
    }
    func bind(namespace: String, name: String, uid: String, nodeName: String) async throws(ClusterError) {
        throw Self.refused("binding")
    }
    func patchPodStatus(namespace: String, name: String, patch: PodStatusPatch) async throws(ClusterError) {
        throw Self.refused("pod status patch")
    }
    func deletePod(namespace: String, name: String, uid: String) async throws(ClusterError) {
        throw Self.refused("pod deletion")
    }
    func recordEvent(_ event: SchedulingEvent) async {}
    func updatePersistentVolume(_ volume: PersistentVolume) async throws(ClusterError) -> PersistentVolume {
        throw Self.refused("persistentvolume update")
    }
    func updatePersistentVolumeClaim(
        _ claim: PersistentVolumeClaim
    ) async throws(ClusterError) -> PersistentVolumeClaim {
        throw Self.refused("persistentvolumeclaim update")
    }
}

/// The scheduler's services for reading; everything that would change the scheduler or the cluster (allowing or
/// rejecting waiting pods, activating pods, background work, preemption reports) does nothing.
struct DryRunServices: FrameworkServices {
    let base: any FrameworkServices

    func runPreFilterExtensionAddPod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToAdd: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        base.runPreFilterExtensionAddPod(
            state: state,
            podToSchedule: podToSchedule,
            podToAdd: podToAdd,
            nodeInfo: nodeInfo
        )
    }
    func runPreFilterExtensionRemovePod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToRemove: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        base.runPreFilterExtensionRemovePod(
            state: state,
            podToSchedule: podToSchedule,
            podToRemove: podToRemove,
            nodeInfo: nodeInfo
        )
    }
    func runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo) -> Status {
        base.runFilterPluginsWithNominatedPods(state: state, pod: pod, nodeInfo: nodeInfo)
    }
    func nominatedPods(forNode nodeName: String) -> [PodInfo] { base.nominatedPods(forNode: nodeName) }
    func latestPod(uid: String) -> Pod? { base.latestPod(uid: uid) }
    func rejectWaitingPod(uid: String, plugin: String, message: String) -> Bool { false }
    func activate(_ pod: Pod) {}
    func runAsync(_ work: @escaping @Sendable () async -> Void) {}
    func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod) {}
    func preemptionAttempted(victims: Int) {}
    var extenders: [any Extender] { base.extenders }
    func waitingPods() -> [PodInfo] { base.waitingPods() }
    func allowWaitingPod(uid: String, plugin: String) -> Bool { false }
    func pods(namespace: String, label key: String, value: String) -> [Pod] {
        base.pods(namespace: namespace, label: key, value: value)
    }
}
