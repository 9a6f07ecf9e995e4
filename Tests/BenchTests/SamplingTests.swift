import Testing

@testable import Bench

@Suite struct SamplingTests {
    @Test func firstSampleIsDroppedAndEmptyIntervalsMergeIntoTheNext() {
        // Ticks every second. Pods: 2 before t=1 (baseline, dropped), 10 in (1,2], none in (2,3] and (3,4],
        // 30 in (4,5], 5 in (5,6], and 7 after the last tick (not sampled).
        var times: [Double] = [0.5, 0.9]
        times += (0..<10).map { 1.0 + Double($0 + 1) * 0.09 }
        times += (0..<30).map { 4.0 + Double($0 + 1) * 0.03 }
        times += (0..<5).map { 5.0 + Double($0 + 1) * 0.1 }
        times += (0..<7).map { 6.0 + Double($0 + 1) * 0.05 }
        let samples = ThroughputSampler.samples(scheduledAt: times.shuffled(), end: 6.4, interval: 1)
        // t=1 baseline (dropped); t=2: 10/1s; t=3,4 empty; t=5: 30 pods over 3 s = 10/s recorded 3 times; t=6: 5/s.
        #expect(samples.map(\.podsPerSecond) == [10, 10, 10, 10, 5])
        #expect(samples.map(\.time) == [2, 5, 5, 5, 6])
        let summary = ThroughputSampler.summary(samples)
        #expect(summary.sampleCount == 5)
        #expect(summary.average == 9)
        // Nearest rank on [5, 10, 10, 10, 10]: ceil(5·p/100) − 1.
        #expect(summary.p50 == 10)
        #expect(summary.p90 == 10)
        #expect(summary.p99 == 10)
    }

    @Test func ticksBeforeTheFirstPodRecordNothing() {
        // Nothing scheduled until 2.5 s; then 4 pods/s.
        let times = (0..<12).map { 2.5 + Double($0) * 0.25 }
        let samples = ThroughputSampler.samples(scheduledAt: times, end: 5.5, interval: 1)
        #expect(samples.map(\.time) == [4, 5])
        #expect(samples.map(\.podsPerSecond) == [4, 4])
    }

    @Test func percentilesUseNearestRank() {
        let samples = (1...100).map { ThroughputSampler.Sample(time: Double($0), podsPerSecond: Double($0)) }.shuffled()
        let summary = ThroughputSampler.summary(samples)
        #expect(summary.average == 50.5)
        #expect(summary.p50 == 50)
        #expect(summary.p90 == 90)
        #expect(summary.p95 == 95)
        #expect(summary.p99 == 99)
        let three = ThroughputSampler.summary([1, 2, 3].map { ThroughputSampler.Sample(time: $0, podsPerSecond: $0) })
        #expect(three.p50 == 2)  // ceil(1.5) = 2 → second
        #expect(three.p90 == 3)
        #expect(ThroughputSampler.summary([]).sampleCount == 0)
    }

    @Test func shortRunsHaveNoSamples() {
        #expect(ThroughputSampler.samples(scheduledAt: [0.1, 0.2], end: 0.5, interval: 1).isEmpty)
        #expect(ThroughputSampler.samples(scheduledAt: [0.1, 0.2], end: 5, interval: 0).isEmpty)
    }

    @Test func meanAndPopulationDeviation() {
        let value = MeanAndDeviation([0.1, 0.3])
        #expect(abs(value.mean - 0.2) < 1e-12)
        #expect(abs(value.stddev - 0.1) < 1e-12)
        #expect(MeanAndDeviation([]) == MeanAndDeviation(mean: 0, stddev: 0))
    }
}
