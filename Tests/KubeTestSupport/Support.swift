import Foundation
import InTreePlugins
import KubeAPI
import KubeClient
import Logging
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerServer
import SchedulerTesting
import Synchronization

/// Captures log lines for assertions (and prints them when `SKS_TEST_LOGS` is set).
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        let echo = ProcessInfo.processInfo.environment["SKS_TEST_LOGS"] != nil
        var logger = Logger(label: label) { _ in
            KlogHandler(level: level) { [self] line in
                self.lines.withLock { $0.append(line) }
                if echo { KlogHandler.standardError("[\(label)] " + line) }
            }
        }
        logger.logLevel = level
        return logger
    }

    var all: [String] { lines.withLock { $0 } }
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
@discardableResult
func eventually(timeout: Duration = .seconds(30), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

let testSchedulerName = "swift-kube-scheduler"

/// A configuration with one profile named `swift-kube-scheduler` (upstream's default plugins).
func testConfiguration(
    leaseName: String = "swift-kube-scheduler",
    qps: Double = 1000,
    burst: Int = 1000
) throws -> SchedulerConfiguration {
    let yaml = """
        apiVersion: kubescheduler.config.k8s.io/v1
        kind: KubeSchedulerConfiguration
        clientConnection:
          qps: \(qps)
          burst: \(burst)
        leaderElection:
          leaderElect: true
          resourceName: \(leaseName)
          resourceNamespace: kube-system
        profiles:
        - schedulerName: \(testSchedulerName)
        """
    return try ConfigurationLoader.load(contents: yaml, source: "test.yaml", registry: makeInTreeRegistry())
}

/// A client configuration for the fake server.
func fakeClientConfiguration(_ fake: FakeAPIServer, qps: Float = 1000, burst: Int = 1000) -> ClientConfiguration {
    var configuration = ClientConfiguration(server: fake.url)
    configuration.qps = qps
    configuration.burst = burst
    configuration.requestTimeout = .seconds(20)
    configuration.source = "fake"
    return configuration
}

/// A runner against the fake server with fast informer retries; serving on an ephemeral loopback port.
func makeRunner(
    _ fake: FakeAPIServer,
    identity: String,
    leaderElect: Bool = false,
    leaseName: String = "swift-kube-scheduler",
    logs: LogCapture = LogCapture(),
    serve: Bool = false,
    durations: (lease: Duration, renew: Duration, retry: Duration) = (.seconds(3), .seconds(2), .milliseconds(250)),
    configure: (inout RunOptions) -> Void = { _ in }
) throws -> SchedulerRunner {
    var options = RunOptions(
        configuration: try testConfiguration(leaseName: leaseName),
        client: fakeClientConfiguration(fake),
        identity: identity
    )
    options.leaderElect = leaderElect
    options.port = serve ? 0 : nil
    options.bindAddress = "127.0.0.1"
    options.informers.initialBackoff = .milliseconds(50)
    options.informers.maximumBackoff = .milliseconds(500)
    options.leaseDurations = durations
    options.shutdownGracePeriod = .seconds(10)
    configure(&options)
    return try SchedulerRunner(options: options, registry: makeInTreeRegistry(), logger: logs.logger(identity))
}

func node(_ name: String, cpu: String = "4", memory: String = "32Gi") -> Node {
    NodeBuilder(name).capacity(["cpu": cpu, "memory": memory, "pods": "110"]).build()
}

func pod(
    _ name: String,
    scheduler: String = testSchedulerName,
    cpu: String = "100m",
    namespace: String = "default"
) -> Pod {
    PodBuilder(name, namespace: namespace).schedulerName(scheduler).container(["cpu": cpu, "memory": "100Mi"]).build()
}

/// Starts `runner.run()` in a task; returns it.
func launch(_ runner: SchedulerRunner) -> Task<SchedulerRunner.ExitReason, Never> {
    Task { await runner.run() }
}

/// Every pod of `keys` bound on the fake server.
func allBound(_ fake: FakeAPIServer, _ keys: [String]) -> Bool {
    keys.allSatisfy { !(fake.pod($0)?.nodeName ?? "").isEmpty }
}

/// A client for `fake` with a log capture.
func makeClient(
    _ fake: FakeAPIServer,
    logs: LogCapture = LogCapture(),
    qps: Float = 1000,
    burst: Int = 1000,
    pageSize: Int = 500
) throws -> KubernetesClient {
    var configuration = fakeClientConfiguration(fake, qps: qps, burst: burst)
    configuration.userAgent = "swift-kube-scheduler/test (client-test)"
    var options = KubernetesClient.Options()
    options.pageSize = pageSize
    options.eventReportingHost = "test-host"
    return KubernetesClient(
        rest: try RESTClient(configuration: configuration, logger: logs.logger("client")),
        logger: logs.logger("client"),
        options: options
    )
}

/// How many kinds a scheduler without Coscheduling watches: every kind but PodGroups (a CRD read only when a
/// profile enables that plugin).
let watchedKindCount = ObjectKind.allCases.filter { $0 != .podGroup }.count
