// swift-tools-version:6.2
import Foundation
import PackageDescription

// libFuzzer targets for the parsers that read outside input (issue 14, point 5). Build and run them with
// `scripts/fuzz.sh TARGET SECONDS`, which passes `--sanitize=fuzzer`; `swift build` of the main package never
// sees this one.
//
// The modules under test are the main package's own sources, reached through the symbolic links in `Sources/`
// and `plugins/` (whole modules, or single files where the rest of the module would pull in networking), so
// they compile as one package and `package` declarations stay visible.

/// Every in-tree plugin directory (all of `plugins/` but `Support` and `Registry`), so this list cannot drift
/// from the main manifest's.
let inTreePlugins: [String] = {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("plugins")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0 != "Support" && $0 != "Registry" && !$0.hasPrefix(".") }.sorted()
}()

let pluginTargets: [Target] = inTreePlugins.map { name in
    .target(
        name: "\(name)Plugin",
        dependencies: ["KubeAPI", "SchedulerFramework", "PluginSupport"],
        path: "plugins/\(name)"
    )
}

/// One executable per fuzz target: `Fuzz<Name>` in `Targets/<Name>`.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: "Fuzz\(name)", dependencies: dependencies, path: "Targets/\(name)")
}

let package = Package(
    name: "swift-kube-scheduler-fuzz",
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2")
    ],
    targets: pluginTargets + [
        .target(name: "KubeAPI"),
        .target(name: "KubeDecoding", dependencies: ["KubeAPI", .product(name: "Yams", package: "Yams")]),
        .target(name: "SchedulerFramework", dependencies: ["KubeAPI"]),
        .target(name: "PluginSupport", dependencies: ["KubeAPI", "SchedulerFramework"], path: "plugins/Support"),
        .target(
            name: "SchedulerConfig",
            dependencies: ["KubeAPI", "KubeDecoding", "SchedulerFramework", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "InTreePlugins",
            dependencies: ["SchedulerFramework"] + inTreePlugins.map { .target(name: "\($0)Plugin") },
            path: "plugins/Registry"
        ),
        // Bench's workload-file parser, without the runner.
        .target(name: "WorkloadParsing", dependencies: ["KubeAPI", "KubeDecoding", "SchedulerConfig"]),
        fuzzTarget("Manifest", ["KubeDecoding", "KubeAPI"]),
        fuzzTarget("Configuration", ["SchedulerConfig", "InTreePlugins", "SchedulerFramework"]),
        fuzzTarget("Quantity", ["KubeAPI"]),
        fuzzTarget("Selector", ["KubeAPI"]),
        fuzzTarget("Workload", ["WorkloadParsing"]),
        // KubeClient's watch framing and frame decoding (the two files), without its HTTP stack.
        fuzzTarget("WatchStream", ["KubeAPI", "SchedulerFramework"]),
    ]
)
