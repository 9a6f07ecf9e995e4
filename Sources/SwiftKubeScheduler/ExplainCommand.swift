import ArgumentParser
import InTreePlugins
import KubeClient
import Logging
import SchedulerConfig
import Simulator

/// `explain [--kubeconfig FILE] [--context NAME] NAMESPACE/NAME`: why a pod of a live cluster is (or would be)
/// scheduled where it is, without writing anything to the cluster.
struct ExplainCommandLine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract:
            "Explain the scheduling of one pod of a live cluster: every node's Filter verdict, the scores, preemption and verified changes that would make it fit. Only reads (list) from the API server.",
        discussion: """
            The cluster is listed through the same client `run` uses (kubeconfig tokens, client certificates and \
            exec credential plugins); the pod's cycle is replayed under the profile its schedulerName names. \
            Nothing is bound, patched, evicted or recorded.
            """
    )

    @Option(name: .long, help: "The kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster).")
    var kubeconfig: String?

    @Option(name: .long, help: "The kubeconfig context to use instead of the current one.")
    var context: String?

    @Option(name: .long, help: "A KubeSchedulerConfiguration file. Without it, upstream's default profile.")
    var config: String?

    @Option(name: .long, help: "text or json.")
    var output: OutputFormat = .text

    @Option(name: .long, help: "Seed for tie-breaking between equally scored nodes.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Write a self-contained HTML page of the explanation to this file.")
    var html: String?

    @Argument(help: "The pod, as NAMESPACE/NAME.")
    var pod: String

    func validate() throws {
        let parts = pod.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("the pod must be NAMESPACE/NAME, got \"\(pod)\"")
        }
    }

    func run() async throws {
        let parts = pod.split(separator: "/").map(String.init)
        let (schedulerConfiguration, registry) = try CommandContext.loadConfiguration(config)
        let clientConfiguration: ClientConfiguration
        do {
            clientConfiguration = try ClientConfigLoader.load(kubeconfig: kubeconfig, context: context)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        var logger = Logger(label: "swift-kube-scheduler.explain")
        logger.logLevel = .error
        let client: KubernetesClient
        do {
            client = KubernetesClient(
                rest: try RESTClient(configuration: clientConfiguration, logger: logger),
                logger: logger
            )
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let outcome: ClusterExplain.Outcome
        do {
            outcome = try await ClusterExplain.explain(
                client: client,
                configuration: schedulerConfiguration,
                registry: registry,
                namespace: parts[0],
                name: parts[1],
                seed: seed
            )
        } catch {
            await client.shutdown(flushTimeout: .zero)
            printError("explain: \(error)")
            throw ExitCode(1)
        }
        await client.shutdown(flushTimeout: .zero)
        let explanations = PodExplanations(
            namespace: parts[0],
            name: parts[1],
            attempts: [outcome.explanation]
        )
        switch output {
        case .json:
            CommandContext.output(ExplainJSON.json(explanations))
        case .text:
            if let node = outcome.boundTo {
                CommandContext.output("\(pod) is bound to \(node); this is how it would be scheduled now.\n")
            }
            CommandContext.output(ExplainText.render(outcome.explanation))
        }
        if let html {
            do {
                try ExplainHTML.write(["\(pod)": explanations], order: [(parts[0], parts[1])], to: html)
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}
