import KubeClient
import Testing

@Suite struct RateLimiterTests {
    @Test func burstThenSustainedRate() {
        let limiter = RateLimiter(qps: 10, burst: 3)
        // Three immediately, then one every 100 ms.
        #expect(limiter.reserve(at: .zero) == .zero)
        #expect(limiter.reserve(at: .zero) == .zero)
        #expect(limiter.reserve(at: .zero) == .zero)
        #expect(limiter.reserve(at: .zero) == .milliseconds(100))
        #expect(limiter.reserve(at: .zero) == .milliseconds(200))
        // After a second the bucket has refilled to the burst (it never holds more).
        #expect(limiter.reserve(at: .seconds(2)) == .zero)
        #expect(limiter.reserve(at: .seconds(2)) == .zero)
        #expect(limiter.reserve(at: .seconds(2)) == .zero)
        #expect(limiter.reserve(at: .seconds(2)) == .milliseconds(100))
    }

    @Test func negativeQPSIsUnlimited() {
        let limiter = RateLimiter(qps: -1, burst: 1)
        #expect(limiter.isUnlimited)
        for _ in 0..<100 { #expect(limiter.reserve(at: .zero) == .zero) }
    }
}
