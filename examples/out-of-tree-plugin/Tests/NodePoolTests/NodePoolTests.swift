import NodePool
import SchedulerTesting
import SwiftKubeScheduler
import Testing

@Suite struct NodePoolTests {
    let plugin = NodePool(args: .defaults)

    @Test func aPodOfAPoolFitsOnlyNodesOfThatPool() {
        let pod = PodBuilder("p").label("example.com/pool", "gpu").info()
        let inPool = NodeBuilder("n1").label("example.com/pool", "gpu").info()
        let otherPool = NodeBuilder("n2").label("example.com/pool", "cpu").info()
        #expect(plugin.filter(state: CycleState(), pod: pod, node: inPool).code == .success)
        let rejected = plugin.filter(state: CycleState(), pod: pod, node: otherPool)
        #expect(rejected.code == .unschedulableAndUnresolvable)
        #expect(rejected.reasons == [NodePool.reasonWrongPool])
    }

    @Test func aPodWithoutAPoolFitsAnywhere() {
        let node = NodeBuilder("n1").label("example.com/pool", "gpu").info()
        #expect(plugin.filter(state: CycleState(), pod: PodBuilder("p").info(), node: node).code == .success)
    }

    @Test func cheaperNodesScoreHigher() {
        let pod = PodBuilder("p").info()
        let scores = ["10", "60", "100", "250", "n/a"].map { cost in
            plugin.score(state: CycleState(), pod: pod, node: NodeBuilder("n").label("example.com/cost", cost).info())
                .score
        }
        #expect(scores == [90, 40, 0, 0, 0])
        #expect(plugin.score(state: CycleState(), pod: pod, node: NodeBuilder("n").info()).score == 0)
    }

    @Test func argsKeepTheirDefaultsAndAreValidated() throws {
        #expect(NodePoolArgs.defaults.poolLabel == "example.com/pool")
        var args = NodePoolArgs()
        args.maxCost = 0
        #expect(throws: PluginArgsError.self) { try args.validate() }
        args = NodePoolArgs()
        args.poolLabel = ""
        #expect(throws: PluginArgsError.self) { try args.validate() }
        try NodePoolArgs.defaults.validate()
    }

    @Test func typedArgsChangeTheLabelsRead() {
        var args = NodePoolArgs()
        args.poolLabel = "team"
        args.costLabel = "price"
        args.maxCost = 10
        let custom = NodePool(args: args)
        let pod = PodBuilder("p").label("team", "a").info()
        let node = NodeBuilder("n").labels(["team": "a", "price": "4"]).info()
        #expect(custom.filter(state: CycleState(), pod: pod, node: node).code == .success)
        #expect(custom.score(state: CycleState(), pod: pod, node: node).score == 60)
    }

    @Test func theRegistryBuildsThePluginWithItsArgs() throws {
        var registry = PluginRegistry()
        try registry.registerNodePool()
        #expect(registry.contains(NodePool.name))
        #expect(registry[NodePool.name]?.takesArgs == true)
        #expect(throws: RegistryError.self) { try registry.registerNodePool() }
    }
}
