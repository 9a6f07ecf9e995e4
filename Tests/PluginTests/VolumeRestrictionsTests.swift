import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import VolumeRestrictionsPlugin

private typealias F = VolumePluginFixtures

/// Runs PreFilter then (unless it skipped or rejected) Filter on `node`; returns both statuses.
private func run(
    _ plugin: VolumeRestrictions,
    pod: PodBuilder,
    node: NodeInfo,
    snapshot: Snapshot? = nil
) -> (preFilter: Status, filter: Status?) {
    let state = CycleState()
    let info = pod.info()
    let (_, pre) = plugin.preFilter(state: state, pod: info, snapshot: snapshot ?? Snapshot(nodes: [node]))
    guard pre.isSuccess else { return (pre, nil) }
    return (pre, plugin.filter(state: state, pod: info, node: node))
}

private let diskConflict = Status(.unschedulable, VolumeRestrictions.reasonDiskConflict)

/// Upstream's `TestGCEDiskConflicts`, `TestAWSDiskConflicts`, `TestRBDDiskConflicts`, `TestISCSIDiskConflicts`
/// (volumerestrictions/volume_restrictions_test.go): nothing, one state, same state, different state.
@Suite struct VolumeRestrictionsDiskTests {
    static func diskCases() throws -> [(kind: String, volume: Volume, other: Volume)] {
        [
            (
                "GCE", try F.volume(["gcePersistentDisk": ["pdName": "foo"]]),
                try F.volume(["gcePersistentDisk": ["pdName": "bar"]])
            ),
            (
                "AWS", try F.volume(["awsElasticBlockStore": ["volumeID": "foo"]]),
                try F.volume(["awsElasticBlockStore": ["volumeID": "bar"]])
            ),
            (
                "RBD",
                try F.volume(["rbd": ["monitors": ["a", "b"], "pool": "foo", "image": "bar", "fsType": "ext4"]]),
                try F.volume(["rbd": ["monitors": ["c", "d"], "pool": "foo", "image": "bar", "fsType": "ext4"]])
            ),
            (
                "ISCSI",
                try F.volume([
                    "iscsi": [
                        "targetPortal": "127.0.0.1:3260", "iqn": "iqn.2016-12.server:storage.target01",
                        "fsType": "ext4", "lun": 0,
                    ]
                ]),
                try F.volume([
                    "iscsi": [
                        "targetPortal": "127.0.0.1:3260", "iqn": "iqn.2017-12.server:storage.target01",
                        "fsType": "ext4", "lun": 0,
                    ]
                ])
            ),
        ]
    }

    @Test func upstreamTables() throws {
        let plugin = VolumeRestrictions(handle: F.handle())
        for (kind, volume, other) in try Self.diskCases() {
            let holder = PodBuilder("holder").addingVolumes(volume)
            // nothing
            #expect(run(plugin, pod: PodBuilder("p"), node: NodeBuilder("n").info()).preFilter == .skip, "\(kind)")
            // one state: the pod has no volumes
            #expect(
                run(plugin, pod: PodBuilder("p"), node: NodeBuilder("n").info(pods: [holder.build()])).preFilter
                    == .skip,
                "\(kind)"
            )
            // same state
            let same = run(
                plugin,
                pod: PodBuilder("p").addingVolumes(volume),
                node: NodeBuilder("n").info(pods: [holder.build()])
            )
            #expect(same.preFilter == .success, "\(kind)")
            #expect(same.filter == diskConflict, "\(kind)")
            // different state
            let different = run(
                plugin,
                pod: PodBuilder("p").addingVolumes(other),
                node: NodeBuilder("n").info(pods: [holder.build()])
            )
            #expect(different.filter == .success, "\(kind)")
        }
    }

    @Test func readOnlyMountsShareGCEAndISCSIAndRBDButNotEBS() throws {
        let plugin = VolumeRestrictions(handle: F.handle())
        let pairs: [(String, [String: Any], Bool)] = [
            ("gcePersistentDisk", ["pdName": "foo", "readOnly": true], false),
            ("iscsi", ["targetPortal": "p", "iqn": "iqn.x", "lun": 0, "readOnly": true], false),
            ("rbd", ["monitors": ["a"], "image": "img", "readOnly": true], false),
            ("awsElasticBlockStore", ["volumeID": "foo", "readOnly": true], true),
        ]
        for (key, fields, conflicts) in pairs {
            let volume = try F.volume([key: fields])
            let node = NodeBuilder("n").info(pods: [PodBuilder("holder").addingVolumes(volume).build()])
            let result = run(plugin, pod: PodBuilder("p").addingVolumes(volume), node: node)
            #expect(result.filter == (conflicts ? diskConflict : .success), "\(key)")
            // One read-write mount is enough for a conflict.
            var writable = fields
            writable["readOnly"] = false
            let mixed = run(plugin, pod: PodBuilder("p").addingVolumes(try F.volume([key: writable])), node: node)
            #expect(mixed.filter == diskConflict, "\(key) read-write")
        }
    }

    @Test func rbdNeedsASharedMonitorSamePoolAndImage() throws {
        let plugin = VolumeRestrictions(handle: F.handle())
        let existing = try F.volume(["rbd": ["monitors": ["a", "b"], "image": "img"]])
        let node = NodeBuilder("n").info(pods: [PodBuilder("holder").addingVolumes(existing).build()])
        // An unset pool is the API server's default `rbd`.
        #expect(
            run(
                plugin,
                pod: PodBuilder("p").addingVolumes(
                    try F.volume(["rbd": ["monitors": ["b", "z"], "image": "img", "pool": "rbd"]])
                ),
                node: node
            ).filter == diskConflict
        )
        #expect(
            run(
                plugin,
                pod: PodBuilder("p").addingVolumes(
                    try F.volume(["rbd": ["monitors": ["b"], "image": "img", "pool": "other"]])
                ),
                node: node
            ).filter == .success
        )
        #expect(
            run(
                plugin,
                pod: PodBuilder("p").addingVolumes(try F.volume(["rbd": ["monitors": ["b"], "image": "other"]])),
                node: node
            ).filter == .success
        )
    }
}

/// Upstream's `TestAccessModeConflicts` plus the PreFilter extensions preemption relies on.
@Suite struct VolumeRestrictionsReadWriteOncePodTests {
    static func setup() throws -> (VolumeRestrictions, PodBuilder, PodBuilder) {
        let claims = [
            try F.pvc("claim-with-rwop", accessModes: ["ReadWriteOncePod"]),
            try F.pvc("claim-with-rwx", accessModes: ["ReadWriteMany"]),
        ]
        let plugin = VolumeRestrictions(handle: F.handle(claims: claims))
        return (
            plugin, PodBuilder("pod-with-rwop").addingClaimVolumes("claim-with-rwop"),
            PodBuilder("pod-with-rwx").addingClaimVolumes("claim-with-rwx")
        )
    }

    @Test func nothing() throws {
        let (plugin, _, _) = try Self.setup()
        #expect(run(plugin, pod: PodBuilder("p"), node: NodeBuilder("node-1").info()).preFilter == .skip)
    }

    @Test func failedToGetPVC() {
        let plugin = VolumeRestrictions(handle: F.handle())
        let result = run(
            plugin,
            pod: PodBuilder("p").addingClaimVolumes("claim-with-rwop"),
            node: NodeBuilder("node-1").info()
        )
        #expect(
            result.preFilter
                == Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"claim-with-rwop\" not found")
        )
    }

    @Test func noAccessModeConflict() throws {
        let (plugin, rwop, rwx) = try Self.setup()
        let node = NodeBuilder("node-1").info(pods: [rwx.node("node-1").build()])
        // No inline disk and no conflict: nothing for Filter to do.
        #expect(run(plugin, pod: rwop, node: node).preFilter == .skip)
    }

    @Test func accessModeConflictOnEveryNode() throws {
        let (plugin, rwop, rwx) = try Self.setup()
        let holderNode = NodeBuilder("node-1").info(pods: [rwop.node("node-1").build(), rwx.node("node-1").build()])
        let otherNode = NodeBuilder("node-2").info()
        let snapshot = Snapshot(nodes: [holderNode, otherNode])
        let conflict = Status(.unschedulable, VolumeRestrictions.reasonReadWriteOncePodConflict)
        let onHolder = run(
            plugin,
            pod: PodBuilder("new").addingClaimVolumes("claim-with-rwop"),
            node: holderNode,
            snapshot: snapshot
        )
        #expect(onHolder.preFilter == .success)
        #expect(onHolder.filter == conflict)
        let elsewhere = run(
            plugin,
            pod: PodBuilder("new").addingClaimVolumes("claim-with-rwop"),
            node: otherNode,
            snapshot: snapshot
        )
        #expect(elsewhere.filter == conflict)
        // A claim of another namespace with the same name is a different claim.
        let otherNamespace = try F.pvc("claim-with-rwop", namespace: "ns2", accessModes: ["ReadWriteOncePod"])
        let plugin2 = VolumeRestrictions(handle: F.handle(claims: [otherNamespace]))
        let pod2 = PodBuilder("new", namespace: "ns2").addingClaimVolumes("claim-with-rwop")
        #expect(run(plugin2, pod: pod2, node: otherNode, snapshot: snapshot).preFilter == .skip)
    }

    @Test func removingTheHolderInAPreemptionDryRunClearsTheConflict() throws {
        let (plugin, rwop, _) = try Self.setup()
        let holder = rwop.node("node-1").info()
        let node = NodeBuilder("node-1").info(pods: [holder.pod])
        let state = CycleState()
        let pod = PodBuilder("new").addingClaimVolumes("claim-with-rwop").info()
        #expect(plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: [node])).1 == .success)
        #expect(plugin.filter(state: state, pod: pod, node: node).code == .unschedulable)

        let dryRun = state.clone()
        #expect(plugin.removePod(state: dryRun, podToSchedule: pod, podToRemove: holder, nodeInfo: node) == .success)
        #expect(plugin.filter(state: dryRun, pod: pod, node: node) == .success)
        // The original cycle state is untouched.
        #expect(plugin.filter(state: state, pod: pod, node: node).code == .unschedulable)
        // Adding it back restores the conflict.
        #expect(plugin.addPod(state: dryRun, podToSchedule: pod, podToAdd: holder, nodeInfo: node) == .success)
        #expect(plugin.filter(state: dryRun, pod: pod, node: node).code == .unschedulable)
    }
}

/// Upstream's queueing-hint tests (`TestIsSchedulableAfterPodDeleted`, `TestIsSchedulableAfterPersistentVolumeClaimAdded`).
@Suite struct VolumeRestrictionsEventTests {
    @Test func registersPodDeleteNodeAddAndClaimAdd() {
        let events = VolumeRestrictions(handle: F.handle()).eventsToRegister().map(\.event)
        #expect(events.map(\.resource) == [.pod, .node, .persistentVolumeClaim])
        #expect(events.map(\.action) == [.delete, .add, .add])
    }

    @Test func claimAddedHint() throws {
        let pod = PodBuilder("p", namespace: "ns1").addingClaimVolumes("pvc1").build()
        #expect(
            VolumeRestrictions.hintAfterClaimAdded(
                pod,
                added: .persistentVolumeClaim(try F.pvc("pvc1", namespace: "ns1"))
            ) == .queue
        )
        #expect(
            VolumeRestrictions.hintAfterClaimAdded(
                pod,
                added: .persistentVolumeClaim(try F.pvc("pvc2", namespace: "ns1"))
            ) == .skip
        )
        #expect(
            VolumeRestrictions.hintAfterClaimAdded(
                pod,
                added: .persistentVolumeClaim(try F.pvc("pvc1", namespace: "ns2"))
            ) == .skip
        )
        #expect(
            VolumeRestrictions.hintAfterClaimAdded(
                PodBuilder("q", namespace: "ns1").build(),
                added: .persistentVolumeClaim(try F.pvc("pvc1", namespace: "ns1"))
            ) == .skip
        )
    }

    @Test func podDeletedHint() throws {
        let disk = try F.volume(["gcePersistentDisk": ["pdName": "foo"]])
        let pod = PodBuilder("p").addingVolumes(disk).addingClaimVolumes("pvc1").build()
        #expect(
            VolumeRestrictions.hintAfterPodDeleted(pod, deleted: PodBuilder("d").addingVolumes(disk).build()) == .queue
        )
        #expect(
            VolumeRestrictions.hintAfterPodDeleted(pod, deleted: PodBuilder("d").addingClaimVolumes("pvc1").build())
                == .queue
        )
        #expect(
            VolumeRestrictions.hintAfterPodDeleted(pod, deleted: PodBuilder("d").addingClaimVolumes("pvc2").build())
                == .skip
        )
        #expect(
            VolumeRestrictions.hintAfterPodDeleted(
                pod,
                deleted: PodBuilder("d", namespace: "other").addingVolumes(disk).build()
            ) == .skip
        )
        #expect(VolumeRestrictions.hintAfterPodDeleted(pod, deleted: PodBuilder("d").build()) == .skip)
    }
}
