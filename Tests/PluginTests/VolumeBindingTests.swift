import Foundation
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Synchronization
import Testing
import VolumeBindingPlugin

/// Upstream's volume_binding_test.go and binder_test.go table cases, on the plugin's extension points.
@Suite struct VolumeBindingPreFilterTests {
    @Test func podWithoutClaimsIsSkipped() throws {
        let plugin = try makePlugin(VolumeTestCluster())
        let (status, _) = runFilter(plugin, pod: PodBuilder("pod").info(), nodes: [volumeNode("node-a")])
        #expect(status.code == .skip)
    }

    @Test func missingClaimIsUnresolvable() throws {
        let plugin = try makePlugin(VolumeTestCluster())
        let (status, _) = runFilter(plugin, pod: podWithClaims("pod", "pvc-a").info(), nodes: [volumeNode("node-a")])
        #expect(status.code == .unschedulableAndUnresolvable)
        #expect(status.reasons == ["persistentvolumeclaim \"pvc-a\" not found"])
    }

    @Test func claimBeingDeletedIsUnresolvable() throws {
        var claim = PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi")
        claim.metadata.deletionTimestamp = "2026-01-01T00:00:00Z"
        let plugin = try makePlugin(VolumeTestCluster(claims: [claim], classes: [waitClass]))
        let (status, _) = runFilter(plugin, pod: podWithClaims("pod", "pvc-a").info(), nodes: [volumeNode("node-a")])
        #expect(status.code == .unschedulableAndUnresolvable)
        #expect(status.reasons == ["persistentvolumeclaim \"pvc-a\" is being deleted"])
    }

    @Test func lostClaimNamesItsVolume() throws {
        var claim = PersistentVolumeClaim(
            name: "pvc-a",
            storageClassName: "wait",
            request: "1Gi",
            volumeName: "pv-gone",
            phase: "Lost"
        )
        claim.metadata.annotations = [VolumeAnnotations.bindCompleted: "yes"]
        let plugin = try makePlugin(VolumeTestCluster(claims: [claim], classes: [waitClass]))
        let (status, _) = runFilter(plugin, pod: podWithClaims("pod", "pvc-a").info(), nodes: [volumeNode("node-a")])
        #expect(
            status.reasons == ["persistentvolumeclaim \"pvc-a\" bound to non-existent persistentvolume \"pv-gone\""]
        )
    }

    @Test(arguments: [
        ("immediate", nil as String?),  // Immediate class, not yet bound by the PV controller
        ("missing-class", nil),  // unknown class: treated as immediate
        ("wait", "pv-a"),  // pre-bound through volumeName: the PV controller's job
    ])
    func unboundImmediateClaimIsUnresolvable(storageClass: String, volumeName: String?) throws {
        let claim = PersistentVolumeClaim(
            name: "pvc-a",
            storageClassName: storageClass,
            request: "1Gi",
            volumeName: volumeName
        )
        let plugin = try makePlugin(VolumeTestCluster(claims: [claim], classes: [waitClass, immediateClass]))
        let (status, _) = runFilter(plugin, pod: podWithClaims("pod", "pvc-a").info(), nodes: [volumeNode("node-a")])
        #expect(status.code == .unschedulableAndUnresolvable)
        #expect(status.reasons == ["pod has unbound immediate PersistentVolumeClaims"])
    }

    @Test func genericEphemeralVolumes() throws {
        var builder = PodBuilder("pod").uid("uid-pod")
        let volume = try JSONDecoder().decode(
            Volume.self,
            from: Data(#"{"name":"scratch","ephemeral":{"volumeClaimTemplate":{"spec":{}}}}"#.utf8)
        )
        builder.pod.spec.volumes = [volume]
        let pod = builder.info()

        // Not created yet.
        var plugin = try makePlugin(VolumeTestCluster(classes: [waitClass]))
        var (status, _) = runFilter(plugin, pod: pod, nodes: [volumeNode("node-a")])
        #expect(
            status.reasons == [
                "waiting for ephemeral volume controller to create the persistentvolumeclaim \"pod-scratch\""
            ]
        )

        // Created, but by someone else.
        var foreign = PersistentVolumeClaim(name: "pod-scratch", storageClassName: "wait", request: "1Gi")
        foreign.metadata.ownerReferences = [
            OwnerReference(kind: "Pod", name: "other", uid: "uid-other", controller: true)
        ]
        plugin = try makePlugin(VolumeTestCluster(claims: [foreign], classes: [waitClass]))
        (status, _) = runFilter(plugin, pod: pod, nodes: [volumeNode("node-a")])
        #expect(status.code == .unschedulableAndUnresolvable)
        #expect(status.reasons == ["PVC default/pod-scratch was not created for pod default/pod (pod is not owner)"])

        // Owned by the pod: an ordinary WaitForFirstConsumer claim.
        var owned = foreign
        owned.metadata.ownerReferences = [OwnerReference(kind: "Pod", name: "pod", uid: "uid-pod", controller: true)]
        plugin = try makePlugin(
            VolumeTestCluster(
                volumes: [localVolume("pv-a", "1Gi", node: "node-a")],
                claims: [owned],
                classes: [waitClass]
            )
        )
        let (preStatus, statuses) = runFilter(plugin, pod: pod, nodes: [volumeNode("node-a")])
        #expect(preStatus.isSuccess)
        #expect(statuses["node-a"]?.isSuccess == true)
    }
}

@Suite struct VolumeBindingFilterTests {
    @Test func boundClaimFollowsItsVolumesNodeAffinity() throws {
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-a", "1Gi", node: "node-a")],
            claims: [boundClaim("pvc-a", volume: "pv-a")],
            classes: [waitClass]
        )
        let plugin = try makePlugin(cluster)
        let (_, statuses) = runFilter(
            plugin,
            pod: podWithClaims("pod", "pvc-a").info(),
            nodes: [volumeNode("node-a"), volumeNode("node-b")]
        )
        #expect(statuses["node-a"]?.isSuccess == true)
        #expect(statuses["node-b"]?.code == .unschedulableAndUnresolvable)
        #expect(statuses["node-b"]?.reasons == ["node(s) didn't match PersistentVolume's node affinity"])
    }

    /// GetEligibleNodes: a bound local PV narrows the cycle to its node (by hostname label).
    @Test func boundLocalVolumeNarrowsTheNodes() throws {
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-a", "1Gi", node: "host-a")],
            claims: [boundClaim("pvc-a", volume: "pv-a")],
            classes: [waitClass]
        )
        let plugin = try makePlugin(cluster)
        let nodes = [
            NodeBuilder("node-a").labels([VolumeAnnotations.hostnameLabel: "host-a"]).info(), volumeNode("node-b"),
        ]
        let (result, status) = plugin.preFilter(
            state: CycleState(),
            pod: podWithClaims("pod", "pvc-a").info(),
            snapshot: Snapshot(nodes: nodes)
        )
        #expect(status.isSuccess)
        #expect(result?.nodeNames == ["node-a"])
        // Network volumes (no hostname affinity) do not narrow.
        let network = VolumeTestCluster(
            volumes: [PersistentVolume(name: "pv-n", capacity: "1Gi", storageClassName: "wait")],
            claims: [boundClaim("pvc-a", volume: "pv-n")],
            classes: [waitClass]
        )
        #expect(
            try makePlugin(network).preFilter(
                state: CycleState(),
                pod: podWithClaims("pod", "pvc-a").info(),
                snapshot: Snapshot(nodes: nodes)
            ).0 == nil
        )
    }

    @Test func boundClaimWithoutVolume() throws {
        let plugin = try makePlugin(
            VolumeTestCluster(claims: [boundClaim("pvc-a", volume: "pv-gone")], classes: [waitClass])
        )
        let (_, statuses) = runFilter(plugin, pod: podWithClaims("pod", "pvc-a").info(), nodes: [volumeNode("node-a")])
        #expect(
            statuses["node-a"]?.reasons == ["node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"]
        )
    }

    /// Upstream binder_test "unbound-pvc,pv-same-node" and friends: local PVs pin the pod to their node.
    @Test func localVolumesPinThePod() throws {
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-a", "5Gi", node: "node-a")],
            claims: [PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi")],
            classes: [waitClass]
        )
        let plugin = try makePlugin(cluster)
        let (_, statuses) = runFilter(
            plugin,
            pod: podWithClaims("pod", "pvc-a").info(),
            nodes: [volumeNode("node-a"), volumeNode("node-b")]
        )
        #expect(statuses["node-a"]?.isSuccess == true)
        #expect(statuses["node-b"]?.code == .unschedulableAndUnresolvable)
        #expect(statuses["node-b"]?.reasons == ["node(s) didn't find available persistent volumes to bind"])
    }

    /// The reasons come in upstream's order: node conflict of bound claims, then unbound claims.
    @Test func boundAndUnboundConflictsTogether() throws {
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-bound", "1Gi", node: "node-a"), localVolume("pv-free", "1Gi", node: "node-a")],
            claims: [
                boundClaim("pvc-bound", volume: "pv-bound"),
                PersistentVolumeClaim(name: "pvc-new", storageClassName: "wait", request: "1Gi"),
            ],
            classes: [waitClass]
        )
        let plugin = try makePlugin(cluster)
        let (_, statuses) = runFilter(
            plugin,
            pod: podWithClaims("pod", "pvc-bound", "pvc-new").info(),
            nodes: [volumeNode("node-a"), volumeNode("node-b")]
        )
        #expect(statuses["node-a"]?.isSuccess == true)
        #expect(
            statuses["node-b"]?.reasons == [
                "node(s) didn't match PersistentVolume's node affinity",
                "node(s) didn't find available persistent volumes to bind",
            ]
        )
    }

    /// Reserve's choice shows which PV Filter's rules picked.
    private func chosenVolumes(
        _ cluster: VolumeTestCluster,
        pod: PodBuilder,
        node: String = "node-a"
    ) throws -> [String: String] {
        let plugin = try makePlugin(cluster)
        let state = CycleState()
        let nodes = [volumeNode(node)]
        let (_, statuses) = runFilter(plugin, pod: pod.info(), nodes: nodes, state: state)
        guard statuses[node]?.isSuccess == true else { return [:] }
        #expect(plugin.reserve(state: state, pod: pod.info(), nodeName: node).isSuccess)
        var chosen: [String: String] = [:]
        for volume in cluster.persistentVolumes() {
            let effective = plugin.assumedVolume(volume)
            if let claim = effective.spec.claimRef?.name, effective != volume { chosen[claim] = volume.metadata.name }
        }
        return chosen
    }

    /// binder_test "unbound-pvc,pv-different-size": the smallest PV that fits.
    @Test func smallestFittingVolumeIsChosen() throws {
        let cluster = VolumeTestCluster(
            volumes: [
                localVolume("pv-1g", "1Gi", node: "node-a"), localVolume("pv-10g", "10Gi", node: "node-a"),
                localVolume("pv-5g", "5Gi", node: "node-a"), localVolume("pv-8g", "8Gi", node: "node-a"),
            ],
            claims: [PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "3Gi")],
            classes: [waitClass]
        )
        #expect(try chosenVolumes(cluster, pod: podWithClaims("pod", "pvc-a")) == ["pvc-a": "pv-5g"])
    }

    /// binder_test "prebound-pvc": a PV whose claimRef names the claim wins over a smaller free one.
    @Test func preBoundVolumeIsChosen() throws {
        var preBound = localVolume("pv-pre", "10Gi", node: "node-a")
        preBound.spec.claimRef = ObjectReference(namespace: "default", name: "pvc-a")
        preBound.status = PersistentVolumeStatus(phase: "Available")
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-small", "1Gi", node: "node-a"), preBound],
            claims: [PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi")],
            classes: [waitClass]
        )
        #expect(try chosenVolumes(cluster, pod: podWithClaims("pod", "pvc-a")) == ["pvc-a": "pv-pre"])

        // Pre-bound to this claim but on another node: no match at all (the free PV is not considered).
        let elsewhere = VolumeTestCluster(
            volumes: [
                localVolume("pv-small", "1Gi", node: "node-a"),
                {
                    var pv = localVolume("pv-pre", "10Gi", node: "node-b")
                    pv.spec.claimRef = ObjectReference(namespace: "default", name: "pvc-a")
                    return pv
                }(),
            ],
            claims: [PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi")],
            classes: [waitClass]
        )
        let plugin = try makePlugin(elsewhere)
        let (_, statuses) = runFilter(plugin, pod: podWithClaims("pod", "pvc-a").info(), nodes: [volumeNode("node-a")])
        #expect(statuses["node-a"]?.reasons == ["node(s) didn't find available persistent volumes to bind"])
    }

    @Test(arguments: [
        (["ReadWriteOnce"], ["ReadWriteOnce", "ReadOnlyMany"], true),
        (["ReadWriteOnce", "ReadOnlyMany"], ["ReadWriteOnce"], false),  // every requested mode must be offered
        (["ReadWriteMany"], ["ReadWriteOnce"], false),
    ])
    func accessModes(claimModes: [String], volumeModes: [String], fits: Bool) throws {
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-a", "1Gi", node: "node-a", modes: volumeModes)],
            claims: [
                PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi", accessModes: claimModes)
            ],
            classes: [waitClass]
        )
        let (_, statuses) = try runFilter(
            makePlugin(cluster),
            pod: podWithClaims("pod", "pvc-a").info(),
            nodes: [volumeNode("node-a")]
        )
        #expect(statuses["node-a"]?.isSuccess == fits)
    }

    @Test(arguments: [
        (nil as String?, nil as String?, true),  // both default to Filesystem
        ("Block", "Block", true),
        ("Block", nil, false),
        (nil, "Block", false),
    ])
    func volumeModes(claimMode: String?, volumeMode: String?, fits: Bool) throws {
        var volume = localVolume("pv-a", "1Gi", node: "node-a")
        volume.spec.volumeMode = volumeMode
        let cluster = VolumeTestCluster(
            volumes: [volume],
            claims: [
                PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi", volumeMode: claimMode)
            ],
            classes: [waitClass]
        )
        let (_, statuses) = try runFilter(
            makePlugin(cluster),
            pod: podWithClaims("pod", "pvc-a").info(),
            nodes: [volumeNode("node-a")]
        )
        #expect(statuses["node-a"]?.isSuccess == fits)
    }

    @Test func claimSelectorMustMatchVolumeLabels() throws {
        var gold = localVolume("pv-gold", "5Gi", node: "node-a")
        gold.metadata.labels = ["tier": "gold"]
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-plain", "1Gi", node: "node-a"), gold],
            claims: [
                PersistentVolumeClaim(
                    name: "pvc-a",
                    storageClassName: "wait",
                    request: "1Gi",
                    selector: LabelSelector(matchLabels: ["tier": "gold"])
                )
            ],
            classes: [waitClass]
        )
        #expect(try chosenVolumes(cluster, pod: podWithClaims("pod", "pvc-a")) == ["pvc-a": "pv-gold"])

        let none = VolumeTestCluster(
            volumes: [localVolume("pv-plain", "1Gi", node: "node-a")],
            claims: [
                PersistentVolumeClaim(
                    name: "pvc-a",
                    storageClassName: "wait",
                    request: "1Gi",
                    selector: LabelSelector(matchLabels: ["tier": "gold"])
                )
            ],
            classes: [waitClass]
        )
        let (_, statuses) = try runFilter(
            makePlugin(none),
            pod: podWithClaims("pod", "pvc-a").info(),
            nodes: [volumeNode("node-a")]
        )
        #expect(statuses["node-a"]?.reasons == ["node(s) didn't find available persistent volumes to bind"])
    }

    @Test func unavailableOrClaimedVolumesAreSkipped() throws {
        var released = localVolume("pv-released", "1Gi", node: "node-a")
        released.status = PersistentVolumeStatus(phase: "Released")
        var claimed = localVolume("pv-claimed", "1Gi", node: "node-a")
        claimed.spec.claimRef = ObjectReference(namespace: "default", name: "other")
        var deleting = localVolume("pv-deleting", "1Gi", node: "node-a")
        deleting.metadata.deletionTimestamp = "2026-01-01T00:00:00Z"
        let cluster = VolumeTestCluster(
            volumes: [released, claimed, deleting, localVolume("pv-small", "512Mi", node: "node-a")],
            claims: [PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi")],
            classes: [waitClass]
        )
        let (_, statuses) = try runFilter(
            makePlugin(cluster),
            pod: podWithClaims("pod", "pvc-a").info(),
            nodes: [volumeNode("node-a")]
        )
        #expect(statuses["node-a"]?.reasons == ["node(s) didn't find available persistent volumes to bind"])
    }

    /// binder_test "two-unbound-pvcs": each claim gets its own PV, never one PV for both.
    @Test func twoClaimsOfOnePodGetDistinctVolumes() throws {
        let claims = [
            PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi"),
            PersistentVolumeClaim(name: "pvc-b", storageClassName: "wait", request: "1Gi"),
        ]
        let one = VolumeTestCluster(
            volumes: [localVolume("pv-1", "1Gi", node: "node-a")],
            claims: claims,
            classes: [waitClass]
        )
        let (_, statuses) = try runFilter(
            makePlugin(one),
            pod: podWithClaims("pod", "pvc-a", "pvc-b").info(),
            nodes: [volumeNode("node-a")]
        )
        #expect(statuses["node-a"]?.reasons == ["node(s) didn't find available persistent volumes to bind"])

        let two = VolumeTestCluster(
            volumes: [localVolume("pv-1", "1Gi", node: "node-a"), localVolume("pv-2", "2Gi", node: "node-a")],
            claims: claims,
            classes: [waitClass]
        )
        let chosen = try chosenVolumes(two, pod: podWithClaims("pod", "pvc-a", "pvc-b"))
        #expect(Set(chosen.values) == ["pv-1", "pv-2"])
        #expect(chosen.count == 2)
    }

    @Test func selectedNodeOnAnotherNode() throws {
        let claim = PersistentVolumeClaim(
            name: "pvc-a",
            storageClassName: "provision",
            request: "1Gi",
            annotations: [VolumeAnnotations.selectedNode: "node-b"]
        )
        let plugin = try makePlugin(VolumeTestCluster(claims: [claim], classes: [provisionClass]))
        let (_, statuses) = runFilter(
            plugin,
            pod: podWithClaims("pod", "pvc-a").info(),
            nodes: [volumeNode("node-a"), volumeNode("node-b")]
        )
        #expect(statuses["node-a"]?.reasons == ["node(s) didn't find available persistent volumes to bind"])
        #expect(statuses["node-b"]?.isSuccess == true)
    }

    /// binder_test "provisioning": classes that provision, their allowedTopologies, and no-provisioner.
    @Test func dynamicProvisioningFollowsAllowedTopologies() throws {
        var zonal = StorageClass(name: "zonal", provisioner: "example.com/zonal")
        zonal.allowedTopologies = [
            TopologySelectorTerm(matchLabelExpressions: [
                TopologySelectorLabelRequirement(key: "topology.kubernetes.io/zone", values: ["zone-1"])
            ])
        ]
        let cluster = VolumeTestCluster(
            claims: [PersistentVolumeClaim(name: "pvc-a", storageClassName: "zonal", request: "1Gi")],
            classes: [zonal]
        )
        let nodes = [
            volumeNode("node-a", labels: ["topology.kubernetes.io/zone": "zone-1"]),
            volumeNode("node-b", labels: ["topology.kubernetes.io/zone": "zone-2"]), volumeNode("node-c"),
        ]
        let (_, statuses) = try runFilter(makePlugin(cluster), pod: podWithClaims("pod", "pvc-a").info(), nodes: nodes)
        #expect(statuses["node-a"]?.isSuccess == true)
        #expect(statuses["node-b"]?.reasons == ["node(s) didn't find available persistent volumes to bind"])
        #expect(statuses["node-c"]?.reasons == ["node(s) didn't find available persistent volumes to bind"])
    }

    @Test func missingClassWhenProvisioningIsAnError() throws {
        // A WaitForFirstConsumer claim whose class vanished after PreFilter classified it.
        let cluster = VolumeTestCluster(
            claims: [PersistentVolumeClaim(name: "pvc-a", storageClassName: "provision", request: "1Gi")],
            classes: [provisionClass]
        )
        let plugin = try makePlugin(cluster)
        let state = CycleState()
        let pod = podWithClaims("pod", "pvc-a").info()
        #expect(plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: [volumeNode("node-a")])).1.isSuccess)
        cluster.state.withLock { $0.classes = [:] }
        let status = plugin.filter(state: state, pod: pod, node: volumeNode("node-a"))
        #expect(status.code == .error)
        #expect(status.reasons == ["failed to find storage class \"provision\""])
    }

    /// binder_test's storage capacity cases: only drivers with `storageCapacity: true` are checked;
    /// `maximumVolumeSize` wins over `capacity`; the capacity's topology must cover the node.
    @Test func storageCapacity() throws {
        let csiClass = StorageClass(name: "csi", provisioner: "csi.example.com")
        let claim = PersistentVolumeClaim(name: "pvc-a", storageClassName: "csi", request: "5Gi")
        func capacity(_ name: String, node: String, capacity: String, maximum: String? = nil) -> CSIStorageCapacity {
            CSIStorageCapacity(
                name: name,
                storageClassName: "csi",
                nodeTopology: LabelSelector(matchLabels: [VolumeAnnotations.hostnameLabel: node]),
                capacity: Quantity(parsing: capacity),
                maximumVolumeSize: maximum.flatMap { Quantity(parsing: $0) }
            )
        }
        let capacities = [
            capacity("cap-a", node: "node-a", capacity: "10Gi"), capacity("cap-b", node: "node-b", capacity: "1Gi"),
            capacity("cap-c", node: "node-c", capacity: "100Gi", maximum: "1Gi"),
        ]
        let nodes = [volumeNode("node-a"), volumeNode("node-b"), volumeNode("node-c"), volumeNode("node-d")]

        let tracked = VolumeTestCluster(
            claims: [claim],
            classes: [csiClass],
            drivers: [CSIDriver(name: "csi.example.com", spec: CSIDriverSpec(storageCapacity: true))],
            capacities: capacities
        )
        let (_, statuses) = try runFilter(makePlugin(tracked), pod: podWithClaims("pod", "pvc-a").info(), nodes: nodes)
        #expect(statuses["node-a"]?.isSuccess == true)
        for node in ["node-b", "node-c", "node-d"] {
            #expect(statuses[node]?.code == .unschedulableAndUnresolvable)
            #expect(statuses[node]?.reasons == ["node(s) did not have enough free storage"])
        }

        // A driver that does not track capacity, or no CSIDriver at all: no check.
        for drivers in [[CSIDriver(name: "csi.example.com", spec: CSIDriverSpec(storageCapacity: false))], []] {
            let untracked = VolumeTestCluster(
                claims: [claim],
                classes: [csiClass],
                drivers: drivers,
                capacities: capacities
            )
            let (_, statuses) = try runFilter(
                makePlugin(untracked),
                pod: podWithClaims("pod", "pvc-a").info(),
                nodes: nodes
            )
            #expect(statuses.values.allSatisfy { $0.isSuccess })
        }
    }
}

@Suite struct VolumeBindingReserveTests {
    private func cluster(controller: Bool = true) -> VolumeTestCluster {
        VolumeTestCluster(
            volumes: [localVolume("pv-a", "1Gi", node: "node-a")],
            claims: [
                PersistentVolumeClaim(name: "pvc-1", storageClassName: "wait", request: "1Gi"),
                PersistentVolumeClaim(name: "pvc-2", storageClassName: "wait", request: "1Gi"),
            ],
            classes: [waitClass],
            controller: controller
        )
    }

    /// The next cycle sees the PV Reserve took; Unreserve (a later plugin rejected the pod) gives it back.
    @Test func reserveIsSeenByTheNextCycleAndUnreserveReverts() throws {
        let cluster = cluster()
        let plugin = try makePlugin(cluster)
        let nodes = [volumeNode("node-a")]
        let first = podWithClaims("first", "pvc-1").info()
        let firstState = CycleState()
        #expect(runFilter(plugin, pod: first, nodes: nodes, state: firstState).1["node-a"]?.isSuccess == true)
        #expect(plugin.reserve(state: firstState, pod: first, nodeName: "node-a").isSuccess)

        let second = podWithClaims("second", "pvc-2").info()
        #expect(
            runFilter(plugin, pod: second, nodes: nodes).1["node-a"]?.reasons == [
                "node(s) didn't find available persistent volumes to bind"
            ]
        )

        plugin.unreserve(state: firstState, pod: first, nodeName: "node-a")
        #expect(runFilter(plugin, pod: second, nodes: nodes).1["node-a"]?.isSuccess == true)
        // Nothing reached the API server.
        #expect(cluster.volumeWrites.isEmpty)
    }

    @Test(.timeLimit(.minutes(1))) func preBindWritesTheClaimRefAndWaitsForTheBinding() async throws {
        let cluster = cluster()
        let plugin = try makePlugin(cluster)
        let pod = podWithClaims("first", "pvc-1").info()
        let state = CycleState()
        #expect(runFilter(plugin, pod: pod, nodes: [volumeNode("node-a")], state: state).1["node-a"]?.isSuccess == true)
        #expect(plugin.reserve(state: state, pod: pod, nodeName: "node-a").isSuccess)
        let status = await plugin.preBind(state: state, pod: pod, nodeName: "node-a")
        #expect(status.isSuccess, "\(status)")
        let written = try #require(cluster.volumeWrites.first)
        #expect(cluster.volumeWrites.count == 1)
        #expect(written.spec.claimRef?.name == "pvc-1")
        #expect(written.spec.claimRef?.namespace == "default")
        #expect(written.spec.claimRef?.uid == "uid-pvc-1")
        #expect(written.spec.claimRef?.kind == "PersistentVolumeClaim")
        #expect(written.metadata.annotations?["pv.kubernetes.io/bound-by-controller"] == "yes")
        #expect(cluster.claim("pvc-1")?.spec.volumeName == "pv-a")
    }

    @Test(.timeLimit(.minutes(1))) func preBindAnnotatesClaimsToProvision() async throws {
        let cluster = VolumeTestCluster(
            claims: [PersistentVolumeClaim(name: "pvc-1", storageClassName: "provision", request: "1Gi")],
            classes: [provisionClass]
        )
        let plugin = try makePlugin(cluster)
        let pod = podWithClaims("first", "pvc-1").info()
        let state = CycleState()
        #expect(runFilter(plugin, pod: pod, nodes: [volumeNode("node-a")], state: state).1["node-a"]?.isSuccess == true)
        #expect(plugin.reserve(state: state, pod: pod, nodeName: "node-a").isSuccess)
        #expect(await plugin.preBind(state: state, pod: pod, nodeName: "node-a").isSuccess)
        #expect(cluster.volumeWrites.isEmpty)
        #expect(
            cluster.claimWrites.map { $0.metadata.annotations?["volume.kubernetes.io/selected-node"] } == ["node-a"]
        )
        #expect(cluster.claim("pvc-1")?.isFullyBound == true)
    }

    /// No PV controller: PreBind gives up after `bindTimeoutSeconds` (0 here: at the first check).
    @Test(.timeLimit(.minutes(1))) func preBindTimesOut() async throws {
        let cluster = cluster(controller: false)
        let plugin = try makePlugin(cluster, args: VolumeBindingArgs(bindTimeoutSeconds: 0))
        let pod = podWithClaims("first", "pvc-1").info()
        let state = CycleState()
        _ = runFilter(plugin, pod: pod, nodes: [volumeNode("node-a")], state: state)
        #expect(plugin.reserve(state: state, pod: pod, nodeName: "node-a").isSuccess)
        let status = await plugin.preBind(state: state, pod: pod, nodeName: "node-a")
        #expect(status.code == .error)
        #expect(status.reasons == ["binding volumes: context deadline exceeded"])
        // The framework then unreserves: the assumption is gone, though the API write stays (as upstream).
        plugin.unreserve(state: state, pod: pod, nodeName: "node-a")
        #expect(plugin.assumedVolume(try #require(cluster.volume("pv-a"))) == cluster.volume("pv-a"))
    }

    /// The PV went to another claim between Reserve and PreBind: the update conflicts, nothing is bound twice.
    @Test(.timeLimit(.minutes(1))) func volumeTakenMeanwhileFailsTheBinding() async throws {
        let cluster = cluster()
        let plugin = try makePlugin(cluster)
        let pod = podWithClaims("first", "pvc-1").info()
        let state = CycleState()
        _ = runFilter(plugin, pod: pod, nodes: [volumeNode("node-a")], state: state)
        #expect(plugin.reserve(state: state, pod: pod, nodeName: "node-a").isSuccess)
        cluster.modify(volume: "pv-a") {
            $0.spec.claimRef = ObjectReference(namespace: "default", name: "someone-else", uid: "uid-x")
        }
        let status = await plugin.preBind(state: state, pod: pod, nodeName: "node-a")
        #expect(status.code == .error)
        #expect(status.message.contains("the object has been modified"))
        #expect(cluster.volume("pv-a")?.spec.claimRef?.name == "someone-else")
        #expect(cluster.claim("pvc-1")?.spec.volumeName == nil)
    }

    @Test func podWithBoundClaimsNeedsNoPreBind() async throws {
        let cluster = VolumeTestCluster(
            volumes: [localVolume("pv-a", "1Gi", node: "node-a")],
            claims: [boundClaim("pvc-a", volume: "pv-a")],
            classes: [waitClass]
        )
        let plugin = try makePlugin(cluster)
        let pod = podWithClaims("pod", "pvc-a").info()
        let state = CycleState()
        _ = runFilter(plugin, pod: pod, nodes: [volumeNode("node-a")], state: state)
        #expect(plugin.reserve(state: state, pod: pod, nodeName: "node-a").isSuccess)
        #expect(await plugin.preBind(state: state, pod: pod, nodeName: "node-a").isSuccess)
        #expect(cluster.volumeWrites.isEmpty && cluster.claimWrites.isEmpty)
    }
}

@Suite struct VolumeBindingArgsAndEventsTests {
    @Test func argsDefaultAndValidate() throws {
        #expect(VolumeBindingArgs.defaults.bindTimeoutSeconds == 600)
        #expect(try decodeArgs(VolumeBindingArgs.self, "{}") == VolumeBindingArgs())
        #expect(try decodeArgs(VolumeBindingArgs.self, #"{"bindTimeoutSeconds": 30}"#).bindTimeoutSeconds == 30)
        #expect(
            throws: PluginArgsError(
                field: "bindTimeoutSeconds",
                "Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value"
            )
        ) {
            try VolumeBindingArgs(bindTimeoutSeconds: -1).validate()
        }
        // `shape` needs the StorageCapacityScoring feature, off by default in v1.35.
        let shaped = VolumeBindingArgs(shape: [.init(utilization: 0, score: 0), .init(utilization: 100, score: 10)])
        #expect(throws: PluginArgsError.self) { try shaped.validate() }
        try shaped.validate(storageCapacityScoring: true)
        let unsorted = VolumeBindingArgs(shape: [.init(utilization: 50, score: 0), .init(utilization: 10, score: 10)])
        #expect(throws: PluginArgsError.self) { try unsorted.validate(storageCapacityScoring: true) }
    }

    @Test func scoreIsSkippedWithoutStorageCapacityScoring() throws {
        let plugin = try makePlugin(VolumeTestCluster())
        #expect(
            plugin.preScore(state: CycleState(), pod: PodBuilder("p").info(), nodes: nodeList([volumeNode("n")])).isSkip
        )
    }

    @Test func eventsAndHints() throws {
        let plugin = try makePlugin(VolumeTestCluster())
        let events = plugin.eventsToRegister()
        let resources = Set(events.map(\.event.resource))
        #expect(
            resources == [
                .storageClass, .persistentVolumeClaim, .persistentVolume, .node, .csiNode, .csiDriver,
                .csiStorageCapacity,
            ]
        )
        let pod = podWithClaims("pod", "pvc-a").build()
        func hint(_ resource: EventResource, _ old: KubeObject?, _ new: KubeObject?) -> QueueingHint? {
            events.first { $0.event.resource == resource }.map { $0.hint?(pod, old, new) ?? .queue }
        }
        // Claims: only the pod's own.
        #expect(
            hint(
                .persistentVolumeClaim,
                nil,
                .persistentVolumeClaim(PersistentVolumeClaim(name: "pvc-a", storageClassName: "wait", request: "1Gi"))
            ) == .queue
        )
        #expect(
            hint(
                .persistentVolumeClaim,
                nil,
                .persistentVolumeClaim(PersistentVolumeClaim(name: "pvc-b", storageClassName: "wait", request: "1Gi"))
            ) == .skip
        )
        #expect(
            hint(
                .persistentVolumeClaim,
                nil,
                .persistentVolumeClaim(
                    PersistentVolumeClaim(namespace: "other", name: "pvc-a", storageClassName: "wait", request: "1Gi")
                )
            ) == .skip
        )
        // Classes: new ones, and allowedTopologies changes.
        var widened = provisionClass
        widened.allowedTopologies = [
            TopologySelectorTerm(matchLabelExpressions: [TopologySelectorLabelRequirement(key: "zone", values: ["a"])])
        ]
        #expect(hint(.storageClass, nil, .storageClass(provisionClass)) == .queue)
        #expect(hint(.storageClass, .storageClass(provisionClass), .storageClass(widened)) == .queue)
        #expect(hint(.storageClass, .storageClass(provisionClass), .storageClass(provisionClass)) == .skip)
        // Capacities: new ones, and a larger limit.
        func capacity(_ size: String) -> KubeObject {
            .csiStorageCapacity(
                CSIStorageCapacity(
                    name: "c",
                    storageClassName: "csi",
                    nodeTopology: nil,
                    capacity: Quantity(parsing: size)
                )
            )
        }
        #expect(hint(.csiStorageCapacity, nil, capacity("1Gi")) == .queue)
        #expect(hint(.csiStorageCapacity, capacity("1Gi"), capacity("2Gi")) == .queue)
        #expect(hint(.csiStorageCapacity, capacity("2Gi"), capacity("1Gi")) == .skip)
        // PVs: always.
        #expect(hint(.persistentVolume, nil, .persistentVolume(localVolume("pv", "1Gi", node: "n"))) == .queue)
    }
}
