import AsyncHTTPClient
import Foundation
import KubeAPI
import KubeClient
import NIOCore
import NIOHTTP1
import SchedulerFramework
import SchedulerServer
import Synchronization
import Testing

@testable import KubeTestSupport

/// `/livez` and `/healthz` fail when the leader stops renewing its Lease (upstream's leader-election healthz
/// adaptor): leading, and the Lease not renewed for `leaseDuration` plus the tolerance.
@Suite(.serialized, .timeLimit(.minutes(3))) struct LivezTests {
    /// The scheduler's Lease client, whose calls can be made to hang — ignoring cancellation, as a deadlocked
    /// renew loop would — until released.
    final class StallingLeaseStore: LeaseStore {
        private struct State {
            var stalled = false
            var waiting: [CheckedContinuation<Bool, Never>] = []
            var stalledCalls = 0
        }
        private let state = Mutex(State())
        private let wrapped = Mutex<(any LeaseStore)?>(nil)

        /// Puts this store in front of `inner` (the scheduler's client).
        func wrapping(_ inner: any LeaseStore) -> any LeaseStore {
            wrapped.withLock { $0 = inner }
            return self
        }

        private var inner: any LeaseStore {
            get throws(ClusterError) {
                guard let inner = wrapped.withLock({ $0 }) else { throw ClusterError(.other, "not wrapping a client") }
                return inner
            }
        }

        func stall() { state.withLock { $0.stalled = true } }

        /// Ends the stall: the calls caught in it fail, later ones go through.
        func release() {
            let waiting = state.withLock { state in
                state.stalled = false
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume(returning: true) }
        }

        var stalledCalls: Int { state.withLock { $0.stalledCalls } }

        /// Parks the call while stalled; a call released from the stall fails.
        private func gate() async throws(ClusterError) {
            let parked = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let parked = state.withLock { state in
                    guard state.stalled else { return false }
                    state.waiting.append(continuation)
                    state.stalledCalls += 1
                    return true
                }
                if !parked { continuation.resume(returning: false) }
            }
            if parked { throw ClusterError(.unavailable, "stalled lease call released") }
        }

        func getLease(namespace: String, name: String) async throws(ClusterError) -> Lease {
            try await gate()
            return try await inner.getLease(namespace: namespace, name: name)
        }

        func createLease(_ lease: Lease) async throws(ClusterError) -> Lease {
            try await gate()
            return try await inner.createLease(lease)
        }

        func updateLease(_ lease: Lease) async throws(ClusterError) -> Lease {
            try await gate()
            return try await inner.updateLease(lease)
        }
    }

    @Test func livezFailsWhenTheLeaderStopsRenewing() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        let stalling = StallingLeaseStore()
        let runner = try makeRunner(
            fake,
            identity: "sched-a",
            leaderElect: true,
            serve: true,
            durations: (.seconds(2), .milliseconds(1500), .milliseconds(250))
        ) { options in
            options.leaderElectionHealthTolerance = .seconds(1)
            options.wrapLeaseStore = { client in stalling.wrapping(client) }
        }
        let run = launch(runner)
        #expect(await eventually { runner.isLeading && runner.boundPort != nil })
        let port = try #require(runner.boundPort)

        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        func get(_ path: String) async throws -> (Int, String) {
            let response = try await http.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"),
                timeout: .seconds(10)
            )
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        }

        // Renewing: healthy.
        #expect(try await get("/livez") == (200, "ok"))
        #expect(try await get("/livez?verbose").1.contains("[+]leaderElection ok (leading)"))

        // The renew loop hangs: still leading as far as the elector knows, but the Lease is not renewed.
        stalling.stall()
        let failure = "failed election to renew leadership on lease swift-kube-scheduler"
        var livez = (0, "")
        // Within lease (2 s) + tolerance (1 s), generously; well before the 22 s the default 20 s tolerance would take.
        let failed = await eventually(timeout: .seconds(15)) {
            livez = (try? await get("/livez")) ?? (0, "")
            return livez.0 == 500
        }
        #expect(failed)
        #expect(livez.1 == "[+]ping ok\n[-]leaderElection failed: \(failure)\nlivez check failed\n")
        #expect(runner.isLeading)
        #expect(stalling.stalledCalls > 0)
        let healthz = try await get("/healthz")
        #expect(healthz.0 == 500)
        #expect(healthz.1.hasSuffix("healthz check failed\n"))
        #expect(try await get("/livez/leaderElection") == (500, "internal server error: \(failure)\n"))
        #expect(try await get("/livez/ping") == (200, "ok"))

        // Shut down first (the stuck renewal then fails, and the cancelled elector releases the Lease).
        runner.shutdown()
        stalling.release()
        #expect(await run.value == .shutdown)
        try await http.shutdown()
        await fake.stop()
    }
}
