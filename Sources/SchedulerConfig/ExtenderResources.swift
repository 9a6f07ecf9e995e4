import KubeDecoding
import SchedulerFramework

/// Upstream's `buildExtenders`: the managed resources an extender marks `ignoredByScheduler` become NodeResourcesFit's
/// `ignoredResources` in every profile (replacing what the profile set, as upstream does), so the scheduler does not
/// reject nodes for resources only the extender accounts for.
func applyExtenderIgnoredResources(to configuration: inout SchedulerConfiguration, source: String) {
    var ignored: [String] = []
    for extender in configuration.extenders {
        for resource in extender.managedResources where resource.ignoredByScheduler && !ignored.contains(resource.name)
        {
            ignored.append(resource.name)
        }
    }
    guard !ignored.isEmpty else { return }
    let list = PositionedValue(.sequence(ignored.map { PositionedValue(.string($0)) }))
    let name = PluginName.nodeResourcesFit
    for index in configuration.profiles.indices {
        let existing = configuration.profiles[index].pluginConfig[name] as? ConfigPluginArgs
        var entries = existing?.value.entries ?? []
        entries.removeAll { $0.key == "ignoredResources" }
        entries.append(PositionedValue.Entry(key: "ignoredResources", value: list))
        configuration.profiles[index].pluginConfig[name] = ConfigPluginArgs(
            pluginName: name,
            value: PositionedValue(.mapping(entries), position: existing?.value.position),
            source: source,
            path: existing?.path ?? [.key("extenders")]
        )
    }
}
