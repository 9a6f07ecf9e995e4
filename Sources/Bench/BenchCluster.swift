import Foundation
import KubeAPI
import SchedulerFramework
import SchedulerRuntime

/// Creates and deletes the objects a workload needs. The embedded cluster implements it in memory; against a
/// real API server (`--kubeconfig`) it is `POST`/`DELETE` in namespaces the bench owns (``OwningObjectCreator``).
package protocol ObjectCreator: Sendable {
    /// Creates `object` (the API server assigns uid and resource version and applies its defaulting).
    func create(_ object: KubeObject) async throws(ClusterError)
    /// Deletes the object of `kind` with `key` (`namespace/name`, or `name` for cluster-scoped kinds).
    func delete(_ kind: ObjectKind, key: String) async throws(ClusterError)
}

/// Where a bench runs: the scheduler's ``ClusterClient``, the ``ObjectCreator`` that feeds it, and how to
/// clean up afterwards.
package struct BenchCluster: Sendable {
    /// `embedded` or `kubeconfig`, as reported in results.
    package var mode: String
    /// What the scheduler lists, watches, binds through.
    package var client: any ClusterClient
    /// What the workload's operations create objects through.
    package var creator: any ObjectCreator
    /// Deletes everything the run created (a no-op for the embedded cluster, which is simply dropped).
    package var cleanup: @Sendable () async -> Void
    /// Ends watches when the run is over.
    package var shutdown: @Sendable () -> Void
    /// Every object of a kind, in any order (for placement figures at the end of a run).
    package var inventory: @Sendable (ObjectKind) async -> [KubeObject]
    /// Prepended to every namespace the workload names (empty for the embedded cluster; unique per run on a
    /// shared API server, so the bench only writes to namespaces it owns).
    package var namespacePrefix = ""

    /// A cluster reached through `client` and fed through `creator`; `inventory` defaults to listing.
    package init(
        mode: String,
        client: any ClusterClient,
        creator: any ObjectCreator,
        cleanup: @escaping @Sendable () async -> Void,
        shutdown: @escaping @Sendable () -> Void,
        inventory: (@Sendable (ObjectKind) async -> [KubeObject])? = nil
    ) {
        self.mode = mode
        self.client = client
        self.creator = creator
        self.cleanup = cleanup
        self.shutdown = shutdown
        self.inventory = inventory ?? { kind in (try? await client.list(kind).items) ?? [] }
    }

    /// A fresh in-memory cluster.
    package static func embedded() -> BenchCluster {
        let cluster = EmbeddedCluster()
        // Nothing in bench reads the events; without a bound they grow by one per binding (issue 14's soak).
        cluster.limitRecordedEvents(to: 10_000)
        return BenchCluster(
            mode: "embedded",
            client: cluster,
            creator: EmbeddedObjectCreator(cluster: cluster),
            cleanup: {},
            shutdown: { cluster.shutdown() },
            inventory: { cluster.objects($0) }
        )
    }
}

/// Creates objects in an ``EmbeddedCluster`` after the API server's defaulting.
package struct EmbeddedObjectCreator: ObjectCreator {
    package let cluster: EmbeddedCluster

    package init(cluster: EmbeddedCluster) { self.cluster = cluster }

    package func create(_ object: KubeObject) async throws(ClusterError) {
        try cluster.create(APIDefaulting.apply(object))
    }

    /// Deletes as the API server does, except that graceful deletion of a bound pod completes at once (there is
    /// no kubelet): an object with finalizers only gets `deletionTimestamp` (and stays until they are removed).
    package func delete(_ kind: ObjectKind, key: String) async throws(ClusterError) {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        if kind == .pod, parts.count == 2, let current = cluster.pod(namespace: parts[0], name: parts[1]),
            !(current.metadata.finalizers ?? []).isEmpty
        {
            guard current.metadata.deletionTimestamp == nil else { return }
            var marked = current
            marked.metadata.deletionTimestamp = Date().formatted(.iso8601)
            cluster.update(.pod(marked))
            return
        }
        try cluster.delete(kind, key: key)
    }
}

/// The parts of the API server's defaulting that scheduling reads (`SetDefaults_*`).
package enum APIDefaulting {
    /// Pods: namespace `default`, schedulerName `default-scheduler`, priority 0, preemptionPolicy
    /// `PreemptLowerPriority`. Nodes: `allocatable` copied from `capacity` when unset.
    package static func apply(_ object: KubeObject) -> KubeObject {
        switch object {
        case .pod(var pod):
            if (pod.metadata.namespace ?? "").isEmpty { pod.metadata.namespace = "default" }
            if (pod.spec.schedulerName ?? "").isEmpty { pod.spec.schedulerName = "default-scheduler" }
            if pod.spec.priority == nil { pod.spec.priority = 0 }
            if pod.spec.preemptionPolicy == nil { pod.spec.preemptionPolicy = "PreemptLowerPriority" }
            return .pod(pod)
        case .node(var node):
            if node.status.allocatable == nil, let capacity = node.status.capacity {
                node.status.allocatable = capacity
            }
            return .node(node)
        default:
            return object
        }
    }
}
