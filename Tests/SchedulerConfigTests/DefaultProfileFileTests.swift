import Foundation
import InTreePlugins
import SchedulerConfig
import SchedulerFramework
import Testing

/// `profiles/default.yaml` must list exactly upstream's default plugins that this package implements, in
/// upstream's order and with upstream's weights.
struct DefaultProfileFileTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("profiles/default.yaml").path

    /// `name` or `name(weight)`.
    static func describe(_ entries: [PluginEntry]) -> [String] {
        entries.map { $0.weight == 0 ? $0.name : "\($0.name)(\($0.weight))" }
    }

    @Test func listsEveryImplementedUpstreamDefaultPluginWithItsWeight() throws {
        let registry = makeInTreeRegistry()
        let configuration = try ConfigurationLoader.load(path: Self.path, registry: registry)
        let profile = try #require(configuration.profiles.first)
        #expect(configuration.profiles.count == 1)
        #expect(profile.schedulerName == "default-scheduler")
        #expect(profile.plugins[.multiPoint].disabled.isEmpty)
        let expected = DefaultPlugins.upstreamMultiPoint.filter { registry.contains($0.name) }
        #expect(Self.describe(profile.plugins[.multiPoint].enabled) == Self.describe(expected))
        // Spelled out, so a change to either side shows up here.
        #expect(
            Self.describe(profile.plugins[.multiPoint].enabled) == [
                "SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "TaintToleration(3)",
                "NodeAffinity(2)",
                "NodePorts", "NodeResourcesFit(1)", "VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding",
                "VolumeZone", "PodTopologySpread(2)",
                "InterPodAffinity(2)", "DefaultPreemption",
                "NodeResourcesBalancedAllocation(1)", "ImageLocality(1)", "DefaultBinder",
            ]
        )
    }

    @Test func everyRegisteredInTreePluginIsAnUpstreamDefault() {
        // All plugins implemented so far belong to upstream's default profile, so the file lists all of them —
        // except scheduler-plugins' Coscheduling, registered but never a default.
        let names = makeInTreeRegistry().names.filter { $0 != PluginName.coscheduling }
        #expect(Set(names).isSubset(of: DefaultPlugins.upstreamInTreePlugins))
        #expect(DefaultPlugins.multiPoint(available: names).map(\.name).sorted() == names)
    }

    @Test func commentNamesExactlyTheUpstreamDefaultsStillMissing() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let comment = text.split(separator: "\n").prefix { $0.hasPrefix("#") }.joined(separator: "\n")
        let inTreeNames = makeInTreeRegistry().names
        let missing = DefaultPlugins.upstreamMultiPoint.map(\.name).filter { !inTreeNames.contains($0) }
        #expect(missing == ["DynamicResources"])
        for name in missing {
            #expect(comment.contains(name), "default.yaml's comment should name \(name)")
        }
        for name in inTreeNames {
            #expect(
                !comment.contains("  \(name),") && !comment.contains(" \(name) ("),
                "default.yaml's comment still lists \(name) as missing"
            )
        }
    }

    @Test func equalsTheBuiltInDefaultOfTheInTreeRegistry() throws {
        let registry = makeInTreeRegistry()
        let loaded = try ConfigurationLoader.load(path: Self.path, registry: registry)
        let builtIn = ConfigurationLoader.defaultConfiguration(registry: registry)
        #expect(
            Self.describe(loaded.profiles[0].plugins[.multiPoint].enabled)
                == Self.describe(builtIn.profiles[0].plugins[.multiPoint].enabled)
        )
    }
}
