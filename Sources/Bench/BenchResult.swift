/// Everything one bench run measured.
package struct BenchResult: Sendable {
    /// The test case's name, such as `SchedulingBasic`.
    package var workload: String
    /// The workload (variant) name, such as `5000Nodes_10000Pods`.
    package var variant: String
    /// `embedded` or `kubeconfig`.
    package var mode: String
    /// The profile's scheduler name (the first profile when there are several).
    package var profile: String
    /// The configuration file, or `<default>`.
    package var profileSource: String
    /// Nodes the workload created (churn excluded).
    package var nodes: Int
    /// Pods created by ops that do not collect metrics.
    package var initPods: Int
    /// Pods created by the measured op.
    package var measuredPods: Int
    /// Measured pods that were scheduled.
    package var scheduled: Int
    /// Measured pods left unscheduled when the run ended.
    package var unschedulable: Int
    /// Wall time of the measured op: from its start until its last pod was scheduled.
    package var durationSeconds: Double
    /// Throughput: `overall` = scheduled measured pods / duration; the rest summarise the samples.
    package var throughput: Throughput
    /// The samples behind ``throughput`` (for charts).
    package var samples: [ThroughputSampler.Sample]
    /// When each measured pod was scheduled, in seconds after the measured op started (for charts).
    package var scheduledTimes: [Double]
    /// The sampling interval used, in seconds.
    package var sampleInterval: Double
    /// Scheduling-attempt latency of measured pods, in seconds.
    package var attemptLatency: Latency
    /// Attempt latency distribution, for the report: (upper bound in seconds, count) per bucket.
    package var latencyBuckets: [(upperBoundSeconds: Double, count: UInt64)]
    /// Attempts of measured pods by result (`scheduled`, `unschedulable`, `error`).
    package var attempts: [String: Int]
    /// Seconds spent at each extension point during measured attempts, in upstream's order.
    package var extensionPoints: [(name: String, seconds: Double)]
    /// Placement quality at the end of the run.
    package var placement: Placement
    /// Peak resident set size of the process, in bytes.
    package var peakRSSBytes: Int
    /// The seed used for tie-breaking and generated labels.
    package var seed: UInt64
    /// The workload's throughput threshold (pods/s), when it sets one.
    package var threshold: Double?
    /// Whether the average throughput reached ``threshold``; nil without a threshold.
    package var passed: Bool?
    /// Remarks: plugins the workload needs that are not implemented, sampling caveats, ….
    package var notes: [String]
    /// Pods the scheduling queue still counted as in flight when the run ended, after every attempt finished
    /// (always 0 unless its bookkeeping leaks; a non-zero count fails the run).
    package var inFlightPods = 0
    /// Cluster events the queue still kept for in-flight pods when the run ended (0 unless it leaks).
    package var inFlightEvents = 0

    /// Whether the queue's in-flight bookkeeping was left non-empty (fails the run).
    package var leakedInFlight: Bool { inFlightPods > 0 || inFlightEvents > 0 }

    /// Pods per second.
    package struct Throughput: Sendable, Equatable {
        package var overall: Double
        package var average: Double
        package var p50: Double
        package var p90: Double
        package var p95: Double
        package var p99: Double
        package var sampleCount: Int
    }

    /// Attempt latency percentiles, in seconds.
    package struct Latency: Sendable, Equatable {
        package var p50: Double
        package var p90: Double
        package var p99: Double
        package var max: Double
        package var count: Int
    }

    /// How pods ended up spread over nodes.
    package struct Placement: Sendable, Equatable {
        /// Nodes holding at least one pod.
        package var nodesUsed: Int
        /// Nodes considered (with allocatable CPU or memory).
        package var nodesTotal: Int
        /// Requested CPU / allocatable CPU across nodes.
        package var cpuAllocation: MeanAndDeviation
        /// Requested memory / allocatable memory across nodes.
        package var memoryAllocation: MeanAndDeviation
    }
}
