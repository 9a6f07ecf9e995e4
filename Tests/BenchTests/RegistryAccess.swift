import InTreePlugins
import SchedulerFramework

enum InTreeRegistryAccess {
    static var registry: PluginRegistry { makeInTreeRegistry() }
}
