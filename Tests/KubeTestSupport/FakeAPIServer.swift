import Foundation
import KubeAPI
import KubeClient
import Logging
import NIOHTTP1
import SchedulerFramework
import SchedulerServer
import Synchronization

/// An in-process Kubernetes API server on 127.0.0.1 for tests, speaking the real wire protocol over HTTP/1.1:
/// JSON lists with `resourceVersion` and `limit`/`continue` paging, chunked watch streams (resuming from a
/// resource version, bookmarks, `410 Gone` as an ERROR event once history is compacted), the pod binding
/// subresource (409 for a pod already bound, being deleted or with another UID), strategic-merge status
/// patches, pod deletion, `events.k8s.io/v1` Events and `coordination.k8s.io/v1` Leases with optimistic
/// concurrency. Tests seed and change objects directly and inject failures.
final class FakeAPIServer: Sendable {
    struct Binding: Sendable, Equatable {
        var pod: String
        var node: String
        /// The binder's `User-Agent` (which carries its leader-election identity).
        var userAgent: String
    }

    /// One `POST pods/NAME/binding`, whatever the answer.
    struct BindAttempt: Sendable, Equatable {
        var pod: String
        var node: String
        var userAgent: String
        /// The HTTP status the fake answered (201 when the binding was stored).
        var code: Int
        var accepted: Bool { code == 201 }
    }

    struct RequestRecord: Sendable {
        var method: HTTPMethod
        var path: String
        var query: [String: String]
        var userAgent: String
        var time: ContinuousClock.Instant
        /// The `Authorization` header, if any.
        var authorization: String? = nil
    }

    /// What a request is, for fault injection.
    enum FaultTarget: String, CaseIterable, Sendable {
        case list, watch, bind, statusPatch, events, lease
    }

    /// An injected answer for the next `remaining` requests of a target: an error status (with an optional
    /// `Retry-After`), or a delay before the request is served normally (slower than the client's timeout).
    struct Fault: Sendable {
        var status: Int?
        var retryAfter: Int?
        var delay: Duration?
        var remaining: Int
    }

    private struct HistoryEntry {
        var resourceVersion: Int
        var kind: ObjectKind
        var type: String
        var object: KubeObject
    }

    private struct Watcher {
        var kind: ObjectKind
        var continuation: AsyncStream<HTTPServer.Chunk>.Continuation
    }

    private struct State {
        /// Set by ``stop()``: a watch served after it ends at once (its request may have been read just before).
        var stopped = false
        var objects: [ObjectKind: [String: KubeObject]] = [:]
        var resourceVersion = 100
        var history: [HistoryEntry] = []
        /// Watches from a resource version below this get `410 Gone`.
        var oldestWatchable = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
        var bindings: [Binding] = []
        var bindAttempts: [String: Int] = [:]
        var bindAttemptLog: [BindAttempt] = []
        var faults: [FaultTarget: Fault] = [:]
        var faultsServed: [FaultTarget: Int] = [:]
        /// Bindings of these pods are stored, but the open watches miss the event (silenced first) and the
        /// connection is reset before the response: the binder cannot know the outcome.
        var resetBind: Set<String> = []
        /// Watches that stay open but receive nothing more (a half-dead connection).
        var silenced: [Watcher] = []
        var conflictOnce: Set<String> = []
        var requests: [RequestRecord] = []
        var leases: [String: Lease] = [:]
        var events: [EventsV1Event] = []
        var eventPatches = 0
        var statusPatches: [(pod: String, body: String)] = []
        var deletions: [String] = []
        /// Every object created through the API (POST), as stored, in order.
        var apiCreations: [KubeObject] = []
        var malformedListItems: [ObjectKind: [String]] = [:]
        var watchUnavailable = false
        var listUnavailable: Set<ObjectKind> = []
        var expireContinueTokens = false
        var leaseUpdateDelay: Duration = .zero
        /// Whether PV/PVC writes are answered as a PV controller and provisioner would (bind, provision).
        var volumeController = false
        var volumeWrites: [String] = []
    }

    private let state = Mutex(State())
    private let server: Mutex<HTTPServer?> = Mutex(nil)
    private let portValue = Mutex<Int>(0)

    /// Starts serving on an ephemeral loopback port.
    static func start() async throws -> FakeAPIServer {
        let fake = FakeAPIServer()
        var logger = Logger(label: "fake-apiserver")
        logger.logLevel = .critical
        let server = HTTPServer(host: "127.0.0.1", port: 0, logger: logger) { request in
            await fake.handle(request)
        }
        let port = try await server.start()
        fake.server.withLock { $0 = server }
        fake.portValue.withLock { $0 = port }
        return fake
    }

    var port: Int { portValue.withLock { $0 } }
    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        let watchers = state.withLock { state -> [Watcher] in
            state.stopped = true
            defer {
                state.watchers = [:]
                state.silenced = []
            }
            return Array(state.watchers.values) + state.silenced
        }
        watchers.forEach { $0.continuation.finish() }
        if let server = server.withLock({ $0 }) { await server.stop() }
    }

    // MARK: Seeding and changes (as other clients of the API server would make them)

    @discardableResult
    func create(_ object: KubeObject) -> KubeObject {
        state.withLock { state in
            var object = object
            if object.kind.isNamespaced, (object.metadata.namespace ?? "").isEmpty {
                object = Self.with(object) { $0.namespace = "default" }
            }
            if (object.metadata.uid ?? "").isEmpty {
                object = Self.with(object) { $0.uid = UUID().uuidString.lowercased() }
            }
            return store(object, type: "ADDED", in: &state)
        }
    }

    func createPod(_ pod: Pod) { create(.pod(pod)) }
    func createNode(_ node: Node) { create(.node(node)) }

    /// Replaces an object (as an update by another client).
    func update(_ object: KubeObject) {
        state.withLock { state in _ = store(object, type: "MODIFIED", in: &state) }
    }

    func delete(_ kind: ObjectKind, key: String) {
        state.withLock { state in
            guard let object = state.objects[kind]?.removeValue(forKey: key) else { return }
            state.resourceVersion += 1
            let stamped = Self.with(object) { $0.resourceVersion = String(state.resourceVersion) }
            emit(
                HistoryEntry(resourceVersion: state.resourceVersion, kind: kind, type: "DELETED", object: stamped),
                in: &state
            )
        }
    }

    /// Binds a pod as another scheduler would (no log entry in ``bindings``).
    func bindExternally(_ key: String, node: String) {
        state.withLock { state in
            guard var pod = state.objects[.pod]?[key]?.pod else { return }
            pod.spec.nodeName = node
            _ = store(.pod(pod), type: "MODIFIED", in: &state)
        }
    }

    func pod(_ key: String) -> Pod? { state.withLock { $0.objects[.pod]?[key]?.pod } }
    func objects(_ kind: ObjectKind) -> [KubeObject] { state.withLock { Array(($0.objects[kind] ?? [:]).values) } }

    // MARK: Failure injection

    /// The next binding of `key` fails with 409 Conflict (the pod is left unbound).
    func conflictOnNextBind(_ key: String) { state.withLock { _ = $0.conflictOnce.insert(key) } }

    /// Lists of `kind` carry these raw JSON items too (they do not decode as the kind).
    func addMalformedListItem(_ kind: ObjectKind, _ json: String) {
        state.withLock { $0.malformedListItems[kind, default: []].append(json) }
    }

    /// Writes raw bytes (plus a newline) to every open watch of `kind`.
    func injectRawWatchBytes(_ kind: ObjectKind, _ text: String) {
        state.withLock { state in
            for watcher in state.watchers.values where watcher.kind == kind {
                watcher.continuation.yield(.data(Array((text + "\n").utf8)))
            }
        }
    }

    /// Closes every open watch connection abruptly, mid-stream (no terminating chunk).
    func dropWatches() {
        let watchers = state.withLock { state -> [Watcher] in
            defer { state.watchers = [:] }
            return Array(state.watchers.values)
        }
        for watcher in watchers {
            watcher.continuation.yield(.abort)
            watcher.continuation.finish()
        }
    }

    /// Every open watch stops receiving anything (events, bookmarks, bytes) but stays connected, as behind a
    /// proxy that lost the upstream side. New watches are served normally.
    func silenceWatches() {
        state.withLock { state in
            state.silenced += state.watchers.values
            state.watchers = [:]
        }
    }

    /// The next `count` requests of `target` are answered `status` (with `Retry-After: retryAfter` if given).
    func injectFault(_ target: FaultTarget, status: Int, retryAfter: Int? = nil, count: Int) {
        state.withLock {
            $0.faults[target] = Fault(status: status, retryAfter: retryAfter, delay: nil, remaining: count)
        }
    }

    /// The next `count` requests of `target` are served only after `delay`.
    func injectDelay(_ target: FaultTarget, _ delay: Duration, count: Int) {
        state.withLock { $0.faults[target] = Fault(status: nil, retryAfter: nil, delay: delay, remaining: count) }
    }

    /// How many injected faults of `target` were served.
    func faultsServed(_ target: FaultTarget) -> Int { state.withLock { $0.faultsServed[target] ?? 0 } }

    /// The next binding of `key` is applied but its response is lost (connection reset), and the watches
    /// open at that moment never see it (they are silenced), as when a proxy dies mid-request.
    func resetNextBind(_ key: String) { state.withLock { _ = $0.resetBind.insert(key) } }

    /// While set, watch requests are answered `503` (events still happen and are kept in history).
    func setWatchUnavailable(_ unavailable: Bool) { state.withLock { $0.watchUnavailable = unavailable } }

    /// While set, lists of `kind` are answered `503`.
    func setListUnavailable(_ kind: ObjectKind, _ unavailable: Bool) {
        state.withLock { state in
            if unavailable { state.listUnavailable.insert(kind) } else { state.listUnavailable.remove(kind) }
        }
    }

    /// Forgets history: a watch from any resource version seen so far gets `410 Gone`.
    func compactHistory() {
        state.withLock { state in
            state.history = []
            state.oldestWatchable = state.resourceVersion + 1
        }
    }

    /// Sends a BOOKMARK with the current resource version to every watch.
    func sendBookmarks() {
        state.withLock { state in
            let rv = state.resourceVersion
            for watcher in state.watchers.values {
                let json =
                    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"\(watcher.kind.rawValue)\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"\(rv)\"}}}\n"
                watcher.continuation.yield(.data(Array(json.utf8)))
            }
        }
    }

    /// Continue tokens are reported expired (410) from now on.
    func expireContinueTokens() { state.withLock { $0.expireContinueTokens = true } }

    /// Lease updates take this long (to make renewals miss their deadline).
    func setLeaseUpdateDelay(_ delay: Duration) { state.withLock { $0.leaseUpdateDelay = delay } }

    /// Overwrites a Lease's holder (another candidate took it).
    func stealLease(namespace: String, name: String, holder: String) {
        state.withLock { state in
            let key = "\(namespace)/\(name)"
            guard var lease = state.leases[key] else { return }
            state.resourceVersion += 1
            lease.spec?.holderIdentity = holder
            lease.spec?.leaseDurationSeconds = 3600
            lease.metadata.resourceVersion = String(state.resourceVersion)
            state.leases[key] = lease
        }
    }

    // MARK: Inspection

    var bindings: [Binding] { state.withLock { $0.bindings } }
    func bindAttempts(_ key: String) -> Int { state.withLock { $0.bindAttempts[key] ?? 0 } }
    var requests: [RequestRecord] { state.withLock { $0.requests } }
    var events: [EventsV1Event] { state.withLock { $0.events } }
    var eventPatchCount: Int { state.withLock { $0.eventPatches } }
    var statusPatches: [(pod: String, body: String)] { state.withLock { $0.statusPatches } }
    var deletions: [String] { state.withLock { $0.deletions } }
    /// Every object created through the API (POST), as stored, in order.
    var apiCreations: [KubeObject] { state.withLock { $0.apiCreations } }
    func lease(namespace: String, name: String) -> Lease? { state.withLock { $0.leases["\(namespace)/\(name)"] } }
    var openWatchCount: Int { state.withLock { $0.watchers.count } }

    /// Every binding request, accepted or refused, in arrival order.
    var bindAttemptLog: [BindAttempt] { state.withLock { $0.bindAttemptLog } }

    /// Pods that received a binding request after one of theirs was accepted — a scheduler binding a pod
    /// twice, whatever the fake answered the second time — or that got two accepted bindings. Must always be
    /// empty.
    var doublyBound: [String] {
        var bound: Set<String> = []
        var twice: Set<String> = []
        for attempt in bindAttemptLog {
            if bound.contains(attempt.pod) { twice.insert(attempt.pod) }
            if attempt.accepted { bound.insert(attempt.pod) }
        }
        return twice.sorted()
    }

    // MARK: HTTP

    private static func faultTarget(_ request: HTTPServer.Request, parts: [String]) -> FaultTarget? {
        if request.method == .GET,
            ObjectKind.allCases.contains(where: { ResourceDescriptor.of($0).path == request.path })
        {
            return request.query["watch"] == "true" || request.query["watch"] == "1" ? .watch : .list
        }
        if parts.count >= 6, parts[0] == "apis", parts[1] == "coordination.k8s.io" { return .lease }
        if parts.count >= 6, parts[0] == "apis", parts[1] == "events.k8s.io" { return .events }
        if parts.count == 7, parts[4] == "pods", parts[6] == "binding", request.method == .POST { return .bind }
        if parts.count == 7, parts[4] == "pods", parts[6] == "status", request.method == .PATCH { return .statusPatch }
        return nil
    }

    private func handle(_ request: HTTPServer.Request) async -> HTTPServer.Response {
        let agent = request.headers.first(name: "User-Agent") ?? ""
        let authorization = request.headers.first(name: "Authorization")
        state.withLock {
            $0.requests.append(
                RequestRecord(
                    method: request.method,
                    path: request.path,
                    query: request.query,
                    userAgent: agent,
                    time: .now,
                    authorization: authorization
                )
            )
        }
        let parts = request.path.split(separator: "/").map(String.init)
        if let target = Self.faultTarget(request, parts: parts) {
            let fault = state.withLock { state -> Fault? in
                guard var fault = state.faults[target], fault.remaining > 0 else { return nil }
                fault.remaining -= 1
                state.faults[target] = fault
                state.faultsServed[target, default: 0] += 1
                return fault
            }
            if let fault {
                if let delay = fault.delay { try? await Task.sleep(for: delay) }
                if let status = fault.status {
                    var response = Self.status(
                        status,
                        status == 429 ? "TooManyRequests" : "InternalError",
                        "injected fault"
                    )
                    if let retryAfter = fault.retryAfter {
                        response.headers.add(name: "Retry-After", value: String(retryAfter))
                    }
                    return response
                }
            }
        }

        // Collections (list and watch).
        for kind in ObjectKind.allCases where ResourceDescriptor.of(kind).path == request.path {
            if request.method == .POST, kind == .node || kind == .namespace {
                return createThroughAPI(kind, namespace: nil, request)
            }
            guard request.method == .GET else { return Self.status(405, "MethodNotAllowed", "method not allowed") }
            if request.query["watch"] == "true" || request.query["watch"] == "1" { return watch(kind, request) }
            return list(kind, request)
        }
        // POST /api/v1/namespaces/NS/pods
        if request.method == .POST, parts.count == 5, parts[0] == "api", parts[1] == "v1", parts[2] == "namespaces",
            parts[4] == "pods"
        {
            return createThroughAPI(.pod, namespace: parts[3], request)
        }
        // DELETE /api/v1/nodes/NAME, /api/v1/namespaces/NAME
        if request.method == .DELETE, parts.count == 4, parts[0] == "api", parts[1] == "v1",
            parts[2] == "nodes" || parts[2] == "namespaces"
        {
            return deleteThroughAPI(parts[2] == "nodes" ? .node : .namespace, name: parts[3])
        }
        // /api/v1/namespaces/NS/pods/NAME[/binding|/status]
        if parts.count >= 6, parts[0] == "api", parts[1] == "v1", parts[2] == "namespaces", parts[4] == "pods" {
            let key = "\(parts[3])/\(parts[5])"
            let sub = parts.count > 6 ? parts[6] : ""
            switch (request.method, sub) {
            case (.POST, "binding"): return bind(key, request, agent: agent)
            case (.PATCH, "status"): return patchStatus(key, request)
            case (.DELETE, ""): return deletePod(key, request)
            case (.GET, ""):
                guard let pod = pod(key) else { return Self.status(404, "NotFound", "pods \"\(parts[5])\" not found") }
                return Self.json(200, Self.encode(.pod(pod)))
            default: break
            }
        }
        // PUT /api/v1/persistentvolumes/NAME, /api/v1/namespaces/NS/persistentvolumeclaims/NAME
        if request.method == .PUT, parts.count == 4, parts[0] == "api", parts[1] == "v1",
            parts[2] == "persistentvolumes"
        {
            return updateVolumeObject(.persistentVolume, key: parts[3], request)
        }
        if request.method == .PUT, parts.count == 6, parts[0] == "api", parts[1] == "v1", parts[2] == "namespaces",
            parts[4] == "persistentvolumeclaims"
        {
            return updateVolumeObject(.persistentVolumeClaim, key: "\(parts[3])/\(parts[5])", request)
        }
        // Events.
        // /apis/events.k8s.io/v1/namespaces/NS/events[/NAME]
        if parts.count >= 6, parts[0] == "apis", parts[1] == "events.k8s.io", parts[3] == "namespaces",
            parts[5] == "events"
        {
            if request.method == .POST {
                guard let event = try? JSONDecoder().decode(EventsV1Event.self, from: Data(request.body)) else {
                    return Self.status(400, "BadRequest", "malformed event")
                }
                state.withLock { $0.events.append(event) }
                return Self.json(201, request.body)
            }
            if request.method == .PATCH {
                state.withLock { $0.eventPatches += 1 }
                return Self.json(200, request.body)
            }
        }
        // Leases.
        // /apis/coordination.k8s.io/v1/namespaces/NS/leases[/NAME]
        if parts.count >= 6, parts[0] == "apis", parts[1] == "coordination.k8s.io", parts[3] == "namespaces",
            parts[5] == "leases"
        {
            return await lease(namespace: parts[4], name: parts.count > 6 ? parts[6] : nil, request)
        }
        return Self.status(404, "NotFound", "the server could not find the requested resource")
    }

    private func list(_ kind: ObjectKind, _ request: HTTPServer.Request) -> HTTPServer.Response {
        if state.withLock({ $0.listUnavailable.contains(kind) }) {
            return Self.status(503, "ServiceUnavailable", "list temporarily unavailable")
        }
        let limit = request.query["limit"].flatMap { Int($0) } ?? 0
        let offset = request.query["continue"].flatMap { Int($0.split(separator: ":").last ?? "") } ?? 0
        let (items, rv, malformed, expired) = state.withLock { state -> ([KubeObject], Int, [String], Bool) in
            let items = (state.objects[kind] ?? [:]).values
                .filter { Self.matchesSelector(kind, $0, request.query["fieldSelector"]) }
                .sorted { $0.key < $1.key }
            return (
                items, state.resourceVersion, state.malformedListItems[kind] ?? [],
                state.expireContinueTokens && request.query["continue"] != nil
            )
        }
        if expired {
            return Self.status(
                410,
                "Expired",
                "The provided continue parameter is too old to display a consistent list result."
            )
        }
        var page = Array(items.dropFirst(offset))
        var next: String?
        if limit > 0, page.count > limit {
            page = Array(page.prefix(limit))
            next = "\(rv):\(offset + limit)"
        }
        var itemTexts = page.map { String(decoding: Self.encode($0), as: UTF8.self) }
        if offset == 0 { itemTexts.insert(contentsOf: malformed, at: min(1, itemTexts.count)) }
        let listKind = kind.rawValue + "List"
        var meta = "\"resourceVersion\":\"\(rv)\""
        if let next { meta += ",\"continue\":\"\(next)\"" }
        let body =
            "{\"kind\":\"\(listKind)\",\"apiVersion\":\"v1\",\"metadata\":{\(meta)},\"items\":[\(itemTexts.joined(separator: ","))]}"
        return Self.json(200, Array(body.utf8))
    }

    private func watch(_ kind: ObjectKind, _ request: HTTPServer.Request) -> HTTPServer.Response {
        let from = Int(request.query["resourceVersion"] ?? "") ?? 0
        let selector = request.query["fieldSelector"]
        let (stream, continuation) = AsyncStream<HTTPServer.Chunk>.makeStream()
        let outcome = state.withLock { state -> Int? in
            if state.stopped {
                continuation.finish()
                return nil
            }
            if state.watchUnavailable { return -1 }
            if from + 1 < state.oldestWatchable {
                let status =
                    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: \(from) (\(state.oldestWatchable - 1))\",\"reason\":\"Expired\",\"code\":410}}\n"
                continuation.yield(.data(Array(status.utf8)))
                continuation.finish()
                return nil
            }
            for entry in state.history where entry.kind == kind && entry.resourceVersion > from {
                if let frame = Self.frame(entry, selector: selector) { continuation.yield(.data(frame)) }
            }
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = Watcher(kind: kind, continuation: continuation)
            return state.nextWatcher
        }
        if outcome == -1 { return Self.status(503, "ServiceUnavailable", "watch temporarily unavailable") }
        if let id = outcome {
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return HTTPServer.Response(status: .ok, headers: headers, body: .stream(stream))
    }

    private func bind(_ key: String, _ request: HTTPServer.Request, agent: String) -> HTTPServer.Response {
        guard let binding = try? JSONDecoder().decode(KubeAPI.Binding.self, from: Data(request.body)) else {
            return Self.status(400, "BadRequest", "malformed Binding")
        }
        let name = key.split(separator: "/").last.map(String.init) ?? key
        return state.withLock { state -> HTTPServer.Response in
            state.bindAttempts[key, default: 0] += 1
            let response = bindLocked(key, name: name, binding: binding, agent: agent, in: &state)
            state.bindAttemptLog.append(
                BindAttempt(pod: key, node: binding.target.name, userAgent: agent, code: Int(response.status.code))
            )
            return response
        }
    }

    private func bindLocked(
        _ key: String,
        name: String,
        binding: KubeAPI.Binding,
        agent: String,
        in state: inout State
    ) -> HTTPServer.Response {
        guard var pod = state.objects[.pod]?[key]?.pod else {
            return Self.status(404, "NotFound", "pods \"\(name)\" not found")
        }
        if state.conflictOnce.remove(key) != nil {
            return Self.status(
                409,
                "Conflict",
                "Operation cannot be fulfilled on pods/binding \"\(name)\": injected conflict"
            )
        }
        if let uid = binding.metadata.uid, uid != pod.metadata.uid {
            return Self.status(
                409,
                "Conflict",
                "Operation cannot be fulfilled on pods/binding \"\(name)\": Precondition failed: UID in precondition: \(uid), UID in object meta: \(pod.metadata.uid ?? "")"
            )
        }
        if pod.isTerminating {
            return Self.status(409, "Conflict", "pod \(name) is being deleted, cannot be assigned to a host")
        }
        if !pod.nodeName.isEmpty {
            return Self.status(
                409,
                "Conflict",
                "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(pod.nodeName)\""
            )
        }
        let reset = state.resetBind.remove(key) != nil
        if reset {
            state.silenced += state.watchers.values
            state.watchers = [:]
        }
        pod.spec.nodeName = binding.target.name
        var status = pod.status ?? PodStatus()
        var conditions = (status.conditions ?? []).filter { $0.type != "PodScheduled" }
        conditions.append(PodCondition(type: "PodScheduled", status: "True"))
        status.conditions = conditions
        pod.status = status
        _ = store(.pod(pod), type: "MODIFIED", in: &state)
        state.bindings.append(Binding(pod: key, node: binding.target.name, userAgent: agent))
        if reset {
            let (stream, continuation) = AsyncStream<HTTPServer.Chunk>.makeStream()
            continuation.yield(.abort)
            continuation.finish()
            return HTTPServer.Response(status: .created, headers: HTTPHeaders(), body: .stream(stream))
        }
        return Self.json(
            201,
            Array(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":201}".utf8
            )
        )
    }

    private func patchStatus(_ key: String, _ request: HTTPServer.Request) -> HTTPServer.Response {
        guard request.headers.first(name: "Content-Type") == "application/strategic-merge-patch+json" else {
            return Self.status(415, "UnsupportedMediaType", "the body of the request was in an unknown format")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let status = object["status"] as? [String: Any]
        else {
            return Self.status(400, "BadRequest", "malformed patch")
        }
        return state.withLock { state -> HTTPServer.Response in
            guard var pod = state.objects[.pod]?[key]?.pod else {
                return Self.status(404, "NotFound", "pods not found")
            }
            var podStatus = pod.status ?? PodStatus()
            if let conditions = status["conditions"] as? [[String: Any]] {
                var current = podStatus.conditions ?? []
                for raw in conditions {
                    guard let data = try? JSONSerialization.data(withJSONObject: raw),
                        let condition = try? JSONDecoder().decode(PodCondition.self, from: data)
                    else { continue }
                    if let index = current.firstIndex(where: { $0.type == condition.type }) {
                        current[index] = condition
                    } else {
                        current.append(condition)
                    }
                }
                podStatus.conditions = current
            }
            if status.keys.contains("nominatedNodeName") {
                podStatus.nominatedNodeName = status["nominatedNodeName"] as? String
            }
            pod.status = podStatus
            state.statusPatches.append((key, String(decoding: request.body, as: UTF8.self)))
            let stored = store(.pod(pod), type: "MODIFIED", in: &state)
            return Self.json(200, Self.encode(stored))
        }
    }

    /// `POST` of a Node, Namespace or Pod: 201 with uid and resource version assigned, 409 `AlreadyExists` for a
    /// duplicate, 404 for a pod whose namespace does not exist.
    private func createThroughAPI(
        _ kind: ObjectKind,
        namespace: String?,
        _ request: HTTPServer.Request
    ) -> HTTPServer.Response {
        let decoder = JSONDecoder()
        let data = Data(request.body)
        var object: KubeObject
        switch kind {
        case .node:
            guard let node = try? decoder.decode(Node.self, from: data) else {
                return Self.status(400, "BadRequest", "malformed Node")
            }
            object = .node(node)
        case .namespace:
            guard let value = try? decoder.decode(Namespace.self, from: data) else {
                return Self.status(400, "BadRequest", "malformed Namespace")
            }
            object = .namespace(value)
        default:
            guard let pod = try? decoder.decode(Pod.self, from: data) else {
                return Self.status(400, "BadRequest", "malformed Pod")
            }
            object = .pod(pod)
        }
        if let namespace {
            if let given = object.metadata.namespace, !given.isEmpty, given != namespace {
                return Self.status(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            }
            object = Self.with(object) { $0.namespace = namespace }
        }
        let created = object
        return state.withLock { state -> HTTPServer.Response in
            if let namespace, state.objects[.namespace]?[namespace] == nil {
                return Self.status(404, "NotFound", "namespaces \"\(namespace)\" not found")
            }
            if state.objects[kind]?[created.key] != nil {
                return Self.status(409, "AlreadyExists", "\(kind.rawValue) \"\(created.metadata.name)\" already exists")
            }
            let stamped = store(
                Self.with(created) { $0.uid = UUID().uuidString.lowercased() },
                type: "ADDED",
                in: &state
            )
            state.apiCreations.append(stamped)
            return Self.json(201, Self.encode(stamped))
        }
    }

    /// `DELETE` of a Node or Namespace (a namespace takes its pods with it, each with a DELETED event).
    private func deleteThroughAPI(_ kind: ObjectKind, name: String) -> HTTPServer.Response {
        state.withLock { state -> HTTPServer.Response in
            guard let object = state.objects[kind]?.removeValue(forKey: name) else {
                return Self.status(404, "NotFound", "\(kind.rawValue) \"\(name)\" not found")
            }
            if kind == .namespace {
                for (key, pod) in state.objects[.pod] ?? [:] where pod.metadata.namespace == name {
                    state.objects[.pod]?[key] = nil
                    state.resourceVersion += 1
                    emit(
                        HistoryEntry(
                            resourceVersion: state.resourceVersion,
                            kind: .pod,
                            type: "DELETED",
                            object: Self.with(pod) { $0.resourceVersion = String(state.resourceVersion) }
                        ),
                        in: &state
                    )
                }
            }
            state.resourceVersion += 1
            emit(
                HistoryEntry(
                    resourceVersion: state.resourceVersion,
                    kind: kind,
                    type: "DELETED",
                    object: Self.with(object) { $0.resourceVersion = String(state.resourceVersion) }
                ),
                in: &state
            )
            return Self.json(200, Self.encode(object))
        }
    }

    private func deletePod(_ key: String, _ request: HTTPServer.Request) -> HTTPServer.Response {
        let options = try? JSONDecoder().decode(DeleteOptions.self, from: Data(request.body))
        return state.withLock { state -> HTTPServer.Response in
            guard let object = state.objects[.pod]?[key] else { return Self.status(404, "NotFound", "pods not found") }
            if let uid = options?.preconditions?.uid, uid != object.metadata.uid {
                return Self.status(409, "Conflict", "Precondition failed: UID in precondition: \(uid)")
            }
            state.objects[.pod]?[key] = nil
            state.resourceVersion += 1
            state.deletions.append(key)
            emit(
                HistoryEntry(
                    resourceVersion: state.resourceVersion,
                    kind: .pod,
                    type: "DELETED",
                    object: Self.with(object) { $0.resourceVersion = String(state.resourceVersion) }
                ),
                in: &state
            )
            return Self.json(200, Self.encode(object))
        }
    }

    private func lease(namespace: String, name: String?, _ request: HTTPServer.Request) async -> HTTPServer.Response {
        let delay = state.withLock { $0.leaseUpdateDelay }
        if request.method == .PUT, delay > .zero { try? await Task.sleep(for: delay) }
        let decoded = try? JSONDecoder().decode(Lease.self, from: Data(request.body))
        return state.withLock { state -> HTTPServer.Response in
            switch request.method {
            case .GET:
                guard let name, let lease = state.leases["\(namespace)/\(name)"] else {
                    return Self.status(404, "NotFound", "leases.coordination.k8s.io \"\(name ?? "")\" not found")
                }
                return Self.json(200, Self.encodeValue(lease))
            case .POST:
                guard var lease = decoded else { return Self.status(400, "BadRequest", "malformed Lease") }
                let key = "\(namespace)/\(lease.metadata.name)"
                if state.leases[key] != nil {
                    return Self.status(
                        409,
                        "AlreadyExists",
                        "leases.coordination.k8s.io \"\(lease.metadata.name)\" already exists"
                    )
                }
                state.resourceVersion += 1
                lease.metadata.namespace = namespace
                lease.metadata.resourceVersion = String(state.resourceVersion)
                lease.metadata.uid = UUID().uuidString.lowercased()
                state.leases[key] = lease
                return Self.json(201, Self.encodeValue(lease))
            case .PUT:
                guard let name, var lease = decoded else { return Self.status(400, "BadRequest", "malformed Lease") }
                let key = "\(namespace)/\(name)"
                guard let current = state.leases[key] else {
                    return Self.status(404, "NotFound", "leases.coordination.k8s.io \"\(name)\" not found")
                }
                guard lease.metadata.resourceVersion == current.metadata.resourceVersion else {
                    return Self.status(
                        409,
                        "Conflict",
                        "Operation cannot be fulfilled on leases.coordination.k8s.io \"\(name)\": the object has been modified; please apply your changes to the latest version and try again"
                    )
                }
                state.resourceVersion += 1
                lease.metadata.resourceVersion = String(state.resourceVersion)
                lease.metadata.uid = current.metadata.uid
                state.leases[key] = lease
                return Self.json(200, Self.encodeValue(lease))
            default:
                return Self.status(405, "MethodNotAllowed", "method not allowed")
            }
        }
    }

    /// Answers volume writes as a PV controller and provisioner would.
    func setVolumeController(_ enabled: Bool) { state.withLock { $0.volumeController = enabled } }

    /// `PUT`s of PVs and PVCs received, as `kind key`.
    var volumeWrites: [String] { state.withLock { $0.volumeWrites } }

    /// A `PUT` of a PV or PVC with optimistic concurrency; with the volume controller on, the claim is then
    /// bound (a PV's claimRef) or provisioned and bound (a claim's selected node).
    private func updateVolumeObject(
        _ kind: ObjectKind,
        key: String,
        _ request: HTTPServer.Request
    ) -> HTTPServer.Response {
        let decoded: KubeObject?
        switch kind {
        case .persistentVolume:
            decoded = (try? JSONDecoder().decode(PersistentVolume.self, from: Data(request.body))).map(
                KubeObject.persistentVolume
            )
        default:
            decoded = (try? JSONDecoder().decode(PersistentVolumeClaim.self, from: Data(request.body))).map(
                KubeObject.persistentVolumeClaim
            )
        }
        guard let object = decoded else { return Self.status(400, "BadRequest", "malformed object") }
        return state.withLock { state -> HTTPServer.Response in
            guard let current = state.objects[kind]?[key] else {
                return Self.status(404, "NotFound", "\(key) not found")
            }
            if let version = object.metadata.resourceVersion, version != current.metadata.resourceVersion {
                return Self.status(
                    409,
                    "Conflict",
                    "Operation cannot be fulfilled on \(kind.rawValue.lowercased())s \"\(object.metadata.name)\": the object has been modified; please apply your changes to the latest version and try again"
                )
            }
            state.volumeWrites.append("\(kind.rawValue) \(key)")
            let stored = store(object, type: "MODIFIED", in: &state)
            if state.volumeController { runVolumeController(after: stored, in: &state) }
            return Self.json(200, Self.encode(stored))
        }
    }

    private func runVolumeController(after object: KubeObject, in state: inout State) {
        func bind(_ pv: PersistentVolume, _ claimKey: String) {
            guard case .persistentVolumeClaim(var claim)? = state.objects[.persistentVolumeClaim]?[claimKey] else {
                return
            }
            var volume = pv
            volume.status = PersistentVolumeStatus(phase: "Bound")
            _ = store(.persistentVolume(volume), type: "MODIFIED", in: &state)
            claim.spec.volumeName = pv.metadata.name
            claim.metadata.annotations = (claim.metadata.annotations ?? [:]).merging([
                VolumeAnnotations.bindCompleted: "yes"
            ]) { $1 }
            claim.status = PersistentVolumeClaimStatus(phase: "Bound")
            _ = store(.persistentVolumeClaim(claim), type: "MODIFIED", in: &state)
        }
        switch object {
        case .persistentVolume(let pv):
            if let ref = pv.spec.claimRef, let name = ref.name { bind(pv, "\(ref.namespace ?? "default")/\(name)") }
        case .persistentVolumeClaim(let claim):
            guard let node = claim.metadata.annotations?[VolumeAnnotations.selectedNode] else { return }
            var pv = PersistentVolume(
                name: "pvc-\(claim.metadata.name)",
                capacity: "1Gi",
                storageClassName: claim.storageClass,
                nodeAffinity: NodeSelector(nodeSelectorTerms: [
                    NodeSelectorTerm(matchExpressions: [
                        NodeSelectorRequirement(key: VolumeAnnotations.hostnameLabel, operator: "In", values: [node])
                    ])
                ]),
                claimRef: ObjectReference(
                    namespace: claim.metadata.namespace,
                    name: claim.metadata.name,
                    uid: claim.metadata.uid
                ),
                phase: "Bound"
            )
            pv.metadata.uid = UUID().uuidString.lowercased()
            let created = store(.persistentVolume(pv), type: "ADDED", in: &state)
            if case .persistentVolume(let stored) = created { bind(stored, claim.key) }
        default:
            break
        }
    }

    // MARK: Internals

    private func store(_ object: KubeObject, type: String, in state: inout State) -> KubeObject {
        state.resourceVersion += 1
        let stamped = Self.with(object) { $0.resourceVersion = String(state.resourceVersion) }
        state.objects[object.kind, default: [:]][stamped.key] = stamped
        emit(
            HistoryEntry(resourceVersion: state.resourceVersion, kind: object.kind, type: type, object: stamped),
            in: &state
        )
        return stamped
    }

    private func emit(_ entry: HistoryEntry, in state: inout State) {
        state.history.append(entry)
        for watcher in state.watchers.values where watcher.kind == entry.kind {
            // The selector of pod watches is always upstream's (non-terminal pods).
            if let frame = Self.frame(entry, selector: ResourceDescriptor.of(entry.kind).fieldSelector) {
                watcher.continuation.yield(.data(frame))
            }
        }
    }

    /// A watch frame; a pod that stopped matching the selector is sent as DELETED, as the API server does.
    private static func frame(_ entry: HistoryEntry, selector: String?) -> [UInt8]? {
        var type = entry.type
        if !matchesSelector(entry.kind, entry.object, selector) {
            guard type == "MODIFIED" else { return nil }
            type = "DELETED"
        }
        return Array("{\"type\":\"\(type)\",\"object\":".utf8) + encode(entry.object) + Array("}\n".utf8)
    }

    private static func matchesSelector(_ kind: ObjectKind, _ object: KubeObject, _ selector: String?) -> Bool {
        guard kind == .pod, let selector, selector.contains("status.phase!=") else { return true }
        return !(object.pod?.isTerminal ?? false)
    }

    static func with(_ object: KubeObject, _ change: (inout ObjectMeta) -> Void) -> KubeObject {
        switch object {
        case .pod(var o):
            change(&o.metadata)
            return .pod(o)
        case .node(var o):
            change(&o.metadata)
            return .node(o)
        case .priorityClass(var o):
            change(&o.metadata)
            return .priorityClass(o)
        case .namespace(var o):
            change(&o.metadata)
            return .namespace(o)
        case .persistentVolume(var o):
            change(&o.metadata)
            return .persistentVolume(o)
        case .persistentVolumeClaim(var o):
            change(&o.metadata)
            return .persistentVolumeClaim(o)
        case .storageClass(var o):
            change(&o.metadata)
            return .storageClass(o)
        case .csiNode(var o):
            change(&o.metadata)
            return .csiNode(o)
        case .csiDriver(var o):
            change(&o.metadata)
            return .csiDriver(o)
        case .csiStorageCapacity(var o):
            change(&o.metadata)
            return .csiStorageCapacity(o)
        case .volumeAttachment(var o):
            change(&o.metadata)
            return .volumeAttachment(o)
        case .podDisruptionBudget(var o):
            change(&o.metadata)
            return .podDisruptionBudget(o)
        case .service(var o):
            change(&o.metadata)
            return .service(o)
        case .replicationController(var o):
            change(&o.metadata)
            return .replicationController(o)
        case .replicaSet(var o):
            change(&o.metadata)
            return .replicaSet(o)
        case .statefulSet(var o):
            change(&o.metadata)
            return .statefulSet(o)
        case .podGroup(var o):
            change(&o.metadata)
            return .podGroup(o)
        }
    }

    static func encode(_ object: KubeObject) -> [UInt8] {
        switch object {
        case .pod(let o): encodeValue(o)
        case .node(let o): encodeValue(o)
        case .priorityClass(let o): encodeValue(o)
        case .namespace(let o): encodeValue(o)
        case .persistentVolume(let o): encodeValue(o)
        case .persistentVolumeClaim(let o): encodeValue(o)
        case .storageClass(let o): encodeValue(o)
        case .csiNode(let o): encodeValue(o)
        case .csiDriver(let o): encodeValue(o)
        case .csiStorageCapacity(let o): encodeValue(o)
        case .volumeAttachment(let o): encodeValue(o)
        case .podDisruptionBudget(let o): encodeValue(o)
        case .service(let o): encodeValue(o)
        case .replicationController(let o): encodeValue(o)
        case .replicaSet(let o): encodeValue(o)
        case .statefulSet(let o): encodeValue(o)
        case .podGroup(let o): encodeValue(o)
        }
    }

    static func encodeValue<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    static func json(_ code: Int, _ body: [UInt8]) -> HTTPServer.Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return HTTPServer.Response(status: HTTPResponseStatus(statusCode: code), headers: headers, body: .bytes(body))
    }

    static func status(_ code: Int, _ reason: String, _ message: String) -> HTTPServer.Response {
        let status = APIStatus(status: "Failure", message: message, reason: reason, code: code)
        return json(code, encodeValue(status))
    }
}
