import Foundation
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import WasmPlugin

/// Guests built elsewhere, run unchanged. The NodeNumber guest in `examples/wasm` is ours (C, built by its
/// script). The anchor's published guests are not in this repository: set `WASM_ANCHOR_GUESTS` to a folder
/// holding its `examples/nodenumber/main.wasm` and `examples/imagelocality/main.wasm` (copied as
/// `nodenumber.wasm` and `imagelocality.wasm`) to run them too.
@Suite struct PublishedGuestTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let anchorGuests = ProcessInfo.processInfo.environment["WASM_ANCHOR_GUESTS"]

    func nodeNumberScores(_ url: String) throws -> [Int64] {
        let plugin = try WasmGuestPlugin(
            name: "NodeNumber",
            args: WasmPluginArgs(guestURL: url, logSeverity: 2),
            handle: FakeHandle(parallelism: 2)
        )
        let pod = PodBuilder("pod3").uid("u3").info()
        let nodes = ["node1", "node3", "node13", "nodex"].map { NodeBuilder($0).info() }
        let snapshot = Snapshot(nodes: nodes)
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: snapshot)
        #expect(plugin.preScore(state: state, pod: pod, nodes: NodeList(snapshot: snapshot, indices: [0, 1, 2, 3])).isSuccess)
        return nodes.map { plugin.score(state: state, pod: pod, node: $0).score }
    }

    @Test func ourNodeNumberExample() throws {
        let scores = try nodeNumberScores("file://\(Self.repositoryRoot)/examples/wasm/nodenumber.wasm")
        #expect(scores == [0, 10, 10, 0])
    }

    @Test(.enabled(if: anchorGuests != nil)) func anchorsNodeNumber() throws {
        let scores = try nodeNumberScores("file://\(Self.anchorGuests ?? "")/nodenumber.wasm")
        #expect(scores == [0, 10, 10, 0])
    }

    @Test(.enabled(if: anchorGuests != nil)) func anchorsImageLocality() throws {
        let plugin = try WasmGuestPlugin(
            name: "ImageLocality",
            args: WasmPluginArgs(guestURL: "file://\(Self.anchorGuests ?? "")/imagelocality.wasm"),
            handle: FakeHandle()
        )
        let pod = PodBuilder("p").uid("u").container(image: "big:1").info()
        var withImage = NodeBuilder("n1").image(["big:1"], sizeBytes: 500 * 1024 * 1024).info()
        withImage.imageStates = ["big:1": ImageStateSummary(size: 500 * 1024 * 1024, numNodes: 1)]
        let without = NodeBuilder("n2").info()
        let snapshot = Snapshot(nodes: [withImage, without])
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: snapshot)
        let high = plugin.score(state: state, pod: pod, node: withImage)
        let low = plugin.score(state: state, pod: pod, node: without)
        #expect(high.status.isSuccess)
        #expect(low.status.isSuccess)
        #expect(low.score == 0)
        #expect(high.score > 0)
    }
}
