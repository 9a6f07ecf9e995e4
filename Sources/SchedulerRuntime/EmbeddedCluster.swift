import KubeAPI
import SchedulerFramework
import Synchronization

/// An in-memory API server: stores objects, hands out resource versions, streams watch events, and
/// implements binding, status patches and deletion with the API server's rules (a pod already bound
/// cannot be bound again). It serves ``ClusterClient`` exactly as the real client will.
package final class EmbeddedCluster: ClusterClient, Sendable {
    struct Watcher {
        var id: Int
        var continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    }

    struct State {
        var objects: [ObjectKind: [String: KubeObject]] = [:]
        var resourceVersion = 0
        var watchers: [ObjectKind: [Watcher]] = [:]
        var nextWatcherID = 0
        var emitted = 0
        var events: [SchedulingEvent] = []
        /// Keep only about this many recorded events (nil: all).
        var eventLimit: Int?
        var bindings = 0
        /// Recent watch events, so a watch from an older resource version replays what it missed.
        var history: [WatchEvent] = []
        /// The PV controller's and provisioner's state (EmbeddedVolumeControllers.swift).
        var volumes = VolumeControllerState()
    }

    /// How many past watch events a watch can resume from; older resource versions get `410 Gone`.
    private static let historyLimit = 50_000

    let state = Mutex(State())

    /// Whether the PV controller and the provisioner run (EmbeddedVolumeControllers.swift).
    let volumeControllers: Bool

    /// - Parameter volumeControllers: run a PV controller and a provisioner, as a real cluster does.
    package init(volumeControllers: Bool = true) {
        self.volumeControllers = volumeControllers
    }

    // MARK: Seeding and inspection

    /// Creates an object as the API server would: assigns a uid, resource version and creation time.
    /// - Throws: ``ClusterError/Code/conflict`` when an object with the same key exists.
    package func create(_ object: KubeObject) throws(ClusterError) {
        try state.withLock { state throws(ClusterError) in
            guard state.objects[object.kind]?[object.key] == nil else {
                throw ClusterError(
                    .conflict,
                    "\(object.kind.rawValue.lowercased())s \"\(object.metadata.name)\" already exists"
                )
            }
            state.resourceVersion += 1
            let stored = Self.stamp(
                Self.preparedForCreate(object),
                resourceVersion: state.resourceVersion,
                fillUID: true
            )
            state.objects[object.kind, default: [:]][object.key] = stored
            emit(WatchEvent(type: .added, object: stored, resourceVersion: String(state.resourceVersion)), in: &state)
            runVolumeControllers(after: stored, in: &state)
        }
    }

    /// Replaces an existing object (or creates it).
    package func update(_ object: KubeObject) {
        state.withLock { state in
            state.resourceVersion += 1
            let existed = state.objects[object.kind]?[object.key] != nil
            let stored = Self.stamp(object, resourceVersion: state.resourceVersion, fillUID: !existed)
            state.objects[object.kind, default: [:]][object.key] = stored
            emit(
                WatchEvent(
                    type: existed ? .modified : .added,
                    object: stored,
                    resourceVersion: String(state.resourceVersion)
                ),
                in: &state
            )
            runVolumeControllers(after: stored, in: &state)
        }
    }

    /// Deletes any object by kind and key (`namespace/name` or `name`).
    package func delete(_ kind: ObjectKind, key: String) throws(ClusterError) {
        try state.withLock { state throws(ClusterError) in
            guard let object = state.objects[kind]?.removeValue(forKey: key) else {
                throw ClusterError(.notFound, "\(kind.rawValue.lowercased())s \"\(key)\" not found")
            }
            if case .persistentVolume(let pv) = object { state.volumes.forget(pv) }
            state.resourceVersion += 1
            emit(WatchEvent(type: .deleted, object: object, resourceVersion: String(state.resourceVersion)), in: &state)
        }
    }

    package func objects(_ kind: ObjectKind) -> [KubeObject] {
        state.withLock { Array(($0.objects[kind] ?? [:]).values) }
    }

    package func pod(namespace: String, name: String) -> Pod? {
        state.withLock { $0.objects[.pod]?["\(namespace)/\(name)"]?.pod }
    }

    /// Events recorded so far, oldest first.
    package var recordedEvents: [SchedulingEvent] { state.withLock { $0.events } }

    /// Watch events delivered to watchers so far (a barrier for deterministic simulation).
    package var emittedEventCount: Int { state.withLock { $0.emitted } }

    package var resourceVersion: Int { state.withLock { $0.resourceVersion } }

    // MARK: ClusterClient

    package func list(_ kind: ObjectKind) async throws(ClusterError) -> ObjectList {
        state.withLock { state in
            let items = (state.objects[kind] ?? [:]).values.sorted { $0.key < $1.key }
            return ObjectList(items: items, resourceVersion: String(state.resourceVersion))
        }
    }

    package func watch(_ kind: ObjectKind, resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream(bufferingPolicy: .unbounded)
        let from = Int(resourceVersion) ?? 0
        let id = state.withLock { state -> Int? in
            if let oldest = state.history.first, let rv = Int(oldest.resourceVersion), from < rv - 1 {
                continuation.finish(throwing: ClusterError(.gone, "too old resource version: \(from) (\(rv - 1))"))
                return nil
            }
            for event in state.history where event.object?.kind == kind && (Int(event.resourceVersion) ?? 0) > from {
                continuation.yield(event)
                state.emitted += 1
            }
            state.nextWatcherID += 1
            state.watchers[kind, default: []].append(Watcher(id: state.nextWatcherID, continuation: continuation))
            return state.nextWatcherID
        }
        guard let id else { return stream }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in state.watchers[kind]?.removeAll { $0.id == id } }
        }
        return stream
    }

    package func bind(namespace: String, name: String, uid: String, nodeName: String) async throws(ClusterError) {
        try state.withLock { state throws(ClusterError) in
            let key = "\(namespace)/\(name)"
            guard var pod = state.objects[.pod]?[key]?.pod else {
                throw ClusterError(.notFound, "pods \"\(name)\" not found")
            }
            if !uid.isEmpty, let current = pod.metadata.uid, current != uid {
                throw ClusterError(
                    .conflict,
                    "Operation cannot be fulfilled on pods/binding \"\(name)\": Precondition failed: UID in precondition: \(uid), UID in object meta: \(current)"
                )
            }
            if pod.isTerminating {
                throw ClusterError(.conflict, "pod \(name) is being deleted, cannot be assigned to a host")
            }
            if !pod.nodeName.isEmpty {
                throw ClusterError(
                    .conflict,
                    "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(pod.nodeName)\""
                )
            }
            pod.spec.nodeName = nodeName
            var status = pod.status ?? PodStatus()
            var conditions = (status.conditions ?? []).filter { $0.type != "PodScheduled" }
            conditions.append(PodCondition(type: "PodScheduled", status: "True"))
            status.conditions = conditions
            pod.status = status
            state.resourceVersion += 1
            state.bindings += 1
            let stored = Self.stamp(.pod(pod), resourceVersion: state.resourceVersion, fillUID: false)
            state.objects[.pod]?[key] = stored
            emit(
                WatchEvent(type: .modified, object: stored, resourceVersion: String(state.resourceVersion)),
                in: &state
            )
        }
    }

    package func patchPodStatus(namespace: String, name: String, patch: PodStatusPatch) async throws(ClusterError) {
        try state.withLock { state throws(ClusterError) in
            let key = "\(namespace)/\(name)"
            guard var pod = state.objects[.pod]?[key]?.pod else {
                throw ClusterError(.notFound, "pods \"\(name)\" not found")
            }
            let before = pod.status
            var status = pod.status ?? PodStatus()
            if let condition = patch.condition {
                var conditions = status.conditions ?? []
                if let index = conditions.firstIndex(where: { $0.type == condition.type }) {
                    conditions[index] = condition
                } else {
                    conditions.append(condition)
                }
                status.conditions = conditions
            }
            switch patch.nominatedNodeName {
            case .unchanged: break
            case .set(let node): status.nominatedNodeName = node
            case .clear: status.nominatedNodeName = nil
            }
            guard status != before else { return }  // an empty patch is not sent
            pod.status = status
            state.resourceVersion += 1
            let stored = Self.stamp(.pod(pod), resourceVersion: state.resourceVersion, fillUID: false)
            state.objects[.pod]?[key] = stored
            emit(
                WatchEvent(type: .modified, object: stored, resourceVersion: String(state.resourceVersion)),
                in: &state
            )
        }
    }

    package func deletePod(namespace: String, name: String, uid: String) async throws(ClusterError) {
        try delete(.pod, key: "\(namespace)/\(name)")
    }

    package func recordEvent(_ event: SchedulingEvent) async {
        state.withLock { state in
            state.events.append(event)
            // Trim in batches so appends stay amortised O(1).
            if let limit = state.eventLimit, state.events.count > 2 * limit {
                state.events.removeFirst(state.events.count - limit)
            }
        }
    }

    /// Keeps only the newest `limit` recorded events (at most twice that between trims), as an API server's
    /// event TTL bounds its events; nil, the default, keeps all (`simulate` reports every event). A long `bench`
    /// run would otherwise grow by one event per binding.
    package func limitRecordedEvents(to limit: Int?) {
        state.withLock { $0.eventLimit = limit.map { max($0, 0) } }
    }

    /// Ends every watch stream.
    package func shutdown() {
        let watchers = state.withLock { state -> [Watcher] in
            defer { state.watchers = [:] }
            return state.watchers.values.flatMap { $0 }
        }
        watchers.forEach { $0.continuation.finish() }
    }

    // MARK: Internals

    func emit(_ event: WatchEvent, in state: inout State) {
        guard let kind = event.object?.kind else { return }
        state.history.append(event)
        // Trim in batches so appends stay amortised O(1).
        if state.history.count > 2 * Self.historyLimit {
            state.history.removeFirst(state.history.count - Self.historyLimit)
        }
        for watcher in state.watchers[kind] ?? [] {
            watcher.continuation.yield(event)
            state.emitted += 1
        }
    }

    /// What the API server's pod strategy does on create (`applySchedulingGatedCondition`): a pod created with
    /// scheduling gates gets `PodScheduled=False` with reason `SchedulingGated`, unless it has a PodScheduled
    /// condition already. Clients (scheduler_perf's `Attempted` barrier, `kubectl`) read it.
    static func preparedForCreate(_ object: KubeObject) -> KubeObject {
        guard case .pod(var pod) = object, !(pod.spec.schedulingGates ?? []).isEmpty else { return object }
        var status = pod.status ?? PodStatus()
        var conditions = status.conditions ?? []
        guard !conditions.contains(where: { $0.type == "PodScheduled" }) else { return object }
        conditions.append(
            PodCondition(
                type: "PodScheduled",
                status: "False",
                reason: "SchedulingGated",
                message: "Scheduling is blocked due to non-empty scheduling gates"
            )
        )
        status.conditions = conditions
        pod.status = status
        return .pod(pod)
    }

    static func stamp(_ object: KubeObject, resourceVersion: Int, fillUID: Bool) -> KubeObject {
        func meta(_ metadata: ObjectMeta, kind: ObjectKind) -> ObjectMeta {
            var m = metadata
            m.resourceVersion = String(resourceVersion)
            if fillUID && (m.uid ?? "").isEmpty {
                m.uid = "uid-\(kind.rawValue.lowercased())-\(m.namespace ?? "")-\(m.name)"
            }
            if kind.isNamespaced && (m.namespace ?? "").isEmpty { m.namespace = "default" }
            return m
        }
        switch object {
        case .pod(var o):
            o.metadata = meta(o.metadata, kind: .pod)
            return .pod(o)
        case .node(var o):
            o.metadata = meta(o.metadata, kind: .node)
            return .node(o)
        case .priorityClass(var o):
            o.metadata = meta(o.metadata, kind: .priorityClass)
            return .priorityClass(o)
        case .namespace(var o):
            o.metadata = meta(o.metadata, kind: .namespace)
            return .namespace(o)
        case .persistentVolume(var o):
            o.metadata = meta(o.metadata, kind: .persistentVolume)
            return .persistentVolume(o)
        case .persistentVolumeClaim(var o):
            o.metadata = meta(o.metadata, kind: .persistentVolumeClaim)
            return .persistentVolumeClaim(o)
        case .storageClass(var o):
            o.metadata = meta(o.metadata, kind: .storageClass)
            return .storageClass(o)
        case .csiNode(var o):
            o.metadata = meta(o.metadata, kind: .csiNode)
            return .csiNode(o)
        case .csiDriver(var o):
            o.metadata = meta(o.metadata, kind: .csiDriver)
            return .csiDriver(o)
        case .csiStorageCapacity(var o):
            o.metadata = meta(o.metadata, kind: .csiStorageCapacity)
            return .csiStorageCapacity(o)
        case .volumeAttachment(var o):
            o.metadata = meta(o.metadata, kind: .volumeAttachment)
            return .volumeAttachment(o)
        case .podDisruptionBudget(var o):
            o.metadata = meta(o.metadata, kind: .podDisruptionBudget)
            return .podDisruptionBudget(o)
        case .service(var o):
            o.metadata = meta(o.metadata, kind: .service)
            return .service(o)
        case .replicationController(var o):
            o.metadata = meta(o.metadata, kind: .replicationController)
            return .replicationController(o)
        case .replicaSet(var o):
            o.metadata = meta(o.metadata, kind: .replicaSet)
            return .replicaSet(o)
        case .statefulSet(var o):
            o.metadata = meta(o.metadata, kind: .statefulSet)
            return .statefulSet(o)
        case .podGroup(var o):
            o.metadata = meta(o.metadata, kind: .podGroup)
            return .podGroup(o)
        }
    }
}
