import Foundation
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import Testing

struct PluginArgsTests {
    let binPacking =
        header + """
            profiles:
            - schedulerName: packer
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
                    resources:
                    - name: cpu
                      weight: 3
            """

    @Test func argsDecodeThroughThePluginsType() throws {
        let profile = try #require(try load(binPacking).profiles.first)
        #expect(profile.pluginConfigPaths == ["NodeResourcesFit": "profiles[0].pluginConfig[0].args"])
        let source = try #require(profile.pluginConfig["NodeResourcesFit"])
        let args = try source.decode(FitArgs.self)
        #expect(args.scoringStrategy.type == "MostAllocated")
        #expect(args.scoringStrategy.resources == [.init(name: "cpu", weight: 3)])
        #expect(args.ignoredResources == [])
    }

    @Test func missingArgsGiveTheTypesDefaults() throws {
        let profile = try #require(
            try load(header + "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n").profiles.first
        )
        let source = try #require(profile.pluginConfig["NodeResourcesFit"])
        #expect(try source.decode(FitArgs.self) == FitArgs.defaults)
    }

    @Test func argsMayNameTheirKind() throws {
        let text =
            header + """
                profiles:
                - pluginConfig:
                  - name: NodeResourcesFit
                    args:
                      apiVersion: kubescheduler.config.k8s.io/v1
                      kind: NodeResourcesFitArgs
                      ignoredResources: [example.com/foo]
                """
        let source = try #require(try load(text).profiles.first?.pluginConfig["NodeResourcesFit"])
        #expect(try source.decode(FitArgs.self).ignoredResources == ["example.com/foo"])
    }

    @Test func argsOfTheWrongKindAreRefused() {
        #expect(
            problems(
                header + """
                    profiles:
                    - pluginConfig:
                      - name: NodeResourcesFit
                        args:
                          kind: NodeAffinityArgs
                    """
            ) == [
                "config.yaml:8:13: profiles[0].pluginConfig[0].args: args for plugin NodeResourcesFit were not of type NodeResourcesFitArgs.kubescheduler.config.k8s.io, got NodeAffinityArgs.kubescheduler.config.k8s.io"
            ]
        )
        #expect(
            problems(
                header + """
                    profiles:
                    - pluginConfig:
                      - name: NodeResourcesFit
                        args:
                          apiVersion: kubescheduler.config.k8s.io/v1beta3
                    """
            ) == [
                #"config.yaml:8:19: profiles[0].pluginConfig[0].args.apiVersion: no kind "NodeResourcesFitArgs" is registered for version "kubescheduler.config.k8s.io/v1beta3""#
            ]
        )
    }

    @Test func unknownArgsFieldsAreRefused() {
        #expect(
            problems(
                header + """
                    profiles:
                    - pluginConfig:
                      - name: NodeResourcesFit
                        args:
                          scoringStrategy:
                            typ: MostAllocated
                    """
            ) == [
                #"config.yaml:9:9: profiles[0].pluginConfig[0].args.scoringStrategy: unknown field "typ" (did you mean "type"?)"#
            ]
        )
    }

    @Test func argsTypeErrorsArePositioned() {
        #expect(
            problems(
                header + """
                    profiles:
                    - pluginConfig:
                      - name: NodeResourcesFit
                        args:
                          scoringStrategy:
                            resources:
                            - name: cpu
                              weight: heavy
                    """
            ) == [
                #"config.yaml:11:19: profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: expected an integer, got string "heavy""#
            ]
        )
    }

    @Test func argsValidationErrorsNameTheFullPath() {
        #expect(
            problems(
                header + """
                    profiles:
                    - pluginConfig:
                      - name: NodeResourcesFit
                        args:
                          scoringStrategy:
                            type: Fancy
                    """
            ) == [
                #"config.yaml:9:15: profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Fancy": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio""#
            ]
        )
        #expect(
            problems(
                header + """
                    profiles:
                    - pluginConfig:
                      - name: NodeResourcesFit
                        args:
                          scoringStrategy:
                            resources:
                            - name: cpu
                              weight: 101
                    """
            ) == [
                "config.yaml:11:19: profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu should be in (0, 100]"
            ]
        )
    }

    @Test func argsOfPluginsWithoutArgsOrNotRegisteredOnlyWarn() throws {
        let configuration = try load(
            header + """
                profiles:
                - pluginConfig:
                  - name: PrioritySort
                    args: {foo: 1}
                  - name: InterPodAffinity
                    args: {hardPodAffinityWeight: 1}
                  - name: MyPlugin
                    args: {}
                """
        )
        #expect(
            configuration.warnings == [
                #"config.yaml:7:11: profiles[0].pluginConfig[0].args: plugin "PrioritySort" takes no args; they are ignored"#,
                #"config.yaml:8:5: profiles[0].pluginConfig[1]: swift-kube-scheduler does not implement plugin "InterPodAffinity" yet; its args are ignored"#,
                #"config.yaml:10:5: profiles[0].pluginConfig[2]: no plugin "MyPlugin" is registered; its args are ignored"#,
            ]
        )
    }

    @Test func aRegistryEntryReportsDecodeErrorsWithPositions() throws {
        let profile = try #require(try load(binPacking).profiles.first)
        let source = try #require(profile.pluginConfig["NodeResourcesFit"] as? ConfigPluginArgs)
        struct Strict: Decodable { var other: Int? }
        #expect {
            try source.decode(Strict.self)
        } throws: { error in
            (error as? DecodeError)?.description
                == #"config.yaml:9:7: profiles[0].pluginConfig[0].args: unknown field "scoringStrategy""#
        }
    }
}

struct ProfileFilesTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("profiles")

    @Test(arguments: ["default.yaml", "bin-packing.yaml", "two-profiles.yaml"])
    func shippedProfilesLoadAndValidate(_ file: String) throws {
        let path = Self.directory.appendingPathComponent(file).path
        let report = ConfigurationLoader.validate(path: path, registry: TestRegistry.shipped)
        #expect(report.problems == [])
        #expect(report.warnings == [])
        #expect(report.isValid)
        let configuration = try ConfigurationLoader.load(path: path, registry: TestRegistry.shipped)
        #expect(configuration.source == path)
        for profile in configuration.profiles {
            for (name, source) in profile.pluginConfig where name == PluginName.nodeResourcesFit {
                #expect(try source.decode(FitArgs.self).scoringStrategy.type == "MostAllocated")
            }
        }
    }

    @Test func defaultProfileFileEqualsTheBuiltInDefault() throws {
        let path = Self.directory.appendingPathComponent("default.yaml").path
        let configuration = try ConfigurationLoader.load(path: path, registry: TestRegistry.shipped)
        let builtIn = ConfigurationLoader.defaultConfiguration(registry: TestRegistry.shipped)
        #expect(configuration.profiles.map(\.plugins) == builtIn.profiles.map(\.plugins))
        #expect(configuration.leaderElection == builtIn.leaderElection)
        #expect(configuration.clientConnection == builtIn.clientConnection)
        #expect(configuration.parallelism == builtIn.parallelism)
    }

    @Test func twoProfilesShareTheQueueSort() throws {
        let path = Self.directory.appendingPathComponent("two-profiles.yaml").path
        let configuration = try ConfigurationLoader.load(path: path, registry: TestRegistry.shipped)
        #expect(configuration.profiles.map(\.schedulerName) == ["default-scheduler", "bin-packing-scheduler"])
        #expect(configuration.profiles[1].plugins[.score].disabled == ["NodeResourcesBalancedAllocation"])
        #expect(configuration.profiles.allSatisfy { $0.plugins[.queueSort] == PluginSet() })
    }

    @Test func unreadableFileIsAProblemNamingThePath() {
        let report = ConfigurationLoader.validate(path: "/nonexistent/config.yaml", registry: TestRegistry.shipped)
        #expect(!report.isValid)
        #expect(report.problems.first?.hasPrefix("/nonexistent/config.yaml: cannot read file") == true)
    }
}
