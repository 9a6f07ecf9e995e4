import SchedulerServer
import Testing

@Suite struct MetricsRegistryTests {
    @Test func prometheusText() {
        let registry = MetricsRegistry()
        let counter = registry.counter(
            "c_total",
            help: "A counter.",
            stability: .stable,
            labels: ["result", "profile"]
        )
        counter.increment(["scheduled", "p\"1"])
        counter.increment(["scheduled", "p\"1"], by: 2)
        let histogram = registry.histogram(
            "h_seconds",
            help: "A histogram.",
            labels: ["x"],
            buckets: MetricsRegistry.exponentialBuckets(start: 0.001, factor: 2, count: 3)
        )
        histogram.observe(["a"], 0.0015)
        histogram.observe(["a"], 10)
        let text = registry.render()
        #expect(
            text.contains(
                "# HELP c_total [STABLE] A counter.\n# TYPE c_total counter\nc_total{result=\"scheduled\",profile=\"p\\\"1\"} 3\n"
            )
        )
        #expect(text.contains("h_seconds_bucket{x=\"a\",le=\"0.001\"} 0\n"))
        #expect(text.contains("h_seconds_bucket{x=\"a\",le=\"0.002\"} 1\n"))
        #expect(text.contains("h_seconds_bucket{x=\"a\",le=\"0.004\"} 1\n"))
        #expect(text.contains("h_seconds_bucket{x=\"a\",le=\"+Inf\"} 2\n"))
        #expect(text.contains("h_seconds_sum{x=\"a\"} 10.0015\n"))
        #expect(text.contains("h_seconds_count{x=\"a\"} 2\n"))
    }
}
