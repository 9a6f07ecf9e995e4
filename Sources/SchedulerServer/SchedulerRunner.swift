import Foundation
import KubeAPI
import KubeClient
import Logging
import NIOSSL
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// This build's version, as in the `User-Agent` and `--version`.
package enum BuildInfo {
    package static let version = "0.1.0"

    /// A leader-election identity like upstream's: `<hostname>_<random UUID>`.
    package static func makeIdentity(hostname: String = ProcessInfo.processInfo.hostName) -> String {
        "\(hostname)_\(UUID().uuidString.lowercased())"
    }

    /// `swift-kube-scheduler/VERSION (IDENTITY)`.
    package static func userAgent(identity: String) -> String {
        "swift-kube-scheduler/\(version) (\(identity))"
    }
}

/// What `run` needs besides the plugin registry.
package struct RunOptions: Sendable {
    package var configuration: SchedulerConfiguration
    /// The API server connection; `userAgent`, `qps` and `burst` are filled in by ``SchedulerRunner``.
    package var client: ClientConfiguration
    /// `--leader-elect` (else `leaderElection.leaderElect`).
    package var leaderElect: Bool
    /// This instance's leader-election identity (also in the `User-Agent`).
    package var identity: String
    /// The port of the endpoints (`--port`); nil serves nothing (`--port 0`), 0 here picks a free port.
    package var port: Int? = 10259
    /// `--bind-address`.
    package var bindAddress = "0.0.0.0"
    /// `--tls-cert-file` and `--tls-private-key-file`: HTTPS when both are set.
    package var tlsCertificateFile: String?
    package var tlsPrivateKeyFile: String?
    package var informers: Informers.Options
    package var clientOptions = KubernetesClient.Options()
    /// How long a graceful shutdown waits for in-flight binding cycles and queued Events.
    package var shutdownGracePeriod: Duration = .seconds(30)
    /// Leader election timings in place of the configuration's (tests use short ones).
    package var leaseDurations: (lease: Duration, renew: Duration, retry: Duration)?
    /// How long past `leaseDuration` a leader may go without renewing before `/healthz` and `/livez` fail
    /// (upstream's `NewLeaderHealthzAdaptor(20 * time.Second)`).
    package var leaderElectionHealthTolerance: Duration = .seconds(20)
    /// Wraps the Lease client the elector uses (tests make renewals hang).
    package var wrapLeaseStore: (@Sendable (any LeaseStore) -> any LeaseStore)?

    package init(configuration: SchedulerConfiguration, client: ClientConfiguration, identity: String) {
        self.configuration = configuration
        self.client = client
        self.identity = identity
        self.leaderElect = configuration.leaderElection.leaderElect
        var informers = Informers.Options()
        // client-go's reflector backoff: 800 ms doubling to 30 s.
        informers.initialBackoff = .milliseconds(800)
        informers.maximumBackoff = .seconds(30)
        informers.retryInitialList = true
        self.informers = informers
    }
}

/// `swift-kube-scheduler run`: informers, leader election, the scheduling loop, the health and metrics
/// endpoints, and shutdown, wired as kube-scheduler's `app.Run` does.
///
/// Informers start at once (a standby keeps a warm cache); only the leader schedules. Losing the lease stops
/// scheduling at once and ends ``run()`` with ``ExitReason/leadershipLost`` (exit code 1). ``shutdown()``
/// stops taking pods, waits for in-flight binding cycles, releases the lease and ends with
/// ``ExitReason/shutdown`` (exit code 0).
package final class SchedulerRunner: Sendable {
    /// Why ``run()`` returned.
    package enum ExitReason: Sendable, Equatable {
        case shutdown
        case leadershipLost
        case failed(String)

        /// The process exit code upstream uses.
        package var exitCode: Int32 {
            switch self {
            case .shutdown: 0
            case .leadershipLost, .failed: 1
            }
        }
    }

    private enum Stop: Sendable {
        case graceful, abort, lost
        case failed(String)
    }

    package let options: RunOptions
    package let client: KubernetesClient
    package let scheduler: Scheduler
    package let informers: Informers
    package let metrics: SchedulerMetrics
    package let elector: LeaderElector?
    private let logger: Logger
    private let stops: AsyncStream<Stop>
    private let stopContinuation: AsyncStream<Stop>.Continuation
    private let tasks = Mutex<
        (scheduling: Task<Void, Never>?, election: Task<LeaderElector.Outcome, Never>?, informers: Task<Void, Never>?)
    >((nil, nil, nil))
    private let stopping = Atomic<Bool>(false)
    private let abandonLease = Atomic<Bool>(false)
    private let port = Mutex<Int?>(nil)
    private let server = Mutex<HTTPServer?>(nil)

    /// Builds the client, the scheduler (every profile) and the leader elector.
    package init(options: RunOptions, registry: PluginRegistry, logger: Logger) throws {
        self.options = options
        self.logger = logger
        var clientConfiguration = options.client
        clientConfiguration.userAgent = BuildInfo.userAgent(identity: options.identity)
        clientConfiguration.qps = options.configuration.clientConnection.qps
        clientConfiguration.burst = options.configuration.clientConnection.burst
        let rest = try RESTClient(configuration: clientConfiguration, logger: logger)
        let client = KubernetesClient(rest: rest, logger: logger, options: options.clientOptions)
        self.client = client
        let metrics = SchedulerMetrics()
        self.metrics = metrics
        let scheduler: Scheduler
        do {
            scheduler = try Scheduler(
                configuration: options.configuration,
                registry: registry,
                client: client,
                observer: LoggingObserver(logger: logger),
                instrumentation: metrics
            )
        } catch {
            client.shutdownInBackground()
            throw error
        }
        self.scheduler = scheduler
        metrics.observe(scheduler)
        var informerOptions = options.informers
        let previous = informerOptions.onError
        informerOptions.onError = { kind, error in
            previous?(kind, error)
            if error.code == .gone {
                logger.info("Watch expired; relisting", metadata: ["kind": "\(kind.rawValue)", "err": "\(error)"])
            } else {
                logger.warning(
                    "List or watch failed; retrying",
                    metadata: ["kind": "\(kind.rawValue)", "err": "\(error)"]
                )
            }
        }
        self.informers = Informers(client: client, scheduler: scheduler, options: informerOptions)
        (stops, stopContinuation) = AsyncStream<Stop>.makeStream()
        if options.leaderElect {
            let le = options.configuration.leaderElection
            var configuration = LeaderElector.Configuration(
                leaseNamespace: le.resourceNamespace,
                leaseName: le.resourceName,
                identity: options.identity
            )
            if let durations = options.leaseDurations {
                configuration.leaseDuration = durations.lease
                configuration.renewDeadline = durations.renew
                configuration.retryPeriod = durations.retry
            } else {
                configuration.leaseDuration = .milliseconds(Int64((le.leaseDurationSeconds * 1000).rounded()))
                configuration.renewDeadline = .milliseconds(Int64((le.renewDeadlineSeconds * 1000).rounded()))
                configuration.retryPeriod = .milliseconds(Int64((le.retryPeriodSeconds * 1000).rounded()))
            }
            let gauge = metrics.leaderElectionMasterStatus
            let leaseName = le.resourceName
            gauge.set([leaseName], 0)
            do {
                let store: any LeaseStore = options.wrapLeaseStore?(client) ?? client
                self.elector = try LeaderElector(configuration: configuration, store: store, logger: logger)
            } catch {
                client.shutdownInBackground()
                throw error
            }
        } else {
            self.elector = nil
        }
    }

    /// The port the endpoints listen on, once ``run()`` bound it (nil when serving is off).
    package var boundPort: Int? { port.withLock { $0 } }

    /// Whether this instance schedules (always true without leader election once started).
    package var isLeading: Bool { elector?.isLeading ?? (tasks.withLock { $0.scheduling } != nil) }

    /// Whether `/readyz` passes: caches synced and not shutting down.
    package var isReady: Bool { informers.hasSynced && !stopping.load(ordering: .relaxed) }

    /// Asks ``run()`` to stop gracefully (SIGTERM/SIGINT). Idempotent.
    package func shutdown() { stopContinuation.yield(.graceful) }

    /// Stops at once without releasing the lease or waiting for bindings — a crash, for tests.
    package func abort() {
        abandonLease.store(true, ordering: .relaxed)
        stopContinuation.yield(.abort)
    }

    /// Runs until shut down, aborted, or the lease is lost.
    package func run() async -> ExitReason {
        if let port = options.port {
            do {
                try await startServer(port: port)
            } catch {
                logger.error("Unable to serve the health and metrics endpoints", metadata: ["err": "\(error)"])
                await client.shutdown(flushTimeout: .zero)
                return .failed("serving on \(options.bindAddress):\(port): \(error)")
            }
        }
        // Informers start at once (a standby keeps warm caches) unless `delayCacheUntilActive` asks to wait
        // for leadership, as upstream.
        let delayCaches = elector != nil && options.configuration.delayCacheUntilActive
        if !delayCaches { startInformers() }

        if let elector {
            let gauge = metrics.leaderElectionMasterStatus
            let leaseName = elector.configuration.leaseName
            let stop = stopContinuation
            let election = Task { [self] in
                let outcome = await elector.run { [self] in
                    gauge.set([leaseName], 1)
                    if delayCaches { self.startInformers() }
                    self.startScheduling()
                }
                gauge.set([leaseName], 0)
                if outcome == .lost { stop.yield(.lost) }
                return outcome
            }
            tasks.withLock { $0.election = election }
        } else {
            startScheduling()
        }

        var reason: ExitReason = .shutdown
        for await stop in stops {
            switch stop {
            case .graceful:
                logger.info("Requested to terminate, exiting")
                await stopGracefully()
                reason = .shutdown
            case .abort:
                await stopAbruptly()
                reason = .shutdown
            case .lost:
                logger.error("Leaderelection lost")
                await stopAbruptly()
                reason = .leadershipLost
            case .failed(let message):
                await stopAbruptly()
                reason = .failed(message)
            }
            break
        }
        stopContinuation.finish()
        return reason
    }

    private func startServer(port requested: Int) async throws {
        var tls: NIOSSLContext?
        if let certificate = options.tlsCertificateFile, let key = options.tlsPrivateKeyFile {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain,
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            )
            tls = try NIOSSLContext(configuration: configuration)
        }
        let endpoints = Endpoints(runner: self, configz: Configz.json(options.configuration))
        let server = HTTPServer(host: options.bindAddress, port: requested, tls: tls, logger: logger) { request in
            endpoints.handle(request)
        }
        let bound = try await server.start()
        self.server.withLock { $0 = server }
        port.withLock { $0 = bound }
        logger.info(
            "Serving health and metrics",
            metadata: [
                "address": "\(options.bindAddress):\(bound)", "scheme": "\(tls == nil ? "http" : "https")",
            ]
        )
    }

    private func startInformers() {
        let informers = self.informers
        let informerTask = Task { [logger] in
            do {
                try await informers.start()
                logger.info("Informer caches are synced")
            } catch {
                logger.debug("Informers stopped before syncing", metadata: ["err": "\(error)"])
            }
        }
        tasks.withLock { $0.informers = informerTask }
    }

    /// Starts the scheduling loop once caches are synced (called when leading, or at once without election).
    private func startScheduling() {
        let informers = self.informers
        let scheduler = self.scheduler
        let logger = self.logger
        let task = Task { [self] in
            await informers.waitForSync()
            guard !Task.isCancelled, !self.stopping.load(ordering: .relaxed) else { return }
            logger.info("Starting the scheduling loop")
            await scheduler.run()
        }
        tasks.withLock { $0.scheduling = task }
    }

    /// Stops taking pods: cancels the loop and wakes it. Pods parked at Permit are rejected: they have not started
    /// binding, and left waiting they would hold the shutdown for their whole Permit timeout.
    private func stopScheduling() {
        stopping.store(true, ordering: .relaxed)
        tasks.withLock { $0.scheduling?.cancel() }
        scheduler.queue.close()
        let waiting = scheduler.permitWaitingPods
        for pod in waiting.all() { waiting.reject(uid: pod.uid, message: "scheduler is shutting down") }
    }

    private func stopGracefully() async {
        stopScheduling()
        // Finish the binding cycles already started, within the grace period.
        let scheduler = self.scheduler
        let finished = await Self.within(options.shutdownGracePeriod) { await scheduler.waitForInFlightWork() }
        if !finished { logger.warning("In-flight bindings did not finish within the grace period") }
        if let election = tasks.withLock({ $0.election }) {
            election.cancel()
            _ = await election.value  // releases the lease
        }
        await teardown(flush: options.shutdownGracePeriod)
    }

    private func stopAbruptly() async {
        stopScheduling()
        if let election = tasks.withLock({ $0.election }) {
            if abandonLease.load(ordering: .relaxed) { elector?.abandon() }
            election.cancel()
            _ = await election.value
        }
        await teardown(flush: .zero)
    }

    private func teardown(flush: Duration) async {
        informers.stop()
        tasks.withLock { $0.informers?.cancel() }
        if let server = server.withLock({ $0 }) { await server.stop() }
        await client.shutdown(flushTimeout: flush)
    }

    /// Runs `body`, giving up waiting after `limit`; true when it finished.
    static func within(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// Logs outcomes as kube-scheduler does (at its verbosity levels).
struct LoggingObserver: SchedulingObserver {
    let logger: Logger

    func podScheduled(_ pod: Pod, nodeName: String) {
        logger.debug(
            "Successfully bound pod to node",
            metadata: ["pod": "\(pod.namespace)/\(pod.name)", "node": "\(nodeName)"]
        )
    }

    func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod) {
        logger.debug(
            "Preemptor pod preempted victim pod",
            metadata: [
                "preemptor": "\(preemptor.namespace)/\(preemptor.name)", "victim": "\(victim.namespace)/\(victim.name)",
                "node": "\(nodeName)",
            ]
        )
    }

    func podFailed(_ pod: Pod, status: Status, message: String) {
        if status.isRejected {
            logger.debug(
                "Unable to schedule pod; no fit; waiting",
                metadata: ["pod": "\(pod.namespace)/\(pod.name)", "err": "\(message)"]
            )
        } else {
            logger.error(
                "Error scheduling pod; retrying",
                metadata: ["pod": "\(pod.namespace)/\(pod.name)", "err": "\(message)"]
            )
        }
    }
}
