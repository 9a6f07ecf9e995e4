import Foundation

/// The built-in workloads: scheduler_perf-format files shipped in the `Workloads` resource directory.
package enum WorkloadLibrary {
    /// The files holding the built-in test cases, relative to the `Workloads` directory.
    package static let files = [
        "misc/performance-config.yaml",
        "affinity/performance-config.yaml",
        "topology_spreading/performance-config.yaml",
        "volumes/performance-config.yaml",
        "deployment/performance-config.yaml",
        "gang/performance-config.yaml",
    ]

    /// The order `bench --list` shows test cases in (the issue's order).
    static let listOrder = [
        "SchedulingBasic", "SchedulingDaemonset", "SchedulingNodeAffinity", "SchedulingPodAntiAffinity",
        "SchedulingPodAffinity",
        "SchedulingPreferredPodAffinity", "SchedulingPreferredPodAntiAffinity", "TopologySpreading",
        "PreferredTopologySpreading",
        "MixedSchedulingBasePod", "SchedulingCSIPVs", "PreemptionBasic", "Unschedulable", "SchedulingWithMixedChurn",
        "DeploymentPods", "GangScheduling",
        // Upstream's remaining cases, grouped by their file.
        "PreemptionAsync", "SchedulingWhileGated", "SchedulingDeletedPodsWithFinalizers",
        "SchedulingWithExtendedResource", "SchedulingPodMatchingAntiAffinity",
        "SchedulingRequiredPodAntiAffinityWithNSSelector", "SchedulingPreferredAntiAffinityWithNSSelector",
        "SchedulingRequiredPodAffinityWithNSSelector", "SchedulingPreferredAffinityWithNSSelector",
        "SchedulingGatedPodsWithPodAffinityImpactForThroughput", "DefaultTopologySpreading",
        "SchedulingWithNodeInclusionPolicy", "SchedulingSecrets", "SchedulingInTreePVs", "SchedulingMigratedInTreePVs",
        "PreemptionPVs",
    ]

    /// The `Workloads` directory: `$SWIFT_KUBE_SCHEDULER_WORKLOADS`, else the package's resource bundle next to
    /// the executable (where `swift build` puts it; `Bundle.module` is not used because it traps when missing).
    package static func directory() throws(BenchError) -> String {
        let fileManager = FileManager.default
        var candidates: [String] = []
        if let environment = ProcessInfo.processInfo.environment["SWIFT_KUBE_SCHEDULER_WORKLOADS"], !environment.isEmpty
        {
            candidates.append(environment)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        candidates.append(executable.appendingPathComponent("swift-kube-scheduler_Bench.resources/Workloads").path)
        for candidate in candidates
        where fileManager.fileExists(atPath: (candidate as NSString).appendingPathComponent(files[0])) {
            return candidate
        }
        throw BenchError(
            "built-in workloads not found (looked in \(candidates.joined(separator: ", "))); set SWIFT_KUBE_SCHEDULER_WORKLOADS to the Workloads directory"
        )
    }

    /// Every built-in test case, in `--list` order.
    package static func testCases() throws(BenchError) -> [TestCase] {
        let root = try directory()
        var all: [TestCase] = []
        for file in files {
            all += try WorkloadFileParser.parse(path: (root as NSString).appendingPathComponent(file))
        }
        return all.sorted {
            (listOrder.firstIndex(of: $0.name) ?? Int.max, $0.name) < (
                listOrder.firstIndex(of: $1.name) ?? Int.max, $1.name
            )
        }
    }
}
