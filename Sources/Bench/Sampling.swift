/// scheduler_perf's throughput sampling, as a pure function of when each measured pod was scheduled.
///
/// Upstream's collector wakes every interval and counts the measured pods scheduled so far:
/// - ticks before the first scheduled pod record nothing;
/// - the first tick that sees a scheduled pod only sets the baseline (its sample is dropped as an outlier,
///   since pod creation and sampling start independently);
/// - a tick with no newly scheduled pod records nothing yet: the empty interval is merged into the next
///   non-empty one, whose rate (pods / real elapsed time since the last recorded tick) is recorded once per
///   merged interval, so percentiles stay honest;
/// - the partial interval after the last tick is not sampled.
package enum ThroughputSampler {
    /// One recorded sample: the tick that produced it (seconds after the start) and its rate.
    package struct Sample: Sendable, Equatable {
        /// When the tick happened, in seconds after measuring started.
        package var time: Double
        /// Pods per second over the (merged) interval that ended at `time`.
        package var podsPerSecond: Double
    }

    /// The samples for pods scheduled at `times` (seconds after measuring started, any order), with ticks
    /// every `interval` seconds up to `end`.
    package static func samples(scheduledAt times: [Double], end: Double, interval: Double) -> [Sample] {
        guard interval > 0, end >= interval else { return [] }
        let sorted = times.sorted()
        var result: [Sample] = []
        var cursor = 0
        var started = false
        var lastCount = 0
        var lastTime = 0.0
        var skipped = 0
        var tick = 1
        while true {
            let now = Double(tick) * interval
            if now > end + interval * 1e-9 { break }
            tick += 1
            while cursor < sorted.count && sorted[cursor] <= now { cursor += 1 }
            let scheduled = cursor
            if scheduled == 0 { continue }
            if !started {
                started = true
                lastCount = scheduled
                lastTime = now
                continue
            }
            let new = scheduled - lastCount
            if new == 0 {
                skipped += 1
                continue
            }
            let rate = Double(new) / (now - lastTime)
            for _ in 0...skipped { result.append(Sample(time: now, podsPerSecond: rate)) }
            lastCount = scheduled
            lastTime = now
            skipped = 0
        }
        return result
    }

    /// Average and percentiles of samples, as upstream's `SchedulingThroughput` data item: the average of
    /// the samples (not total/elapsed) and nearest-rank percentiles (`sorted[ceil(n·p/100) − 1]`).
    package static func summary(_ samples: [Sample]) -> ThroughputSummary {
        let values = samples.map(\.podsPerSecond).sorted()
        guard !values.isEmpty else {
            return ThroughputSummary(sampleCount: 0, average: 0, p50: 0, p90: 0, p95: 0, p99: 0)
        }
        let sum = values.reduce(0, +)
        func percentile(_ p: Int) -> Double {
            let rank = (values.count * p + 99) / 100
            return values[max(rank, 1) - 1]
        }
        return ThroughputSummary(
            sampleCount: values.count,
            average: sum / Double(values.count),
            p50: percentile(50),
            p90: percentile(90),
            p95: percentile(95),
            p99: percentile(99)
        )
    }
}

/// Throughput samples summarised like upstream's `SchedulingThroughput`.
package struct ThroughputSummary: Sendable, Equatable {
    /// How many samples were recorded.
    package var sampleCount: Int
    /// Mean of the samples (pods/s).
    package var average: Double
    /// Nearest-rank percentiles of the samples (pods/s).
    package var p50: Double
    package var p90: Double
    package var p95: Double
    package var p99: Double
}

/// Mean and population standard deviation.
package struct MeanAndDeviation: Sendable, Equatable {
    package var mean: Double
    package var stddev: Double

    /// Mean and population standard deviation of `values` (zeros when empty).
    package init(_ values: [Double]) {
        guard !values.isEmpty else {
            mean = 0
            stddev = 0
            return
        }
        let mean = values.reduce(0, +) / Double(values.count)
        var sum = 0.0
        for value in values { sum += (value - mean) * (value - mean) }
        self.mean = mean
        self.stddev = (sum / Double(values.count)).squareRoot()
    }

    package init(mean: Double, stddev: Double) {
        self.mean = mean
        self.stddev = stddev
    }
}
