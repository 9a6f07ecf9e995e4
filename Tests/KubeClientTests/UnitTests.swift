import Foundation
import KubeClient
import Logging
import SchedulerServer
import Testing

@Suite struct JSONStreamSplitterTests {
    @Test func splitsValuesAcrossArbitraryChunkBoundaries() {
        let text = #"{"type":"ADDED","object":{"a":"}{\"x"}}"# + "\n" + #"{"b":[1,{"c":"]"}]}"# + #"{"d":"\\"}"# + "\n"
        let bytes = Array(text.utf8)
        for chunkSize in [1, 2, 3, 7, 64] {
            var splitter = JSONStreamSplitter()
            var values: [String] = []
            var index = 0
            while index < bytes.count {
                let end = min(index + chunkSize, bytes.count)
                values += splitter.append(bytes[index..<end]).map { String(decoding: $0, as: UTF8.self) }
                index = end
            }
            #expect(values == [#"{"type":"ADDED","object":{"a":"}{\"x"}}"#, #"{"b":[1,{"c":"]"}]}"#, #"{"d":"\\"}"#], "chunk size \(chunkSize)")
            #expect(splitter.pendingByteCount == 0)
        }
    }

    @Test func bareGarbageIsReturnedAsItsOwnValue() {
        var splitter = JSONStreamSplitter()
        let values = splitter.append(Array("not json at all\n{\"ok\":1}\nsome garbage {\"ok\":2}\nmore".utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(values == ["not json at all", "{\"ok\":1}", "some garbage", "{\"ok\":2}"])
        #expect(splitter.finish().map { String(decoding: $0, as: UTF8.self) } == "more")
    }

    @Test func oversizedValuesAreDropped() {
        var splitter = JSONStreamSplitter(maximumValueSize: 16)
        let values = splitter.append(Array("{\"a\":\"0123456789012345678901234\"}{\"b\":1}".utf8))
        #expect(values.first == [])
    }
}

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

@Suite struct FormattingTests {
    @Test func microTime() {
        #expect(KubeTime.micro(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(KubeTime.micro(Date(timeIntervalSince1970: 1_700_000_000.25)) == "2023-11-14T22:13:20.250000Z")
        #expect(KubeTime.seconds(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
    }

    @Test func prometheusText() {
        let registry = MetricsRegistry()
        let counter = registry.counter("c_total", help: "A counter.", stability: .stable, labels: ["result", "profile"])
        counter.increment(["scheduled", "p\"1"])
        counter.increment(["scheduled", "p\"1"], by: 2)
        let histogram = registry.histogram("h_seconds", help: "A histogram.", labels: ["x"], buckets: MetricsRegistry.exponentialBuckets(start: 0.001, factor: 2, count: 3))
        histogram.observe(["a"], 0.0015)
        histogram.observe(["a"], 10)
        let text = registry.render()
        #expect(text.contains("# HELP c_total [STABLE] A counter.\n# TYPE c_total counter\nc_total{result=\"scheduled\",profile=\"p\\\"1\"} 3\n"))
        #expect(text.contains("h_seconds_bucket{x=\"a\",le=\"0.001\"} 0\n"))
        #expect(text.contains("h_seconds_bucket{x=\"a\",le=\"0.002\"} 1\n"))
        #expect(text.contains("h_seconds_bucket{x=\"a\",le=\"0.004\"} 1\n"))
        #expect(text.contains("h_seconds_bucket{x=\"a\",le=\"+Inf\"} 2\n"))
        #expect(text.contains("h_seconds_sum{x=\"a\"} 10.0015\n"))
        #expect(text.contains("h_seconds_count{x=\"a\"} 2\n"))
    }

    @Test func klogLines() {
        let line = KlogHandler.format(level: .info, message: "Successfully bound pod to node", metadata: ["pod": "default/a", "node": "n1"],
                                      file: "Sources/X/Scheduler.swift", line: 42, date: Date(timeIntervalSince1970: 1_700_000_000.5))
        #expect(line.hasPrefix("I1114 22:13:20.500000 "))
        #expect(line.hasSuffix(" Scheduler.swift:42] \"Successfully bound pod to node\" node=\"n1\" pod=\"default/a\""))
        #expect(KlogHandler.level(verbosity: 0) == .info)
        #expect(KlogHandler.level(verbosity: 2) == .debug)
        #expect(KlogHandler.level(verbosity: 5) == .trace)
    }
}
