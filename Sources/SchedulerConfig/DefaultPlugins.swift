import SchedulerFramework

/// Upstream's default plugin set and its merge rules (`pkg/scheduler/apis/config/v1/default_plugins.go`).
package enum DefaultPlugins {
    /// Upstream v1.35's `getDefaultPlugins()` MultiPoint list, in order, with its score weights (0 = unset).
    ///
    /// `DynamicResources` is included because the `DynamicResourceAllocation` feature gate is on by default
    /// (GA since v1.34), which inserts it right before `DefaultPreemption`. The effective default set is this
    /// list filtered to the plugins a registry has (``multiPoint(available:)``), so plugins join the defaults
    /// in upstream's position as soon as they are registered.
    package static let upstreamMultiPoint: [PluginEntry] = [
        PluginEntry(PluginName.schedulingGates),
        PluginEntry(PluginName.prioritySort),
        PluginEntry(PluginName.nodeUnschedulable),
        PluginEntry(PluginName.nodeName),
        PluginEntry(PluginName.taintToleration, weight: 3),
        PluginEntry(PluginName.nodeAffinity, weight: 2),
        PluginEntry(PluginName.nodePorts),
        PluginEntry(PluginName.nodeResourcesFit, weight: 1),
        PluginEntry(PluginName.volumeRestrictions),
        PluginEntry(PluginName.nodeVolumeLimits),
        PluginEntry(PluginName.volumeBinding),
        PluginEntry(PluginName.volumeZone),
        PluginEntry(PluginName.podTopologySpread, weight: 2),
        PluginEntry(PluginName.interPodAffinity, weight: 2),
        PluginEntry(PluginName.dynamicResources),
        PluginEntry(PluginName.defaultPreemption),
        PluginEntry(PluginName.nodeResourcesBalancedAllocation, weight: 1),
        PluginEntry(PluginName.imageLocality, weight: 1),
        PluginEntry(PluginName.defaultBinder),
    ]

    /// Upstream's in-tree plugin names (v1.35), to tell "not implemented here yet" from "no such plugin".
    package static let upstreamInTreePlugins: Set<String> = Set(upstreamMultiPoint.map(\.name))

    /// Plugins removed from `kubescheduler.config.k8s.io/v1`; naming them is an error upstream.
    package static let removedPlugins: [String] = ["AzureDiskLimits", "CinderLimits", "EBSLimits", "GCEPDLimits"]

    /// The default MultiPoint list restricted to `available` plugin names, keeping upstream's order and weights.
    package static func multiPoint(available: some Collection<String>) -> [PluginEntry] {
        let names = Set(available)
        return upstreamMultiPoint.filter { names.contains($0.name) }
    }

    /// The default `plugins` block: only MultiPoint is set, as upstream.
    package static func plugins(available: some Collection<String>) -> Plugins {
        Plugins(sets: [.multiPoint: PluginSet(enabled: multiPoint(available: available))])
    }

    /// Merges a profile's `plugins` block into the defaults, extension point by extension point
    /// (upstream's `mergePlugins`). MultiPoint is merged but not expanded.
    package static func merge(_ custom: Plugins?, into defaults: Plugins) -> Plugins {
        guard let custom else { return defaults }
        var result = Plugins()
        for point in ExtensionPoint.allCases {
            let merged = mergePluginSet(defaults[point], custom[point])
            if !merged.enabled.isEmpty || !merged.disabled.isEmpty { result[point] = merged }
        }
        return result
    }

    /// Upstream's `mergePluginSet`:
    /// - the custom set's disabled names, then the defaults' own, are kept as the result's disabled list;
    /// - `"*"` disabled drops every default; otherwise disabled defaults are dropped;
    /// - a default that is also in the custom enabled list is replaced in place by the custom entry (its
    ///   weight included), keeping the default's position;
    /// - all other custom entries are appended in their order (duplicates included, which profile
    ///   validation refuses).
    package static func mergePluginSet(_ defaults: PluginSet, _ custom: PluginSet) -> PluginSet {
        let disabled = custom.disabled + defaults.disabled
        let disabledNames = Set(disabled)
        var customIndex: [String: Int] = [:]
        for (index, entry) in custom.enabled.enumerated() { customIndex[entry.name] = index }
        var replaced: Set<Int> = []
        var enabled: [PluginEntry] = []
        if !disabledNames.contains("*") {
            for entry in defaults.enabled where !disabledNames.contains(entry.name) {
                if let index = customIndex[entry.name] {
                    enabled.append(custom.enabled[index])
                    replaced.insert(index)
                } else {
                    enabled.append(entry)
                }
            }
        }
        for (index, entry) in custom.enabled.enumerated() where !replaced.contains(index) {
            enabled.append(entry)
        }
        return PluginSet(enabled: enabled, disabled: disabled)
    }
}
