import Foundation
import KubeAPI
import KubeClient
import SchedulerFramework
import SchedulerRuntime
import SchedulerServer
import Testing

@testable import KubeTestSupport

/// The invariants every fault test checks: no pod got a binding after one of its bindings was accepted, every
/// accepted binding came from `leader`, and every pod of `keys` is bound.
private func checkInvariants(
    _ fake: FakeAPIServer,
    keys: [String],
    leader: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(fake.doublyBound.isEmpty, "bound twice: \(fake.doublyBound)", sourceLocation: sourceLocation)
    let foreign = fake.bindAttemptLog.filter { $0.accepted && !$0.userAgent.hasSuffix("(\(leader))") }
    #expect(foreign.isEmpty, "bindings from a non-leader: \(foreign)", sourceLocation: sourceLocation)
    let unbound = keys.filter { (fake.pod($0)?.nodeName ?? "").isEmpty }
    #expect(unbound.isEmpty, "never bound: \(unbound)", sourceLocation: sourceLocation)
}

/// Faults injected into the fake API server while the scheduler runs (issue 14, point 2).
@Suite(.serialized, .timeLimit(.minutes(5))) struct FaultInjectionTests {
    struct Burst: Sendable, CustomTestStringConvertible {
        var target: FakeAPIServer.FaultTarget
        var status: Int
        var retryAfter: Int?
        var testDescription: String {
            "\(status)\(retryAfter.map { " Retry-After \($0)" } ?? "") on \(target.rawValue)"
        }
    }

    static let bursts: [Burst] = FakeAPIServer.FaultTarget.allCases.flatMap { target in
        [
            Burst(target: target, status: 500), Burst(target: target, status: 503, retryAfter: 1),
            Burst(target: target, status: 429, retryAfter: 1),
        ]
    }

    @Test(arguments: bursts)
    func everyPodIsBoundOnceAfterABurstOfErrors(burst: Burst) async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createNode(node("n2"))
        let early = (0..<4).map { "default/early\($0)" }
        for i in 0..<4 { fake.createPod(pod("early\(i)")) }
        // The burst starts before the scheduler does (lists, lease, first bindings) and also hits what
        // happens later (watch reconnects after a drop, bindings, patches and events of a failed pod).
        fake.injectFault(burst.target, status: burst.status, retryAfter: burst.retryAfter, count: 3)
        let logs = LogCapture()
        let runner = try makeRunner(fake, identity: "sched-a", leaderElect: true, logs: logs)
        let run = launch(runner)
        fake.dropWatches()
        fake.createPod(pod("huge", cpu: "64"))
        let late = (0..<4).map { "default/late\($0)" }
        for i in 0..<4 { fake.createPod(pod("late\(i)")) }
        #expect(await eventually(timeout: .seconds(90)) { allBound(fake, early + late) })
        // Events are written after the bindings, asynchronously: the burst may meet the first one a little later.
        #expect(await eventually(timeout: .seconds(30)) { fake.faultsServed(burst.target) >= 1 })
        if burst.target != .events {
            // Events are best effort: one the server refused with a status is dropped, as client-go's
            // recorder does ("Server rejected event (will not retry!)").
            #expect(
                await eventually(timeout: .seconds(30)) { fake.events.contains { $0.reason == "FailedScheduling" } }
            )
        }
        checkInvariants(fake, keys: early + late, leader: "sched-a")
        #expect(fake.pod("default/huge")?.nodeName == "")
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test(arguments: [FakeAPIServer.FaultTarget.list, .bind, .statusPatch, .lease])
    func responsesSlowerThanTheClientTimeout(target: FakeAPIServer.FaultTarget) async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("huge", cpu: "64"))
        for i in 0..<3 { fake.createPod(pod("p\(i)")) }
        fake.injectDelay(target, .seconds(3), count: 2)
        let runner = try makeRunner(
            fake,
            identity: "sched-a",
            leaderElect: true,
            durations: (.seconds(8), .seconds(6), .milliseconds(250))
        ) { options in
            options.client.requestTimeout = .seconds(1)
        }
        let run = launch(runner)
        let keys = (0..<3).map { "default/p\($0)" }
        #expect(await eventually(timeout: .seconds(90)) { allBound(fake, keys) })
        // The unschedulable pod's status patch is written asynchronously and may come after the bindings.
        #expect(await eventually(timeout: .seconds(30)) { fake.faultsServed(target) >= 1 })
        checkInvariants(fake, keys: keys, leader: "sched-a")
        runner.shutdown()
        _ = await run.value
        await fake.stop()
    }

    @Test func aBindingWhoseResponseIsLostIsResolvedFromTheWatchNotRetried() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        let logs = LogCapture()
        // The watches that miss the binding are restarted after 3 s of silence; the scheduler's backoff would
        // retry the binding after about 1 s.
        let runner = try makeRunner(fake, identity: "sched-a", logs: logs) {
            $0.clientOptions.watchIdleTimeout = .seconds(3)
        }
        let run = launch(runner)
        #expect(await eventually { fake.openWatchCount == watchedKindCount })
        fake.resetNextBind("default/p")
        fake.createPod(pod("p"))
        #expect(
            await eventually(timeout: .seconds(60)) {
                allBound(fake, ["default/p"]) && runner.scheduler.cache.assumedPodCount == 0
            }
        )
        // Let a wrong retry happen if it would.
        try await Task.sleep(for: .seconds(2))
        #expect(fake.bindAttempts("default/p") == 1)
        checkInvariants(fake, keys: ["default/p"], leader: "sched-a")
        #expect(logs.contains("Binding outcome resolved from the watch"))
        // Scheduling goes on.
        fake.createPod(pod("q"))
        #expect(await eventually(timeout: .seconds(30)) { allBound(fake, ["default/q"]) })
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func connectionsResetMidWatchLoseNothing() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        var keys: [String] = []
        for round in 0..<5 {
            #expect(await eventually { fake.openWatchCount == watchedKindCount })
            for i in 0..<3 {
                fake.createPod(pod("r\(round)-\(i)"))
                keys.append("default/r\(round)-\(i)")
            }
            fake.dropWatches()
        }
        #expect(await eventually(timeout: .seconds(60)) { allBound(fake, keys) })
        checkInvariants(fake, keys: keys, leader: "sched-a")
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }
}
