import Foundation
import KubeAPI
import SchedulerFramework
import Testing

@testable import SchedulerRuntime

/// The object store's VolumeAttachments by node (what NodeVolumeLimits counts): filed under their node, moved
/// when the node changes, gone when deleted; and CSINode changes bump the generation NodeVolumeLimits keys its
/// limit table on.
@Suite struct VolumeAttachmentStoreTests {
    private func attachment(_ name: String, node: String) -> KubeObject {
        .volumeAttachment(
            VolumeAttachment(
                name: name,
                spec: VolumeAttachmentSpec(
                    attacher: "ebs.csi.aws.com",
                    source: VolumeAttachmentSource(persistentVolumeName: "pv-\(name)"),
                    nodeName: node
                )
            )
        )
    }

    @Test func attachmentsAreFiledByNode() {
        let store = ObjectStore()
        #expect(store.volumeAttachmentsByNode().isEmpty)
        store.upsert(attachment("a", node: "n1"))
        store.upsert(attachment("b", node: "n1"))
        store.upsert(attachment("c", node: "n2"))
        #expect(store.volumeAttachmentsByNode().mapValues { Set($0.keys) } == ["n1": ["a", "b"], "n2": ["c"]])
        store.upsert(attachment("b", node: "n2"))
        #expect(store.volumeAttachmentsByNode().mapValues { Set($0.keys) } == ["n1": ["a"], "n2": ["b", "c"]])
        store.remove(attachment("a", node: "n1"))
        #expect(store.volumeAttachmentsByNode().mapValues { Set($0.keys) } == ["n2": ["b", "c"]])
        store.remove(attachment("b", node: "whatever"))
        store.remove(attachment("c", node: "n2"))
        #expect(store.volumeAttachmentsByNode().isEmpty)
    }

    @Test func csiNodeChangesBumpTheGeneration() throws {
        let store = ObjectStore()
        let start = try #require(store.csiNodesGeneration())
        let csiNode = try JSONDecoder().decode(
            CSINode.self,
            from: Data(#"{"metadata":{"name":"n1"},"spec":{"drivers":[]}}"#.utf8)
        )
        store.upsert(.csiNode(csiNode))
        let added = try #require(store.csiNodesGeneration())
        #expect(added > start)
        store.upsert(attachment("a", node: "n1"))  // other kinds do not
        #expect(store.csiNodesGeneration() == added)
        store.remove(.csiNode(csiNode))
        #expect(try #require(store.csiNodesGeneration()) > added)
        #expect(store.csiNodesByName()?.isEmpty == true)
    }
}
