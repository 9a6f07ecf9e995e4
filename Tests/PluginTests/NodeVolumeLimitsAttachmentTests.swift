import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import NodeVolumeLimitsPlugin

private typealias F = VolumePluginFixtures

/// NodeVolumeLimits counts the node's VolumeAttachments beside its pods' volumes (upstream since v1.32,
/// kubernetes/kubernetes#127757): a volume still attached counts until its attachment is deleted, once.
@Suite struct NodeVolumeLimitsAttachmentTests {
    private static let driver = "ebs.csi.aws.com"
    private static let nodeName = "node-for-max-pd-test-1"

    private static func attachment(
        _ name: String,
        pv: String?,
        attacher: String = driver,
        node: String = nodeName
    ) -> VolumeAttachment {
        VolumeAttachment(
            name: name,
            spec: VolumeAttachmentSpec(
                attacher: attacher,
                source: VolumeAttachmentSource(persistentVolumeName: pv),
                nodeName: node
            )
        )
    }

    /// The new pod's outcome on a node with limit 2 and one pod using `claim-0` (or the node's `existingClaims`),
    /// with `attachments`; checked to be the same on the batch path.
    private static func fits(
        _ attachments: [VolumeAttachment],
        newClaims: [String] = ["claim-2"],
        existingClaims: [String] = ["claim-0"],
        limit: Int32 = 2
    ) throws -> Bool {
        var volumes = try (0..<4).map { try F.csiPV("vol-\($0)", driver: driver) }
        volumes.append(try F.pv("host-vol", source: ["hostPath": ["path": "/tmp"]]))
        var lister = FakeObjectLister(
            volumes: volumes,
            claims: try (0..<4).map { try F.pvc("claim-\($0)", volumeName: "vol-\($0)") },
            csiNodes: [try F.csiNode(nodeName, drivers: [(driver, limit)])]
        )
        lister.volumeAttachments = attachments
        let plugin = NodeVolumeLimits(handle: FakeHandle(objects: lister))
        let existing = existingClaims.isEmpty ? [] : [PodBuilder("old").uid("o").addingClaimVolumes(existingClaims).pod]
        let nodes = [NodeBuilder(nodeName).info(pods: existing)]
        let pod = PodBuilder("new").uid("n").addingClaimVolumes(newClaims).info()
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: nodes))
        let status = plugin.filter(state: state, pod: pod, node: nodes[0])
        let batch = runBatchFilter(plugin, state: state, pod: pod, nodes: nodes)
        #expect(batch == [status.code == .success ? nil : status])
        if status.code != .success { #expect(status.reasons == [NodeVolumeLimits.reasonMaxVolumeCountExceeded]) }
        return status.code == .success
    }

    @Test func attachedVolumesCountAgainstTheLimit() throws {
        #expect(try Self.fits([]))
        // vol-1 still attached (its pod is gone): 2 attached + 1 new > 2.
        #expect(!(try Self.fits([Self.attachment("va-1", pv: "vol-1")])))
        #expect(try Self.fits([Self.attachment("va-1", pv: "vol-1")], limit: 3))
        // The attachment of a volume a pod on the node uses is that volume once; two attachments of one volume
        // count it once.
        #expect(try Self.fits([Self.attachment("va-0", pv: "vol-0")]))
        #expect(!(try Self.fits([Self.attachment("va-1", pv: "vol-1"), Self.attachment("va-1b", pv: "vol-1")])))
        #expect(
            try Self.fits(
                [Self.attachment("va-1", pv: "vol-1"), Self.attachment("va-1b", pv: "vol-1")],
                existingClaims: []
            )
        )
    }

    /// Upstream's `TestCSILimits` VolumeAttachment cases: an attachment of the new pod's own volume still counts
    /// beside the new volume (upstream deduplicates the new pod's volumes only against the node's pods).
    @Test func upstreamAttachmentCases() throws {
        // "should count VolumeAttachments towards volume limit when no pods exist": vaCount 2, limit 2.
        #expect(
            !(try Self.fits(
                [Self.attachment("va-0", pv: "vol-0"), Self.attachment("va-1", pv: "vol-1")],
                newClaims: ["claim-0"],
                existingClaims: []
            ))
        )
        // "should schedule pod when VolumeAttachments count does not exceed limit": vaCount 1, limit 2.
        #expect(try Self.fits([Self.attachment("va-0", pv: "vol-0")], newClaims: ["claim-0"], existingClaims: []))
        // The node's pod uses vol-0; vol-2 is attached for the new pod already: 1 + 1 + 1 > 2.
        #expect(!(try Self.fits([Self.attachment("va-0", pv: "vol-0"), Self.attachment("va-2", pv: "vol-2")])))
        #expect(
            try Self.fits([Self.attachment("va-0", pv: "vol-0"), Self.attachment("va-2", pv: "vol-2")], limit: 3)
        )
    }

    @Test func attachmentsThatAreNotCounted() throws {
        // On another node, without an attacher, without a PV name, of a missing PV, of a non-CSI PV.
        #expect(try Self.fits([Self.attachment("va", pv: "vol-1", node: "other")]))
        #expect(try Self.fits([Self.attachment("va", pv: "vol-1", attacher: "")]))
        #expect(try Self.fits([Self.attachment("va", pv: nil)]))
        #expect(try Self.fits([Self.attachment("va", pv: "missing")]))
        #expect(try Self.fits([Self.attachment("va", pv: "host-vol")]))
        // Another attacher counts under its own name, which this node does not limit.
        #expect(try Self.fits([Self.attachment("va", pv: "vol-1", attacher: "other.csi")]))
    }

    /// Upstream's `TestCSILimitsDeletedVolumeAttachmentQHint` cases.
    @Test func deletedAttachmentHint() throws {
        let ebsInline = try F.volume(["awsElasticBlockStore": ["volumeID": "test"]], name: "ebs")
        let gceInline = try F.volume(["gcePersistentDisk": ["pdName": "test"]], name: "gce")
        let claimPod = PodBuilder("p", namespace: "ns1").addingClaimVolumes("pvc1").pod
        let byPV = KubeObject.volumeAttachment(
            Self.attachment("volumeattachment1", pv: "pv1", attacher: "test.storage.gke.io")
        )
        var inline = Self.attachment("volumeattachment1", pv: nil, attacher: "ebs.csi.aws.com")
        inline.spec.source.inlineVolumeSpec = try F.decode(
            PersistentVolumeSpec.self,
            ["csi": ["driver": "ebs.csi.aws.com", "volumeHandle": ""]]
        )
        let byInline = KubeObject.volumeAttachment(inline)
        #expect(NodeVolumeLimits.hintAfterAttachmentDeleted(claimPod, deleted: byPV) == .queue)
        #expect(
            NodeVolumeLimits.hintAfterAttachmentDeleted(
                PodBuilder("p", namespace: "ns1").addingVolumes(ebsInline).pod,
                deleted: byInline
            ) == .queue
        )
        #expect(
            NodeVolumeLimits.hintAfterAttachmentDeleted(
                PodBuilder("p", namespace: "ns1").addingVolumes(gceInline).pod,
                deleted: byInline
            ) == .skip
        )
        let both = PodBuilder("p", namespace: "ns1").addingVolumes(ebsInline).addingClaimVolumes("pvc1").pod
        #expect(NodeVolumeLimits.hintAfterAttachmentDeleted(both, deleted: byInline) == .queue)
        #expect(NodeVolumeLimits.hintAfterAttachmentDeleted(both, deleted: byPV) == .queue)
        #expect(
            NodeVolumeLimits.hintAfterAttachmentDeleted(PodBuilder("p", namespace: "ns1").pod, deleted: byPV) == .skip
        )
        // Upstream looks at claims and inline volumes only: a generic ephemeral volume does not requeue.
        let ephemeral = try F.ephemeralVolume("e")
        #expect(
            NodeVolumeLimits.hintAfterAttachmentDeleted(
                PodBuilder("p", namespace: "ns1").addingVolumes(ephemeral).pod,
                deleted: byPV
            ) == .skip
        )
        // The attacher is compared, not the inline spec's driver.
        var otherAttacher = inline
        otherAttacher.spec.attacher = "pd.csi.storage.gke.io"
        #expect(
            NodeVolumeLimits.hintAfterAttachmentDeleted(
                PodBuilder("p", namespace: "ns1").addingVolumes(ebsInline).pod,
                deleted: .volumeAttachment(otherAttacher)
            ) == .skip
        )
        // The event is registered.
        let plugin = NodeVolumeLimits(handle: FakeHandle())
        #expect(
            plugin.eventsToRegister().contains { $0.event.resource == .volumeAttachment && $0.event.action == .delete }
        )
    }
}
