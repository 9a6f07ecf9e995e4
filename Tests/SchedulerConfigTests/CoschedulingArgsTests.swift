import Foundation
import InTreePlugins
import SchedulerConfig
import SchedulerFramework
import Testing

/// `CoschedulingArgs` as scheduler-plugins decodes, defaults and validates them, and profiles/gang.yaml.
@Suite struct CoschedulingArgsTests {
    private func gang(_ args: String) -> String {
        header + """
            profiles:
            - plugins:
                multiPoint:
                  enabled:
                  - name: Coscheduling
                queueSort:
                  enabled:
                  - name: Coscheduling
                  disabled:
                  - name: "*"
              pluginConfig:
              - name: Coscheduling
                args:
            \(args)
            """
    }

    @Test func validArgsAndDefaultsLoad() {
        let registry = makeInTreeRegistry()
        #expect(problems(gang("      permitWaitingTimeSeconds: 10"), registry: registry).isEmpty)
        #expect(problems(gang("      {}"), registry: registry).isEmpty)
        #expect(registry.contains(PluginName.coscheduling))
    }

    @Test func invalidArgsAreRefusedWithSchedulerPluginsMessages() {
        let registry = makeInTreeRegistry()
        #expect(
            problems(gang("      permitWaitingTimeSeconds: -1"), registry: registry) == [
                "config.yaml:17:33: profiles[0].pluginConfig[0].args.permitWaitingTimeSeconds: Invalid value: -1: must be greater than 0"
            ]
        )
        #expect(
            problems(gang("      podGroupBackoffSeconds: -5"), registry: registry).first?.hasSuffix(
                "args.podGroupBackoffSeconds: Invalid value: -5: must be greater than 0"
            ) == true
        )
        #expect(
            problems(gang("      podGroupRejectPercentage: 101"), registry: registry).first?.hasSuffix(
                "args.podGroupRejectPercentage: Invalid value: 101: must be between 0 and 100"
            ) == true
        )
    }

    @Test func coschedulingIsNotEnabledByDefault() {
        let configuration = ConfigurationLoader.defaultConfiguration(registry: makeInTreeRegistry())
        let profile = configuration.profiles[0]
        #expect(!profile.plugins[.multiPoint].enabled.contains { $0.name == PluginName.coscheduling })
        #expect(!profile.plugins[.queueSort].enabled.contains { $0.name == PluginName.coscheduling })
    }

    @Test func theShippedGangProfileLoads() throws {
        let registry = makeInTreeRegistry()
        let configuration = try ConfigurationLoader.load(
            path: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("profiles/gang.yaml").path,
            registry: registry
        )
        #expect(configuration.profiles[0].plugins[.queueSort].enabled.map(\.name) == [PluginName.coscheduling])
    }
}
