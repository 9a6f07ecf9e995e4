import InTreePlugins
import KubeAPI
import NodeAffinityPlugin
import NodeResourcesBalancedAllocationPlugin
import NodeResourcesFitPlugin
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerTesting
import Testing

@Test func registryHoldsEveryInTreePlugin() {
    let registry = makeInTreeRegistry()
    // Every upstream default plugin is registered except those not implemented yet.
    let notImplemented: Set = [
        PluginName.dynamicResources
    ]
    // Plus scheduler-plugins' Coscheduling, registered but not a default.
    #expect(
        registry.names
            == DefaultPlugins.upstreamInTreePlugins.subtracting(notImplemented).union([PluginName.coscheduling])
            .sorted()
    )
    let withArgs = Set(registry.entries.values.filter(\.takesArgs).map(\.name))
    #expect(
        withArgs == [
            "NodeAffinity", "NodeResourcesFit", "NodeResourcesBalancedAllocation", "PodTopologySpread",
            "InterPodAffinity", "VolumeBinding",
            "DefaultPreemption", "Coscheduling",
        ]
    )
}

@Test func registryBuildsEveryPluginWithDefaultArgs() throws {
    let registry = makeInTreeRegistry()
    let handle = FakeHandle()
    for name in registry.names {
        let entry = try #require(registry[name])
        let plugin = try entry.make(nil, handle)
        #expect(plugin.name == name)
    }
    #expect(try registry["PrioritySort"]?.make(nil, handle) is any QueueSortPlugin)
    #expect(try registry["SchedulingGates"]?.make(nil, handle) is any PreEnqueuePlugin)
    #expect(try registry["DefaultBinder"]?.make(nil, handle) is any BindPlugin)
    #expect(try registry["NodeAffinity"]?.make(nil, handle) is any NormalizeScorePlugin)
    #expect(try registry["TaintToleration"]?.make(nil, handle) is any NormalizeScorePlugin)
    #expect(try registry["NodeResourcesFit"]?.make(nil, handle) is any PreFilterPlugin)
    #expect(try registry["NodeResourcesBalancedAllocation"]?.make(nil, handle) is any PreScorePlugin)
    #expect(try registry["NodePorts"]?.make(nil, handle) is any FilterPlugin)
    #expect(try registry["ImageLocality"]?.make(nil, handle) is any ScorePlugin)
    #expect(try registry["InterPodAffinity"]?.make(nil, handle) is any NormalizeScorePlugin)
    #expect(try registry["PodTopologySpread"]?.make(nil, handle) is any NormalizeScorePlugin)
    #expect((try registry["InterPodAffinity"]?.make(nil, handle) as? any PreFilterPlugin)?.preFilterExtensions != nil)
    #expect((try registry["PodTopologySpread"]?.make(nil, handle) as? any PreFilterPlugin)?.preFilterExtensions != nil)
    #expect((try registry["NodePorts"]?.make(nil, handle) as? any PreFilterPlugin)?.preFilterExtensions == nil)
}

@Test func registryDecodesAndValidatesArgs() throws {
    let registry = makeInTreeRegistry()
    let fit = try registry["NodeResourcesFit"]?.make(
        JSONArgs(#"{"scoringStrategy": {"type": "MostAllocated"}}"#),
        FakeHandle()
    )
    #expect((fit as? NodeResourcesFit)?.args.scoringStrategy.type == .mostAllocated)
    #expect((fit as? NodeResourcesFit)?.args.scoringStrategy.resources == ResourceSpec.defaultResources)
    #expect(throws: PluginArgsError.self) {
        try registry["NodeResourcesFit"]?.validateArgs(JSONArgs(#"{"scoringStrategy": {"type": "Nope"}}"#))
    }
    #expect(throws: PluginArgsError.self) {
        try registry["NodeResourcesBalancedAllocation"]?.validateArgs(
            JSONArgs(#"{"resources": [{"name": "cpu", "weight": 3}]}"#)
        )
    }
    let balanced = try registry["NodeResourcesBalancedAllocation"]?.make(nil, FakeHandle())
    #expect((balanced as? NodeResourcesBalancedAllocation)?.args == .defaults)
    let affinity = try registry["NodeAffinity"]?.make(JSONArgs("{}"), FakeHandle())
    #expect((affinity as? NodeAffinityPlugin.NodeAffinity)?.args.addedAffinity == nil)
}
