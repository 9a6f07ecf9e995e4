import SchedulerConfig
import SchedulerFramework

/// Three lines, so the first line a test appends is line 4.
let header = """
    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    # test

    """

func load(
    _ text: String,
    registry: PluginRegistry = TestRegistry.standard
) throws(ConfigurationError) -> SchedulerConfiguration {
    try ConfigurationLoader.load(contents: text, source: "config.yaml", registry: registry)
}

func problems(_ text: String, registry: PluginRegistry = TestRegistry.standard) -> [String] {
    ConfigurationLoader.validate(contents: text, source: "config.yaml", registry: registry).problems
}

/// `name` or `name(weight)` for each enabled entry.
func names(_ set: PluginSet) -> [String] {
    set.enabled.map { $0.weight == 0 ? $0.name : "\($0.name)(\($0.weight))" }
}

let defaultMultiPoint = [
    "SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "TaintToleration(3)", "NodeAffinity(2)",
    "NodeResourcesFit(1)", "NodeResourcesBalancedAllocation(1)", "DefaultBinder",
]
