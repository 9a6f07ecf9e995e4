import SchedulerConfig
import SchedulerFramework
import Testing

struct MergePluginSetTests {
    let defaults = PluginSet(enabled: [PluginEntry("A"), PluginEntry("B", weight: 2), PluginEntry("C", weight: 1)])

    @Test func disablingOneDropsIt() {
        let merged = DefaultPlugins.mergePluginSet(defaults, PluginSet(disabled: ["B"]))
        #expect(names(merged) == ["A", "C(1)"])
        #expect(merged.disabled == ["B"])
    }

    @Test func disablingStarDropsAllDefaultsButKeepsEnabledOnes() {
        let merged = DefaultPlugins.mergePluginSet(
            defaults,
            PluginSet(enabled: [PluginEntry("C", weight: 5), PluginEntry("X")], disabled: ["*"])
        )
        #expect(names(merged) == ["C(5)", "X"])
        #expect(merged.disabled == ["*"])
    }

    @Test func reEnablingADefaultReplacesItInPlaceWithTheNewWeight() {
        let merged = DefaultPlugins.mergePluginSet(
            defaults,
            PluginSet(enabled: [PluginEntry("X"), PluginEntry("B", weight: 7)])
        )
        #expect(names(merged) == ["A", "B(7)", "C(1)", "X"])
    }

    @Test func reEnablingWithoutWeightClearsTheWeight() {
        let merged = DefaultPlugins.mergePluginSet(defaults, PluginSet(enabled: [PluginEntry("B")]))
        #expect(names(merged) == ["A", "B", "C(1)"])
    }

    @Test func otherPluginsAreAppendedInOrder() {
        let merged = DefaultPlugins.mergePluginSet(
            defaults,
            PluginSet(enabled: [PluginEntry("Y"), PluginEntry("X", weight: 3)])
        )
        #expect(names(merged) == ["A", "B(2)", "C(1)", "Y", "X(3)"])
    }

    @Test func disabledAndReEnabledMovesToTheEnd() {
        let merged = DefaultPlugins.mergePluginSet(defaults, PluginSet(enabled: [PluginEntry("A")], disabled: ["A"]))
        #expect(names(merged) == ["B(2)", "C(1)", "A"])
    }

    @Test func aDefaultListedTwiceIsReplacedByTheLastAndTheFirstAppended() {
        // Upstream keeps the duplicate for framework construction to refuse.
        let merged = DefaultPlugins.mergePluginSet(
            defaults,
            PluginSet(enabled: [PluginEntry("B", weight: 4), PluginEntry("B", weight: 9)])
        )
        #expect(names(merged) == ["A", "B(9)", "C(1)", "B(4)"])
    }

    @Test func defaultsOwnDisabledListIsKept() {
        let merged = DefaultPlugins.mergePluginSet(
            PluginSet(enabled: [PluginEntry("A")], disabled: ["Z"]),
            PluginSet(disabled: ["Q"])
        )
        #expect(merged.disabled == ["Q", "Z"])
    }
}

struct ProfileMergeTests {
    @Test func multiPointDisableAndWeightOverride() throws {
        let configuration = try load(
            header + """
                profiles:
                - plugins:
                    multiPoint:
                      enabled:
                      - name: NodeAffinity
                        weight: 5
                      disabled:
                      - name: TaintToleration
                    score:
                      disabled:
                      - name: NodeResourcesBalancedAllocation
                """
        )
        let plugins = configuration.profiles[0].plugins
        #expect(
            names(plugins[.multiPoint]) == [
                "SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "NodeAffinity(5)",
                "NodeResourcesFit(1)", "NodeResourcesBalancedAllocation(1)", "DefaultBinder",
            ]
        )
        #expect(plugins[.multiPoint].disabled == ["TaintToleration"])
        #expect(plugins[.score].disabled == ["NodeResourcesBalancedAllocation"])
        #expect(plugins[.score].enabled.isEmpty)
        #expect(plugins[.filter] == PluginSet())
    }

    @Test func disablingStarAtMultiPointLeavesOnlyTheListedPlugins() throws {
        let configuration = try load(
            header + """
                profiles:
                - plugins:
                    multiPoint:
                      enabled:
                      - name: PrioritySort
                      - name: DefaultBinder
                      disabled:
                      - name: "*"
                    filter:
                      enabled:
                      - name: NodeName
                """
        )
        let plugins = configuration.profiles[0].plugins
        #expect(names(plugins[.multiPoint]) == ["PrioritySort", "DefaultBinder"])
        #expect(names(plugins[.filter]) == ["NodeName"])
    }

    @Test func scoreWeightsAreNotRangeCheckedAsUpstream() throws {
        // Upstream v1 validation has no weight range; a weight of 0 means 1 at runtime.
        let configuration = try load(
            header + """
                profiles:
                - plugins:
                    score:
                      enabled:
                      - name: NodeResourcesFit
                        weight: 200
                """
        )
        #expect(names(configuration.profiles[0].plugins[.score]) == ["NodeResourcesFit(200)"])
    }
}
