import KubeAPI
import SchedulerFramework
import Synchronization

/// List-then-watch for every kind the scheduler reads, feeding ``Scheduler/handle(_:)``.
///
/// A dropped watch resumes from the last resource version it saw; `410 Gone` relists. Scheduling may
/// start once ``waitForSync()`` returns.
public final class Informers: Sendable {
    private let client: any ClusterClient
    private let scheduler: Scheduler
    private let kinds: [ObjectKind]
    private let processed = Atomic<Int>(0)
    private let synced = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))
    private let tasks = Mutex<[Task<Void, Never>]>([])

    public init(client: any ClusterClient, scheduler: Scheduler, kinds: [ObjectKind] = ObjectKind.allCases) {
        self.client = client
        self.scheduler = scheduler
        // Objects plugins look up come before pods and nodes, so the first cycle sees them.
        self.kinds = kinds.sorted { Self.order($0) < Self.order($1) }
    }

    private static func order(_ kind: ObjectKind) -> Int {
        switch kind {
        case .node: 1
        case .pod: 2
        default: 0
        }
    }

    /// Watch events applied so far (with ``EmbeddedCluster/emittedEventCount`` a barrier for `simulate`).
    public var processedEventCount: Int { processed.load(ordering: .relaxed) }

    /// Lists every kind in order, applies the lists, then starts one watch task per kind.
    public func start() async throws(ClusterError) {
        var versions: [ObjectKind: String] = [:]
        for kind in kinds {
            let list = try await client.list(kind)
            for object in list.items {
                scheduler.handle(WatchEvent(type: .added, object: object, resourceVersion: list.resourceVersion))
            }
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
    public func waitForSync() async {
        await withCheckedContinuation { continuation in
            let done = synced.withLock { state -> Bool in
                if state.count >= kinds.count { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    public func stop() {
        tasks.withLock { tasks in
            tasks.forEach { $0.cancel() }
            tasks = []
        }
    }

    private func watchLoop(_ kind: ObjectKind, from version: String) async {
        var resourceVersion = version
        var attempt = 0
        while !Task.isCancelled {
            do {
                for try await event in client.watch(kind, resourceVersion: resourceVersion) {
                    attempt = 0
                    if event.type != .bookmark { scheduler.handle(event) }
                    resourceVersion = event.resourceVersion
                    processed.add(1, ordering: .relaxed)
                }
                // The stream ended: resume from where it stopped.
            } catch let error as ClusterError where error.code == .gone {
                if let list = try? await client.list(kind) {
                    for object in list.items {
                        scheduler.handle(WatchEvent(type: .modified, object: object, resourceVersion: list.resourceVersion))
                    }
                    resourceVersion = list.resourceVersion
                }
            } catch {
                attempt += 1
            }
            if Task.isCancelled { return }
            // Back off with jitter before reconnecting.
            let base = min(Double(1 << min(attempt, 5)) * 0.1, 3.0)
            try? await Task.sleep(for: .milliseconds(Int(base * 1000 * Double.random(in: 0.5...1.5))))
        }
    }
}
