import PluginSupport
import SchedulerConfig
import SchedulerFramework
import Testing

struct DecodingRefusalTests {
    @Test func unknownFieldsAreRefusedWithTheirPosition() {
        #expect(
            problems(header + "profiles:\n- schedulername: x\n") == [
                #"config.yaml:5:3: profiles[0]: unknown field "schedulername" (did you mean "schedulerName"?)"#
            ]
        )
        #expect(problems(header + "foo: 1\n") == [#"config.yaml:4:1: unknown field "foo""#])
        #expect(
            problems(header + "profiles:\n- plugins:\n    filters:\n      enabled: []\n") == [
                #"config.yaml:6:5: profiles[0].plugins: unknown field "filters" (did you mean "filter"?)"#
            ]
        )
        #expect(
            problems(header + "leaderElection:\n  leaseDurationSeconds: 15\n") == [
                #"config.yaml:5:3: leaderElection: unknown field "leaseDurationSeconds" (did you mean "leaseDuration"?)"#
            ]
        )
    }

    @Test func fieldsOfAnotherVersionAreUnknown() {
        // Removed in v1beta2 and later; fields added after v1.35 are not accepted either.
        #expect(
            problems(header + "healthzBindAddress: 0.0.0.0:10251\n").first?.contains(
                #"unknown field "healthzBindAddress""#
            ) == true
        )
        #expect(problems(header + "percentageOfPlacementsToScore: 10\n").first?.contains("unknown field") == true)
    }

    @Test func typeErrorsArePositioned() {
        #expect(
            problems(header + "parallelism: many\n") == [
                #"config.yaml:4:14: parallelism: expected an integer, got string "many""#
            ]
        )
        #expect(
            problems(header + "profiles:\n- schedulerName: 7\n") == [
                #"config.yaml:5:18: profiles[0].schedulerName: expected a string, got number 7 (quote it to make it a string: "7")"#
            ]
        )
        #expect(
            problems(header + "leaderElection:\n  leaseDuration: 15x\n") == [
                #"config.yaml:5:18: leaderElection.leaseDuration: time: unknown unit "x" in duration "15x""#
            ]
        )
        #expect(
            problems(header + "leaderElection:\n  leaseDuration: 15\n") == [
                #"config.yaml:5:18: leaderElection.leaseDuration: expected a string, got number 15 (quote it to make it a string: "15")"#
            ]
        )
    }

    @Test func wrongVersionOrKindIsRefused() {
        #expect(
            problems("apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n") == [
                #"config.yaml:1:13: apiVersion: no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io/v1beta3"; only kubescheduler.config.k8s.io/v1 is supported (the v1beta versions were removed upstream)"#
            ]
        )
        #expect(
            problems("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeProxyConfiguration\n") == [
                #"config.yaml:2:7: kind: no kind "KubeProxyConfiguration" is registered for version "kubescheduler.config.k8s.io/v1" (expected "KubeSchedulerConfiguration")"#
            ]
        )
        #expect(
            problems("kind: KubeSchedulerConfiguration\n") == [
                #"config.yaml:1:1: apiVersion: Required value: apiVersion not set (expected "kubescheduler.config.k8s.io/v1")"#
            ]
        )
        #expect(
            problems("apiVersion: kubescheduler.config.k8s.io/v1\n") == [
                #"config.yaml:1:1: kind: Required value: kind not set (expected "KubeSchedulerConfiguration")"#
            ]
        )
        #expect(problems("").first?.hasPrefix("config.yaml: Object 'Kind' is missing") == true)
        #expect(problems("- a\n") == ["config.yaml:1:1: expected a KubeSchedulerConfiguration mapping, got a list"])
        #expect(problems(header + "---\n" + header) == ["config.yaml:5:1: expected a single document, found 2"])
    }

    @Test func syntaxErrorsArePositioned() {
        let found = problems(header + "profiles:\n  - schedulerName: a\n   plugins: {}\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("config.yaml:6:") == true)
        #expect(found.first?.contains("YAML syntax error") == true)
    }
}

struct ValidationRefusalTests {
    @Test func topLevelNumbersAreChecked() {
        #expect(
            problems(header + "parallelism: 0\n") == [
                "config.yaml:4:14: parallelism: Invalid value: 0: should be an integer value greater than zero"
            ]
        )
        #expect(
            problems(header + "percentageOfNodesToScore: 101\n") == [
                "config.yaml:4:27: percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]"
            ]
        )
        #expect(
            problems(header + "podInitialBackoffSeconds: 0\n") == [
                "config.yaml:4:27: podInitialBackoffSeconds: Invalid value: 0: must be greater than 0"
            ]
        )
        #expect(
            problems(header + "podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 4\n") == [
                "config.yaml:5:23: podMaxBackoffSeconds: Invalid value: 4: must be greater than or equal to PodInitialBackoffSeconds"
            ]
        )
        #expect(
            problems(header + "clientConnection:\n  burst: -1\n") == [
                "config.yaml:5:10: clientConnection.burst: Invalid value: -1: must be non-negative"
            ]
        )
    }

    @Test func leaderElectionIsChecked() {
        #expect(
            problems(header + "leaderElection:\n  leaseDuration: 10s\n  renewDeadline: 10s\n") == [
                "config.yaml:5:18: leaderElection.leaseDuration: Invalid value: 10s: must be greater than `RenewDeadline`"
            ]
        )
        #expect(
            problems(header + "leaderElection:\n  retryPeriod: -2s\n") == [
                "config.yaml:5:16: leaderElection.retryPeriod: Invalid value: -2s: must be greater than zero"
            ]
        )
        #expect(
            problems(header + "leaderElection:\n  resourceLock: endpointsleases\n") == [
                #"config.yaml:5:17: leaderElection.resourceLock: Invalid value: "endpointsleases": resourceLock value must be "leases""#
            ]
        )
        // Nothing is checked when leader election is off.
        #expect(
            problems(header + "leaderElection:\n  leaderElect: false\n  resourceLock: configmaps\n  retryPeriod: -1s\n")
                .isEmpty
        )
    }

    @Test func profilesNeedUniqueExplicitNames() {
        #expect(
            problems(header + "profiles:\n- schedulerName: a\n- {}\n") == [
                "config.yaml:6:3: profiles[1].schedulerName: Required value"
            ]
        )
        #expect(
            problems(header + "profiles:\n- schedulerName: x\n- schedulerName: x\n") == [
                #"config.yaml:6:18: profiles[1].schedulerName: Duplicate value: "x" (also the name of profiles[0])"#
            ]
        )
        #expect(
            problems(header + "profiles:\n- schedulerName: \"\"\n") == [
                "config.yaml:5:18: profiles[0].schedulerName: Required value"
            ]
        )
        #expect(
            problems(header + "profiles:\n- percentageOfNodesToScore: -1\n") == [
                "config.yaml:5:29: profiles[0].percentageOfNodesToScore: Invalid value: -1: not in valid range [0-100]"
            ]
        )
    }

    @Test func queueSortMustBeTheSameForAllProfiles() {
        let registry = TestRegistry.make(extra: ["OtherSort"])
        #expect(
            problems(
                header + """
                    profiles:
                    - schedulerName: a
                    - schedulerName: b
                      plugins:
                        queueSort:
                          enabled:
                          - name: OtherSort
                          disabled:
                          - name: "*"
                    """,
                registry: registry
            ) == [
                #"config.yaml:9:7: profiles[1].plugins.queueSort: Invalid value: {enabled: [OtherSort], disabled: [*]}: must be the same for all profiles"#
            ]
        )
        #expect(
            problems(
                header + """
                    profiles:
                    - schedulerName: a
                      plugins:
                        queueSort:
                          enabled:
                          - name: PrioritySort
                          - name: OtherSort
                    """,
                registry: registry
            ) == [
                "config.yaml:8:7: profiles[0].plugins.queueSort.Enabled: Invalid value: 2: only one queue sort plugin can be enabled"
            ]
        )
        // The same explicit queue sort everywhere is fine.
        #expect(
            problems(
                header + """
                    profiles:
                    - schedulerName: a
                      plugins: {queueSort: {enabled: [{name: OtherSort}]}}
                    - schedulerName: b
                      plugins: {queueSort: {enabled: [{name: OtherSort}]}}
                    """,
                registry: registry
            ).isEmpty
        )
    }

    @Test func queueSortArgsMustMatch() {
        var registry = PluginRegistry()
        try? registry.register("ArgSort", args: FitArgs.self) { _, _ in DummyPlugin(name: "ArgSort") }
        try? registry.register(PluginName.defaultBinder) { _ in DummyPlugin(name: PluginName.defaultBinder) }
        let found = problems(
            header + """
                profiles:
                - schedulerName: a
                  plugins: {queueSort: {enabled: [{name: ArgSort}]}}
                  pluginConfig:
                  - name: ArgSort
                    args: {ignoredResources: [a]}
                - schedulerName: b
                  plugins: {queueSort: {enabled: [{name: ArgSort}]}}
                  pluginConfig:
                  - name: ArgSort
                    args: {ignoredResources: [b]}
                """,
            registry: registry
        )
        #expect(
            found == [
                #"config.yaml:14:11: profiles[1].pluginConfig[0].args: Invalid value: {ignoredResources: ["b"]}: queueSort must be the same for all profiles"#
            ]
        )
    }

    @Test func unknownPluginsAreRefused() {
        #expect(
            problems(header + "profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: Foo\n") == [
                #"config.yaml:8:9: profiles[0].plugins.filter.enabled[0]: Invalid value: "Foo": FilterPlugin "Foo" does not exist"#
            ]
        )
        #expect(
            problems(header + "profiles:\n- plugins:\n    multiPoint:\n      enabled:\n      - name: ImageLocality\n")
                == [
                    #"config.yaml:8:9: profiles[0].plugins.multiPoint.enabled[0]: Invalid value: "ImageLocality": plugin "ImageLocality" does not exist (an upstream plugin that swift-kube-scheduler does not implement yet)"#
                ]
        )
        // Disabling a plugin that does not exist is fine, as upstream.
        #expect(
            problems(header + "profiles:\n- plugins:\n    score:\n      disabled:\n      - name: ImageLocality\n")
                .isEmpty
        )
    }

    @Test func pluginsListedTwiceAreRefused() {
        #expect(
            problems(
                header
                    + "profiles:\n- plugins:\n    score:\n      enabled:\n      - name: NodeAffinity\n      - name: NodeAffinity\n        weight: 3\n"
            ) == [
                #"config.yaml:9:9: profiles[0].plugins.score.enabled[1]: Duplicate value: "NodeAffinity" (a plugin can be enabled once per extension point)"#
            ]
        )
    }

    @Test func removedPluginsAreRefusedWithUpstreamsMessage() {
        #expect(
            problems(header + "profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: EBSLimits\n") == [
                #"config.yaml:8:9: profiles[0].plugins.filter.enabled[0]: Invalid value: "EBSLimits": was invalid in version "kubescheduler.config.k8s.io/v1" (KubeSchedulerConfiguration is version "kubescheduler.config.k8s.io/v1")"#
            ]
        )
        #expect(
            problems(header + "profiles:\n- pluginConfig:\n  - name: GCEPDLimits\n    args: {}\n") == [
                #"config.yaml:6:5: profiles[0].pluginConfig[0]: Invalid value: "GCEPDLimits": was invalid in version "kubescheduler.config.k8s.io/v1" (KubeSchedulerConfiguration is version "kubescheduler.config.k8s.io/v1")"#
            ]
        )
    }

    @Test func duplicatePluginConfigIsRefused() {
        #expect(
            problems(
                header + """
                    profiles:
                    - pluginConfig:
                      - name: NodeResourcesFit
                        args: {}
                      - name: NodeResourcesFit
                        args: {}
                    """
            ) == [#"config.yaml:8:5: profiles[0].pluginConfig[1]: Duplicate value: "NodeResourcesFit""#]
        )
    }

    @Test func everyProblemIsReported() throws {
        let text =
            header + "parallelism: -1\npodInitialBackoffSeconds: 0\nprofiles:\n- schedulerName: a\n- schedulerName: a\n"
        let found = problems(text)
        #expect(
            found == [
                "config.yaml:4:14: parallelism: Invalid value: -1: should be an integer value greater than zero",
                #"config.yaml:8:18: profiles[1].schedulerName: Duplicate value: "a" (also the name of profiles[0])"#,
                "config.yaml:5:27: podInitialBackoffSeconds: Invalid value: 0: must be greater than 0",
            ]
        )
        #expect {
            try load(text)
        } throws: { error in
            (error as? ConfigurationError)?.message == found.joined(separator: "\n")
        }
    }
}

struct ExtenderTests {
    @Test func extendersAreValidatedAndKept() throws {
        let configuration = try load(
            header + """
                extenders:
                - urlPrefix: http://127.0.0.1:8888/
                  filterVerb: filter
                  prioritizeVerb: prioritize
                  weight: 2
                  httpTimeout: 3s
                  nodeCacheCapable: true
                  managedResources:
                  - name: example.com/foo
                    ignoredByScheduler: true
                  tlsConfig:
                    insecure: true
                    caData: aGVsbG8=
                """
        )
        let extender = try #require(configuration.extenders.first)
        #expect(extender.urlPrefix == "http://127.0.0.1:8888/")
        #expect(extender.weight == 2)
        #expect(extender.httpTimeoutSeconds == 3)
        #expect(extender.managedResources == [.init(name: "example.com/foo", ignoredByScheduler: true)])
        #expect(extender.tlsConfig?.caData == Array("hello".utf8))
        #expect(configuration.warnings.isEmpty)
        // ignoredByScheduler resources become NodeResourcesFit's ignoredResources in every profile (upstream
        // buildExtenders).
        let args = try #require(configuration.profiles[0].pluginConfig["NodeResourcesFit"])
        struct Ignored: Decodable {
            var ignoredResources: [String]?
            enum CodingKeys: String, CodingKey { case ignoredResources }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                ignoredResources = try container.decodeIfPresent([String].self, forKey: .ignoredResources)
            }
        }
        #expect(try args.decode(Ignored.self).ignoredResources == ["example.com/foo"])
    }

    @Test func extenderRulesAreUpstreams() {
        #expect(
            problems(
                header + """
                    extenders:
                    - urlPrefix: http://a
                      prioritizeVerb: prioritize
                      bindVerb: bind
                    - urlPrefix: http://b
                      bindVerb: bind
                      managedResources:
                      - name: cpu
                      - name: example.com/x
                      - name: example.com/x
                    """
            ) == [
                "config.yaml:5:3: extenders[0].weight: Invalid value: 0: must have a positive weight applied to it",
                #"config.yaml:11:11: extenders[1].managedResources[0].name: Invalid value: "cpu": is an invalid extended resource name"#,
                #"config.yaml:13:11: extenders[1].managedResources[2].name: Invalid value: "example.com/x": duplicate extender managed resource name"#,
                #"config.yaml:5:1: extenders: Invalid value: "found 2 extenders implementing bind": only one extender can implement bind"#,
            ]
        )
    }
}

struct ConfigurationRobustnessTests {

    static let sample =
        header + """
            parallelism: 8
            leaderElection:
              leaseDuration: 15s
              renewDeadline: 10s
            profiles:
            - schedulerName: a
              plugins:
                multiPoint:
                  enabled:
                  - name: NodeAffinity
                    weight: 4
                  disabled:
                  - name: TaintToleration
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
                    resources: [{name: cpu, weight: 2}]
            - schedulerName: b
            """

    @Test func damagedConfigurationsNeverCrash() {
        var generator = SeededGenerator(seed: 11)
        let bytes = Array(Self.sample.utf8)
        let junk: [UInt8] = Array("{}[]:-,&*!|>'\"%@` \n#?09xs.".utf8)
        var refused = 0
        for round in 0..<400 {
            var damaged = bytes
            if round % 2 == 0 {
                damaged = Array(damaged[..<Int.random(in: 0..<damaged.count, using: &generator)])
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    damaged[Int.random(in: 0..<damaged.count, using: &generator)] =
                        junk.randomElement(using: &generator) ?? 0
                }
            }
            let report = ConfigurationLoader.validate(
                contents: String(decoding: damaged, as: UTF8.self),
                source: "c.yaml",
                registry: TestRegistry.standard
            )
            if !report.isValid {
                refused += 1
                #expect(!report.problems.isEmpty)
            }
        }
        #expect(refused > 0)
    }

    @Test func extremeDurationsDoNotTrap() {
        let found = problems(
            header
                + "leaderElection:\n  leaseDuration: 2562047h47m16.854775807s\n  renewDeadline: 2562047h47m16.854775807s\n"
        )
        #expect(
            found == [
                "config.yaml:5:18: leaderElection.leaseDuration: Invalid value: 2562047h47m16.854775807s: must be greater than `RenewDeadline`"
            ]
        )
    }
}
