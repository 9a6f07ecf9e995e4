import Histogram
import KubeAPI
import SchedulerFramework
import SchedulerRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Collects what the scheduler reports during a run: scheduled and attempted pods per namespace, and for the
/// measured phase the time each measured pod was scheduled, attempt latencies (HdrHistogram) and time per
/// extension point. Like scheduler_perf's metric collectors, latencies and extension-point times cover every
/// attempt made while the measured op runs (churn included).
final class BenchRecorder: SchedulingObserver, SchedulerInstrumentation {
    struct Measurement {
        var namespaces: Set<String> = []
        var active = false
        /// Nanoseconds (monotonic) when measuring started.
        var start: UInt64 = 0
        /// Monotonic nanoseconds at which each measured pod was scheduled.
        var scheduledAt: [UInt64] = []
        /// Attempt latency in microseconds.
        var latency = Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: 3_600_000_000,
            numberOfSignificantValueDigits: .three
        )
        var attempts: [AttemptResult: Int] = [:]
        /// Nanoseconds per extension point, in `ExtensionPoint.allCases` order (filled by `stopMeasuring`).
        var extensionPoints: [UInt64] = Array(repeating: 0, count: ExtensionPoint.allCases.count)
    }

    /// Whether the measured op is running (read without a lock on the scheduling loop's path).
    private let measuring = Atomic<Bool>(false)
    /// Extension-point totals, added without a lock so the scheduling loop never waits on a binding task.
    private let totals = AtomicCounters(count: ExtensionPoint.allCases.count)

    private struct Counts {
        var scheduled: [String: Int] = [:]
        /// Namespace → names of the live pods with a PodScheduled condition (scheduled, failed, or gated at
        /// creation).
        var attempted: [String: Set<String>] = [:]
        /// Namespace → pods counted in `attempted` and since deleted: their names are dropped so that the set
        /// holds only live pods (a soak creates and deletes millions), while the count stays cumulative.
        var attemptedAndDeleted: [String: Int] = [:]
        var totalScheduled = 0
    }

    private let counts = Mutex(Counts())
    private let measurement = Mutex(Measurement())

    // MARK: SchedulingObserver

    func podScheduled(_ pod: Pod, nodeName: String) {
        let namespace = pod.namespace
        counts.withLock { counts in
            counts.scheduled[namespace, default: 0] += 1
            counts.attempted[namespace, default: []].insert(pod.name)
            counts.totalScheduled += 1
        }
        let now = BenchClock.now()
        measurement.withLock { m in
            if m.active && m.namespaces.contains(namespace) { m.scheduledAt.append(now) }
        }
    }

    func podFailed(_ pod: Pod, status: Status, message: String) {
        counts.withLock { _ = $0.attempted[pod.namespace, default: []].insert(pod.name) }
    }

    /// A pod created with scheduling gates: the API server gives it `PodScheduled=False` (SchedulingGated) at
    /// creation, so scheduler_perf's `Attempted` barrier counts it without a scheduling attempt.
    func podCreatedGated(_ pod: Pod) {
        counts.withLock { _ = $0.attempted[pod.namespace, default: []].insert(pod.name) }
    }

    // MARK: SchedulerInstrumentation

    func attemptFinished(profile: String, result: AttemptResult, duration: Duration) {
        let micros = max(UInt64(clamping: BenchClock.nanoseconds(duration) / 1000), 1)
        measurement.withLock { m in
            guard m.active else { return }
            _ = m.latency.record(micros)
            m.attempts[result, default: 0] += 1
        }
    }

    func extensionPointFinished(_ point: ExtensionPoint, profile: String, status: Status.Code, duration: Duration) {
        guard measuring.load(ordering: .relaxed), let index = ExtensionPoint.allCases.firstIndex(of: point) else {
            return
        }
        totals.add(index, UInt64(clamping: BenchClock.nanoseconds(duration)))
    }

    // MARK: Reading

    func scheduledCount(in namespaces: Set<String>?) -> Int {
        counts.withLock { counts in
            guard let namespaces else { return counts.totalScheduled }
            return namespaces.reduce(0) { $0 + (counts.scheduled[$1] ?? 0) }
        }
    }

    func attemptedCount(in namespaces: Set<String>?) -> Int {
        counts.withLock { counts in
            if let namespaces {
                return namespaces.reduce(0) {
                    $0 + (counts.attempted[$1]?.count ?? 0) + (counts.attemptedAndDeleted[$1] ?? 0)
                }
            }
            return counts.attempted.values.reduce(0) { $0 + $1.count }
                + counts.attemptedAndDeleted.values.reduce(0, +)
        }
    }

    /// The bench deleted the pod: its name is no longer kept (it still counts as attempted).
    func podDeleted(namespace: String, name: String) {
        counts.withLock { counts in
            guard counts.attempted[namespace]?.remove(name) != nil else { return }
            counts.attemptedAndDeleted[namespace, default: 0] += 1
            if counts.attempted[namespace]?.isEmpty == true { counts.attempted[namespace] = nil }
        }
    }

    /// Pod names held for the `Attempted` barrier (bounded by the live pods; for tests).
    var retainedPodNames: Int { counts.withLock { $0.attempted.values.reduce(0) { $0 + $1.count } } }

    var totalScheduled: Int { counts.withLock { $0.totalScheduled } }

    func startMeasuring(namespaces: Set<String>) {
        totals.reset()
        measurement.withLock { m in
            m = Measurement()
            m.namespaces = namespaces
            m.active = true
            m.start = BenchClock.now()
        }
        measuring.store(true, ordering: .relaxed)
    }

    /// Stops measuring and returns what was measured.
    func stopMeasuring() -> Measurement {
        measuring.store(false, ordering: .relaxed)
        var result = measurement.withLock { m in
            m.active = false
            return m
        }
        for index in result.extensionPoints.indices { result.extensionPoints[index] = totals.load(index) }
        return result
    }

    var measuredScheduled: Int { measurement.withLock { $0.scheduledAt.count } }
    var measuringStart: UInt64 { measurement.withLock { $0.start } }
}

/// Monotonic time for the bench, in nanoseconds.
enum BenchClock {
    /// Nanoseconds since an arbitrary fixed point (`CLOCK_MONOTONIC`).
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// A duration in whole nanoseconds (negative durations count as 0).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}

/// Up to twelve counters updated with relaxed atomic adds (one per extension point).
final class AtomicCounters: Sendable {
    private let c0 = Atomic<UInt64>(0)
    private let c1 = Atomic<UInt64>(0)
    private let c2 = Atomic<UInt64>(0)
    private let c3 = Atomic<UInt64>(0)
    private let c4 = Atomic<UInt64>(0)
    private let c5 = Atomic<UInt64>(0)
    private let c6 = Atomic<UInt64>(0)
    private let c7 = Atomic<UInt64>(0)
    private let c8 = Atomic<UInt64>(0)
    private let c9 = Atomic<UInt64>(0)
    private let c10 = Atomic<UInt64>(0)
    private let c11 = Atomic<UInt64>(0)
    let count: Int

    init(count: Int) { self.count = min(count, 12) }

    func add(_ index: Int, _ value: UInt64) {
        switch index {
        case 0: c0.wrappingAdd(value, ordering: .relaxed)
        case 1: c1.wrappingAdd(value, ordering: .relaxed)
        case 2: c2.wrappingAdd(value, ordering: .relaxed)
        case 3: c3.wrappingAdd(value, ordering: .relaxed)
        case 4: c4.wrappingAdd(value, ordering: .relaxed)
        case 5: c5.wrappingAdd(value, ordering: .relaxed)
        case 6: c6.wrappingAdd(value, ordering: .relaxed)
        case 7: c7.wrappingAdd(value, ordering: .relaxed)
        case 8: c8.wrappingAdd(value, ordering: .relaxed)
        case 9: c9.wrappingAdd(value, ordering: .relaxed)
        case 10: c10.wrappingAdd(value, ordering: .relaxed)
        case 11: c11.wrappingAdd(value, ordering: .relaxed)
        default: break
        }
    }

    func load(_ index: Int) -> UInt64 {
        switch index {
        case 0: c0.load(ordering: .relaxed)
        case 1: c1.load(ordering: .relaxed)
        case 2: c2.load(ordering: .relaxed)
        case 3: c3.load(ordering: .relaxed)
        case 4: c4.load(ordering: .relaxed)
        case 5: c5.load(ordering: .relaxed)
        case 6: c6.load(ordering: .relaxed)
        case 7: c7.load(ordering: .relaxed)
        case 8: c8.load(ordering: .relaxed)
        case 9: c9.load(ordering: .relaxed)
        case 10: c10.load(ordering: .relaxed)
        case 11: c11.load(ordering: .relaxed)
        default: 0
        }
    }

    /// Back to zero by adding the two's complement (the counters wrap, so this never traps).
    func reset() {
        for index in 0..<count { add(index, 0 &- load(index)) }
    }
}
