/// Everything one bench run measured.
public struct BenchResult: Sendable {
    /// The test case's name, such as `SchedulingBasic`.
    public var workload: String
    /// The workload (variant) name, such as `5000Nodes_10000Pods`.
    public var variant: String
    /// `embedded` or `kubeconfig`.
    public var mode: String
    /// The profile's scheduler name (the first profile when there are several).
    public var profile: String
    /// The configuration file, or `<default>`.
    public var profileSource: String
    /// Nodes the workload created (churn excluded).
    public var nodes: Int
    /// Pods created by ops that do not collect metrics.
    public var initPods: Int
    /// Pods created by the measured op.
    public var measuredPods: Int
    /// Measured pods that were scheduled.
    public var scheduled: Int
    /// Measured pods left unscheduled when the run ended.
    public var unschedulable: Int
    /// Wall time of the measured op: from its start until its last pod was scheduled.
    public var durationSeconds: Double
    /// Throughput: `overall` = scheduled measured pods / duration; the rest summarise the samples.
    public var throughput: Throughput
    /// The samples behind ``throughput`` (for charts).
    public var samples: [ThroughputSampler.Sample]
    /// When each measured pod was scheduled, in seconds after the measured op started (for charts).
    public var scheduledTimes: [Double]
    /// The sampling interval used, in seconds.
    public var sampleInterval: Double
    /// Scheduling-attempt latency of measured pods, in seconds.
    public var attemptLatency: Latency
    /// Attempt latency distribution, for the report: (upper bound in seconds, count) per bucket.
    public var latencyBuckets: [(upperBoundSeconds: Double, count: UInt64)]
    /// Attempts of measured pods by result (`scheduled`, `unschedulable`, `error`).
    public var attempts: [String: Int]
    /// Seconds spent at each extension point during measured attempts, in upstream's order.
    public var extensionPoints: [(name: String, seconds: Double)]
    /// Placement quality at the end of the run.
    public var placement: Placement
    /// Peak resident set size of the process, in bytes.
    public var peakRSSBytes: Int
    /// The seed used for tie-breaking and generated labels.
    public var seed: UInt64
    /// The workload's throughput threshold (pods/s), when it sets one.
    public var threshold: Double?
    /// Whether the average throughput reached ``threshold``; nil without a threshold.
    public var passed: Bool?
    /// Remarks: plugins the workload needs that are not implemented, sampling caveats, ….
    public var notes: [String]

    /// Pods per second.
    public struct Throughput: Sendable, Equatable {
        public var overall: Double
        public var average: Double
        public var p50: Double
        public var p90: Double
        public var p95: Double
        public var p99: Double
        public var sampleCount: Int
    }

    /// Attempt latency percentiles, in seconds.
    public struct Latency: Sendable, Equatable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var max: Double
        public var count: Int
    }

    /// How pods ended up spread over nodes.
    public struct Placement: Sendable, Equatable {
        /// Nodes holding at least one pod.
        public var nodesUsed: Int
        /// Nodes considered (with allocatable CPU or memory).
        public var nodesTotal: Int
        /// Requested CPU / allocatable CPU across nodes.
        public var cpuAllocation: MeanAndDeviation
        /// Requested memory / allocatable memory across nodes.
        public var memoryAllocation: MeanAndDeviation
    }
}
