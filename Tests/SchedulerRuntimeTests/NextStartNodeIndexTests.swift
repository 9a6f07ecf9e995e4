import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

/// Upstream's fair node evaluation: each cycle's scan starts where the previous one stopped, and it advances by
/// the nodes processed modulo all nodes, also when PreFilter narrowed the nodes (`findNodesThatFitPod`).
@Suite struct NextStartNodeIndexTests {
    func scheduler(nodes: Int) throws -> Scheduler {
        let registry = makeInTreeRegistry()
        let scheduler = try Scheduler(
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            client: EmbeddedCluster(),
            clock: SimulatedClock()
        )
        for i in 0..<nodes {
            scheduler.cache.addOrUpdateNode(
                NodeBuilder("node-\(i)").capacity(["cpu": "4", "memory": "8Gi", "pods": "110"]).build()
            )
        }
        return scheduler
    }

    @Test func fullScanAdvancesByTheNodesProcessed() throws {
        let scheduler = try scheduler(nodes: 6)
        let outcome = try #require(scheduler.package_filterPass(PodBuilder("p").build(), nextStartNodeIndex: 4))
        #expect(outcome.feasible == ["node-4", "node-5", "node-0", "node-1", "node-2", "node-3"])
        #expect(outcome.nextStartNodeIndex == 4)
    }

    @Test func preFilterSubsetRotatesAndAdvancesModuloAllNodes() throws {
        let scheduler = try scheduler(nodes: 6)
        // Three ORed terms naming one node each (a field requirement takes exactly one value): NodeAffinity's
        // PreFilter narrows the scan to those nodes.
        var builder = PodBuilder("p")
        for name in ["node-1", "node-3", "node-5"] {
            builder = builder.requiredNodeAffinity(
                [],
                fields: [NodeSelectorRequirement(key: "metadata.name", operator: "In", values: [name])]
            )
        }
        let pinned = builder.build()
        let outcome = try #require(scheduler.package_filterPass(pinned, nextStartNodeIndex: 4))
        // The subset is scanned from nextStartNodeIndex modulo its size; three nodes processed: (4 + 3) mod 6.
        #expect(outcome.feasible == ["node-3", "node-5", "node-1"], "\(outcome)")
        #expect(outcome.nextStartNodeIndex == 1)
    }
}
