import Foundation
import KubeAPI
import SchedulerFramework
import Synchronization

/// What marks the objects one bench run creates on a shared API server.
package struct BenchOwnership: Sendable {
    /// `app.kubernetes.io/managed-by` on every object the bench creates.
    package static let managedByKey = "app.kubernetes.io/managed-by"
    /// The value of ``managedByKey``.
    package static let managedByValue = "swift-kube-scheduler-bench"
    /// The label carrying the run id.
    package static let runKey = "swift-kube-scheduler.io/bench-run"

    /// A random id, unique per run (lowercase letters and digits, usable in names).
    package var runID: String
    /// Prepended to every namespace the workload names: `sks-bench-<runID>-`.
    package var namespacePrefix: String { "sks-bench-\(runID)-" }
    /// The labels every created object carries.
    package var labels: [String: String] { [Self.managedByKey: Self.managedByValue, Self.runKey: runID] }

    /// An ownership with `runID`, or a random one.
    package init(runID: String? = nil) {
        self.runID = runID ?? String(UUID().uuidString.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(8))
    }
}

/// An ``ObjectCreator`` for a shared API server: labels every object with the run's ``BenchOwnership``, gives
/// pods the bench profile's `schedulerName`, remembers the nodes and namespaces it created, and deletes them
/// (pods first, immediately) in ``cleanup(listingWith:)``. Once cleanup has begun it refuses new objects.
package final class OwningObjectCreator: ObjectCreator {
    private let inner: any ObjectCreator
    /// The run's labels and namespace prefix.
    package let ownership: BenchOwnership
    /// Given to pods created through this creator.
    package let schedulerName: String

    private struct State {
        var namespaces: [String] = []
        var nodes: [String] = []
        /// Cluster-scoped storage objects (PVs, StorageClasses, CSINodes, CSIDrivers), deleted after the nodes.
        var storage: [(kind: ObjectKind, name: String)] = []
        var inFlight = 0
        var closed = false
        var cleanup: Task<[String], Never>?
    }

    private let state = Mutex(State())

    /// Creates through `inner`, which must support Nodes, Namespaces and Pods.
    package init(inner: any ObjectCreator, ownership: BenchOwnership, schedulerName: String) {
        self.inner = inner
        self.ownership = ownership
        self.schedulerName = schedulerName
    }

    /// The namespaces and nodes created so far (and not deleted by cleanup).
    package var created: (namespaces: [String], nodes: [String]) { state.withLock { ($0.namespaces, $0.nodes) } }

    package func create(_ object: KubeObject) async throws(ClusterError) {
        let object = labeled(object)
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.inFlight += 1
            // Remembered before the request, so a create racing with cleanup is still deleted.
            switch object.kind {
            case .namespace: state.namespaces.append(object.metadata.name)
            case .node: state.nodes.append(object.metadata.name)
            case .persistentVolume, .storageClass, .csiNode, .csiDriver, .volumeAttachment:
                state.storage.append((object.kind, object.metadata.name))
            default: break
            }
            return true
        }
        guard accepted else {
            throw ClusterError(
                .unavailable,
                "the bench is cleaning up; not creating \(object.kind.rawValue) \(object.key)"
            )
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        do {
            try await inner.create(object)
        } catch  where error.code == .conflict {
            // Not ours: never delete an object another run or user owns.
            state.withLock { state in
                switch object.kind {
                case .namespace: state.namespaces.removeAll { $0 == object.metadata.name }
                case .node: state.nodes.removeAll { $0 == object.metadata.name }
                case .persistentVolume, .storageClass, .csiNode, .csiDriver, .volumeAttachment:
                    state.storage.removeAll { $0.kind == object.kind && $0.name == object.metadata.name }
                default: break
                }
            }
            throw error
        }
    }

    package func delete(_ kind: ObjectKind, key: String) async throws(ClusterError) {
        try await inner.delete(kind, key: key)
    }

    /// Deletes everything this creator created: the pods in its namespaces (listed through `client`), the
    /// namespaces, then the nodes. Runs once; later and concurrent calls wait for the first. Errors other than
    /// `notFound` are returned as messages (cleanup goes on past them).
    @discardableResult
    package func cleanup(listingWith client: any ClusterClient) async -> [String] {
        let task = state.withLock { state -> Task<[String], Never> in
            state.closed = true
            if let existing = state.cleanup { return existing }
            let task = Task { [self] in await self.deleteAll(client: client) }
            state.cleanup = task
            return task
        }
        return await task.value
    }

    private func deleteAll(client: any ClusterClient) async -> [String] {
        // Let creates already sent finish, so nothing appears after its namespace or node was deleted.
        let deadline = ContinuousClock.now + .seconds(30)
        while state.withLock({ $0.inFlight > 0 }) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let (namespaces, nodes) = created
        var errors: [String] = []
        func remove(_ kind: ObjectKind, _ key: String) async {
            do {
                try await inner.delete(kind, key: key)
            } catch  where error.code == .notFound {
                // Already gone.
            } catch {
                errors.append("deleting \(kind.rawValue) \(key): \(error.message)")
            }
        }
        let owned = Set(namespaces)
        if !owned.isEmpty, let pods = try? await client.list(.pod).items {
            for pod in pods where owned.contains(pod.metadata.namespace ?? "") { await remove(.pod, pod.key) }
        }
        for namespace in namespaces { await remove(.namespace, namespace) }
        for node in nodes { await remove(.node, node) }
        for (kind, name) in state.withLock({ $0.storage }) { await remove(kind, name) }
        state.withLock { state in
            state.namespaces = []
            state.nodes = []
            state.storage = []
        }
        return errors
    }

    /// The object with the run's labels, the profile's schedulerName (pods) and the API server's defaulting
    /// applied (as the server would; a node's `allocatable` is filled from `capacity`).
    private func labeled(_ object: KubeObject) -> KubeObject {
        let object = APIDefaulting.apply(object)
        let labels = ownership.labels
        func merge(_ metadata: inout ObjectMeta) {
            metadata.labels = (metadata.labels ?? [:]).merging(labels) { _, new in new }
        }
        switch object {
        case .pod(var pod):
            merge(&pod.metadata)
            pod.spec.schedulerName = schedulerName
            return .pod(pod)
        case .node(var node):
            merge(&node.metadata)
            return .node(node)
        case .namespace(var namespace):
            merge(&namespace.metadata)
            return .namespace(namespace)
        default:
            return object
        }
    }
}

/// A ``SchedulerFramework/ClusterClient`` that shows the scheduler only one bench run's world on a shared API
/// server: nodes carrying the run's label and pods in the run's namespaces. Other kinds pass through.
package struct RunScopedClient: ClusterClient {
    /// The real client.
    package let inner: any ClusterClient
    /// Whose objects are shown.
    package let ownership: BenchOwnership

    /// Scopes `inner` to `ownership`.
    package init(inner: any ClusterClient, ownership: BenchOwnership) {
        self.inner = inner
        self.ownership = ownership
    }

    /// Whether the scheduler should see `object`.
    package func includes(_ object: KubeObject) -> Bool {
        switch object.kind {
        case .node: return object.metadata.labels?[BenchOwnership.runKey] == ownership.runID
        case .pod: return (object.metadata.namespace ?? "").hasPrefix(ownership.namespacePrefix)
        default: return true
        }
    }

    package func list(_ kind: ObjectKind) async throws(ClusterError) -> ObjectList {
        var list = try await inner.list(kind)
        list.items = list.items.filter(includes)
        return list
    }

    package func watch(_ kind: ObjectKind, resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        let upstream = inner.watch(kind, resourceVersion: resourceVersion)
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream(bufferingPolicy: .unbounded)
        let scope = self
        let task = Task {
            do {
                for try await event in upstream {
                    if let object = event.object, !scope.includes(object) {
                        // Keep the position moving without showing the object.
                        continuation.yield(
                            WatchEvent(type: .bookmark, object: nil, resourceVersion: event.resourceVersion)
                        )
                        continue
                    }
                    continuation.yield(event)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    package func bind(namespace: String, name: String, uid: String, nodeName: String) async throws(ClusterError) {
        try await inner.bind(namespace: namespace, name: name, uid: uid, nodeName: nodeName)
    }

    package func patchPodStatus(namespace: String, name: String, patch: PodStatusPatch) async throws(ClusterError) {
        try await inner.patchPodStatus(namespace: namespace, name: name, patch: patch)
    }

    package func deletePod(namespace: String, name: String, uid: String) async throws(ClusterError) {
        try await inner.deletePod(namespace: namespace, name: name, uid: uid)
    }

    package func updatePersistentVolume(_ volume: PersistentVolume) async throws(ClusterError) -> PersistentVolume {
        try await inner.updatePersistentVolume(volume)
    }

    package func updatePersistentVolumeClaim(
        _ claim: PersistentVolumeClaim
    ) async throws(ClusterError) -> PersistentVolumeClaim {
        try await inner.updatePersistentVolumeClaim(claim)
    }

    package func recordEvent(_ event: SchedulingEvent) async {
        await inner.recordEvent(event)
    }
}

extension BenchCluster {
    /// A run on a shared API server reached through `client` (list, watch, bind) and `creator` (create and
    /// delete Nodes, Namespaces, Pods): the workload's namespaces get the run's prefix, every object the run's
    /// labels, pods `schedulerName`; the scheduler sees only the run's nodes and pods; ``cleanup`` deletes what
    /// the run created and then calls `close`. The mode is `kubeconfig`.
    package static func shared(
        client: any ClusterClient,
        creator: any ObjectCreator,
        schedulerName: String,
        ownership: BenchOwnership = BenchOwnership(),
        onCleanupError: @escaping @Sendable (String) -> Void = { _ in },
        close: @escaping @Sendable () async -> Void = {}
    ) -> (cluster: BenchCluster, owner: OwningObjectCreator) {
        let owner = OwningObjectCreator(inner: creator, ownership: ownership, schedulerName: schedulerName)
        let scoped = RunScopedClient(inner: client, ownership: ownership)
        let closed = Mutex(false)
        var cluster = BenchCluster(
            mode: "kubeconfig",
            client: scoped,
            creator: owner,
            cleanup: {
                let errors = await owner.cleanup(listingWith: client)
                errors.forEach(onCleanupError)
                let first = closed.withLock { closed -> Bool in
                    defer { closed = true }
                    return !closed
                }
                if first { await close() }
            },
            shutdown: {}
        )
        cluster.namespacePrefix = ownership.namespacePrefix
        return (cluster, owner)
    }
}
