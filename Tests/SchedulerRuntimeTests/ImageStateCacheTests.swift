import KubeAPI
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

/// The cache's image → nodes map and the `imageStates` it gives every node (what ImageLocality reads).
@Suite struct ImageStateCacheTests {
    private static let mb: Int64 = 1024 * 1024

    private func states(_ snapshot: Snapshot, _ node: String) -> [String: ImageStateSummary] {
        snapshot.nodeInfo(named: node)?.imageStates ?? [:]
    }

    @Test func everyNameOfAnImageCountsTheNodesHoldingIt() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(
            NodeBuilder("n1").image(["app:v1", "app:latest"], sizeBytes: 100 * Self.mb).image(
                ["base:1"],
                sizeBytes: 5 * Self.mb
            ).build()
        )
        cache.addOrUpdateNode(NodeBuilder("n2").image(["app:v1"], sizeBytes: 100 * Self.mb).build())
        cache.addOrUpdateNode(NodeBuilder("n3").build())
        let snapshot = cache.snapshot()
        #expect(
            states(snapshot, "n1") == [
                "app:v1": ImageStateSummary(size: 100 * Self.mb, numNodes: 2),
                "app:latest": ImageStateSummary(size: 100 * Self.mb, numNodes: 1),
                "base:1": ImageStateSummary(size: 5 * Self.mb, numNodes: 1),
            ]
        )
        #expect(states(snapshot, "n2") == ["app:v1": ImageStateSummary(size: 100 * Self.mb, numNodes: 2)])
        #expect(states(snapshot, "n3").isEmpty)
    }

    @Test func addingANodeRefreshesTheCountsOfNodesAlreadyInTheSnapshot() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").image(["app:v1"], sizeBytes: 10).build())
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        #expect(states(snapshot, "n1")["app:v1"]?.numNodes == 1)
        let before = snapshot.nodeInfo(named: "n1")?.generation ?? 0

        cache.addOrUpdateNode(NodeBuilder("n2").image(["app:v1"], sizeBytes: 10).build())
        cache.updateSnapshot(&snapshot)
        #expect(states(snapshot, "n1")["app:v1"]?.numNodes == 2)
        #expect(states(snapshot, "n2")["app:v1"]?.numNodes == 2)
        #expect((snapshot.nodeInfo(named: "n1")?.generation ?? 0) > before)
    }

    @Test func removingANodeOrItsImageLowersTheCounts() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").image(["app:v1"], sizeBytes: 10).build())
        cache.addOrUpdateNode(NodeBuilder("n2").image(["app:v1"], sizeBytes: 10).build())
        cache.addOrUpdateNode(NodeBuilder("n3").image(["app:v1"], sizeBytes: 10).build())
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        #expect(states(snapshot, "n1")["app:v1"]?.numNodes == 3)

        cache.removeNode(named: "n3")
        cache.updateSnapshot(&snapshot)
        #expect(states(snapshot, "n1")["app:v1"]?.numNodes == 2)

        // n2 no longer reports the image: its own states lose it, n1's count drops.
        cache.addOrUpdateNode(NodeBuilder("n2").image(["other:1"], sizeBytes: 7).build())
        cache.updateSnapshot(&snapshot)
        #expect(states(snapshot, "n1") == ["app:v1": ImageStateSummary(size: 10, numNodes: 1)])
        #expect(states(snapshot, "n2") == ["other:1": ImageStateSummary(size: 7, numNodes: 1)])
    }

    @Test func theSizeIsTheOneFirstReported() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").image(["app:v1"], sizeBytes: 10).build())
        cache.addOrUpdateNode(NodeBuilder("n2").image(["app:v1"], sizeBytes: 99).build())
        let snapshot = cache.snapshot()
        #expect(states(snapshot, "n2")["app:v1"] == ImageStateSummary(size: 10, numNodes: 2))
    }

    @Test func unchangedNodeUpdatesDoNotDirtyOtherNodes() {
        let cache = SchedulerCache()
        let n1 = NodeBuilder("n1").image(["app:v1"], sizeBytes: 10).build()
        cache.addOrUpdateNode(n1)
        cache.addOrUpdateNode(NodeBuilder("n2").image(["app:v1"], sizeBytes: 10).build())
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        let n2Generation = snapshot.nodeInfo(named: "n2")?.generation
        // Same images again (a status heartbeat, a label change): n2's summary stays the same and n2 is not copied.
        cache.addOrUpdateNode(NodeBuilder("n1").image(["app:v1"], sizeBytes: 10).label("x", "y").build())
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodeInfo(named: "n2")?.generation == n2Generation)
        #expect(states(snapshot, "n1")["app:v1"]?.numNodes == 2)
    }

    @Test func aRemovedNodeThatComesBackIsCountedAgain() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").image(["app:v1"], sizeBytes: 10).build())
        cache.addOrUpdateNode(NodeBuilder("n2").image(["app:v1"], sizeBytes: 10).build())
        // n2 keeps a pod, so it stays as a ghost after removal.
        cache.addPod(PodBuilder("p").node("n2").build())
        cache.removeNode(named: "n2")
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        #expect(states(snapshot, "n1")["app:v1"]?.numNodes == 1)
        cache.addOrUpdateNode(NodeBuilder("n2").image(["app:v1"], sizeBytes: 10).build())
        cache.updateSnapshot(&snapshot)
        #expect(states(snapshot, "n1")["app:v1"]?.numNodes == 2)
        #expect(states(snapshot, "n2")["app:v1"]?.numNodes == 2)
    }
}
