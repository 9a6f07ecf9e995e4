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
}

/// Read access to cluster objects kept up to date by the scheduler's informers.
public protocol ClusterObjectLister: Sendable {
    func namespace(named name: String) -> Namespace?
    func priorityClass(named name: String) -> PriorityClass?
    func priorityClasses() -> [PriorityClass]
    func persistentVolume(named name: String) -> PersistentVolume?
    func persistentVolumes() -> [PersistentVolume]
    func persistentVolumeClaim(namespace: String, name: String) -> PersistentVolumeClaim?
    func storageClass(named name: String) -> StorageClass?
    func csiNode(named name: String) -> CSINode?
    func podDisruptionBudgets(namespace: String) -> [PodDisruptionBudget]
    /// Services, ReplicationControllers, ReplicaSets and StatefulSets of a namespace (the owners whose
    /// selectors PodTopologySpread's system default constraints use).
    func services(namespace: String) -> [Service]
    func replicationControllers(namespace: String) -> [ReplicationController]
    func replicaSets(namespace: String) -> [ReplicaSet]
    func statefulSets(namespace: String) -> [StatefulSet]
}
