import Foundation
import KubeAPI
import KubeClient
import Logging
import SchedulerFramework
import SchedulerServer
import Synchronization
import Testing

@testable import KubeTestSupport

/// Two scheduler instances against one fake API server, electing a leader through a Lease with short timings
/// (lease 3 s, renew deadline 2 s, retry 250 ms). Serialized: they measure time.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LeaderElectionTests {
    static let lease = (namespace: "kube-system", name: "swift-kube-scheduler")

    func holder(_ fake: FakeAPIServer) -> String? {
        fake.lease(namespace: Self.lease.namespace, name: Self.lease.name)?.spec?.holderIdentity
    }

    func boundBy(_ fake: FakeAPIServer, _ identity: String) -> Set<String> {
        Set(fake.bindings.filter { $0.userAgent.hasSuffix("(\(identity))") }.map(\.pod))
    }

    @Test func onlyTheLeaderBindsAndTheStandbyTakesOverWhenTheLeaderStops() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        let a = try makeRunner(fake, identity: "sched-a", leaderElect: true)
        let runA = launch(a)
        #expect(await eventually { a.isLeading })
        #expect(holder(fake) == "sched-a")
        let b = try makeRunner(fake, identity: "sched-b", leaderElect: true)
        let runB = launch(b)
        #expect(await eventually { b.isReady })  // the standby keeps its caches warm

        let first = (0..<5).map { "default/first\($0)" }
        for i in 0..<5 { fake.createPod(pod("first\(i)")) }
        #expect(await eventually { allBound(fake, first) })
        #expect(boundBy(fake, "sched-a") == Set(first))
        #expect(boundBy(fake, "sched-b").isEmpty)
        #expect(!b.isLeading)

        // The leader stops gracefully and releases the lease: the standby takes over within the lease duration.
        let stopped = ContinuousClock.now
        a.shutdown()
        #expect(await runA.value == .shutdown)
        #expect(holder(fake) != "sched-a")
        #expect(await eventually(timeout: .seconds(10)) { b.isLeading })
        let takeover = ContinuousClock.now - stopped
        #expect(takeover < .seconds(3), "took over after \(takeover)")
        #expect(fake.lease(namespace: Self.lease.namespace, name: Self.lease.name)?.spec?.leaseTransitions == 1)

        let second = (0..<5).map { "default/second\($0)" }
        for i in 0..<5 { fake.createPod(pod("second\(i)")) }
        #expect(await eventually { allBound(fake, second) })
        #expect(boundBy(fake, "sched-b") == Set(second))
        #expect(fake.doublyBound.isEmpty)

        b.shutdown()
        #expect(await runB.value == .shutdown)
        // Released on shutdown: holder cleared, duration 1 s, transitions kept.
        let released = fake.lease(namespace: Self.lease.namespace, name: Self.lease.name)?.spec
        #expect(released?.holderIdentity == nil || released?.holderIdentity == "")
        #expect(released?.leaseDurationSeconds == 1)
        #expect(released?.leaseTransitions == 1)
        await fake.stop()
    }

    @Test func theStandbyTakesOverWithinTheLeaseDurationAfterTheLeaderCrashes() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        let a = try makeRunner(fake, identity: "sched-a", leaderElect: true)
        let runA = launch(a)
        #expect(await eventually { a.isLeading })
        let b = try makeRunner(fake, identity: "sched-b", leaderElect: true)
        let runB = launch(b)
        #expect(await eventually { b.isReady })
        fake.createPod(pod("before"))
        #expect(await eventually { allBound(fake, ["default/before"]) })

        // A crash: no release, the lease must expire (by B's own observation) before B takes it.
        let crashed = ContinuousClock.now
        a.abort()
        _ = await runA.value
        #expect(holder(fake) == "sched-a")
        fake.createPod(pod("after"))
        #expect(await eventually(timeout: .seconds(20)) { b.isLeading })
        let takeover = ContinuousClock.now - crashed
        // B judges expiry from when it last saw the record change (at most one retry period, 550 ms with
        // jitter, before the crash), plus the 3 s lease.
        #expect(takeover >= .seconds(2), "took over after \(takeover), before the lease expired")
        #expect(takeover < .seconds(8), "took over after \(takeover)")
        #expect(await eventually { allBound(fake, ["default/after"]) })
        #expect(boundBy(fake, "sched-b") == ["default/after"])
        #expect(boundBy(fake, "sched-a") == ["default/before"])
        #expect(fake.doublyBound.isEmpty)
        b.shutdown()
        #expect(await runB.value == .shutdown)
        await fake.stop()
    }

    @Test func losingTheLeaseStopsSchedulingAndExitsNonZero() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        let logs = LogCapture()
        let a = try makeRunner(fake, identity: "sched-a", leaderElect: true, logs: logs)
        let runA = launch(a)
        #expect(await eventually { a.isLeading })
        fake.stealLease(namespace: Self.lease.namespace, name: Self.lease.name, holder: "intruder")
        let reason = await runA.value
        #expect(reason == .leadershipLost)
        #expect(reason.exitCode == 1)
        #expect(logs.contains("Leaderelection lost"))
        #expect(!a.isLeading)
        fake.createPod(pod("orphan"))
        try await Task.sleep(for: .milliseconds(500))
        #expect(fake.bindings.isEmpty)
        #expect(holder(fake) == "intruder")
        await fake.stop()
    }

    @Test func slowRenewalsMissTheDeadline() async throws {
        let fake = try await FakeAPIServer.start()
        let logs = LogCapture()
        var quiet = logs.logger("elector")
        quiet.logLevel = .critical
        var configuration = fakeClientConfiguration(fake)
        configuration.requestTimeout = .seconds(20)
        let client = KubernetesClient(rest: try RESTClient(configuration: configuration, logger: quiet), logger: quiet)
        var election = LeaderElector.Configuration(leaseNamespace: "kube-system", leaseName: "slow", identity: "me")
        election.leaseDuration = .seconds(2)
        election.renewDeadline = .milliseconds(1500)
        election.retryPeriod = .milliseconds(200)
        let elector = try LeaderElector(configuration: election, store: client, logger: quiet)
        let started = Atomic<Bool>(false)
        let run = Task { await elector.run { started.store(true, ordering: .relaxed) } }
        #expect(await eventually { started.load(ordering: .relaxed) })
        fake.setLeaseUpdateDelay(.seconds(10))
        let begin = ContinuousClock.now
        #expect(await run.value == .lost)
        // Lost at the 1.5 s renew deadline, not when the 10 s renewal finally answers (generous for a busy machine).
        #expect(ContinuousClock.now - begin < .seconds(8))
        await client.shutdown()
        await fake.stop()
    }

    @Test func configurationIsValidatedAsClientGoDoes() throws {
        struct NoStore: LeaseStore {
            func getLease(namespace: String, name: String) async throws(ClusterError) -> Lease {
                throw ClusterError(.notFound, "")
            }
            func createLease(_ lease: Lease) async throws(ClusterError) -> Lease { lease }
            func updateLease(_ lease: Lease) async throws(ClusterError) -> Lease { lease }
        }
        var c = LeaderElector.Configuration(leaseNamespace: "kube-system", leaseName: "l", identity: "me")
        #expect(throws: Never.self) { try c.validate() }
        c.renewDeadline = .seconds(15)
        #expect(throws: LeaderElectionError(.invalidConfiguration, "leaseDuration must be greater than renewDeadline"))
        { try c.validate() }
        c.renewDeadline = .seconds(2)
        #expect(
            throws: LeaderElectionError(
                .invalidConfiguration,
                "renewDeadline must be greater than retryPeriod*JitterFactor"
            )
        ) { try c.validate() }
        c.renewDeadline = .seconds(10)
        c.identity = ""
        #expect(throws: LeaderElectionError.self) {
            try LeaderElector(configuration: c, store: NoStore(), logger: Logger(label: "x"))
        }
        let identity = BuildInfo.makeIdentity(hostname: "node-7")
        #expect(identity.hasPrefix("node-7_") && identity.count == "node-7_".count + 36)
        #expect(BuildInfo.userAgent(identity: identity) == "swift-kube-scheduler/\(BuildInfo.version) (\(identity))")
    }

    @Test func anInvalidElectionSetupFailsCleanly() async throws {
        let fake = try await FakeAPIServer.start()
        #expect(throws: LeaderElectionError(.invalidConfiguration, "leaseDuration must be greater than renewDeadline"))
        {
            _ = try makeRunner(
                fake,
                identity: "bad",
                leaderElect: true,
                durations: (.seconds(1), .seconds(2), .milliseconds(100))
            )
        }
        // The client made before the failure was shut down (a debug build would trap otherwise).
        try await Task.sleep(for: .milliseconds(100))
        await fake.stop()
    }

    @Test func withoutLeaderElectionNoLeaseIsTouched() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("p"))
        let runner = try makeRunner(fake, identity: "solo", leaderElect: false)
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/p"]) })
        #expect(!fake.requests.contains { $0.path.contains("/leases") })
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }
}
