import Foundation
import KubeAPI
import Logging
import NIOHTTP1
import SchedulerFramework
import Synchronization

/// Sends `events.k8s.io/v1` Events in the background, as client-go's event broadcaster does: each event is
/// queued (dropped when the queue is full) and written by one worker; an event isomorphic to one recorded in
/// the last 6 minutes (same type, reason, action, reporting controller and instance, and pod) becomes a series
/// instead (`series.count`, patched on its first repeat and when the series ends).
final class EventRecorder: Sendable {
    private struct Key: Hashable {
        var type, reason, action, controller, namespace, name: String
        var kind: String? = nil
    }
    private struct Cached {
        var event: EventsV1Event
        var created: ContinuousClock.Instant
        var lastObserved: ContinuousClock.Instant
    }

    private let rest: RESTClient
    private let logger: Logger
    private let host: String
    private let continuation: AsyncStream<SchedulingEvent>.Continuation
    private let worker: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let ticker: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let cache = Mutex<[Key: Cached]>([:])
    private let pending = Atomic<Int>(0)

    /// How long an event stays isomorphic to later ones (client-go's `finishTime`).
    static let seriesWindow = Duration.seconds(6 * 60)

    init(rest: RESTClient, logger: Logger, host: String, capacity: Int) {
        self.rest = rest
        self.logger = logger
        self.host = host
        let (stream, continuation) = AsyncStream<SchedulingEvent>.makeStream(
            bufferingPolicy: .bufferingOldest(capacity)
        )
        self.continuation = continuation
        worker.withLock { $0 = Task { [self] in await self.drain(stream) } }
        ticker.withLock { $0 = Task { [self] in await self.tick() } }
    }

    func record(_ event: SchedulingEvent) {
        pending.add(1, ordering: .relaxed)
        if case .dropped = continuation.yield(event) {
            pending.subtract(1, ordering: .relaxed)
            logger.warning(
                "Event queue full; dropping event",
                metadata: ["reason": "\(event.reason)", "pod": "\(event.namespace)/\(event.podName)"]
            )
        }
    }

    /// Stops accepting events and waits (at most `timeout`) for the queued ones to be written.
    func shutdown(timeout: Duration) async {
        continuation.finish()
        let deadline = ContinuousClock.now + timeout
        while pending.load(ordering: .relaxed) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        worker.withLock { $0?.cancel() }
        ticker.withLock { $0?.cancel() }
    }

    /// Drops queued events and stops the workers.
    func stopNow() {
        continuation.finish()
        worker.withLock { $0?.cancel() }
        ticker.withLock { $0?.cancel() }
    }

    /// Ends series that have not repeated for ``seriesWindow`` once a minute (client-go's `finishSeries`).
    private func tick() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(60))
            for event in expireSeries(now: ContinuousClock.now) { await patchSeries(event) }
        }
    }

    /// Forgets events older than the window and returns the series among them, whose final count is written.
    private func expireSeries(now: ContinuousClock.Instant) -> [EventsV1Event] {
        cache.withLock { cache in
            var finished: [EventsV1Event] = []
            for (key, cached) in cache where now - cached.lastObserved >= Self.seriesWindow {
                if cached.event.series != nil { finished.append(cached.event) }
                cache[key] = nil
            }
            return finished
        }
    }

    private func drain(_ stream: AsyncStream<SchedulingEvent>) async {
        for await event in stream {
            await write(event)
            pending.subtract(1, ordering: .relaxed)
        }
    }

    private func write(_ event: SchedulingEvent) async {
        let now = ContinuousClock.now
        let key = Key(
            type: event.type,
            reason: event.reason,
            action: event.action,
            controller: event.reportingController,
            namespace: event.namespace,
            name: event.podName,
            kind: event.regarding?.kind
        )
        let instance = String((event.reportingController + "-" + host).prefix(128))
        // Decide under the lock: a new event, the first repeat (patch), or a later repeat (counted only).
        enum Plan {
            case create(EventsV1Event)
            case patchSeries(EventsV1Event)
            case none
        }
        for finished in expireSeries(now: now) { await patchSeries(finished) }
        let plan = cache.withLock { cache -> Plan in
            if var cached = cache[key] {
                cached.lastObserved = now
                if var series = cached.event.series {
                    series.count += 1
                    series.lastObservedTime = KubeTime.microNow()
                    cached.event.series = series
                    cache[key] = cached
                    return .none
                }
                cached.event.series = EventsV1Event.Series(count: 2, lastObservedTime: KubeTime.microNow())
                cache[key] = cached
                return .patchSeries(cached.event)
            }
            let micro = KubeTime.microNow()
            let stamp = String(UInt64(Date().timeIntervalSince1970 * 1e9), radix: 16)
            var created = EventsV1Event(
                metadata: ObjectMeta(name: "\(event.podName).\(stamp)", namespace: event.namespace),
                eventTime: micro,
                reportingController: event.reportingController,
                reportingInstance: instance,
                action: event.action,
                reason: event.reason,
                regarding: event.regarding
                    ?? .init(kind: "Pod", namespace: event.namespace, name: event.podName, apiVersion: "v1"),
                note: event.note,
                type: event.type
            )
            created.related = event.related
            cache[key] = Cached(event: created, created: now, lastObserved: now)
            return .create(created)
        }
        switch plan {
        case .none:
            return
        case .create(let created):
            await create(created)
        case .patchSeries(let repeated):
            await patchSeries(repeated)
        }
    }

    private func patchSeries(_ repeated: EventsV1Event) async {
        guard let series = repeated.series, let body = try? KubernetesClient.encode(SeriesPatch(series: series)) else {
            return
        }
        let namespace = KubernetesClient.segment(repeated.metadata.namespace ?? "default")
        let path =
            "/apis/events.k8s.io/v1/namespaces/\(namespace)/events/\(KubernetesClient.segment(repeated.metadata.name))"
        do {
            _ = try await rest.send(.PATCH, path, body: body, contentType: "application/strategic-merge-patch+json")
        } catch let error where error.code == .notFound {
            await create(repeated)
        } catch {
            logger.error(
                "Unable to write event series",
                metadata: ["event": "\(repeated.metadata.name)", "err": "\(error)"]
            )
        }
    }

    private func create(_ event: EventsV1Event) async {
        guard let body = try? KubernetesClient.encode(event) else { return }
        let path =
            "/apis/events.k8s.io/v1/namespaces/\(KubernetesClient.segment(event.metadata.namespace ?? "default"))/events"
        // Transport failures are retried a few times; a rejection is not (client-go's recordEvent).
        for attempt in 1...3 {
            do {
                _ = try await rest.send(.POST, path, body: body)
                return
            } catch let error where error.code == .unavailable && attempt < 3 && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            } catch {
                logger.error(
                    "Server rejected event; not retrying it",
                    metadata: [
                        "reason": "\(event.reason ?? "")",
                        "pod": "\(event.regarding.namespace ?? "")/\(event.regarding.name ?? "")", "err": "\(error)",
                    ]
                )
                return
            }
        }
    }

    private struct SeriesPatch: Encodable {
        var series: EventsV1Event.Series
    }
}
