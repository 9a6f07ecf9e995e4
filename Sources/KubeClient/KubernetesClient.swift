import AsyncHTTPClient
import Foundation
import KubeAPI
import Logging
import NIOCore
import NIOHTTP1
import SchedulerFramework
import Synchronization

/// ``SchedulerFramework/ClusterClient`` against a real API server, plus the Lease calls leader election
/// needs. Lists page through collections; watches stream chunked JSON and resume where the caller says;
/// objects that cannot be decoded are logged and skipped.
package final class KubernetesClient: ClusterClient, LeaseStore, Sendable {
    /// Tunables, with client-go's values by default.
    package struct Options: Sendable {
        /// Items per list page (`limit`).
        package var pageSize = 500
        /// Each watch asks the server to end it after a random time in this range (`timeoutSeconds`), as
        /// client-go's reflector does, so connections are refreshed.
        package var watchTimeoutSeconds: ClosedRange<Int> = 300...599
        /// A watch on which nothing arrives (no event, no bookmark, no byte) for this long is presumed dead
        /// and ended, so the informer re-watches from its last resource version. The API server sends
        /// bookmarks about once a minute to watches that allow them.
        package var watchIdleTimeout: Duration = .seconds(90)
        /// How long a binding whose outcome is unknown (connection lost, timeout, 5xx) waits for the pod watch
        /// to show whether it was applied, before it is reported as failed.
        package var bindResolutionTimeout: Duration = .seconds(10)
        /// `reportingInstance` of Events is `<reportingController>-<this>` (upstream: the hostname).
        package var eventReportingHost = ProcessInfo.processInfo.hostName
        /// Events waiting to be sent beyond this are dropped (client-go's `maxQueuedEvents`).
        package var maxQueuedEvents = 1000
        package init() {}
    }

    /// The HTTP layer (rate limiter, authentication, TLS).
    package let rest: RESTClient
    /// The tunables this client was made with.
    package let options: Options
    private let logger: Logger
    private let events: EventRecorder
    private let podConditions = PodConditionCache()
    private let skippedCount = Atomic<Int>(0)
    private let assignments = RecentAssignments()

    /// A client over `rest`; Events are sent by a background worker started here.
    package init(rest: RESTClient, logger: Logger, options: Options = Options()) {
        self.rest = rest
        self.options = options
        self.logger = logger
        self.events = EventRecorder(
            rest: rest,
            logger: logger,
            host: options.eventReportingHost,
            capacity: options.maxQueuedEvents
        )
    }

    /// Objects skipped so far because they could not be decoded.
    package var skippedObjectCount: Int { skippedCount.load(ordering: .relaxed) }

    /// Stops the event worker without waiting and closes connections in the background, for synchronous code
    /// that gives the client up (such as a failed setup).
    package func shutdownInBackground() {
        events.stopNow()
        rest.shutdownInBackground()
    }

    /// Sends the Events still queued (waiting at most `timeout`), stops the event worker and closes connections.
    package func shutdown(flushTimeout: Duration = .seconds(5)) async {
        await events.shutdown(timeout: flushTimeout)
        await rest.shutdown()
    }

    // MARK: List and watch

    /// Lists every object of `kind` in all namespaces, page by page (pods: only non-terminal ones).
    /// Objects that cannot be decoded are logged and left out.
    package func list(_ kind: ObjectKind) async throws(ClusterError) -> ObjectList {
        let descriptor = ResourceDescriptor.of(kind)
        var items: [KubeObject] = []
        var continueToken: String?
        var restarted = false
        var usePaging = true
        while true {
            var query: [(String, String)] = []
            if let selector = descriptor.fieldSelector { query.append(("fieldSelector", selector)) }
            if usePaging { query.append(("limit", String(options.pageSize))) }
            if let token = continueToken { query.append(("continue", token)) }
            let response: RESTClient.Response
            do {
                response = try await rest.send(.GET, descriptor.path, query: query)
            } catch let error where error.code == .gone && continueToken != nil && !restarted {
                // The continue token expired: start over with one unpaged list (client-go's fallback).
                logger.info(
                    "List continue token expired; relisting without paging",
                    metadata: ["kind": "\(kind.rawValue)"]
                )
                items = []
                continueToken = nil
                restarted = true
                usePaging = false
                continue
            }
            let page = try ResourceDecoding.decodeList(kind, response.body)
            report(page.skipped)
            items += page.items
            if kind == .pod { podConditions.replaceAll(page.items, first: continueToken == nil) }
            guard let token = page.continueToken, usePaging else {
                return ObjectList(items: items, resourceVersion: page.resourceVersion)
            }
            continueToken = token
        }
    }

    /// Watches `kind` from `resourceVersion` with bookmarks. The stream ends when the server ends the watch, and
    /// fails with `gone` on `410`/`Expired`, or with `unavailable` when the connection drops or stays silent.
    package func watch(_ kind: ObjectKind, resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream(bufferingPolicy: .unbounded)
        let task = Task { [self] in
            do {
                try await self.runWatch(kind, resourceVersion: resourceVersion, continuation: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func runWatch(
        _ kind: ObjectKind,
        resourceVersion: String,
        continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    ) async throws {
        let descriptor = ResourceDescriptor.of(kind)
        let timeout = Int.random(in: options.watchTimeoutSeconds)
        var query: [(String, String)] = [
            ("watch", "true"), ("resourceVersion", resourceVersion), ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", String(timeout)),
        ]
        if let selector = descriptor.fieldSelector { query.append(("fieldSelector", selector)) }
        let body = try await rest.openStream(descriptor.path, query: query, headTimeout: .seconds(30))
        logger.debug("Watch started", metadata: ["kind": "\(kind.rawValue)", "resourceVersion": "\(resourceVersion)"])
        // The server ends the watch after `timeout`; a connection silent for longer than the idle limit is dead.
        let idleLimit = min(options.watchIdleTimeout, Duration.seconds(timeout + 60))
        let tick = min(Duration.seconds(5), idleLimit / 4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let lastByte = ActivityClock()
            group.addTask {
                // The API server writes one compact JSON value per line: a value still open at a line break
                // was cut short, and ends the watch.
                var splitter = JSONStreamSplitter(newlineDelimited: true)
                for try await buffer in body {
                    lastByte.touch()
                    for value in splitter.append(buffer.readableBytesView) {
                        try Task.checkCancellation()
                        // An ERROR event ends the watch.
                        guard self.deliver(kind, value, to: continuation) else { return }
                    }
                }
                if let tail = splitter.finish() { _ = self.deliver(kind, tail, to: continuation) }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: tick)
                    let idle = lastByte.idle
                    if idle > idleLimit {
                        throw ClusterError(.unavailable, "\(kind.rawValue) watch: no data for \(idle)")
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Decodes one watch frame and passes it on; false when the frame ended the watch (an ERROR event).
    private func deliver(
        _ kind: ObjectKind,
        _ bytes: [UInt8],
        to continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    ) -> Bool {
        guard !bytes.isEmpty else {
            report([SkippedObject(kind: kind, key: "?", reason: "watch event larger than the limit")])
            return true
        }
        switch ResourceDecoding.decodeWatchFrame(kind, bytes) {
        case .event(let event):
            if kind == .pod, let pod = event.object?.pod {
                podConditions.observe(pod, deleted: event.type == .deleted)
                if !pod.nodeName.isEmpty, event.type != .deleted {
                    assignments.record(key: pod.key, uid: pod.uid, node: pod.nodeName)
                }
            }
            continuation.yield(event)
        case .skipped(let skipped, let resourceVersion):
            report([skipped])
            if let resourceVersion, !resourceVersion.isEmpty {
                // Keep the position so a reconnect does not replay it; nothing is applied.
                continuation.yield(WatchEvent(type: .bookmark, object: nil, resourceVersion: resourceVersion))
            }
        case .malformed(let preview):
            // client-go's watch decoder ends the watch on a frame it cannot parse; the informer re-watches
            // from the last good resource version, so events after the bad frame are delivered again.
            skippedCount.add(1, ordering: .relaxed)
            logger.error(
                "Watch stream ended by a malformed frame; re-watching",
                metadata: ["kind": "\(kind.rawValue)", "frame": "\(preview)"]
            )
            continuation.finish(
                throwing: ClusterError(.unavailable, "\(kind.rawValue) watch: malformed frame: \(preview)")
            )
            return false
        case .failure(let error):
            continuation.finish(throwing: error)
            return false
        }
        return true
    }

    private func report(_ skipped: [SkippedObject]) {
        guard !skipped.isEmpty else { return }
        skippedCount.add(skipped.count, ordering: .relaxed)
        for item in skipped {
            logger.error(
                "Skipping an object that cannot be decoded",
                metadata: ["kind": "\(item.kind.rawValue)", "object": "\(item.key)", "err": "\(item.reason)"]
            )
        }
    }

    // MARK: Writes

    /// `POST /api/v1/namespaces/NS/pods/NAME/binding` (the pod UID as a precondition when given).
    package func bind(namespace: String, name: String, uid: String, nodeName: String) async throws(ClusterError) {
        let body = try Self.encode(Binding(namespace: namespace, name: name, uid: uid, nodeName: nodeName))
        do {
            _ = try await rest.send(
                .POST,
                "/api/v1/namespaces/\(Self.segment(namespace))/pods/\(Self.segment(name))/binding",
                body: body
            )
        } catch  where error.code == .unavailable {
            // The request may have been applied (a reset connection, a timeout, a 5xx from a write that reached
            // etcd). Retrying could bind twice; the pod watch tells what happened.
            let key = "\(namespace)/\(name)"
            guard let node = await assignments.wait(key: key, uid: uid, timeout: options.bindResolutionTimeout) else {
                throw error
            }
            guard node == nodeName else {
                throw ClusterError(
                    .conflict,
                    "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(node)\""
                )
            }
            logger.info(
                "Binding outcome resolved from the watch",
                metadata: ["pod": "\(key)", "node": "\(nodeName)", "err": "\(error.message)"]
            )
            return
        }
        // The scheduler logs the binding once ("Successfully bound pod to node"); this is request-level detail.
        logger.trace("Binding accepted", metadata: ["pod": "\(namespace)/\(name)", "node": "\(nodeName)"])
    }

    /// `PATCH pods/NAME/status` with a strategic-merge patch, skipped when it would change nothing; retried on
    /// conflicts and unavailability as `retry.DefaultBackoff` does.
    package func patchPodStatus(namespace: String, name: String, patch: PodStatusPatch) async throws(ClusterError) {
        guard
            let (body, condition) = podConditions.makePatch(
                namespace: namespace,
                name: name,
                patch: patch,
                now: KubeTime.now()
            )
        else {
            return  // nothing would change
        }
        let path = "/api/v1/namespaces/\(Self.segment(namespace))/pods/\(Self.segment(name))/status"
        // retry.DefaultBackoff: 4 tries, 10 ms × 5ⁿ, on conflicts and unavailability.
        var delay = Duration.milliseconds(10)
        var attempt = 1
        while true {
            do {
                _ = try await rest.send(.PATCH, path, body: body, contentType: "application/strategic-merge-patch+json")
                podConditions.applied(namespace: namespace, name: name, patch: patch, condition: condition)
                return
            } catch let error
                where attempt < 4 && (error.code == .conflict || error.code == .unavailable) && !Task.isCancelled
            {
                attempt += 1
                try? await Task.sleep(for: delay)
                delay = delay * 5
            }
        }
    }

    /// `DELETE pods/NAME` (graceful, with the UID as a precondition when given).
    package func deletePod(namespace: String, name: String, uid: String) async throws(ClusterError) {
        let options = DeleteOptions(preconditions: uid.isEmpty ? nil : .init(uid: uid))
        _ = try await rest.send(
            .DELETE,
            "/api/v1/namespaces/\(Self.segment(namespace))/pods/\(Self.segment(name))",
            body: try Self.encode(options)
        )
    }

    /// Queues an `events.k8s.io/v1` Event; it is written in the background.
    package func recordEvent(_ event: SchedulingEvent) async {
        events.record(event)
    }

    // MARK: Leases

    /// `GET` a Lease.
    package func getLease(namespace: String, name: String) async throws(ClusterError) -> Lease {
        let response = try await rest.send(.GET, Self.leasePath(namespace, name))
        return try Self.decode(Lease.self, response.body, what: "Lease \(namespace)/\(name)")
    }

    /// `POST` a Lease (`conflict` when it exists).
    package func createLease(_ lease: Lease) async throws(ClusterError) -> Lease {
        let namespace = lease.metadata.namespace ?? "default"
        let response = try await rest.send(
            .POST,
            "/apis/coordination.k8s.io/v1/namespaces/\(Self.segment(namespace))/leases",
            body: try Self.encode(lease)
        )
        return try Self.decode(Lease.self, response.body, what: "Lease \(namespace)/\(lease.metadata.name)")
    }

    /// `PUT` a Lease with its `resourceVersion` as the precondition (`conflict` when stale).
    package func updateLease(_ lease: Lease) async throws(ClusterError) -> Lease {
        let namespace = lease.metadata.namespace ?? "default"
        let response = try await rest.send(
            .PUT,
            Self.leasePath(namespace, lease.metadata.name),
            body: try Self.encode(lease)
        )
        return try Self.decode(Lease.self, response.body, what: "Lease \(namespace)/\(lease.metadata.name)")
    }

    private static func leasePath(_ namespace: String, _ name: String) -> String {
        "/apis/coordination.k8s.io/v1/namespaces/\(segment(namespace))/leases/\(segment(name))"
    }

    // MARK: Helpers

    /// A path segment, percent-encoded.
    static func segment(_ text: String) -> String { RESTClient.percentEncode(text) }

    static func encode<T: Encodable>(_ value: T) throws(ClusterError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw ClusterError(.invalid, "cannot encode \(T.self): \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(ClusterError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw ClusterError(.invalid, "\(what): malformed response: \(ResourceDecoding.describe(error))")
        }
    }
}

/// The Lease operations leader election needs.
package protocol LeaseStore: Sendable {
    func getLease(namespace: String, name: String) async throws(ClusterError) -> Lease
    func createLease(_ lease: Lease) async throws(ClusterError) -> Lease
    /// An optimistic update: fails with `conflict` when `lease.metadata.resourceVersion` is not current.
    func updateLease(_ lease: Lease) async throws(ClusterError) -> Lease
}

/// When a stream last delivered bytes.
final class ActivityClock: Sendable {
    private let origin = ContinuousClock.now
    private let last = Atomic<Int64>(0)

    func touch() {
        let (seconds, attoseconds) = (ContinuousClock.now - origin).components
        last.store(seconds * 1_000_000_000 + attoseconds / 1_000_000_000, ordering: .relaxed)
    }

    /// Time since the last ``touch()`` (or since creation).
    var idle: Duration {
        (ContinuousClock.now - origin) - .nanoseconds(last.load(ordering: .relaxed))
    }
}

/// Where recently assigned pods were seen bound, from the pod watch (a bounded window), so a binding whose
/// response was lost is resolved from what the API server reports instead of being retried.
final class RecentAssignments: Sendable {
    private struct Entry {
        var uid: String
        var node: String
    }

    private let capacity: Int
    private let state = Mutex<(byKey: [String: Entry], order: [String], next: Int)>(([:], [], 0))

    init(capacity: Int = 4096) { self.capacity = capacity }

    func record(key: String, uid: String, node: String) {
        state.withLock { state in
            if state.byKey[key] == nil {
                if state.order.count < capacity {
                    state.order.append(key)
                } else {
                    state.byKey[state.order[state.next]] = nil
                    state.order[state.next] = key
                    state.next = (state.next + 1) % capacity
                }
            }
            state.byKey[key] = Entry(uid: uid, node: node)
        }
    }

    /// The node `key` (with `uid`, when given) was seen bound to, waiting up to `timeout` for it.
    func wait(key: String, uid: String, timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let node = state.withLock { state -> String? in
                guard let entry = state.byKey[key], uid.isEmpty || entry.uid == uid else { return nil }
                return entry.node
            }
            if let node { return node }
            if ContinuousClock.now >= deadline || Task.isCancelled { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
