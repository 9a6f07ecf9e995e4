import Foundation
import KubeAPI
import Testing

@testable import WasmPlugin

/// A pod and a node with every field the model holds, encoded and compared with bytes written by an independent
/// encoder: `scripts/wasm-proto-golden/generate.py` (a schema-driven protobuf writer following upstream's
/// `generated.proto` field numbers and gogo's presence rules) turned `pod.json` and `node.json` into the `.hex`
/// files beside them.
@Suite struct ProtobufGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/wasm-proto-golden")

    func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: Self.folder.appendingPathComponent(name))
    }

    func golden(_ name: String) throws -> String {
        String(decoding: try fixture(name), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The first offset where two hex strings differ, for a readable failure.
    func firstDifference(_ a: String, _ b: String) -> Int? {
        zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }.map { $0.offset / 2 }
            ?? (a.count == b.count ? nil : min(a.count, b.count) / 2)
    }

    @Test func podWithEveryModelledField() throws {
        let pod = try JSONDecoder().decode(Pod.self, from: try fixture("pod.json"))
        // The fixture sets what the model holds; make sure decoding kept it (a dropped field would make the
        // comparison vacuous for that field).
        #expect(pod.spec.affinity?.podAffinity?.required.first?.mismatchLabelKeys == ["tenant"])
        #expect(pod.spec.topologySpreadConstraints?.first?.nodeTaintsPolicy == "Ignore")
        #expect(pod.spec.volumes?.count == 17)
        #expect(pod.spec.volumes?[10].iscsi?.initiatorName != nil)
        #expect(pod.status?.containerStatuses?.first?.resources?.limits?["cpu"] != nil)
        let actual = hex(KubeProto.pod(pod))
        let expected = try golden("pod.hex")
        #expect(actual == expected, "first difference at byte \(firstDifference(actual, expected) ?? -1)")
    }

    @Test func nodeWithEveryModelledField() throws {
        let node = try JSONDecoder().decode(Node.self, from: try fixture("node.json"))
        #expect(node.spec.taints?.last?.timeAdded != nil)
        let actual = hex(KubeProto.node(node))
        let expected = try golden("node.hex")
        #expect(actual == expected, "first difference at byte \(firstDifference(actual, expected) ?? -1)")
    }

    @Test func nodeListOfTwo() throws {
        let node = try JSONDecoder().decode(Node.self, from: try fixture("node.json"))
        let actual = hex(KubeProto.nodeList([node, Node(metadata: ObjectMeta(name: "second"))]))
        let expected = try golden("nodelist.hex")
        #expect(actual == expected, "first difference at byte \(firstDifference(actual, expected) ?? -1)")
    }

    /// `Quantity.String()`: the canonical form, whatever the text was.
    @Test(arguments: [
        ("500m", "500m"), ("1000m", "1"), ("1.5", "1500m"), ("2000", "2k"), ("1e3", "1e3"), ("1E3", "1e3"),
        ("1024Mi", "1Gi"), ("1536Mi", "1536Mi"), ("0.5Gi", "512Mi"), ("0.5Ki", "512"), ("1000Ki", "1000Ki"),
        ("128974848", "128974848"), ("100G", "100G"), ("0", "0"), ("0Gi", "0"), ("0.1", "100m"),
        ("0.0000000001", "1n"), ("10", "10"), ("1200u", "1200u"), ("12e6", "12e6"), ("1.5e3", "1500"),
        ("-1500m", "-1500m"), ("-2Ki", "-2Ki"), ("+7", "7"), ("7800m", "7800m"),
    ])
    func canonicalQuantities(text: String, canonical: String) throws {
        let quantity = try #require(Quantity(parsing: text))
        #expect(CanonicalQuantity.string(quantity) == canonical)
    }
}
