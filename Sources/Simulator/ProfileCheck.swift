import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime

/// Builds every profile of a configuration without running anything, so plugin-level mistakes
/// (a plugin at an extension point it does not implement, bad args) surface as `config validate` errors.
package enum ProfileCheck {
    package static func buildAll(
        _ configuration: SchedulerConfiguration,
        registry: PluginRegistry
    ) throws(ConfigurationError) {
        _ = try Scheduler(configuration: configuration, registry: registry, client: EmbeddedCluster())
    }
}
