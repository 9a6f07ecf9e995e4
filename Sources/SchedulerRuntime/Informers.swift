import KubeAPI
import SchedulerFramework
import Synchronization

/// List-then-watch for every kind the scheduler reads, feeding ``Scheduler/handle(_:)``.
///
/// A watch that ends or drops resumes from the last resource version it saw (bookmarks included), after a
/// backoff with jitter that grows with consecutive failures; `410 Gone` relists, and the relist is reconciled
/// with what was seen before: objects that vanished are delivered as deletions, new ones as additions, changed
/// ones as updates, unchanged ones not at all — so nothing is lost or applied twice. Scheduling may start once
/// ``waitForSync()`` returns.
package final class Informers: Sendable {
    /// How informers retry.
    package struct Options: Sendable {
        /// Delay before reconnecting after the first failure; doubles per consecutive failure up to
        /// `maximumBackoff`, with ±50 % jitter. A watch that ended normally reconnects after about `initialBackoff`.
        package var initialBackoff: Duration = .milliseconds(100)
        package var maximumBackoff: Duration = .seconds(3)
        /// Whether ``start()`` keeps retrying a failing initial list (a real API server) instead of throwing
        /// (the embedded cluster, where a failure is a bug).
        package var retryInitialList = false
        /// Told about every failed list or watch (for logs); the informers recover by themselves.
        package var onError: (@Sendable (ObjectKind, ClusterError) -> Void)?
        package init() {}
    }

    private let client: any ClusterClient
    private let scheduler: Scheduler
    private let kinds: [ObjectKind]
    private let options: Options
    private let processed = Atomic<Int>(0)
    private let synced = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))
    private let tasks = Mutex<[Task<Void, Never>]>([])
    /// What each kind's informer has delivered, by key, to reconcile relists.
    private let known = Mutex<[ObjectKind: [String: KubeObject]]>([:])

    package init(
        client: any ClusterClient,
        scheduler: Scheduler,
        kinds: [ObjectKind] = ObjectKind.allCases,
        options: Options = Options()
    ) {
        self.client = client
        self.scheduler = scheduler
        self.options = options
        // Objects plugins look up come before pods and nodes, so the first cycle sees them.
        // PodGroups are a CRD that may not be installed: read only when a profile uses Coscheduling.
        self.kinds = kinds.filter { $0 != .podGroup || scheduler.readsPodGroups }.sorted {
            Self.order($0) < Self.order($1)
        }
    }

    private static func order(_ kind: ObjectKind) -> Int {
        switch kind {
        case .node: 1
        case .pod: 2
        default: 0
        }
    }

    /// Watch events applied so far (with ``EmbeddedCluster/emittedEventCount`` a barrier for `simulate`).
    package var processedEventCount: Int { processed.load(ordering: .relaxed) }

    /// Whether the initial lists are in the cache.
    package var hasSynced: Bool { synced.withLock { $0.count >= kinds.count } }

    /// Lists every kind in order, applies the lists, then starts one watch task per kind.
    ///
    /// With ``Options/retryInitialList`` a failing list is retried with backoff until it succeeds; the call
    /// then throws only when the task is cancelled.
    package func start() async throws(ClusterError) {
        var versions: [ObjectKind: String] = [:]
        for kind in kinds {
            let list: ObjectList
            if options.retryInitialList {
                guard let listed = await listRetrying(kind) else {
                    throw ClusterError(.unavailable, "informers stopped before syncing")
                }
                list = listed
            } else {
                list = try await client.list(kind)
            }
            reconcile(kind, with: list)
            versions[kind] = list.resourceVersion
        }
        for kind in kinds {
            let version = versions[kind] ?? "0"
            let task = Task { [self] in await self.watchLoop(kind, from: version) }
            tasks.withLock { $0.append(task) }
        }
        let waiters = synced.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count = kinds.count
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once the initial lists are in the cache.
    package func waitForSync() async {
        await withCheckedContinuation { continuation in
            let done = synced.withLock { state -> Bool in
                if state.count >= kinds.count { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    package func stop() {
        tasks.withLock { tasks in
            tasks.forEach { $0.cancel() }
            tasks = []
        }
    }

    private func watchLoop(_ kind: ObjectKind, from version: String) async {
        var resourceVersion = version
        var failures = 0
        while !Task.isCancelled {
            do {
                for try await event in client.watch(kind, resourceVersion: resourceVersion) {
                    failures = 0
                    apply(kind, event)
                    if !event.resourceVersion.isEmpty { resourceVersion = event.resourceVersion }
                    processed.add(1, ordering: .relaxed)
                }
                // The stream ended: resume from where it stopped.
            } catch let error as ClusterError where error.code == .gone {
                options.onError?(kind, error)
                guard let list = await listRetrying(kind) else { return }
                reconcile(kind, with: list)
                resourceVersion = list.resourceVersion
                failures = 0
            } catch {
                failures += 1
                options.onError?(kind, error as? ClusterError ?? ClusterError(.unavailable, "\(error)"))
            }
            if Task.isCancelled { return }
            try? await Task.sleep(for: backoff(failures))
        }
    }

    /// Lists `kind` until it works (nil when cancelled).
    private func listRetrying(_ kind: ObjectKind) async -> ObjectList? {
        var failures = 0
        while !Task.isCancelled {
            do {
                return try await client.list(kind)
            } catch {
                failures += 1
                options.onError?(kind, error)
                try? await Task.sleep(for: backoff(failures))
            }
        }
        return nil
    }

    /// `initial × 2^(failures−1)` capped, ±50 % jitter; about `initial` after a clean end.
    private func backoff(_ failures: Int) -> Duration {
        var delay = options.initialBackoff
        if failures > 1 {
            for _ in 1..<min(failures, 30) {
                delay = delay * 2
                if delay >= options.maximumBackoff { break }
            }
        }
        delay = min(delay, options.maximumBackoff)
        return delay * Double.random(in: 0.5...1.5)
    }

    /// Applies one watch event and remembers what it delivered.
    private func apply(_ kind: ObjectKind, _ event: WatchEvent) {
        guard event.type != .bookmark, let object = event.object else { return }
        known.withLock { known in
            switch event.type {
            case .added, .modified: known[kind, default: [:]][object.key] = object
            case .deleted: known[kind]?[object.key] = nil
            case .bookmark: break
            }
        }
        scheduler.handle(event)
    }

    /// Applies a (re)list as the difference from what was delivered before (client-go's `Replace`): vanished
    /// objects are deleted, a name reused by a new object is a delete then an add, changed objects are updated.
    private func reconcile(_ kind: ObjectKind, with list: ObjectList) {
        let previous = known.withLock { known -> [String: KubeObject] in
            let previous = known[kind] ?? [:]
            var current: [String: KubeObject] = [:]
            current.reserveCapacity(list.items.count)
            for object in list.items { current[object.key] = object }
            known[kind] = current
            return previous
        }
        let rv = list.resourceVersion
        var listed = Set<String>()
        listed.reserveCapacity(list.items.count)
        for object in list.items {
            let key = object.key
            listed.insert(key)
            guard let old = previous[key] else {
                scheduler.handle(WatchEvent(type: .added, object: object, resourceVersion: rv))
                continue
            }
            if old.metadata.uid != object.metadata.uid {
                scheduler.handle(WatchEvent(type: .deleted, object: old, resourceVersion: rv))
                scheduler.handle(WatchEvent(type: .added, object: object, resourceVersion: rv))
            } else if old.metadata.resourceVersion != object.metadata.resourceVersion || old != object {
                scheduler.handle(WatchEvent(type: .modified, object: object, resourceVersion: rv))
            }
        }
        for (key, old) in previous where !listed.contains(key) {
            scheduler.handle(WatchEvent(type: .deleted, object: old, resourceVersion: rv))
        }
    }
}
