import Testing

@testable import Bench

/// The bench gives up on a barrier when progress stops; a frozen process is not a stalled workload.
@Suite struct StallDetectorTests {
    private let millisecond: UInt64 = 1_000_000

    @Test func progressThatStopsIsAStallAfterTheTimeout() {
        var detector = StallDetector(timeoutNanos: 100 * millisecond, value: 0, now: 0)
        var now: UInt64 = 0
        var stalled = false
        for step in 1...300 {
            now += millisecond
            // Moves for the first 50 polls, then never again.
            stalled = detector.hasStalled(value: min(step, 50), now: now)
            if stalled { break }
        }
        #expect(stalled)
        #expect(now > 150 * millisecond && now < 160 * millisecond)
    }

    /// Ten seconds without a poll (every cooperative thread blocked elsewhere) count as one poll's worth.
    @Test func aFrozenPollerDoesNotReadAsAStall() {
        var detector = StallDetector(timeoutNanos: 5_000 * millisecond, value: 3, now: 0)
        let afterFreeze = detector.hasStalled(value: 3, now: 10_000 * millisecond)
        #expect(!afterFreeze)
        let moved = detector.hasStalled(value: 4, now: 10_001 * millisecond)
        #expect(!moved)
        let afterAnotherFreeze = detector.hasStalled(value: 4, now: 15_000 * millisecond)
        #expect(!afterAnotherFreeze)
    }

    @Test func anyChangeRestartsTheCount() {
        var detector = StallDetector(timeoutNanos: 100 * millisecond, value: 0, now: 0)
        var now: UInt64 = 0
        for step in 1...1_000 {
            now += 10 * millisecond
            let stalled = detector.hasStalled(value: step / 5, now: now)
            #expect(!stalled)
        }
    }
}
