import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import Testing

struct DefaultsTests {
    @Test func emptyConfigurationGetsUpstreamDefaults() throws {
        let configuration = try load(header)
        #expect(configuration.source == "config.yaml")
        #expect(configuration.parallelism == 16)
        #expect(configuration.percentageOfNodesToScore == 0)
        #expect(configuration.podInitialBackoffSeconds == 1)
        #expect(configuration.podMaxBackoffSeconds == 10)
        #expect(configuration.delayCacheUntilActive == false)
        #expect(configuration.enableProfiling)
        #expect(configuration.enableContentionProfiling)
        #expect(configuration.leaderElection == SchedulerConfiguration.LeaderElection())
        #expect(configuration.leaderElection.leaderElect)
        #expect(configuration.leaderElection.leaseDurationSeconds == 15)
        #expect(configuration.leaderElection.renewDeadlineSeconds == 10)
        #expect(configuration.leaderElection.retryPeriodSeconds == 2)
        #expect(configuration.leaderElection.resourceLock == "leases")
        #expect(configuration.leaderElection.resourceName == "kube-scheduler")
        #expect(configuration.leaderElection.resourceNamespace == "kube-system")
        #expect(configuration.clientConnection.qps == 50)
        #expect(configuration.clientConnection.burst == 100)
        #expect(configuration.clientConnection.contentType == "application/vnd.kubernetes.protobuf")
        #expect(configuration.clientConnection.kubeconfig == "")
        #expect(configuration.warnings.isEmpty)
        #expect(configuration.profiles.count == 1)
        let profile = try #require(configuration.profiles.first)
        #expect(profile.schedulerName == "default-scheduler")
        #expect(profile.percentageOfNodesToScore == nil)
        #expect(profile.pluginConfig.isEmpty)
        #expect(names(profile.plugins[.multiPoint]) == defaultMultiPoint)
        #expect(profile.plugins[.multiPoint].disabled.isEmpty)
        // Only MultiPoint is set; expansion to extension points is the runtime's job.
        #expect(Set(profile.plugins.sets.keys) == [.multiPoint])
    }

    @Test func builtInDefaultEqualsAnEmptyFile() throws {
        let builtIn = ConfigurationLoader.defaultConfiguration(registry: TestRegistry.standard)
        let loaded = try load(header)
        #expect(builtIn.profiles.map(\.schedulerName) == loaded.profiles.map(\.schedulerName))
        #expect(builtIn.profiles.first?.plugins == loaded.profiles.first?.plugins)
        #expect(builtIn.parallelism == loaded.parallelism)
        #expect(builtIn.leaderElection == loaded.leaderElection)
        #expect(builtIn.clientConnection == loaded.clientConnection)
        #expect(builtIn.source == "<built-in>")
    }

    @Test func upstreamsFullListKeepsOrderAndWeights() {
        let all = DefaultPlugins.upstreamMultiPoint.map { $0.weight == 0 ? $0.name : "\($0.name)(\($0.weight))" }
        #expect(
            all == [
                "SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "TaintToleration(3)",
                "NodeAffinity(2)",
                "NodePorts", "NodeResourcesFit(1)", "VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding",
                "VolumeZone",
                "PodTopologySpread(2)", "InterPodAffinity(2)", "DynamicResources", "DefaultPreemption",
                "NodeResourcesBalancedAllocation(1)", "ImageLocality(1)", "DefaultBinder",
            ]
        )
    }

    @Test func newlyRegisteredPluginsJoinTheDefaultsInUpstreamsPosition() throws {
        let registry = TestRegistry.make(extra: ["ImageLocality", "PodTopologySpread", "MyOutOfTreePlugin"])
        let configuration = try load(header, registry: registry)
        #expect(
            names(configuration.profiles[0].plugins[.multiPoint]) == [
                "SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "TaintToleration(3)",
                "NodeAffinity(2)",
                "NodeResourcesFit(1)", "PodTopologySpread(2)", "NodeResourcesBalancedAllocation(1)", "ImageLocality(1)",
                "DefaultBinder",
            ]
        )
        #expect(
            names(DefaultPlugins.plugins(available: ["DefaultBinder", "PrioritySort"])[.multiPoint]) == [
                "PrioritySort", "DefaultBinder",
            ]
        )
    }

    @Test func singleUnnamedProfileIsTheDefaultScheduler() throws {
        let configuration = try load(header + "profiles:\n- percentageOfNodesToScore: 30\n")
        #expect(configuration.profiles.map(\.schedulerName) == ["default-scheduler"])
        #expect(configuration.profiles[0].percentageOfNodesToScore == 30)
        #expect(try load(header + "profiles: []\n").profiles.map(\.schedulerName) == ["default-scheduler"])
    }

    @Test func readsEveryTopLevelField() throws {
        let configuration = try load(
            header + """
                parallelism: 8
                percentageOfNodesToScore: 40
                podInitialBackoffSeconds: 2
                podMaxBackoffSeconds: 20
                delayCacheUntilActive: true
                enableProfiling: false
                leaderElection:
                  leaderElect: false
                  leaseDuration: 1m30s
                  renewDeadline: 45.5s
                  retryPeriod: 500ms
                  resourceLock: leases
                  resourceName: swift-scheduler
                  resourceNamespace: scheduling
                clientConnection:
                  kubeconfig: /etc/kubeconfig
                  qps: 12.5
                  burst: 30
                  contentType: application/json
                  acceptContentTypes: application/json
                """
        )
        #expect(configuration.parallelism == 8)
        #expect(configuration.percentageOfNodesToScore == 40)
        #expect(configuration.podInitialBackoffSeconds == 2)
        #expect(configuration.podMaxBackoffSeconds == 20)
        #expect(configuration.delayCacheUntilActive)
        #expect(!configuration.enableProfiling)
        #expect(!configuration.enableContentionProfiling)
        #expect(!configuration.leaderElection.leaderElect)
        #expect(configuration.leaderElection.leaseDurationSeconds == 90)
        #expect(configuration.leaderElection.renewDeadlineSeconds == 45.5)
        #expect(configuration.leaderElection.retryPeriodSeconds == 0.5)
        #expect(configuration.leaderElection.resourceName == "swift-scheduler")
        #expect(configuration.leaderElection.resourceNamespace == "scheduling")
        #expect(configuration.clientConnection.kubeconfig == "/etc/kubeconfig")
        #expect(configuration.clientConnection.qps == 12.5)
        #expect(configuration.clientConnection.burst == 30)
        #expect(configuration.clientConnection.contentType == "application/json")
        #expect(configuration.clientConnection.acceptContentTypes == "application/json")
    }

    @Test func zeroValuesTakeDefaultsWhereUpstreamDefaultsThem() throws {
        let configuration = try load(
            header + """
                leaderElection:
                  leaseDuration: 0s
                  resourceLock: ""
                clientConnection:
                  qps: 0
                  burst: 0
                """
        )
        #expect(configuration.leaderElection.leaseDurationSeconds == 15)
        #expect(configuration.leaderElection.resourceLock == "leases")
        #expect(configuration.clientConnection.qps == 50)
        #expect(configuration.clientConnection.burst == 100)
    }

    @Test func acceptsJSON() throws {
        let configuration = try load(
            """
            {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
             "parallelism": 4, "profiles": [{"schedulerName": "json-scheduler"}]}
            """
        )
        #expect(configuration.parallelism == 4)
        #expect(configuration.profiles.map(\.schedulerName) == ["json-scheduler"])
    }

    @Test(arguments: [
        ("0", "0s"), ("15s", "15s"), ("1.5h", "1h30m0s"), ("2h45m", "2h45m0s"), ("90s", "1m30s"), ("300ms", "300ms"),
        ("-1.5h", "-1h30m0s"), ("1h2m3.5s", "1h2m3.5s"), ("1µs", "1µs"), ("10us", "10µs"), ("7ns", "7ns"),
        ("1.5ms", "1.5ms"), ("+5s", "5s"),
    ])
    func goDurationsFormatAsGoDoes(_ text: String, _ formatted: String) throws {
        #expect(try GoDuration(parsing: text).description == formatted)
    }

    @Test func goDurationErrorsUseGosMessages() throws {
        #expect(throws: GoDurationError.self) { try GoDuration(parsing: "") }
        #expect { try GoDuration(parsing: "15") } throws: {
            ($0 as? GoDurationError)?.description == #"time: missing unit in duration "15""#
        }
        #expect { try GoDuration(parsing: "15x") } throws: {
            ($0 as? GoDurationError)?.description == #"time: unknown unit "x" in duration "15x""#
        }
        #expect { try GoDuration(parsing: "s") } throws: {
            ($0 as? GoDurationError)?.description == #"time: invalid duration "s""#
        }
        #expect { try GoDuration(parsing: "9999999999h") } throws: {
            ($0 as? GoDurationError)?.description == #"time: invalid duration "9999999999h""#
        }
        #expect(try GoDuration(parsing: "1.5s").nanoseconds == 1_500_000_000)
    }
}
