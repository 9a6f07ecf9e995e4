import Foundation
import InTreePlugins
import SchedulerConfig
import SchedulerFramework
import WasmPlugin

/// What `swift-kube-scheduler bench` was asked to do.
package struct BenchArguments: Sendable {
    /// Print the built-in workloads and exit.
    package var list = false
    /// The test case, such as `SchedulingBasic` (default: SchedulingBasic, or the only one in `workloadFile`).
    package var workload: String?
    /// The workload variant, such as `5000Nodes_10000Pods` (default: the first `performance` variant).
    package var variant: String?
    /// A scheduler_perf-format file to read instead of the built-in workloads.
    package var workloadFile: String?
    /// Overrides `initNodes`.
    package var nodes: Int?
    /// Overrides `initPods`.
    package var initPods: Int?
    /// Overrides `measurePods`.
    package var measuredPods: Int?
    /// A KubeSchedulerConfiguration (default: upstream's default profile).
    package var config: String?
    /// Two or more configurations to run the same workload under.
    package var compare: [String] = []
    /// Throughput sampling interval in seconds.
    package var sampleInterval = 1.0
    package var seed: UInt64 = 1
    /// `json` prints one JSON object (an array of them for `compare`); anything else prints the table.
    package var json = false
    /// Where to write the HTML report.
    package var report: String?
    /// A kubeconfig for running against a real API server (needs ``kubeconfigCluster``).
    package var kubeconfig: String?
    /// Builds the cluster for ``kubeconfig``, once per profile, given the kubeconfig path and the profile's
    /// `schedulerName` (the caller wires in the Kubernetes API client, typically with
    /// ``BenchCluster/shared(client:creator:schedulerName:ownership:onCleanupError:close:)``).
    package var kubeconfigCluster:
        (@Sendable (_ kubeconfig: String, _ schedulerName: String) async throws(BenchError) -> BenchCluster)?
    /// No progress output.
    package var quiet = false
    /// Seconds without progress (and nothing active) after which waiting for pods gives up.
    package var stallTimeout = 5.0
    /// The plugins profiles may name (default: the in-tree ones); the SDK adds out-of-tree plugins here.
    package var registry: PluginRegistry?

    package init() {}
}

/// `bench`: resolves the workload and profiles, runs, and writes the outputs.
package enum BenchCommand {
    /// The outcome of ``run(_:)``: what to print and the exit status.
    package struct Outcome: Sendable {
        /// Text for stdout (the table or the JSON).
        package var output: String
        /// The results, one per profile.
        package var results: [BenchResult]
        /// 0 on success, 1 when a workload threshold was missed or the queue's in-flight bookkeeping leaked.
        package var status: Int32
    }

    /// The `--list` text: every test case of `workloadFile` (else every built-in one) with its variants (the
    /// default one marked).
    package static func listing(workloadFile: String? = nil) throws(BenchError) -> String {
        var lines: [String] = []
        let testCases: [TestCase]
        if let workloadFile {
            testCases = try WorkloadFileParser.parse(path: workloadFile)
        } else {
            testCases = try WorkloadLibrary.testCases()
        }
        for testCase in testCases {
            lines.append(testCase.name)
            let defaultName = testCase.defaultWorkload?.name
            for workload in testCase.workloads {
                let params = workload.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " "
                )
                var line =
                    "  \(workload.name == defaultName ? "*" : " ") \(workload.name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(params)"
                if let threshold = workload.threshold { line += "  threshold=\(BenchOutput.trim(threshold))" }
                lines.append(line)
            }
        }
        lines.append("")
        lines.append("* default variant. Run one with: swift-kube-scheduler bench --workload NAME [--variant NAME]")
        return lines.joined(separator: "\n")
    }

    /// Resolves the test case, variant and overrides that `arguments` name.
    package static func resolveWorkload(_ arguments: BenchArguments) throws(BenchError) -> ResolvedWorkload {
        let testCases: [TestCase]
        if let path = arguments.workloadFile {
            testCases = try WorkloadFileParser.parse(path: path)
        } else {
            testCases = try WorkloadLibrary.testCases()
        }
        let testCase: TestCase
        if let name = arguments.workload {
            guard let found = testCases.first(where: { $0.name == name }) else {
                throw BenchError(
                    "unknown workload \"\(name)\" (known: \(testCases.map(\.name).joined(separator: ", ")))"
                )
            }
            testCase = found
        } else if arguments.workloadFile != nil {
            guard testCases.count == 1, let only = testCases.first else {
                throw BenchError(
                    "\(arguments.workloadFile ?? ""): \(testCases.count) test cases; choose one with --workload (\(testCases.map(\.name).joined(separator: ", ")))"
                )
            }
            testCase = only
        } else {
            guard let basic = testCases.first(where: { $0.name == "SchedulingBasic" }) else {
                throw BenchError("built-in SchedulingBasic not found")
            }
            testCase = basic
        }
        let workload: Workload
        if let name = arguments.variant {
            guard let found = testCase.workload(named: name) else {
                throw BenchError(
                    "\(testCase.name): unknown variant \"\(name)\" (known: \(testCase.workloads.map(\.name).joined(separator: ", ")))"
                )
            }
            workload = found
        } else {
            guard let found = testCase.defaultWorkload else { throw BenchError("\(testCase.name): no workloads") }
            workload = found
        }
        var overrides: [String: ParamValue] = [:]
        for (flag, param, value) in [
            ("--nodes", "initNodes", arguments.nodes), ("--init-pods", "initPods", arguments.initPods),
            ("--measured-pods", "measurePods", arguments.measuredPods),
        ] {
            guard let value else { continue }
            guard value >= 0 else { throw BenchError("\(flag) must not be negative") }
            guard workload.params[param] != nil else {
                throw BenchError(
                    "\(flag): \(testCase.name)/\(workload.name) has no \(param) parameter (it has: \(workload.params.keys.sorted().joined(separator: ", ")))"
                )
            }
            overrides[param] = .int(value)
        }
        return try WorkloadFileParser.resolve(testCase, workload: workload, overrides: overrides)
    }

    /// Loads the configurations to run: each `--compare` file, else `--config`, else the test case's
    /// `schedulerConfigPath`, else upstream's default profile.
    package static func configurations(
        _ arguments: BenchArguments,
        testCase: TestCase,
        registry: PluginRegistry
    ) throws(BenchError) -> [SchedulerConfiguration] {
        var paths = arguments.compare
        if paths.isEmpty, let config = arguments.config ?? testCase.schedulerConfigPath { paths = [config] }
        if paths.isEmpty {
            var configuration = ConfigurationLoader.defaultConfiguration(registry: registry)
            configuration.source = "<default>"
            return [configuration]
        }
        var result: [SchedulerConfiguration] = []
        for path in paths {
            do {
                result.append(try ConfigurationLoader.load(path: path, registry: registry))
            } catch {
                throw BenchError("\(error)")
            }
        }
        return result
    }

    /// Runs the bench as `arguments` say.
    package static func run(_ arguments: BenchArguments) async throws(BenchError) -> Outcome {
        if arguments.list {
            return Outcome(output: try listing(workloadFile: arguments.workloadFile), results: [], status: 0)
        }
        if arguments.kubeconfig != nil && arguments.kubeconfigCluster == nil {
            throw BenchError("--kubeconfig: no Kubernetes API client is available to this bench")
        }
        guard arguments.sampleInterval > 0 && arguments.sampleInterval.isFinite else {
            throw BenchError("--sample-interval must be a positive number of seconds")
        }
        if arguments.compare.count == 1 { throw BenchError("--compare needs two or more configuration files") }
        if !arguments.compare.isEmpty && arguments.config != nil {
            throw BenchError("use either --config or --compare, not both")
        }
        var registry = arguments.registry ?? makeInTreeRegistry()
        let workload = try resolveWorkload(arguments)
        do {
            // WebAssembly guests are named by the configurations' pluginConfig, not compiled in.
            for path in arguments.compare
                + [arguments.config ?? workload.testCase.schedulerConfigPath].compactMap({ $0 })
            {
                try WasmGuestRegistry.register(guestsInConfigurationAt: path, into: &registry)
            }
        } catch {
            throw BenchError("\(error)")
        }
        let configurations = try configurations(arguments, testCase: workload.testCase, registry: registry)
        var results: [BenchResult] = []
        for configuration in configurations {
            var settings = RunSettings()
            settings.sampleInterval = arguments.sampleInterval
            settings.seed = arguments.seed
            settings.stallTimeout = arguments.stallTimeout
            if !arguments.quiet {
                let profile =
                    configurations.count > 1 ? " [\((configuration.source as NSString).lastPathComponent)]" : ""
                settings.progress = TerminalProgress(
                    label: "\(workload.testCase.name)/\(workload.workload.name)\(profile)"
                )
            }
            ProcessMemory.resetPeak()
            let cluster: BenchCluster
            if let kubeconfig = arguments.kubeconfig, let make = arguments.kubeconfigCluster {
                cluster = try await make(kubeconfig, configuration.profiles.first?.schedulerName ?? "default-scheduler")
            } else {
                cluster = .embedded()
            }
            let runner = WorkloadRunner(
                workload: workload,
                configuration: configuration,
                registry: registry,
                cluster: cluster,
                settings: settings
            )
            do {
                results.append(try await runner.run())
            } catch {
                // The runner cleans up after a failed op; this covers failures before or around it (idempotent).
                await cluster.cleanup()
                throw error
            }
        }
        if let report = arguments.report {
            do {
                try HTMLReport.render(results).write(toFile: report, atomically: true, encoding: .utf8)
            } catch {
                throw BenchError("--report \(report): \(error.localizedDescription)")
            }
        }
        let output =
            arguments.json
            ? (results.count == 1
                ? BenchOutput.json(results[0]) : "[" + results.map(BenchOutput.json).joined(separator: ",") + "]")
            : BenchOutput.text(results)
        return Outcome(output: output, results: results, status: exitStatus(results))
    }

    /// 1 when a result missed its threshold or leaked in-flight bookkeeping, else 0.
    static func exitStatus(_ results: [BenchResult]) -> Int32 {
        results.contains { $0.passed == false || $0.leakedInFlight } ? 1 : 0
    }
}
