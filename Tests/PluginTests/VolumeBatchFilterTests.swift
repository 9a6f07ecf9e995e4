import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing
import VolumeBindingPlugin

@testable import NodeVolumeLimitsPlugin

private typealias F = VolumePluginFixtures

/// The batch Filters of NodeVolumeLimits and VolumeBinding (what the runtime calls) against their per-node
/// Filters on batches of different nodes: each node's outcome must be the same.
@Suite struct VolumeBatchFilterTests {
    private static let driver = "ebs.csi.aws.com"

    /// Per-node statuses as the batch path reports them (nil for success).
    private func perNode(_ plugin: any FilterPlugin, state: CycleState, pod: PodInfo, nodes: [NodeInfo]) -> [Status?] {
        nodes.map { node in
            let status = plugin.filter(state: state, pod: pod, node: node)
            return status.code == .success ? nil : status
        }
    }

    @Test func nodeVolumeLimitsAgreesPerNode() throws {
        let volumes = try (0..<6).map { try F.csiPV("vol-\($0)", driver: Self.driver) }
        var claims = try (0..<6).map { try F.pvc("claim-\($0)", volumeName: "vol-\($0)") }
        claims.append(try F.pvc("eph-x", storageClass: "csi", owner: ("eph", "eph-uid")))
        let handle = F.handle(
            volumes: volumes,
            claims: claims,
            classes: [try F.storageClass("csi", provisioner: Self.driver)],
            csiNodes: [
                try F.csiNode("limit-1", drivers: [(Self.driver, 1)]),
                try F.csiNode("limit-2", drivers: [(Self.driver, 2)]),
                try F.csiNode("limit-9", drivers: [(Self.driver, 9)]),
                try F.csiNode("other-driver", drivers: [("other.csi", 1)]),
                try F.csiNode("no-limit", drivers: [(Self.driver, nil)]),
                try F.csiNode("ephemeral", drivers: [(Self.driver, 2)]),
            ]
        )
        let plugin = NodeVolumeLimits(handle: handle)
        let existing = PodBuilder("existing").uid("e1").addingClaimVolumes("claim-0", "claim-1").pod
        let ephemeralPod = PodBuilder("eph").uid("eph-uid").addingVolumes(try F.ephemeralVolume("x")).pod
        let nodes = [
            NodeBuilder("no-csinode").info(pods: [existing]),
            NodeBuilder("limit-1").info(pods: [existing]),
            NodeBuilder("limit-2").info(pods: []),
            NodeBuilder("limit-2").info(pods: [existing]),
            NodeBuilder("limit-9").info(pods: [existing]),
            NodeBuilder("other-driver").info(pods: [existing]),
            NodeBuilder("no-limit").info(pods: [existing]),
            NodeBuilder("ephemeral").info(pods: [ephemeralPod]),
        ]
        for claimNames in [["claim-2"], ["claim-2", "claim-3"], ["claim-0"], ["missing"]] {
            let pod = PodBuilder("new").uid("n1").addingClaimVolumes(claimNames).info()
            let state = CycleState()
            _ = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: nodes))
            let expected = perNode(plugin, state: state, pod: pod, nodes: nodes)
            #expect(runBatchFilter(plugin, state: state, pod: pod, nodes: nodes) == expected, "\(claimNames)")
        }
        // Sanity: the cases above do reject some nodes and admit others.
        let pod = PodBuilder("new").uid("n1").addingClaimVolumes(["claim-2", "claim-3"]).info()
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: nodes))
        let outcome = runBatchFilter(plugin, state: state, pod: pod, nodes: nodes)
        #expect(outcome.map { $0 == nil } == [true, false, true, false, true, true, true, false])
    }

    @Test func volumeBindingAgreesPerNodeWithLocalVolumes() throws {
        var volumes: [PersistentVolume] = []
        for node in 0..<4 {
            for disk in 0..<2 {
                volumes.append(localVolume("pv-\(node)-\(disk)", disk == 0 ? "5Gi" : "20Gi", node: "node-\(node)"))
            }
        }
        volumes.append(localVolume("pv-rwx", "50Gi", node: "node-3", modes: ["ReadWriteMany"]))
        let cluster = VolumeTestCluster(
            volumes: volumes,
            claims: [
                PersistentVolumeClaim(name: "small", storageClassName: "wait", request: "1Gi"),
                PersistentVolumeClaim(name: "large", storageClassName: "wait", request: "10Gi"),
                PersistentVolumeClaim(name: "huge", storageClassName: "wait", request: "40Gi"),
                PersistentVolumeClaim(
                    name: "rwx",
                    storageClassName: "wait",
                    request: "40Gi",
                    accessModes: ["ReadWriteMany"]
                ),
            ],
            classes: [waitClass]
        )
        // node-1's large volume is taken by another claim.
        cluster.modify(volume: "pv-1-1") { $0.spec.claimRef = ObjectReference(namespace: "default", name: "other") }
        let plugin = try makePlugin(cluster)
        let nodes = (0..<5).map { volumeNode("node-\($0)") }
        for claimNames in [["small"], ["large"], ["huge"], ["rwx"], ["small", "large"]] {
            let pod = PodBuilder("pod").addingClaimVolumes(claimNames).info()
            let state = CycleState()
            let (_, pre) = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: nodes))
            #expect(pre.isSuccess)
            let expected = perNode(plugin, state: state, pod: pod, nodes: nodes)
            #expect(runBatchFilter(plugin, state: state, pod: pod, nodes: nodes) == expected, "\(claimNames)")
        }
        // Sanity: "large" fits the nodes with a free 20Gi volume only.
        let pod = PodBuilder("pod").addingClaimVolumes(["large"]).info()
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: nodes))
        let outcome = runBatchFilter(plugin, state: state, pod: pod, nodes: nodes)
        #expect(outcome.map { $0 == nil } == [true, false, true, true, false])
    }

    /// Local volumes follow the node's hostname label, not its name: a node info whose label changed (`setNode`,
    /// as an informer update does) is matched by the new hostname on the batch path too.
    @Test func aRelabeledHostnameIsMatchedByItsNewValue() throws {
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-a", "20Gi", node: "host-a"), localVolume("pv-b", "20Gi", node: "host-b")],
            claims: [PersistentVolumeClaim(name: "large", storageClassName: "wait", request: "10Gi")],
            classes: [waitClass]
        )
        cluster.modify(volume: "pv-b") { $0.spec.claimRef = ObjectReference(namespace: "default", name: "other") }
        let plugin = try makePlugin(cluster)
        // node-0 starts as host-b (its volume taken) and becomes host-a; node-1 goes the other way.
        var nodes = [
            NodeBuilder("node-0").label(VolumeAnnotations.hostnameLabel, "host-b").info(),
            NodeBuilder("node-1").label(VolumeAnnotations.hostnameLabel, "host-a").info(),
        ]
        let pod = PodBuilder("pod").addingClaimVolumes(["large"]).info()
        func outcome() -> [Bool] {
            let state = CycleState()
            _ = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: nodes))
            let batch = runBatchFilter(plugin, state: state, pod: pod, nodes: nodes)
            #expect(batch == perNode(plugin, state: state, pod: pod, nodes: nodes))
            return batch.map { $0 == nil }
        }
        #expect(outcome() == [false, true])
        for (index, host) in [(0, "host-a"), (1, "host-b")] {
            var node = nodes[index].node
            node.metadata.labels?[VolumeAnnotations.hostnameLabel] = host
            nodes[index].setNode(node)
        }
        #expect(outcome() == [true, false])
    }
}
