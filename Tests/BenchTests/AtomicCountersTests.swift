import Testing

@testable import Bench

/// Measurement restarts (several ops with `collectMetrics`) reset the extension-point counters; the reset must
/// bring them back to zero, not trap on the unsigned add it is made of.
@Suite struct AtomicCountersTests {
    @Test func resetAfterCountingBringsEveryCounterToZero() {
        let counters = AtomicCounters(count: 12)
        for index in 0..<12 { counters.add(index, UInt64(index + 1) * 1_000) }
        counters.reset()
        #expect((0..<12).allSatisfy { counters.load($0) == 0 })
        counters.add(3, 5)
        counters.reset()
        counters.add(3, 7)
        #expect(counters.load(3) == 7)
    }
}
