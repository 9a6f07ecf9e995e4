import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Synchronization
import Testing

@testable import NodeVolumeLimitsPlugin

private typealias F = VolumePluginFixtures

/// A lister whose CSINodes change (and with them its generation), as the informers change the object store's.
private final class ChangingCSINodeLister: ClusterObjectLister {
    private let state: Mutex<(objects: FakeObjectLister, generation: UInt64)>

    init(_ objects: FakeObjectLister) { state = Mutex((objects, 1)) }

    func setCSINodes(_ csiNodes: [CSINode]) {
        state.withLock {
            $0.objects.csiNodes = csiNodes
            $0.generation += 1
        }
    }

    private var objects: FakeObjectLister { state.withLock { $0.objects } }

    func csiNodesGeneration() -> UInt64? { state.withLock { $0.generation } }
    func csiNodesByName() -> [String: IndexedCSINode]? { objects.csiNodesByName() }
    func csiNode(named name: String) -> CSINode? { objects.csiNode(named: name) }
    func namespace(named name: String) -> Namespace? { objects.namespace(named: name) }
    func priorityClass(named name: String) -> PriorityClass? { objects.priorityClass(named: name) }
    func priorityClasses() -> [PriorityClass] { objects.priorityClasses() }
    func persistentVolume(named name: String) -> PersistentVolume? { objects.persistentVolume(named: name) }
    func persistentVolumes() -> [PersistentVolume] { objects.persistentVolumes() }
    func persistentVolumeClaim(namespace: String, name: String) -> PersistentVolumeClaim? {
        objects.persistentVolumeClaim(namespace: namespace, name: name)
    }
    func storageClass(named name: String) -> StorageClass? { objects.storageClass(named: name) }
    func podDisruptionBudgets(namespace: String) -> [PodDisruptionBudget] { [] }
    func services(namespace: String) -> [Service] { [] }
    func replicationControllers(namespace: String) -> [ReplicationController] { [] }
    func replicaSets(namespace: String) -> [ReplicaSet] { [] }
    func statefulSets(namespace: String) -> [StatefulSet] { [] }
}

private struct ListerHandle: FrameworkHandle {
    let objects: any ClusterObjectLister
    var profileName: String { "default-scheduler" }
    var client: any ClusterClient { RecordingClient() }
    var parallelism: Int { 1 }
}

/// NodeVolumeLimits' limits by node slot (``CSILimitTable``) and the node info's distinct-claim count it reads:
/// the batch Filter on node infos that carry slots (as the cache's do) must agree with the per-node Filter,
/// right after pods are deleted, CSINodes change and nodes come and go.
@Suite struct VolumeLimitTableTests {
    private static let driver = "ebs.csi.aws.com"

    private static func perNode(
        _ plugin: NodeVolumeLimits,
        state: CycleState,
        pod: PodInfo,
        nodes: [NodeInfo]
    ) -> [Status?] {
        nodes.map { node in
            let status = plugin.filter(state: state, pod: pod, node: node)
            return status.code == .success ? nil : status
        }
    }

    /// A node info with a slot, as the cache makes them.
    private static func node(_ name: String, slot: Int32, pods: [Pod]) -> NodeInfo {
        var info = NodeBuilder(name).info(pods: pods)
        info.package_setIndexSlot(slot)
        return info
    }

    /// PreFilter, then the batch outcome (checked against the per-node one) as "fits" per node.
    private static func outcome(
        _ plugin: NodeVolumeLimits,
        claims: [String],
        nodes: [NodeInfo],
        expectTable: Bool = true
    ) -> [Bool] {
        let pod = PodBuilder("new").uid("n1").addingClaimVolumes(claims).info()
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: nodes))
        #expect((state.read(NodeVolumeLimits.preFilterKey)?.limitTable != nil) == expectTable)
        let batch = runBatchFilter(plugin, state: state, pod: pod, nodes: nodes)
        #expect(batch == perNode(plugin, state: state, pod: pod, nodes: nodes), "\(claims)")
        return batch.map { $0 == nil }
    }

    private static func cluster() throws -> (ChangingCSINodeLister, NodeVolumeLimits) {
        let volumes = try (0..<6).map { try F.csiPV("vol-\($0)", driver: driver) }
        let claims = try (0..<6).map { try F.pvc("claim-\($0)", volumeName: "vol-\($0)") }
        let lister = ChangingCSINodeLister(
            FakeObjectLister(
                volumes: volumes,
                claims: claims,
                csiNodes: [
                    try F.csiNode("limit-2", drivers: [(driver, 2)]),
                    try F.csiNode("limit-3", drivers: [(driver, 3)]),
                    try F.csiNode("other-driver", drivers: [("other.csi", 1)]),
                    try F.csiNode("no-limit", drivers: [(driver, nil)]),
                ]
            )
        )
        return (lister, NodeVolumeLimits(handle: ListerHandle(objects: lister)))
    }

    @Test func slotLimitsAgreeWithLookupsByName() throws {
        let (_, plugin) = try Self.cluster()
        let two = [
            PodBuilder("a").uid("a").addingClaimVolumes("claim-0").pod,
            PodBuilder("b").uid("b").addingClaimVolumes("claim-1").pod,
        ]
        let nodes = [
            Self.node("limit-2", slot: 0, pods: two),
            Self.node("limit-3", slot: 1, pods: two),
            Self.node("other-driver", slot: 2, pods: two),
            Self.node("no-limit", slot: 3, pods: two),
            Self.node("no-csinode", slot: 4, pods: two),
        ]
        #expect(Self.outcome(plugin, claims: ["claim-2"], nodes: nodes) == [false, true, true, true, true])
        #expect(
            Self.outcome(plugin, claims: ["claim-2", "claim-3"], nodes: nodes) == [false, false, true, true, true]
        )
        // A claim the node's pods already use is attached already.
        #expect(Self.outcome(plugin, claims: ["claim-0"], nodes: nodes) == [true, true, true, true, true])
    }

    @Test func aDeletedPodFreesItsVolumeAtOnce() throws {
        let (_, plugin) = try Self.cluster()
        let a = PodBuilder("a").uid("a").addingClaimVolumes("claim-0").pod
        let b = PodBuilder("b").uid("b").addingClaimVolumes("claim-1").pod
        // Two pods sharing a claim count it once.
        let c = PodBuilder("c").uid("c").addingClaimVolumes("claim-1").pod
        var node = Self.node("limit-3", slot: 0, pods: [a, b, c])
        #expect(node.distinctClaimCount == 2)
        #expect(Self.outcome(plugin, claims: ["claim-2", "claim-3"], nodes: [node]) == [false])
        node.removePod(uid: "c")  // claim-1 is still used by b
        #expect(node.distinctClaimCount == 2)
        #expect(node.distinctClaimCount == node.pvcRefCounts.count)
        #expect(Self.outcome(plugin, claims: ["claim-2", "claim-3"], nodes: [node]) == [false])
        node.removePod(uid: "b")
        #expect(node.distinctClaimCount == 1)
        #expect(Self.outcome(plugin, claims: ["claim-2", "claim-3"], nodes: [node]) == [true])
        node.addPod(PodInfo(b))
        #expect(node.distinctClaimCount == 2)
        #expect(Self.outcome(plugin, claims: ["claim-2", "claim-3"], nodes: [node]) == [false])
    }

    @Test func aCSINodeUpdateReachesTheNextCycle() throws {
        let (lister, plugin) = try Self.cluster()
        let two = [
            PodBuilder("a").uid("a").addingClaimVolumes("claim-0").pod,
            PodBuilder("b").uid("b").addingClaimVolumes("claim-1").pod,
        ]
        let nodes = [Self.node("limit-2", slot: 0, pods: two), Self.node("no-limit", slot: 1, pods: two)]
        #expect(Self.outcome(plugin, claims: ["claim-2"], nodes: nodes) == [false, true])
        // The limit is raised on one node and set on the other.
        lister.setCSINodes([
            try F.csiNode("limit-2", drivers: [(Self.driver, 3)]),
            try F.csiNode("no-limit", drivers: [(Self.driver, 2)]),
        ])
        #expect(Self.outcome(plugin, claims: ["claim-2"], nodes: nodes) == [true, false])
        // The CSINode is removed: no limits.
        lister.setCSINodes([try F.csiNode("limit-2", drivers: [(Self.driver, 3)])])
        #expect(Self.outcome(plugin, claims: ["claim-2"], nodes: nodes) == [true, true])
    }

    @Test func nodesTheTableDoesNotCoverAreLookedUpByName() throws {
        let (_, plugin) = try Self.cluster()
        let two = [
            PodBuilder("a").uid("a").addingClaimVolumes("claim-0").pod,
            PodBuilder("b").uid("b").addingClaimVolumes("claim-1").pod,
        ]
        let first = [Self.node("limit-3", slot: 0, pods: two), Self.node("limit-2", slot: 1, pods: two)]
        #expect(Self.outcome(plugin, claims: ["claim-2"], nodes: first) == [true, false])
        // Same node count, slot 1 reused by another node: the table still names limit-2 there.
        let reused = [Self.node("limit-3", slot: 0, pods: two), Self.node("no-limit", slot: 1, pods: two)]
        #expect(Self.outcome(plugin, claims: ["claim-2"], nodes: reused) == [true, true])
        let swapped = [Self.node("limit-2", slot: 0, pods: two), Self.node("limit-3", slot: 1, pods: two)]
        #expect(Self.outcome(plugin, claims: ["claim-2"], nodes: swapped) == [false, true])
        // Node infos without slots (made outside a cache).
        let unslotted = [NodeBuilder("limit-2").info(pods: two), NodeBuilder("limit-3").info(pods: two)]
        #expect(Self.outcome(plugin, claims: ["claim-2"], nodes: unslotted) == [false, true])
    }
}
