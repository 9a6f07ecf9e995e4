import Foundation
import InTreePlugins
import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Simulator
import Testing
import WasmPlugin

/// Guests configured the anchor's way: a `pluginConfig` entry with a `guestURL`, enabled under `multiPoint`.
@Suite struct ConfigurationTests {
    func configuration(_ guests: [(name: String, url: String)]) -> String {
        let enabled = guests.map { "          - name: \($0.name)" }.joined(separator: "\n")
        let args = guests.map {
            """
                  - name: \($0.name)
                    args:
                      guestURL: \($0.url)
                      logSeverity: 1
            """
        }.joined(separator: "\n")
        return """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
              - schedulerName: default-scheduler
                plugins:
                  multiPoint:
                    enabled:
            \(enabled)
                pluginConfig:
            \(args)
            """
    }

    func load(_ text: String) throws -> (SchedulerConfiguration, PluginRegistry) {
        #expect(WasmGuestRegistry.guestPluginNames(inConfiguration: text).count >= 1)
        var registry = makeInTreeRegistry()
        for name in WasmGuestRegistry.guestPluginNames(inConfiguration: text) {
            try WasmGuestRegistry.register(name, into: &registry)
        }
        return (try ConfigurationLoader.load(contents: text, source: "config.yaml", registry: registry), registry)
    }

    @Test func twoGuestsUnderTheirOwnNamesServeTheirExportedPoints() throws {
        let text = configuration([
            ("OnlyFilter", TestGuests.file(TestGuests.filterOnly)),
            ("Everything", TestGuests.file(TestGuests.allPoints)),
        ])
        let (configuration, registry) = try load(text)
        let built = try ProfileFramework(profile: configuration.profiles[0], registry: registry, handle: FakeHandle())
        let filters = built.filterPlugins.map(\.name)
        #expect(filters.contains("OnlyFilter"))
        #expect(filters.contains("Everything"))
        let scores = built.scorePlugins.map(\.plugin.name)
        #expect(!scores.contains("OnlyFilter"))
        #expect(scores.contains("Everything"))
        #expect(!built.bindPlugins.map(\.name).contains("OnlyFilter"))
        #expect(built.bindPlugins.map(\.name).contains("Everything"))
        #expect(!built.postFilterPlugins.map(\.name).contains("Everything"))
    }

    @Test func aBrokenGuestIsOneConfigErrorNamingPluginAndFile() throws {
        let url = TestGuests.file(TestGuests.unknownImport)
        let (configuration, registry) = try load(configuration([("Broken", url)]))
        do {
            _ = try ProfileFramework(profile: configuration.profiles[0], registry: registry, handle: FakeHandle())
            Issue.record("the profile was built")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("wasm plugin \"Broken\""))
            #expect(message.contains(url))
            #expect(!message.contains("\n"))
        }
    }

    @Test(.timeLimit(.minutes(1))) func simulateRespectsTheGuestsFilter() async throws {
        let text = configuration([("OnlyFilter", TestGuests.file(TestGuests.filterOnly))])
        let (configuration, registry) = try load(text)
        var manifests = ""
        for name in ["a1", "b1"] {
            manifests += """
                apiVersion: v1
                kind: Node
                metadata: {name: \(name)}
                status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
                ---

                """
        }
        for index in 0..<4 {
            manifests += """
                apiVersion: v1
                kind: Pod
                metadata: {name: p\(index), namespace: default}
                spec: {containers: [{name: c, image: busybox}]}
                ---

                """
        }
        let objects = try ManifestLoader.load(contents: manifests, source: "cluster.yaml").objects
        let result = try await Simulation.run(
            configuration: configuration,
            registry: registry,
            objects: objects,
            seed: 1
        )
        #expect(result.pods.count == 4)
        for outcome in result.pods {
            #expect(outcome.status == .scheduled)
            #expect(outcome.node == "a1")
        }
    }
}
