import SwiftKubeScheduler

// The stock scheduler: the SDK's command line with the in-tree plugins only. A program with its own plugins
// is this file plus a registry (see docs/WRITING_PLUGINS.md).
await SwiftKubeScheduler.main(plugins: PluginRegistry())
