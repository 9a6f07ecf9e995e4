import NodePool
import SwiftKubeScheduler

// swift-kube-scheduler's command line (simulate, run, bench, config) with one more plugin.
var plugins = PluginRegistry()
try plugins.registerNodePool()
await SwiftKubeScheduler.main(plugins: plugins)
