import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import NodeVolumeLimitsPlugin

private typealias F = VolumePluginFixtures

private let ebsDriver = "ebs.csi.aws.com"
private let gceDriver = "pd.csi.storage.gke.io"
private let ebsPlugin = "kubernetes.io/aws-ebs"
private let hostpathPlugin = "kubernetes.io/hostpath"
private let scName = "csi-sc"
private let nodeName = "node-for-max-pd-test-1"
private let exceeded = Status(.unschedulable, NodeVolumeLimits.reasonMaxVolumeCountExceeded)

/// Upstream's fixtures (`getFakeCSIPVLister`, `getFakeCSIPVCLister`, `getFakeCSIStorageClassLister`,
/// `getNodeWithPodAndVolumeLimits` in nodevolumelimits/csi_test.go).
private enum LimitSource { case none, csiNode, csiNodeWithoutLimit }

private func fakeVolumes(_ drivers: [String]) throws -> [PersistentVolume] {
    var volumes: [PersistentVolume] = []
    for driver in drivers {
        for j in 0..<4 {
            let name = "csi-\(driver)-\(j)"
            switch driver {
            case ebsPlugin: volumes.append(try F.pv(name, source: ["awsElasticBlockStore": ["volumeID": name]]))
            case hostpathPlugin: volumes.append(try F.pv(name, source: ["hostPath": ["path": "/tmp"]]))
            default: volumes.append(try F.csiPV(name, driver: driver))
            }
        }
    }
    return volumes
}

private func fakeClaims(_ drivers: [String]) throws -> [PersistentVolumeClaim] {
    var claims: [PersistentVolumeClaim] = []
    for driver in drivers {
        for j in 0..<4 { claims.append(try F.pvc("csi-\(driver)-\(j)", volumeName: "csi-\(driver)-\(j)")) }
    }
    claims.append(try F.pvc("csi-4", storageClass: scName))
    claims.append(try F.pvc("csi-5"))
    // A claim whose PV is missing but whose class exists.
    claims.append(try F.pvc("csi-6", volumeName: "missing-in-action", storageClass: scName))
    return claims
}

private struct LimitsCase {
    var test: String
    var newPod: PodBuilder
    var existingPods: [PodBuilder] = []
    var extraClaims: [PersistentVolumeClaim] = []
    var maxVols: Int32 = 0
    var drivers: [String]
    var limitSource: LimitSource = .none
    var wantPreFilter: Status = .success
    var want: Status = .success
}

private func run(_ test: LimitsCase) throws -> (Status, Status?) {
    var csiNodes: [CSINode] = []
    switch test.limitSource {
    case .none: break
    case .csiNode, .csiNodeWithoutLimit:
        let count: Int32? = test.limitSource == .csiNode ? test.maxVols : nil
        // Upstream's `enableMigrationOnNode(csiNode, AWSEBSInTreePluginName)`.
        csiNodes.append(
            try F.csiNode(
                nodeName,
                drivers: test.drivers.map { ($0, count) },
                annotations: [NodeVolumeLimits.migratedPluginsAnnotation: ebsPlugin]
            )
        )
    }
    let handle = F.handle(
        volumes: try fakeVolumes(test.drivers),
        claims: try fakeClaims(test.drivers) + test.extraClaims,
        classes: [try F.storageClass(scName, provisioner: test.drivers[0])],
        csiNodes: csiNodes
    )
    let plugin = NodeVolumeLimits(handle: handle)
    let existing = test.existingPods.enumerated().map { index, pod in
        var pod = pod.pod
        if pod.metadata.uid == nil { pod.metadata.uid = "existing-\(index)" }
        return pod
    }
    let node = NodeBuilder(nodeName).info(pods: existing)
    let state = CycleState()
    let pod = test.newPod.info()
    let (_, pre) = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: [node]))
    guard pre.code != .skip else { return (pre, nil) }
    let filter = plugin.filter(state: state, pod: pod, node: node)
    // The runtime calls the batch Filter: same outcome, and a node rejected earlier is left alone.
    let earlier = Status(.unschedulable, "rejected earlier")
    let batch = runBatchFilter(plugin, state: state, pod: pod, nodes: [node, node], rejectFirst: earlier)
    #expect(batch == [earlier, filter.code == .success ? nil : filter], "\(test.test): batch Filter")
    return (pre, filter)
}

@Suite struct NodeVolumeLimitsTests {
    /// Upstream's `TestCSILimits`; its VolumeAttachment rows are in `NodeVolumeLimitsAttachmentTests`.
    @Test func upstreamTable() throws {
        let runningPod = PodBuilder("running").addingClaimVolumes("csi-ebs.csi.aws.com-3")
        let pendingVolumePod = PodBuilder("pending").addingClaimVolumes("csi-4")
        let unboundPVCPod2 = PodBuilder("pending2").addingClaimVolumes("csi-4")
        let missingPVPod = PodBuilder("missing-pv").addingClaimVolumes("csi-6")
        let noSCPVCPod = PodBuilder("no-sc").addingClaimVolumes("csi-5")
        let gceTwoVolPod = PodBuilder("gce-two").addingClaimVolumes(
            "csi-pd.csi.storage.gke.io-1",
            "csi-pd.csi.storage.gke.io-2"
        )
        let inTreeOneVolPod = PodBuilder("intree-one").addingClaimVolumes("csi-kubernetes.io/aws-ebs-0")
        let inTreeTwoVolPod = PodBuilder("intree-two").addingClaimVolumes(
            "csi-kubernetes.io/aws-ebs-1",
            "csi-kubernetes.io/aws-ebs-2"
        )
        let csiEBSOneVolPod = PodBuilder("ebs-one").addingClaimVolumes("csi-ebs.csi.aws.com-0")
        let csiEBSTwoVolPod = PodBuilder("ebs-two").addingClaimVolumes("csi-ebs.csi.aws.com-1", "csi-ebs.csi.aws.com-2")
        let inTreeNonMigratableOneVolPod = PodBuilder("hostpath").addingClaimVolumes("csi-kubernetes.io/hostpath-0")

        let ephemeralVolumePod = PodBuilder("abc", namespace: "test").uid("12345").addingVolumes(
            try F.ephemeralVolume("xyz")
        )
        let ephemeralClaim = try F.pvc("abc-xyz", namespace: "test", storageClass: scName, owner: ("abc", "12345"))
        let conflictingClaim = try F.pvc("abc-xyz", namespace: "test", storageClass: scName)
        let ephemeralTwoVolumePod = PodBuilder("abc", namespace: "test").uid("12345II")
            .addingVolumes(try F.ephemeralVolume("x"), try F.ephemeralVolume("y"))
        let ephemeralClaimX = try F.pvc("abc-x", namespace: "test", storageClass: scName, owner: ("abc", "12345II"))
        let ephemeralClaimY = try F.pvc("abc-y", namespace: "test", storageClass: scName, owner: ("abc", "12345II"))
        let inTreeInlineVolPod = PodBuilder("inline").addingVolumes(
            try F.volume(["awsElasticBlockStore": ["volumeID": "aws-inline1"]])
        )
        let inTreeInlineVolPodWithSameCSIVolumeID = PodBuilder("inline-same")
            .addingVolumes(try F.volume(["awsElasticBlockStore": ["volumeID": "csi-ebs.csi.aws.com-1"]]))
        let configMap = try F.volume(["configMap": ["name": "cm"]], name: "cm")
        let secret = try F.volume(["secret": ["secretName": "s"]], name: "secret")
        let onlyConfigmapAndSecretVolPod = PodBuilder("cm-secret").addingVolumes(configMap, secret)
        let pvcPodWithConfigmapAndSecret = PodBuilder("cm-secret-pvc").addingVolumes(configMap, secret)
            .addingClaimVolumes("csi-ebs.csi.aws.com-0")
        let ephemeralPodWithConfigmapAndSecret = PodBuilder("abc", namespace: "test").addingVolumes(
            configMap,
            secret,
            try F.ephemeralVolume("xyz")
        )
        let inlineMigratablePodWithConfigmapAndSecret = PodBuilder("cm-secret-inline")
            .addingVolumes(configMap, secret, try F.volume(["awsElasticBlockStore": ["volumeID": "aws-inline1"]]))
        let missingEphemeral = Status(
            .unschedulableAndUnresolvable,
            #"looking up PVC test/abc-xyz: persistentvolumeclaims "abc-xyz" not found"#
        )

        let cases: [LimitsCase] = [
            LimitsCase(
                test: "fits when node volume limit >= new pods CSI volume",
                newPod: csiEBSOneVolPod,
                existingPods: [runningPod, csiEBSTwoVolPod],
                maxVols: 4,
                drivers: [ebsDriver],
                limitSource: .csiNode
            ),
            LimitsCase(
                test: "doesn't when node volume limit <= pods CSI volume",
                newPod: csiEBSOneVolPod,
                existingPods: [runningPod, csiEBSTwoVolPod],
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "should when driver does not support volume limits",
                newPod: csiEBSOneVolPod,
                existingPods: [runningPod, csiEBSTwoVolPod],
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNodeWithoutLimit
            ),
            LimitsCase(
                test: "count pending PVCs towards volume limit <= pods CSI volume",
                newPod: csiEBSOneVolPod,
                existingPods: [pendingVolumePod, csiEBSTwoVolPod],
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "count multiple pending pvcs towards volume limit >= pods CSI volume",
                newPod: csiEBSOneVolPod,
                existingPods: [pendingVolumePod, unboundPVCPod2, csiEBSTwoVolPod],
                maxVols: 4,
                drivers: [ebsDriver],
                limitSource: .csiNode
            ),
            LimitsCase(
                test: "should count PVCs with invalid PV name but valid SC",
                newPod: csiEBSOneVolPod,
                existingPods: [missingPVPod, csiEBSTwoVolPod],
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "don't count pvcs with missing SC towards volume limit",
                newPod: csiEBSOneVolPod,
                existingPods: [runningPod, noSCPVCPod],
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNode
            ),
            LimitsCase(
                test: "count pvcs with the same type towards volume limit",
                newPod: csiEBSOneVolPod,
                existingPods: [gceTwoVolPod, csiEBSTwoVolPod],
                maxVols: 2,
                drivers: [ebsDriver, gceDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "don't count pvcs with different type towards volume limit",
                newPod: gceTwoVolPod,
                existingPods: [csiEBSTwoVolPod, runningPod],
                maxVols: 2,
                drivers: [ebsDriver, gceDriver],
                limitSource: .csiNode
            ),
            LimitsCase(
                test: "should count in-tree volumes if migration is enabled",
                newPod: inTreeOneVolPod,
                existingPods: [inTreeTwoVolPod],
                maxVols: 2,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "nil csi node",
                newPod: inTreeInlineVolPod,
                existingPods: [inTreeTwoVolPod],
                drivers: [ebsPlugin, ebsDriver]
            ),
            LimitsCase(
                test: "should count unbound in-tree volumes if migration is enabled",
                newPod: pendingVolumePod,
                existingPods: [inTreeTwoVolPod],
                maxVols: 2,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "should not limit pod if volume used does not report limits",
                newPod: inTreeOneVolPod,
                existingPods: [inTreeTwoVolPod],
                maxVols: 2,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNodeWithoutLimit
            ),
            LimitsCase(
                test: "should not count non-migratable in-tree volumes",
                newPod: inTreeNonMigratableOneVolPod,
                existingPods: [csiEBSTwoVolPod],
                maxVols: 2,
                drivers: [hostpathPlugin, ebsDriver],
                limitSource: .csiNode
            ),
            LimitsCase(
                test: "should count in-tree inline volumes if migration is enabled",
                newPod: inTreeInlineVolPod,
                existingPods: [inTreeTwoVolPod],
                maxVols: 2,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "should count in-tree and csi volumes if migration is enabled (when scheduling in-tree volumes)",
                newPod: inTreeOneVolPod,
                existingPods: [csiEBSTwoVolPod],
                maxVols: 2,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test:
                    "should count in-tree, inline and csi volumes if migration is enabled (when scheduling in-tree volumes)",
                newPod: inTreeInlineVolPod,
                existingPods: [csiEBSTwoVolPod, inTreeOneVolPod],
                maxVols: 3,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test:
                    "should not count in-tree, inline and csi volumes if migration is enabled (when scheduling in-tree volumes)",
                newPod: inTreeInlineVolPodWithSameCSIVolumeID,
                existingPods: [csiEBSTwoVolPod, inTreeOneVolPod],
                maxVols: 3,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNode
            ),
            LimitsCase(
                test: "should count in-tree and csi volumes if migration is enabled (when scheduling csi volumes)",
                newPod: csiEBSOneVolPod,
                existingPods: [inTreeTwoVolPod],
                maxVols: 2,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "ephemeral volume missing",
                newPod: ephemeralVolumePod,
                drivers: [ebsDriver],
                limitSource: .csiNodeWithoutLimit,
                want: missingEphemeral
            ),
            LimitsCase(
                test: "ephemeral volume not owned",
                newPod: ephemeralVolumePod,
                extraClaims: [conflictingClaim],
                drivers: [ebsDriver],
                limitSource: .csiNodeWithoutLimit,
                want: .error("PVC test/abc-xyz was not created for pod test/abc (pod is not owner)")
            ),
            LimitsCase(
                test: "ephemeral volume unbound",
                newPod: ephemeralVolumePod,
                extraClaims: [ephemeralClaim],
                drivers: [ebsDriver],
                limitSource: .csiNodeWithoutLimit
            ),
            LimitsCase(
                test: "ephemeral doesn't when node volume limit <= pods CSI volume",
                newPod: ephemeralVolumePod,
                existingPods: [runningPod, csiEBSTwoVolPod],
                extraClaims: [ephemeralClaim],
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "ephemeral doesn't when node volume limit <= pods ephemeral CSI volume",
                newPod: csiEBSOneVolPod,
                existingPods: [runningPod, ephemeralTwoVolumePod],
                extraClaims: [ephemeralClaimX, ephemeralClaimY],
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "persistent doesn't when node volume limit <= pods ephemeral CSI volume + persistent volume",
                newPod: csiEBSOneVolPod,
                existingPods: [runningPod, ephemeralVolumePod, csiEBSTwoVolPod],
                extraClaims: [ephemeralClaim],
                maxVols: 3,
                drivers: [ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
            LimitsCase(
                test: "persistent okay when node volume limit > pods ephemeral CSI volume + persistent volume",
                newPod: csiEBSOneVolPod,
                existingPods: [runningPod, ephemeralVolumePod, csiEBSTwoVolPod],
                extraClaims: [ephemeralClaim],
                maxVols: 5,
                drivers: [ebsDriver],
                limitSource: .csiNode
            ),
            LimitsCase(
                test: "skip Filter when the pod only uses secrets and configmaps",
                newPod: onlyConfigmapAndSecretVolPod,
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNode,
                wantPreFilter: .skip
            ),
            LimitsCase(
                test: "don't skip Filter when the pod has pvcs",
                newPod: pvcPodWithConfigmapAndSecret,
                maxVols: 2,
                drivers: [ebsDriver],
                limitSource: .csiNode
            ),
            LimitsCase(
                test: "don't skip Filter when the pod has ephemeral volumes",
                newPod: ephemeralPodWithConfigmapAndSecret,
                drivers: [ebsDriver],
                limitSource: .csiNodeWithoutLimit,
                want: missingEphemeral
            ),
            LimitsCase(
                test: "don't skip Filter when the pod has inline migratable volumes",
                newPod: inlineMigratablePodWithConfigmapAndSecret,
                existingPods: [inTreeTwoVolPod],
                maxVols: 2,
                drivers: [ebsPlugin, ebsDriver],
                limitSource: .csiNode,
                want: exceeded
            ),
        ]
        for test in cases {
            let (pre, filter) = try run(test)
            #expect(pre == test.wantPreFilter, "\(test.test): PreFilter")
            if pre.code != .skip { #expect(filter == test.want, "\(test.test): Filter") }
        }
    }

    @Test func aVolumeSharedWithAPodOnTheNodeIsNotCountedTwice() throws {
        let shared = PodBuilder("shared").addingClaimVolumes("csi-ebs.csi.aws.com-1")
        let test = LimitsCase(
            test: "shared",
            newPod: shared,
            existingPods: [PodBuilder("ebs-two").addingClaimVolumes("csi-ebs.csi.aws.com-1", "csi-ebs.csi.aws.com-2")],
            maxVols: 2,
            drivers: [ebsDriver],
            limitSource: .csiNode
        )
        #expect(try run(test).1 == .success)
        var fresh = test
        fresh.newPod = PodBuilder("fresh").addingClaimVolumes("csi-ebs.csi.aws.com-3")
        #expect(try run(fresh).1 == exceeded)
    }

    /// The node info's bookkeeping behind Filter's shortcut: distinct named claims, and how many pods have a
    /// volume the shortcut cannot bound (generic ephemeral, inline network, unnamed claim), through add and remove.
    @Test func theNodeInfoKeepsWhatTheShortcutNeeds() throws {
        let plain = PodBuilder("plain").uid("p1").addingClaimVolumes("a", "b")
        let sharing = PodBuilder("sharing").uid("p2").addingClaimVolumes("a")
        let ephemeral = PodBuilder("eph").uid("p3").addingVolumes(try F.ephemeralVolume("x"))
        let unnamed = PodBuilder("unnamed").uid("p4").addingClaimVolumes("")
        var node = NodeBuilder(nodeName).info(pods: [plain.pod, sharing.pod])
        #expect(node.pvcRefCounts.count == 2)
        #expect(NodeVolumeLimits.claimCountUpperBound(node) == 2)
        node.addPod(ephemeral.info())
        #expect(node.podsWithUnclaimedVolumes == 1)
        #expect(NodeVolumeLimits.claimCountUpperBound(node) == nil)
        node.addPod(unnamed.info())
        #expect(node.podsWithUnclaimedVolumes == 2)
        let removedEphemeral = node.removePod(uid: "p3")
        let removedUnnamed = node.removePod(uid: "p4")
        #expect(removedEphemeral && removedUnnamed)
        #expect(node.podsWithUnclaimedVolumes == 0)
        #expect(NodeVolumeLimits.claimCountUpperBound(node) == 2)
    }

    @Test func inTreeTranslation() {
        #expect(CSITranslation.ebsVolumeID("vol-123") == .success("vol-123"))
        #expect(CSITranslation.ebsVolumeID("aws://us-east-1a/vol-0123") == .success("vol-0123"))
        if case .success = CSITranslation.ebsVolumeID("aws://us-east-1a/disk-1") {
            Issue.record("expected an invalid EBS id")
        }
        #expect(
            CSITranslation.gcePDHandle(pdName: "d", labels: ["topology.kubernetes.io/zone": "us-central1-a"])
                == .success("projects/UNSPECIFIED/zones/us-central1-a/disks/d")
        )
        #expect(
            CSITranslation.gcePDHandle(
                pdName: "d",
                labels: ["topology.kubernetes.io/zone": "us-central1-a__us-central1-b"]
            )
                == .success("projects/UNSPECIFIED/regions/us-central1/disks/d")
        )
        #expect(
            CSITranslation.gcePDHandle(pdName: "d", labels: [:])
                == .success("projects/UNSPECIFIED/zones/UNSPECIFIED/disks/d")
        )
    }

    @Test func migrationIsOnPerPlugin() throws {
        let bare = try F.csiNode("n", drivers: [])
        #expect(NodeVolumeLimits.isMigrationOn(csiNode: bare, plugin: ebsPlugin))
        #expect(NodeVolumeLimits.isMigrationOn(csiNode: bare, plugin: "kubernetes.io/gce-pd"))
        #expect(!NodeVolumeLimits.isMigrationOn(csiNode: nil, plugin: ebsPlugin))
        #expect(!NodeVolumeLimits.isMigrationOn(csiNode: bare, plugin: "kubernetes.io/portworx-volume"))
        #expect(!NodeVolumeLimits.isMigrationOn(csiNode: bare, plugin: "kubernetes.io/vsphere-volume"))
        let annotated = try F.csiNode(
            "n",
            drivers: [],
            annotations: [
                NodeVolumeLimits.migratedPluginsAnnotation: "kubernetes.io/gce-pd,kubernetes.io/portworx-volume"
            ]
        )
        #expect(NodeVolumeLimits.isMigrationOn(csiNode: annotated, plugin: "kubernetes.io/portworx-volume"))
    }
}

/// Upstream's `TestCSILimitsQHint`, `TestCSILimitsAddedPVCQHint`, `TestCSILimitsAfterCSINodeUpdatedQHint`.
@Suite struct NodeVolumeLimitsEventTests {
    @Test func registeredEvents() {
        let events = NodeVolumeLimits(handle: F.handle()).eventsToRegister().map(\.event)
        #expect(events.map(\.resource) == [.csiNode, .csiNode, .pod, .persistentVolumeClaim, .volumeAttachment])
        #expect(events.map(\.action) == [.add, .update, .delete, .add, .delete])
    }

    @Test func podDeleted() throws {
        #expect(
            NodeVolumeLimits.hintAfterPodDeleted(
                PodBuilder("d").addingClaimVolumes("placeholder").node(nodeName).build()
            ) == .queue
        )
        #expect(
            NodeVolumeLimits.hintAfterPodDeleted(
                PodBuilder("d").addingVolumes(try F.volume(["awsElasticBlockStore": ["volumeID": ""]])).node(nodeName)
                    .build()
            ) == .queue
        )
        #expect(NodeVolumeLimits.hintAfterPodDeleted(PodBuilder("d").node(nodeName).build()) == .skip)
        #expect(
            NodeVolumeLimits.hintAfterPodDeleted(PodBuilder("d").addingClaimVolumes("csi-ebs.csi.aws.com-0").build())
                == .skip
        )
    }

    @Test func claimAdded() throws {
        #expect(
            NodeVolumeLimits.hintAfterClaimAdded(
                PodBuilder("p", namespace: "ns1").build(),
                added: .persistentVolumeClaim(try F.pvc("x", namespace: "ns2"))
            ) == .skip
        )
        #expect(
            NodeVolumeLimits.hintAfterClaimAdded(
                PodBuilder("p", namespace: "ns1").addingClaimVolumes("pvc1").build(),
                added: .persistentVolumeClaim(try F.pvc("pvc1", namespace: "ns1"))
            ) == .queue
        )
        #expect(
            NodeVolumeLimits.hintAfterClaimAdded(
                PodBuilder("pod1", namespace: "ns1").addingVolumes(try F.ephemeralVolume("ephemeral")).build(),
                added: .persistentVolumeClaim(try F.pvc("pod1-ephemeral", namespace: "ns1"))
            ) == .queue
        )
        #expect(
            NodeVolumeLimits.hintAfterClaimAdded(
                PodBuilder("p", namespace: "ns1").addingClaimVolumes("pvc1").build(),
                added: .persistentVolumeClaim(try F.pvc("pvc2", namespace: "ns1"))
            ) == .skip
        )
        #expect(
            NodeVolumeLimits.hintAfterClaimAdded(
                PodBuilder("p", namespace: "ns1").build(),
                added: .persistentVolumeClaim(try F.pvc("pvc2", namespace: "ns1"))
            ) == .skip
        )
    }

    @Test func csiNodeUpdated() throws {
        func node(_ count: Int32?) throws -> KubeObject {
            .csiNode(try F.csiNode("test-node", drivers: [(ebsDriver, count)]))
        }
        #expect(NodeVolumeLimits.hintAfterCSINodeUpdated(old: try node(1), new: try node(2)) == .queue)
        #expect(NodeVolumeLimits.hintAfterCSINodeUpdated(old: try node(2), new: try node(1)) == .skip)
        #expect(NodeVolumeLimits.hintAfterCSINodeUpdated(old: try node(1), new: try node(1)) == .skip)
        #expect(NodeVolumeLimits.hintAfterCSINodeUpdated(old: try node(1), new: try node(nil)) == .queue)
        #expect(NodeVolumeLimits.hintAfterCSINodeUpdated(old: nil, new: try node(1)) == .queue)
    }
}
