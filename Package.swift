// swift-tools-version:6.2
import PackageDescription

/// In-tree plugins: one SwiftPM target each, under `plugins/<UpstreamName>/`, module `<UpstreamName>Plugin`.
/// They depend only on the API model and the framework, never on the runtime or on each other.
let inTreePlugins = [
    "PrioritySort",
    "SchedulingGates",
    "NodeName",
    "NodeUnschedulable",
    "NodeResourcesFit",
    "NodeResourcesBalancedAllocation",
    "NodeAffinity",
    "TaintToleration",
    "DefaultBinder",
    "NodePorts",
    "ImageLocality",
    "InterPodAffinity",
    "PodTopologySpread",
    "DefaultPreemption",
    "VolumeRestrictions",
    "VolumeBinding",
    "VolumeZone",
    "NodeVolumeLimits",
    "Coscheduling",
]

let pluginTargets: [Target] = inTreePlugins.map { name in
    .target(
        name: "\(name)Plugin",
        dependencies: ["KubeAPI", "SchedulerFramework", "PluginSupport"],
        path: "plugins/\(name)"
    )
}

let package = Package(
    name: "swift-kube-scheduler",
    products: [
        .executable(name: "swift-kube-scheduler", targets: ["swift-kube-scheduler"]),
        // The plugin SDK: the whole command line as a library that takes out-of-tree plugins; re-exports the API
        // model (KubeAPI) and the framework.
        .library(name: "SwiftKubeScheduler", targets: ["SwiftKubeScheduler"]),
        .library(name: "SchedulerFramework", targets: ["SchedulerFramework"]),
        .library(name: "SchedulerTesting", targets: ["SchedulerTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swiftwasm/WasmKit.git", from: "0.4.2"),
    ],
    targets: pluginTargets + [
        // Kubernetes API objects as Codable value types, quantities and selectors. No dependencies.
        .target(name: "KubeAPI"),
        // Multi-document YAML/JSON decoding with line/column errors; the only home of `import Yams`
        // besides the configuration module.
        .target(name: "KubeDecoding", dependencies: ["KubeAPI", .product(name: "Yams", package: "Yams")]),
        // The public plugin API: extension-point protocols, Status, CycleState, NodeInfo, PodInfo, registry,
        // and the ClusterClient seam shared by the embedded cluster and the real API server.
        .target(name: "SchedulerFramework", dependencies: ["KubeAPI"]),
        // Helpers shared by in-tree plugins and the runtime: resource-allocation scoring, the seeded generator.
        .target(name: "PluginSupport", dependencies: ["KubeAPI", "SchedulerFramework"], path: "plugins/Support"),
        // KubeSchedulerConfiguration v1: decoding, defaulting, validation, plugin-set merging.
        .target(
            name: "SchedulerConfig",
            dependencies: ["KubeAPI", "KubeDecoding", "SchedulerFramework", .product(name: "Yams", package: "Yams")]
        ),
        // HTTP extenders (`extenders` in the configuration): upstream's JSON protocol over async-http-client.
        .target(
            name: "HTTPExtender",
            dependencies: [
                "KubeAPI", "SchedulerFramework", "SchedulerConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Queue, cache, snapshot, per-profile framework runtime, the scheduling and binding cycles,
        // and the embedded in-memory cluster.
        .target(
            name: "SchedulerRuntime",
            dependencies: [
                "KubeAPI", "SchedulerFramework", "SchedulerConfig", "PluginSupport", "HTTPExtender",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // WebAssembly guest plugins (kube-scheduler-wasm-extension's ABI) loaded from profile args at run time.
        .target(
            name: "WasmPlugin",
            dependencies: [
                "KubeAPI", "SchedulerFramework", .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"), .product(name: "WAT", package: "WasmKit"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "plugins/Wasm"
        ),
        // Registry of every in-tree plugin (upstream's plugins/registry.go).
        .target(
            name: "InTreePlugins",
            dependencies: ["SchedulerFramework"] + inTreePlugins.map { .target(name: "\($0)Plugin") },
            path: "plugins/Registry"
        ),
        // `simulate`: load manifests, run the scheduler on the embedded cluster, report.
        .target(
            name: "Simulator",
            dependencies: [
                "KubeAPI", "KubeDecoding", "SchedulerFramework", "SchedulerConfig", "SchedulerRuntime", "InTreePlugins",
                "PluginSupport",
            ]
        ),
        // `bench`: upstream scheduler_perf workloads (same file format), load generation and measurement.
        .target(
            name: "Bench",
            dependencies: [
                "KubeAPI", "KubeDecoding", "SchedulerFramework", "SchedulerConfig", "SchedulerRuntime", "InTreePlugins",
                "PluginSupport", "WasmPlugin", .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Workloads")]
        ),
        // Test kit for plugin authors and our own tests: builders and a fake handle.
        .target(name: "SchedulerTesting", dependencies: ["KubeAPI", "SchedulerFramework"]),
        // The Kubernetes API client: kubeconfig and in-cluster config, REST over async-http-client with TLS,
        // client-side rate limiting, list/watch, binding, status patches, events, Leases; leader election.
        .target(
            name: "KubeClient",
            dependencies: [
                "KubeAPI", "SchedulerFramework",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // `run`: the scheduler against a real API server — informers, leader election, the health/metrics
        // endpoints (plain SwiftNIO HTTP/1.1, optionally TLS), Prometheus metrics, logging, shutdown.
        .target(
            name: "SchedulerServer",
            dependencies: [
                "KubeAPI", "KubeDecoding", "SchedulerFramework", "SchedulerConfig", "SchedulerRuntime", "KubeClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command line (simulate, run, bench, config) as a library taking extra plugins: the SDK.
        .target(
            name: "SwiftKubeScheduler",
            dependencies: [
                "KubeAPI", "KubeDecoding", "SchedulerFramework", "Simulator", "Bench", "SchedulerConfig",
                "InTreePlugins", "WasmPlugin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "SchedulerServer", "KubeClient",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "swift-kube-scheduler", dependencies: ["SwiftKubeScheduler"]),
        // Tests mirror modules: one test target per module (PluginTests covers plugins/), files named after what
        // they test. KubeTestSupport holds the in-process fake API server the client, server and CLI tests share.
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"]),
        .testTarget(
            name: "WasmPluginTests",
            dependencies: [
                "WasmPlugin", "KubeAPI", "SchedulerFramework", "SchedulerTesting", "SchedulerConfig",
                "SchedulerRuntime",
                "InTreePlugins", "Simulator", "KubeDecoding",
            ]
        ),
        .testTarget(
            name: "KubeDecodingTests",
            dependencies: ["KubeAPI", "KubeDecoding", "PluginSupport", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "PluginTests",
            dependencies: [
                "KubeAPI", "SchedulerFramework", "SchedulerTesting", "SchedulerConfig", "InTreePlugins",
                "PluginSupport",
            ]
                + inTreePlugins.map { .target(name: "\($0)Plugin") }
        ),
        .testTarget(
            name: "SchedulerConfigTests",
            dependencies: ["SchedulerConfig", "SchedulerFramework", "KubeDecoding", "InTreePlugins", "PluginSupport"]
        ),
        .testTarget(
            name: "SchedulerRuntimeTests",
            dependencies: [
                "SchedulerRuntime", "SchedulerFramework", "SchedulerTesting", "SchedulerConfig", "KubeAPI",
                "InTreePlugins", "PluginSupport",
            ]
        ),
        .testTarget(
            name: "BenchTests",
            dependencies: [
                "Bench", "KubeAPI", "SchedulerFramework", "SchedulerConfig", "SchedulerRuntime", "InTreePlugins",
            ]
        ),
        .target(
            name: "KubeTestSupport",
            dependencies: [
                "KubeAPI", "KubeClient", "SchedulerServer", "SchedulerRuntime", "SchedulerFramework", "SchedulerConfig",
                "InTreePlugins", "SchedulerTesting",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/KubeTestSupport"
        ),
        .testTarget(
            name: "KubeClientTests",
            dependencies: [
                "KubeClient", "KubeTestSupport", "KubeAPI", "SchedulerFramework", "SchedulerServer", "SchedulerTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SchedulerServerTests",
            dependencies: [
                "SchedulerServer", "KubeTestSupport", "KubeClient", "SchedulerRuntime", "SchedulerFramework",
                "SchedulerConfig",
                "KubeAPI", "InTreePlugins", "SchedulerTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: [
                "Simulator", "KubeTestSupport", "KubeAPI", "KubeDecoding", "SchedulerConfig", "SchedulerFramework",
                "InTreePlugins", "SchedulerTesting",
            ]
        ),
        // The SDK: out-of-tree plugins registered through SwiftKubeScheduler's entry point.
        .testTarget(
            name: "SDKTests",
            dependencies: ["SwiftKubeScheduler", "SchedulerTesting", "KubeTestSupport"]
        ),
        // HTTP extenders against real extenders on loopback: every verb through simulate and the fake API server.
        .testTarget(
            name: "ExtenderTests",
            dependencies: [
                "SwiftKubeScheduler", "KubeTestSupport", "HTTPExtender", "SchedulerRuntime", "SchedulerConfig",
                "SchedulerServer",
                "SchedulerFramework", "SchedulerTesting", "KubeAPI", "InTreePlugins",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Runs the built executable (simulate, run, bench --kubeconfig) as a user would.
        .testTarget(
            name: "CommandLineTests",
            dependencies: [
                "swift-kube-scheduler", "KubeTestSupport", "KubeClient", "SchedulerServer", "SchedulerConfig",
                "SchedulerFramework",
                "KubeAPI", "InTreePlugins", .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .plugin {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
