import ArgumentParser
import Dispatch
import Foundation
import InTreePlugins
import KubeClient
import Logging
import SchedulerConfig
import SchedulerServer

/// `swift-kube-scheduler run`: schedule the pods of a real cluster whose `schedulerName` names one of the
/// configuration's profiles, beside kube-scheduler.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the scheduler against a Kubernetes API server (a secondary scheduler beside kube-scheduler)."
    )

    @Option(
        name: .long,
        help: "A KubeSchedulerConfiguration file. Without it, upstream's default profile (default-scheduler)."
    )
    var config: String?

    @Option(
        name: .long,
        help:
            "A kubeconfig file. Else clientConnection.kubeconfig, $KUBECONFIG, the in-cluster service account, ~/.kube/config."
    )
    var kubeconfig: String?

    @Option(name: .long, help: "The kubeconfig context to use instead of the current one.")
    var context: String?

    @Option(
        name: .customLong("leader-elect"),
        help: "Elect a leader through a Lease before scheduling (overrides leaderElection.leaderElect)."
    )
    var leaderElect: Bool?

    @Option(
        name: [.long, .customLong("secure-port")],
        help:
            "Port of /healthz, /livez, /readyz, /metrics and /configz; 0 turns them off (--secure-port as in kube-scheduler)."
    )
    var port: Int = 10259

    @Option(name: .customLong("bind-address"), help: "Address to serve on.")
    var bindAddress: String = "0.0.0.0"

    @Option(
        name: .customLong("tls-cert-file"),
        help: "Serve HTTPS with this certificate (PEM) and --tls-private-key-file."
    )
    var tlsCertFile: String?

    @Option(name: .customLong("tls-private-key-file"), help: "The private key (PEM) of --tls-cert-file.")
    var tlsPrivateKeyFile: String?

    @Option(
        name: [.customShort("v"), .customLong("v")],
        help: "Log verbosity, as kube-scheduler's -v (2 logs bindings, 4+ API requests)."
    )
    var verbosity: Int = 0

    func validate() throws {
        if (tlsCertFile == nil) != (tlsPrivateKeyFile == nil) {
            throw ValidationError("--tls-cert-file and --tls-private-key-file must be given together")
        }
        if port < 0 || port > 65535 { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        let level = KlogHandler.level(verbosity: verbosity)
        LoggingSystem.bootstrap { _ in KlogHandler(level: level) }
        let logger = Logger(label: "swift-kube-scheduler")

        let (schedulerConfiguration, registry) = try CommandContext.loadConfiguration(config)
        schedulerConfiguration.warnings.forEach(printWarning)
        let clientConfiguration: ClientConfiguration
        do {
            let explicit =
                kubeconfig
                ?? (schedulerConfiguration.clientConnection.kubeconfig.isEmpty
                    ? nil : schedulerConfiguration.clientConnection.kubeconfig)
            clientConfiguration = try ClientConfigLoader.load(kubeconfig: explicit, context: context)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }

        let identity = BuildInfo.makeIdentity()
        var options = RunOptions(configuration: schedulerConfiguration, client: clientConfiguration, identity: identity)
        if let leaderElect { options.leaderElect = leaderElect }
        options.port = port == 0 ? nil : port
        options.bindAddress = bindAddress
        options.tlsCertificateFile = tlsCertFile
        options.tlsPrivateKeyFile = tlsPrivateKeyFile

        let runner: SchedulerRunner
        do {
            runner = try SchedulerRunner(options: options, registry: registry, logger: logger)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        logger.info(
            "Starting swift-kube-scheduler",
            metadata: [
                "version": "\(BuildInfo.version)", "identity": "\(identity)", "server": "\(clientConfiguration.server)",
                "profiles": "\(schedulerConfiguration.profiles.map(\.schedulerName).joined(separator: ","))",
                "leaderElect": "\(options.leaderElect)",
            ]
        )
        let signals = SignalHandlers(signals: [SIGTERM, SIGINT]) { runner.shutdown() }
        let reason = await runner.run()
        signals.cancel()
        switch reason {
        case .shutdown:
            return
        case .leadershipLost:
            throw ExitCode(1)
        case .failed(let message):
            printError(message)
            throw ExitCode(1)
        }
    }
}

/// Turns signals into a callback (the default action, terminating, is disabled while installed).
final class SignalHandlers {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
