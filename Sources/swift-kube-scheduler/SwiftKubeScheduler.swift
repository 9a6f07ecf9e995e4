import ArgumentParser
import InTreePlugins
import KubeAPI
import KubeDecoding
import SchedulerConfig
import Simulator

#if canImport(Glibc)
import Glibc
#endif

@main
struct SwiftKubeScheduler: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-kube-scheduler",
        abstract: "A Kubernetes scheduler framework that behaves like kube-scheduler.",
        version: "0.1.0",
        subcommands: [Simulate.self, Config.self, Run.self]
    )
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
        abstract: "Schedule the pending pods of a set of manifests on an embedded in-memory cluster and report where they go, and why not.")

    @Option(name: .long, help: "A KubeSchedulerConfiguration file. Without it, upstream's default profile.")
    var config: String?

    @Option(name: .long, help: "A YAML or JSON file of Kubernetes objects (repeatable).")
    var cluster: [String] = []

    @Option(name: .long, help: "text or json.")
    var output: OutputFormat = .text

    @Option(name: .long, help: "Seed for tie-breaking between equally scored nodes.")
    var seed: UInt64 = 1

    func run() async throws {
        guard !cluster.isEmpty else {
            printError("simulate: at least one --cluster file is required")
            throw ExitCode(2)
        }
        let registry = makeInTreeRegistry()
        let schedulerConfiguration: SchedulerConfiguration
        do {
            schedulerConfiguration = try config.map { try ConfigurationLoader.load(path: $0, registry: registry) }
                ?? ConfigurationLoader.defaultConfiguration(registry: registry)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        var objects: [KubeObject] = []
        for path in cluster {
            do {
                let loaded = try ManifestLoader.load(path: path)
                loaded.warnings.forEach(printWarning)
                objects += loaded.objects
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
        do {
            let result = try await Simulation.run(configuration: schedulerConfiguration, registry: registry, objects: objects, seed: seed)
            switch output {
            case .json: print(SimulationReport.json(result))
            case .text: print(SimulationReport.text(result))
            }
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with KubeSchedulerConfiguration files.", subcommands: [Validate.self])

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration as kube-scheduler would, including that every profile can be built.")

        @Argument(help: "The configuration file.")
        var file: String

        func run() throws {
            let registry = makeInTreeRegistry()
            do {
                let configuration = try ConfigurationLoader.load(path: file, registry: registry)
                try ProfileCheck.buildAll(configuration, registry: registry)
                print("\(file): valid (\(configuration.profiles.map(\.schedulerName).joined(separator: ", ")))")
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}
