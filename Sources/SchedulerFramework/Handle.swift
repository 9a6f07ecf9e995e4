import KubeAPI

/// What a plugin may use beyond its own arguments: the cluster client, listers for cluster objects,
/// and the profile it serves. Passed to plugin factories.
public protocol FrameworkHandle: Sendable {
    /// The scheduler name of the profile the plugin belongs to.
    var profileName: String { get }
    /// The cluster: binding, status patches, deletions, events.
    var client: any ClusterClient { get }
    /// Read access to non-pod cluster objects (namespaces, volumes, priority classes, PDBs, …).
    var objects: any ClusterObjectLister { get }
    /// How many workers Filter and Score may use.
    var parallelism: Int { get }
    /// The profile's own extension points and the scheduler's shared state, for plugins that evaluate
    /// what-if scenarios (preemption). nil outside a running scheduler (e.g. in plugin unit tests).
    var services: (any FrameworkServices)? { get }
}

extension FrameworkHandle {
    public var services: (any FrameworkServices)? { nil }
}

/// What the runtime offers plugins beyond their own state (upstream's `Handle` methods used by preemption).
public protocol FrameworkServices: Sendable {
    /// Runs every PreFilter plugin's AddPod extension (skipped plugins excluded) on `state`.
    func runPreFilterExtensionAddPod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToAdd: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status
    /// Runs every PreFilter plugin's RemovePod extension on `state`.
    func runPreFilterExtensionRemovePod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToRemove: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status
    /// The profile's Filter plugins on `nodeInfo`, with and without the nominated pods of equal or higher priority.
    func runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo) -> Status
    /// Pods nominated to run on `nodeName`.
    func nominatedPods(forNode nodeName: String) -> [PodInfo]
    /// The latest copy of a pod the informers have seen.
    func latestPod(uid: String) -> Pod?
    /// Rejects a pod waiting at Permit; false when it is not waiting.
    func rejectWaitingPod(uid: String, plugin: String, message: String) -> Bool
    /// Moves the pod to the active queue (after an asynchronous failure).
    func activate(_ pod: Pod)
    /// Runs work the scheduler keeps track of (e.g. evicting victims) without blocking the cycle.
    func runAsync(_ work: @escaping @Sendable () async -> Void)
    /// Reports an eviction (for `simulate` and metrics).
    func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod)
    /// Reports one preemption attempt and how many victims it chose (0 when none).
    func preemptionAttempted(victims: Int)
    /// The scheduler's HTTP extenders, in configuration order (preemption asks those with a preempt verb).
    var extenders: [any Extender] { get }
    /// The pods waiting at Permit (upstream `IterateOverWaitingPods`), as they were assumed.
    func waitingPods() -> [PodInfo]
    /// Allows a pod waiting at Permit on behalf of `plugin`; false when it is not waiting.
    func allowWaitingPod(uid: String, plugin: String) -> Bool
    /// The pods of `namespace` the informers know (pending and assigned, not terminated) whose label `key` is
    /// `value` (upstream's pod lister with a label selector).
    func pods(namespace: String, label key: String, value: String) -> [Pod]
}

/// Read access to cluster objects kept up to date by the scheduler's informers.
public protocol ClusterObjectLister: Sendable {
    func namespace(named name: String) -> Namespace?
    /// Every Namespace, or nil when the lister cannot list them at once (then ask by name).
    func allNamespaces() -> [Namespace]?
    func priorityClass(named name: String) -> PriorityClass?
    func priorityClasses() -> [PriorityClass]
    func persistentVolume(named name: String) -> PersistentVolume?
    func persistentVolumes() -> [PersistentVolume]
    func persistentVolumeClaim(namespace: String, name: String) -> PersistentVolumeClaim?
    func storageClass(named name: String) -> StorageClass?
    func csiNode(named name: String) -> CSINode?
    /// Every CSINode by name, as one consistent value, or nil when the lister keeps no such map (then read
    /// ``csiNode(named:)`` per node). Per-node loops take it once per cycle instead of a lookup per node.
    func csiNodesByName() -> [String: IndexedCSINode]?
    /// A number that changes after every CSINode change is stored (read it before ``csiNodesByName()``), so a
    /// plugin may keep what it derived from the map until it changes; nil when the lister does not track it.
    func csiNodesGeneration() -> UInt64?
    /// VolumeAttachments by `spec.nodeName`, then by name, as one value (empty when the lister keeps none).
    func volumeAttachmentsByNode() -> [String: [String: VolumeAttachment]]
    func csiDriver(named name: String) -> CSIDriver?
    /// The PVs of `storageClass` that could suit a node whose `kubernetes.io/hostname` label is `hostname`:
    /// those pinned to that hostname by their node affinity and those not pinned to hostnames at all
    /// (VolumeBinding's index, so matching never scans every PV for every node).
    func persistentVolumeCandidates(storageClass: String, hostname: String?) -> PersistentVolumeCandidates
    /// The whole index of `storageClass` as one value, for loops over many nodes (nil when the lister keeps
    /// none: then ask ``persistentVolumeCandidates(storageClass:hostname:)`` per node).
    func persistentVolumeClassIndex(storageClass: String) -> PersistentVolumeClassIndex?
    /// Signals `observer` after each change the informers store to a PV or claim it watches, until
    /// ``stopObservingVolumes(_:)``; false when the lister cannot (then waiters poll).
    func startObservingVolumes(_ observer: VolumeChangeObserver) -> Bool
    /// Stops signalling `observer`.
    func stopObservingVolumes(_ observer: VolumeChangeObserver)
    /// PVs whose `claimRef` names the claim `namespace/name` (pre-bound volumes, wherever they are).
    func persistentVolumesClaimed(namespace: String, name: String) -> [PersistentVolume]
    /// The first CSIStorageCapacity of `storageClass` that may reach a node with `nodeLabels` and satisfies
    /// `predicate` (capacities indexed by their topology, so a node sees only its own and the unindexed ones).
    func firstCSIStorageCapacity(
        storageClass: String,
        nodeLabels: [String: String],
        where predicate: (CSIStorageCapacity) -> Bool
    ) -> CSIStorageCapacity?
    func podDisruptionBudgets(namespace: String) -> [PodDisruptionBudget]
    /// Every PodDisruptionBudget, or nil when the lister cannot list them at once (then ask per namespace).
    func allPodDisruptionBudgets() -> [PodDisruptionBudget]?
    /// Services, ReplicationControllers, ReplicaSets and StatefulSets of a namespace (the owners whose
    /// selectors PodTopologySpread's system default constraints use).
    func services(namespace: String) -> [Service]
    func replicationControllers(namespace: String) -> [ReplicationController]
    func replicaSets(namespace: String) -> [ReplicaSet]
    func statefulSets(namespace: String) -> [StatefulSet]
    /// scheduler-plugins' PodGroup `namespace/name` (nil by default: listers that keep none).
    func podGroup(namespace: String, name: String) -> PodGroup?
}
