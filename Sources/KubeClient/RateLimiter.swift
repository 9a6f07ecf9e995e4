import Synchronization

/// A token bucket like client-go's `flowcontrol.NewTokenBucketRateLimiter`: up to `burst` requests at once,
/// `qps` per second sustained. Waiters reserve a token and sleep until it is theirs, so they are served in
/// arrival order and the long-run rate never exceeds `qps`.
package final class RateLimiter: Sendable {
    private struct State {
        var tokens: Double
        var last: Duration
    }

    /// Sustained requests per second.
    package let qps: Double
    /// Requests allowed at once.
    package let burst: Int
    private let state: Mutex<State>
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// - Parameters:
    ///   - qps: sustained rate; zero or negative means unlimited.
    ///   - burst: bucket size (at least 1).
    package init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = max(1, burst)
        self.origin = clock.now
        self.state = Mutex(State(tokens: Double(max(1, burst)), last: .zero))
    }

    /// Whether the limiter lets everything through.
    package var isUnlimited: Bool { qps <= 0 }

    /// Waits until a request may be sent.
    package func acquire() async {
        let wait = reserve(at: clock.now - origin)
        if wait > .zero {
            try? await Task.sleep(for: wait)
        }
    }

    /// Takes a token at time `now` (since the limiter's creation) and returns how long the caller must wait
    /// before using it. Exposed for tests with a virtual clock.
    package func reserve(at now: Duration) -> Duration {
        guard qps > 0 else { return .zero }
        return state.withLock { state in
            let elapsed = Self.seconds(now - state.last)
            if elapsed > 0 {
                state.tokens = min(Double(burst), state.tokens + elapsed * qps)
                state.last = now
            }
            state.tokens -= 1
            if state.tokens >= 0 { return .zero }
            let seconds = -state.tokens / qps
            return .nanoseconds(Int64((seconds * 1e9).rounded(.up)))
        }
    }

    private static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) / 1e18
    }
}
