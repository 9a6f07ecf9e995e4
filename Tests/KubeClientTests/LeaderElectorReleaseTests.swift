import KubeAPI
import KubeClient
import Logging
import SchedulerFramework
import Synchronization
import Testing

/// Releasing the lease on shutdown when the elector's view of it is stale: a renewal cancelled by the shutdown
/// may still have reached the server, so the release's optimistic update conflicts. The lease must still be
/// released, not left to expire (which delays the standby's takeover by a whole lease duration).
@Suite struct LeaderElectorReleaseTests {
    /// A lease store with optimistic concurrency, whose stored version can be bumped behind the elector's back.
    final class Store: LeaseStore {
        let stored = Mutex<Lease?>(nil)
        let version = Atomic<Int>(0)

        func getLease(namespace: String, name: String) async throws(ClusterError) -> Lease {
            guard let lease = stored.withLock({ $0 }) else { throw ClusterError(.notFound, "not found") }
            return lease
        }

        func createLease(_ lease: Lease) async throws(ClusterError) -> Lease {
            try stored.withLock { stored throws(ClusterError) -> Lease in
                guard stored == nil else { throw ClusterError(.conflict, "exists") }
                var created = lease
                created.metadata.resourceVersion = String(version.add(1, ordering: .relaxed).newValue)
                stored = created
                return created
            }
        }

        func updateLease(_ lease: Lease) async throws(ClusterError) -> Lease {
            try stored.withLock { stored throws(ClusterError) -> Lease in
                guard let current = stored, current.metadata.resourceVersion == lease.metadata.resourceVersion else {
                    throw ClusterError(.conflict, "the object has been modified")
                }
                var updated = lease
                updated.metadata.resourceVersion = String(version.add(1, ordering: .relaxed).newValue)
                stored = updated
                return updated
            }
        }

        /// A write the elector did not see (its own renewal whose answer was lost).
        func bumpVersion() {
            stored.withLock { stored in
                stored?.metadata.resourceVersion = String(version.add(1, ordering: .relaxed).newValue)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aStaleViewStillReleasesTheLease() async throws {
        let store = Store()
        var configuration = LeaderElector.Configuration(leaseNamespace: "kube-system", leaseName: "l", identity: "a")
        configuration.leaseDuration = .seconds(60)
        configuration.renewDeadline = .seconds(40)
        configuration.retryPeriod = .seconds(30)
        let elector = try LeaderElector(
            configuration: configuration,
            store: store,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        let started = AsyncStream<Void>.makeStream()
        let run = Task { await elector.run { started.continuation.yield() } }
        for await _ in started.stream { break }
        #expect(store.stored.withLock { $0?.spec?.holderIdentity } == "a")

        store.bumpVersion()
        run.cancel()
        #expect(await run.value == .cancelled)
        let released = store.stored.withLock { $0?.spec }
        #expect(released?.holderIdentity == nil)
        #expect(released?.leaseDurationSeconds == 1)
    }
}
