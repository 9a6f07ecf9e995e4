import Bench
import Foundation
import KubeAPI
import KubeClient
import Logging
import SchedulerFramework
import Synchronization

/// The Kubernetes API client as the bench's ``Bench/ObjectCreator``. Pods are deleted at once (grace period 0):
/// the bench's nodes have no kubelet to confirm a graceful deletion.
struct KubeObjectCreator: ObjectCreator {
    let client: KubernetesClient

    func create(_ object: KubeObject) async throws(ClusterError) {
        try await client.create(object)
    }

    func delete(_ kind: ObjectKind, key: String) async throws(ClusterError) {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            try await client.delete(
                kind,
                namespace: parts[0],
                name: parts[1],
                gracePeriodSeconds: kind == .pod ? 0 : nil
            )
        } else {
            try await client.delete(kind, namespace: nil, name: key)
        }
    }
}

/// The cleanups of the bench's API-server clusters, run when the bench is interrupted.
final class BenchCleanups: Sendable {
    private let state = Mutex<(cleanups: [@Sendable () async -> Void], interrupted: Bool)>(([], false))

    func add(_ cleanup: @escaping @Sendable () async -> Void) {
        state.withLock { $0.cleanups.append(cleanup) }
    }

    /// Runs every cleanup (once), then exits with `status`.
    func interrupt(status: Int32) {
        let cleanups = state.withLock { state -> [@Sendable () async -> Void]? in
            guard !state.interrupted else { return nil }
            state.interrupted = true
            return state.cleanups
        }
        guard let cleanups else { return }
        printWarning("interrupted: deleting the objects this bench run created")
        Task {
            for cleanup in cleanups { await cleanup() }
            exit(status)
        }
    }

    /// A factory for ``BenchArguments/kubeconfigCluster`` whose clusters this registry cleans up on interrupt.
    func factory(context: String?) -> @Sendable (String, String) async throws(BenchError) -> BenchCluster {
        { [self] (path: String, schedulerName: String) async throws(BenchError) -> BenchCluster in
            let configuration: ClientConfiguration
            do {
                configuration = try ClientConfigLoader.load(kubeconfig: path, context: context)
            } catch {
                throw BenchError("--kubeconfig \(path): \(error)")
            }
            var logger = Logger(label: "swift-kube-scheduler.bench")
            logger.logLevel = .error
            let rest: RESTClient
            do {
                rest = try RESTClient(configuration: configuration, logger: logger)
            } catch {
                throw BenchError("--kubeconfig \(path): \(error)")
            }
            let client = KubernetesClient(rest: rest, logger: logger)
            do {
                _ = try await client.list(.namespace)
            } catch {
                await client.shutdown(flushTimeout: .zero)
                throw BenchError(
                    "--kubeconfig \(path): cannot reach the API server at \(configuration.server): \(error)"
                )
            }
            let cluster = BenchCluster.shared(
                client: client,
                creator: KubeObjectCreator(client: client),
                schedulerName: schedulerName,
                onCleanupError: { printWarning("cleanup: \($0)") },
                close: { await client.shutdown() }
            ).cluster
            add(cluster.cleanup)
            return cluster
        }
    }
}
