import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Synchronization
import Testing
import VolumeBindingPlugin

/// A cluster for VolumeBinding tests: a lister the plugin reads and a client whose volume writes change it.
/// With `controller`, a write behaves as if the PV controller (and provisioner) bound the claim at once.
final class VolumeTestCluster: ClusterObjectLister, ClusterClient, Sendable {
    struct State {
        var volumes: [String: PersistentVolume] = [:]
        var claims: [String: PersistentVolumeClaim] = [:]
        var classes: [String: StorageClass] = [:]
        var drivers: [String: CSIDriver] = [:]
        var capacities: [CSIStorageCapacity] = []
        var version = 100
        var controller = true
        var volumeWrites: [PersistentVolume] = []
        var claimWrites: [PersistentVolumeClaim] = []
    }

    let state = Mutex(State())

    init(
        volumes: [PersistentVolume] = [],
        claims: [PersistentVolumeClaim] = [],
        classes: [StorageClass] = [],
        drivers: [CSIDriver] = [],
        capacities: [CSIStorageCapacity] = [],
        controller: Bool = true
    ) {
        state.withLock { state in
            for var volume in volumes {
                state.version += 1
                volume.metadata.resourceVersion = String(state.version)
                state.volumes[volume.metadata.name] = volume
            }
            for var claim in claims {
                state.version += 1
                claim.metadata.resourceVersion = String(state.version)
                if claim.metadata.uid == nil { claim.metadata.uid = "uid-\(claim.metadata.name)" }
                state.claims[claim.key] = claim
            }
            for storageClass in classes { state.classes[storageClass.metadata.name] = storageClass }
            for driver in drivers { state.drivers[driver.metadata.name] = driver }
            state.capacities = capacities
            state.controller = controller
        }
    }

    var volumeWrites: [PersistentVolume] { state.withLock { $0.volumeWrites } }
    var claimWrites: [PersistentVolumeClaim] { state.withLock { $0.claimWrites } }
    func volume(_ name: String) -> PersistentVolume? { state.withLock { $0.volumes[name] } }
    func claim(_ name: String, namespace: String = "default") -> PersistentVolumeClaim? {
        state.withLock { $0.claims["\(namespace)/\(name)"] }
    }

    /// Changes a PV as another writer would (a new resource version).
    func modify(volume name: String, _ change: (inout PersistentVolume) -> Void) {
        state.withLock { state in
            guard var volume = state.volumes[name] else { return }
            change(&volume)
            state.version += 1
            volume.metadata.resourceVersion = String(state.version)
            state.volumes[name] = volume
        }
    }

    // MARK: ClusterObjectLister

    func namespace(named name: String) -> Namespace? { nil }
    func priorityClass(named name: String) -> PriorityClass? { nil }
    func priorityClasses() -> [PriorityClass] { [] }
    func persistentVolume(named name: String) -> PersistentVolume? { state.withLock { $0.volumes[name] } }
    func persistentVolumes() -> [PersistentVolume] { state.withLock { Array($0.volumes.values) } }
    func persistentVolumeClaim(namespace: String, name: String) -> PersistentVolumeClaim? {
        state.withLock { $0.claims["\(namespace)/\(name)"] }
    }
    func storageClass(named name: String) -> StorageClass? { state.withLock { $0.classes[name] } }
    func csiNode(named name: String) -> CSINode? { nil }
    func csiDriver(named name: String) -> CSIDriver? { state.withLock { $0.drivers[name] } }
    /// Built from the volumes on each call, as the object store keeps it (the batch Filter takes it once).
    func persistentVolumeClassIndex(storageClass: String) -> PersistentVolumeClassIndex? {
        var index = PersistentVolumeClassIndex()
        for volume in persistentVolumes() where volume.storageClass == storageClass {
            let indexed = IndexedPersistentVolume(volume)
            if let hosts = volume.pinnedHostnames {
                for host in hosts {
                    index.byHost[host, default: PersistentVolumeClassIndex.VolumeSet()].insert(indexed)
                }
            } else {
                index.unpinned.insert(indexed)
            }
        }
        return index
    }
    func firstCSIStorageCapacity(
        storageClass: String,
        nodeLabels: [String: String],
        where predicate: (CSIStorageCapacity) -> Bool
    ) -> CSIStorageCapacity? {
        let capacities = state.withLock { $0.capacities }
        return capacities.first { capacity in
            guard capacity.storageClassName == storageClass, let selector = try? Selector(capacity.nodeTopology) else {
                return false
            }
            return selector.matches(nodeLabels) && predicate(capacity)
        }
    }
    func podDisruptionBudgets(namespace: String) -> [PodDisruptionBudget] { [] }
    func services(namespace: String) -> [Service] { [] }
    func replicationControllers(namespace: String) -> [ReplicationController] { [] }
    func replicaSets(namespace: String) -> [ReplicaSet] { [] }
    func statefulSets(namespace: String) -> [StatefulSet] { [] }

    // MARK: ClusterClient

    func list(_ kind: ObjectKind) async throws(ClusterError) -> ObjectList {
        ObjectList(items: [], resourceVersion: "0")
    }
    func watch(_ kind: ObjectKind, resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { $0.finish() }
    }
    func bind(namespace: String, name: String, uid: String, nodeName: String) async throws(ClusterError) {}
    func patchPodStatus(namespace: String, name: String, patch: PodStatusPatch) async throws(ClusterError) {}
    func deletePod(namespace: String, name: String, uid: String) async throws(ClusterError) {}
    func recordEvent(_ event: SchedulingEvent) async {}

    func updatePersistentVolume(_ volume: PersistentVolume) async throws(ClusterError) -> PersistentVolume {
        try state.withLock { state throws(ClusterError) -> PersistentVolume in
            guard let current = state.volumes[volume.metadata.name] else { throw ClusterError(.notFound, "not found") }
            guard current.metadata.resourceVersion == volume.metadata.resourceVersion else {
                throw ClusterError(
                    .conflict,
                    "Operation cannot be fulfilled on persistentvolumes \"\(volume.metadata.name)\": the object has been modified; please apply your changes to the latest version and try again"
                )
            }
            state.version += 1
            var stored = volume
            stored.metadata.resourceVersion = String(state.version)
            state.volumes[volume.metadata.name] = stored
            state.volumeWrites.append(stored)
            if state.controller, let ref = stored.spec.claimRef, let name = ref.name,
                var claim = state.claims["\(ref.namespace ?? "default")/\(name)"]
            {
                state.version += 1
                stored.status = PersistentVolumeStatus(phase: "Bound")
                stored.metadata.resourceVersion = String(state.version)
                state.volumes[volume.metadata.name] = stored
                Self.bind(&claim, to: stored.metadata.name, version: &state.version)
                state.claims[claim.key] = claim
            }
            return stored
        }
    }

    func updatePersistentVolumeClaim(_ claim: PersistentVolumeClaim) async throws(ClusterError) -> PersistentVolumeClaim
    {
        try state.withLock { state throws(ClusterError) -> PersistentVolumeClaim in
            guard let current = state.claims[claim.key] else { throw ClusterError(.notFound, "not found") }
            guard current.metadata.resourceVersion == claim.metadata.resourceVersion else {
                throw ClusterError(
                    .conflict,
                    "Operation cannot be fulfilled on persistentvolumeclaims \"\(claim.metadata.name)\""
                )
            }
            state.version += 1
            var stored = claim
            stored.metadata.resourceVersion = String(state.version)
            state.claims[claim.key] = stored
            state.claimWrites.append(stored)
            if state.controller, stored.metadata.annotations?[VolumeAnnotations.selectedNode] != nil {
                let name = "pvc-\(stored.metadata.name)"
                var volume = PersistentVolume(
                    name: name,
                    capacity: "1Gi",
                    storageClassName: stored.storageClass,
                    phase: "Bound"
                )
                volume.spec.claimRef = ObjectReference(
                    namespace: stored.metadata.namespace,
                    name: stored.metadata.name,
                    uid: stored.metadata.uid
                )
                state.version += 1
                volume.metadata.resourceVersion = String(state.version)
                state.volumes[name] = volume
                var bound = stored
                Self.bind(&bound, to: name, version: &state.version)
                state.claims[bound.key] = bound
            }
            return stored
        }
    }

    private static func bind(_ claim: inout PersistentVolumeClaim, to volume: String, version: inout Int) {
        version += 1
        claim.spec.volumeName = volume
        claim.metadata.annotations = (claim.metadata.annotations ?? [:]).merging([
            VolumeAnnotations.bindCompleted: "yes"
        ]) { $1 }
        claim.status = PersistentVolumeClaimStatus(phase: "Bound")
        claim.metadata.resourceVersion = String(version)
    }
}

/// A handle whose lister and client are one ``VolumeTestCluster``.
struct VolumeTestHandle: FrameworkHandle {
    let cluster: VolumeTestCluster
    var profileName: String { "default-scheduler" }
    var client: any ClusterClient { cluster }
    var objects: any ClusterObjectLister { cluster }
    var parallelism: Int { 1 }
}

// MARK: - Builders after upstream's test helpers (makePV, makePVC, makeStorageClass)

let waitClass = StorageClass(name: "wait", provisioner: VolumeAnnotations.noProvisioner)
let immediateClass = StorageClass(
    name: "immediate",
    provisioner: VolumeAnnotations.noProvisioner,
    volumeBindingMode: "Immediate"
)
let provisionClass = StorageClass(name: "provision", provisioner: "example.com/provisioner")

/// A local PV pinned to `node` by `kubernetes.io/hostname`.
func localVolume(
    _ name: String,
    _ capacity: String,
    node: String,
    storageClass: String = "wait",
    modes: [String] = ["ReadWriteOnce"]
) -> PersistentVolume {
    PersistentVolume(
        name: name,
        capacity: capacity,
        storageClassName: storageClass,
        accessModes: modes,
        nodeAffinity: hostnameSelector(node)
    )
}

func hostnameSelector(_ node: String) -> NodeSelector {
    NodeSelector(nodeSelectorTerms: [
        NodeSelectorTerm(matchExpressions: [
            NodeSelectorRequirement(key: VolumeAnnotations.hostnameLabel, operator: "In", values: [node])
        ])
    ])
}

/// A claim bound to `volume` by the PV controller.
func boundClaim(_ name: String, volume: String, storageClass: String = "wait") -> PersistentVolumeClaim {
    PersistentVolumeClaim(
        name: name,
        storageClassName: storageClass,
        request: "1Gi",
        volumeName: volume,
        annotations: [VolumeAnnotations.bindCompleted: "yes"],
        phase: "Bound"
    )
}

/// A pod using `claims` by name.
func podWithClaims(_ name: String = "pod", _ claims: String...) -> PodBuilder {
    var builder = PodBuilder(name).uid("uid-\(name)")
    builder.pod.spec.volumes = claims.map {
        Volume(name: $0, persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: $0))
    }
    return builder
}

/// A node with the hostname label upstream's nodes carry.
func volumeNode(_ name: String, labels: [String: String] = [:]) -> NodeInfo {
    NodeBuilder(name).labels(labels.merging([VolumeAnnotations.hostnameLabel: name]) { $1 }).info()
}

/// Runs PreFilter and, when it succeeds, Filter on every node; returns each node's status.
func runFilter(
    _ plugin: VolumeBinding,
    pod: PodInfo,
    nodes: [NodeInfo],
    state: CycleState = CycleState()
) -> (Status, [String: Status]) {
    let (_, preStatus) = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: nodes))
    guard preStatus.isSuccess else { return (preStatus, [:]) }
    var statuses: [String: Status] = [:]
    for node in nodes { statuses[node.name] = plugin.filter(state: state, pod: pod, node: node) }
    // The runtime calls the batch Filter: it must agree with the per-node one (nodes in reverse order, the
    // first one already rejected by an earlier plugin and left alone).
    let earlier = Status(.unschedulable, "rejected earlier")
    let batch = runBatchFilter(plugin, state: state, pod: pod, nodes: nodes.reversed(), rejectFirst: earlier)
    for (k, node) in nodes.reversed().enumerated() {
        let perNode = statuses[node.name].flatMap { $0.code == .success ? nil : $0 }
        #expect(batch[k] == (k == 0 ? earlier : perNode), "batch Filter on \(node.name)")
    }
    return (preStatus, statuses)
}

/// Runs a plugin's batch Filter over `nodes`; with `rejectFirst`, the first node enters already rejected.
func runBatchFilter(
    _ plugin: any FilterPlugin,
    state: CycleState,
    pod: PodInfo,
    nodes: [NodeInfo],
    rejectFirst: Status? = nil
) -> [Status?] {
    var statuses = [Status?](repeating: nil, count: nodes.count)
    if !statuses.isEmpty { statuses[0] = rejectFirst }
    let indices = Array(nodes.indices)
    nodes.withUnsafeBufferPointer { nodeBuffer in
        indices.withUnsafeBufferPointer { indexBuffer in
            statuses.withUnsafeMutableBufferPointer { buffer in
                plugin.filter(
                    state: state,
                    pod: pod,
                    nodes: NodeBatch(nodes: nodeBuffer, indices: indexBuffer),
                    statuses: buffer
                )
            }
        }
    }
    return statuses
}

func makePlugin(_ cluster: VolumeTestCluster, args: VolumeBindingArgs = .defaults) throws -> VolumeBinding {
    try VolumeBinding(args: args, handle: VolumeTestHandle(cluster: cluster), initialPollInterval: .milliseconds(1))
}
