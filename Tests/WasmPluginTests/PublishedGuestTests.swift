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
        #expect(
            plugin.preScore(state: state, pod: pod, nodes: NodeList(snapshot: snapshot, indices: [0, 1, 2, 3]))
                .isSuccess
        )
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

    /// The anchor's own e2e test (`internal/e2e/scheduler/imagelocality_test.go`): one node per cycle, as that
    /// guest's SDK caches the listed nodes for the rest of a cycle.
    @Test(.enabled(if: anchorGuests != nil)) func anchorsImageLocality() throws {
        let plugin = try WasmGuestPlugin(
            name: "ImageLocality",
            args: WasmPluginArgs(guestURL: "file://\(Self.anchorGuests ?? "")/imagelocality.wasm"),
            handle: FakeHandle()
        )
        func node(_ name: String, _ images: [String], spread: Int) -> NodeInfo {
            var builder = NodeBuilder(name)
            for image in images { builder = builder.image([image], sizeBytes: 100_000_000) }
            var info = builder.info()
            for image in images { info.imageStates[image] = ImageStateSummary(size: 100_000_000, numNodes: spread) }
            return info
        }
        let test = ["test-image:v1", "test-image:v2", "test-image:v3"]
        let nodes = [
            node("no-image-node1", ["unrelated-image:v1", "unrelated-image:v2", "unrelated-image:v3"], spread: 1),
            node("image-node1", test, spread: 2), node("image-node2", test, spread: 2),
        ]
        let snapshot = Snapshot(nodes: nodes)
        let pod = PodBuilder("happy8-meta").uid("u").container(name: "happy8", image: "test-image:v1").info()
        func score(_ node: NodeInfo) -> (score: Int64, status: Status) {
            let state = CycleState()
            _ = plugin.preFilter(state: state, pod: pod, snapshot: snapshot)
            return plugin.score(state: state, pod: pod, node: node)
        }
        let unmatched = score(nodes[0])
        let matched = score(nodes[1])
        #expect(unmatched.status.isSuccess)
        #expect(matched.status.isSuccess)
        #expect(unmatched.score == 0)
        #expect(matched.score == 4)
    }
}
