import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// Runs one resolved workload against a cluster with one scheduler configuration, the way scheduler_perf does:
/// the scheduler runs continuously (binding cycles asynchronous), the ops run in order, and only the pods of the
/// op with `collectMetrics: true` are measured.
package final class WorkloadRunner: Sendable {
    let workload: ResolvedWorkload
    let configuration: SchedulerConfiguration
    let registry: PluginRegistry
    let cluster: BenchCluster
    let settings: RunSettings
    let recorder = BenchRecorder()
    let templates = TemplateCache()

    struct State {
        var names: [String: Int] = [:]
        var namespaces: Set<String> = []
        var createdPods: [String: Int] = [:]
        var createdNodes = 0
        var generator: SeededGenerator
        var background: [Task<Void, Never>] = []
        var backgroundError: BenchError?
        var measured: MeasuredPhase?
    }

    struct MeasuredPhase {
        var measurement: BenchRecorder.Measurement
        var created: Int
        var endNanos: UInt64
    }

    let state: Mutex<State>

    /// Prepares a run; nothing happens until ``run()``.
    package init(
        workload: ResolvedWorkload,
        configuration: SchedulerConfiguration,
        registry: PluginRegistry,
        cluster: BenchCluster,
        settings: RunSettings
    ) {
        self.workload = workload
        self.configuration = configuration
        self.registry = registry
        self.cluster = cluster
        self.settings = settings
        self.state = Mutex(State(generator: SeededGenerator(seed: settings.seed)))
    }

    /// Runs the workload and reports what was measured.
    ///
    /// - Throws: ``BenchError`` when the scheduler cannot be built, a template is invalid, or the cluster
    ///   refuses an object.
    package func run() async throws(BenchError) -> BenchResult {
        let notes = try Requirements.notes(
            for: workload,
            templates: templates,
            registry: registry,
            configuration: configuration
        )
        let scheduler: Scheduler
        do {
            scheduler = try Scheduler(
                configuration: configuration,
                registry: registry,
                client: cluster.client,
                clock: RealClock(),
                seed: settings.seed,
                observer: recorder,
                instrumentation: recorder
            )
        } catch {
            throw BenchError("\(error)")
        }
        let informers = Informers(client: cluster.client, scheduler: scheduler)
        do {
            try await informers.start()
        } catch {
            throw BenchError("\(cluster.mode) cluster: \(error.message)")
        }
        // The loop and queue timers `run` uses, so the benchmark measures what production runs.
        let loop = Task { await scheduler.run() }

        var failure: BenchError?
        do throws(BenchError) {
            for (index, operation) in workload.operations.enumerated() {
                try await execute(operation, index: index, scheduler: scheduler)
                if let error = state.withLock({ $0.backgroundError }) { throw error }
            }
        } catch {
            failure = error
        }

        let background = state.withLock { state -> [Task<Void, Never>] in
            defer { state.background = [] }
            return state.background
        }
        background.forEach { $0.cancel() }
        for task in background { await task.value }
        let placement = Self.placement(nodes: await cluster.inventory(.node), pods: await cluster.inventory(.pod))
        scheduler.queue.close()
        await loop.value
        await scheduler.waitForInFlightWork()
        // Every attempt has finished: the queue's in-flight bookkeeping must be empty (issue 14, point 6).
        let inFlight = scheduler.queue.inFlightCounts()
        informers.stop()
        cluster.shutdown()
        await cluster.cleanup()
        if let failure { throw failure }
        return result(placement: placement, notes: notes, inFlight: inFlight)
    }

    /// Polls `value` until `done` holds. Gives up (returning false) when the value has not changed for the stall
    /// timeout while the scheduler has nothing in its active queue.
    func waitFor(
        scheduler: Scheduler,
        stall: Double? = nil,
        _ value: () -> Int,
        until done: (Int) -> Bool
    ) async -> Bool {
        var last = value()
        var detector = StallDetector(
            timeoutNanos: UInt64((stall ?? settings.stallTimeout) * 1e9),
            value: last,
            now: BenchClock.now()
        )
        while !done(last) {
            try? await Task.sleep(for: .microseconds(500))
            last = value()
            if detector.hasStalled(value: last, now: BenchClock.now()) && scheduler.queue.pendingCounts().active == 0 {
                return false
            }
        }
        return true
    }
}

/// Decides when a polled progress count has stopped moving.
///
/// Only time the poller was awake to see counts toward the stall: each poll credits at most
/// ``maximumPollCredit``. When the whole process is frozen (a task blocking every cooperative thread), the tasks
/// that would make progress are frozen too, and that pause must not read as the workload stalling.
struct StallDetector {
    /// The most one poll adds to the idle time, in nanoseconds: 50 ms, a hundred poll intervals.
    static let maximumPollCredit: UInt64 = 50_000_000

    let timeoutNanos: UInt64
    private var lastValue: Int
    private var lastPoll: UInt64
    private var idleNanos: UInt64 = 0

    init(timeoutNanos: UInt64, value: Int, now: UInt64) {
        self.timeoutNanos = timeoutNanos
        self.lastValue = value
        self.lastPoll = now
    }

    /// Records one poll; true once `value` has not changed for the timeout.
    mutating func hasStalled(value: Int, now: UInt64) -> Bool {
        idleNanos &+= min(now &- lastPoll, Self.maximumPollCredit)
        lastPoll = now
        if value != lastValue {
            lastValue = value
            idleNanos = 0
            return false
        }
        return idleNanos > timeoutNanos
    }
}
