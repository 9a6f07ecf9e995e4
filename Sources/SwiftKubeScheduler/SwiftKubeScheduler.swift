import ArgumentParser
import Bench
import InTreePlugins
import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import Simulator
import WasmPlugin

#if canImport(Glibc)
import Glibc
#endif

/// The whole command-line program (`simulate`, `run`, `bench`, `config`) as a library: a program that adds its own
/// plugins calls ``main(plugins:)`` from its `main` (upstream's `app.NewSchedulerCommand(app.WithPlugin(...))`).
/// The `swift-kube-scheduler` executable is exactly that call with no extra plugins.
public struct SwiftKubeScheduler: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "swift-kube-scheduler",
        abstract: "A Kubernetes scheduler framework that behaves like kube-scheduler.",
        version: "0.1.0",
        subcommands: [Simulate.self, Config.self, Run.self, BenchCommandLine.self, ExplainCommandLine.self]
    )

    public init() {}
}

/// Writes `message` as one line on stderr (several problems are joined with "; ").
func printError(_ message: String) {
    writeToStandardError("swift-kube-scheduler: error: " + oneLine(message))
}

func printWarning(_ message: String) {
    writeToStandardError("swift-kube-scheduler: warning: " + oneLine(message))
}

private func oneLine(_ message: String) -> String {
    message.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "; ")
}

private func writeToStandardError(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Schedule the pending pods of a set of manifests on an embedded in-memory cluster and report where they go, and why not."
    )

    @Option(name: .long, help: "A KubeSchedulerConfiguration file. Without it, upstream's default profile.")
    var config: String?

    @Option(name: .long, help: "A YAML or JSON file of Kubernetes objects (repeatable).")
    var cluster: [String] = []

    @Option(name: .long, help: "text or json.")
    var output: OutputFormat = .text

    @Option(name: .long, help: "Seed for tie-breaking between equally scored nodes.")
    var seed: UInt64 = 1

    @OptionGroup var explainOptions: ExplainOptions

    func run() async throws {
        guard !cluster.isEmpty else {
            printError("simulate: at least one --cluster file is required")
            throw ExitCode(2)
        }
        let loaded = try CommandContext.loadConfiguration(config)
        var schedulerConfiguration = loaded.0
        let registry = loaded.1
        try explainOptions.apply(to: &schedulerConfiguration)
        var objects: [KubeObject] = []
        for path in cluster {
            do {
                let loaded = try ManifestLoader.load(path: path)
                loaded.warnings.forEach(printWarning)
                // Objects the API server would refuse never exist in a cluster; say so rather than simulate them.
                let invalid = APIServerDefaults.volumeErrors(in: loaded.objects)
                guard invalid.isEmpty else {
                    invalid.forEach { printError("\(path): \($0)") }
                    throw ExitCode(1)
                }
                objects += loaded.objects
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
        do {
            let result = try await Simulation.run(
                configuration: schedulerConfiguration,
                registry: registry,
                objects: objects,
                seed: seed,
                explain: explainOptions.request
            )
            switch output {
            case .json: CommandContext.output(SimulationReport.json(result))
            case .text: CommandContext.output(explainOptions.text(result))
            }
            try explainOptions.writeHTML(result)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with KubeSchedulerConfiguration files.",
        subcommands: [Validate.self]
    )

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration as kube-scheduler would, including that every profile can be built."
        )

        @Argument(help: "The configuration file.")
        var file: String

        func run() throws {
            var registry = try CommandContext.registry()
            do {
                try WasmGuestRegistry.register(guestsInConfigurationAt: file, into: &registry)
                let configuration = try ConfigurationLoader.load(path: file, registry: registry)
                try ProfileCheck.buildAll(configuration, registry: registry)
                CommandContext.output(
                    "\(file): valid (\(configuration.profiles.map(\.schedulerName).joined(separator: ", ")))"
                )
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}

struct BenchCommandLine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Run upstream scheduler_perf workloads on an embedded cluster (or a real API server with --kubeconfig) and report throughput, latency and placement.",
        discussion: """
            With no options: SchedulingBasic 5000Nodes_10000Pods under upstream's default profile. Throughput is \
            sampled as scheduler_perf does (first sample dropped, empty intervals merged); `overall` is measured pods \
            divided by the measured op's wall time. Exits 1 when a workload's threshold is missed.
            """
    )

    @Flag(name: .long, help: "List the built-in workloads and their variants.")
    var list = false

    @Option(name: .long, help: "A test case name, such as SchedulingBasic.")
    var workload: String?

    @Option(
        name: .long,
        help: "A workload variant, such as 5000Nodes_10000Pods (default: the first performance variant)."
    )
    var variant: String?

    @Option(
        name: .customLong("workload-file"),
        help: "A scheduler_perf performance-config.yaml file to run instead of the built-in workloads."
    )
    var workloadFile: String?

    @Option(name: .long, help: "Override the initNodes parameter.")
    var nodes: Int?

    @Option(name: .customLong("init-pods"), help: "Override the initPods parameter.")
    var initPods: Int?

    @Option(name: .customLong("measured-pods"), help: "Override the measurePods parameter.")
    var measuredPods: Int?

    @Option(name: .long, help: "A KubeSchedulerConfiguration file (default: upstream's default profile).")
    var config: String?

    @Option(
        name: .long,
        parsing: .upToNextOption,
        help: "Run the workload under each of these configurations (two or more) with the same seed."
    )
    var compare: [String] = []

    @Option(name: .customLong("sample-interval"), help: "Throughput sampling interval in seconds.")
    var sampleInterval: Double = 1

    @Option(name: .long, help: "Seed for tie-breaking and generated node labels.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "text or json.")
    var output: OutputFormat = .text

    @Option(name: .long, help: "Write a self-contained HTML report with charts to this file.")
    var report: String?

    @Option(
        name: .long,
        help:
            "Run against the API server of this kubeconfig instead of the embedded cluster (creates nodes and pods there in namespaces sks-bench-<run>-*, deletes them afterwards)."
    )
    var kubeconfig: String?

    @Option(name: .long, help: "The kubeconfig context to use instead of the current one (with --kubeconfig).")
    var context: String?

    @Option(name: .customLong("stall-timeout"), help: "Seconds without progress after which waiting for pods gives up.")
    var stallTimeout: Double = 5

    @Flag(name: .long, help: "No progress output on stderr.")
    var quiet = false

    func run() async throws {
        var arguments = BenchArguments()
        arguments.list = list
        arguments.workload = workload
        arguments.variant = variant
        arguments.workloadFile = workloadFile
        arguments.nodes = nodes
        arguments.initPods = initPods
        arguments.measuredPods = measuredPods
        arguments.config = config
        arguments.compare = compare
        arguments.sampleInterval = sampleInterval
        arguments.seed = seed
        arguments.json = output == .json
        arguments.report = report
        arguments.kubeconfig = kubeconfig
        let cleanups = BenchCleanups()
        var signals: [SignalHandlers] = []
        if kubeconfig != nil {
            arguments.kubeconfigCluster = cleanups.factory(context: context)
            // Ctrl-C or SIGTERM: delete what the run created on the API server, then exit non-zero.
            signals.append(SignalHandlers(signals: [SIGINT]) { cleanups.interrupt(status: 130) })
            signals.append(SignalHandlers(signals: [SIGTERM]) { cleanups.interrupt(status: 143) })
        }
        defer { signals.forEach { $0.cancel() } }
        arguments.quiet = quiet
        arguments.stallTimeout = stallTimeout
        arguments.registry = try CommandContext.registry()
        do {
            let outcome = try await BenchCommand.run(arguments)
            if arguments.json {
                // stdout carries exactly the JSON; notes go to stderr.
                var notes: [String] = []
                for result in outcome.results {
                    for note in result.notes where !notes.contains(note) { notes.append(note) }
                }
                notes.forEach { printWarning($0) }
            }
            CommandContext.output(outcome.output)
            if outcome.status != 0 { throw ExitCode(outcome.status) }
        } catch let error as BenchError {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}
