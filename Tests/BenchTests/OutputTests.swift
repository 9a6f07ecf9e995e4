import Foundation
import Testing

@testable import Bench

/// The keys of every JSON object in `text`, in the order they appear, as dotted paths (`throughput.p50`).
private func orderedKeys(_ text: String) -> [String] {
    var keys: [String] = []
    var path: [String] = []
    var lastKey: String?
    var lastString: String?
    var characters = text.makeIterator()
    while let character = characters.next() {
        switch character {
        case "\"":
            var value = ""
            while let next = characters.next(), next != "\"" {
                if next == "\\", let escaped = characters.next() { value.append(escaped) } else { value.append(next) }
            }
            lastString = value
        case ":":
            if let key = lastString {
                keys.append((path + [key]).joined(separator: "."))
                lastKey = key
            }
            lastString = nil
        case "{":
            if let key = lastKey { path.append(key) }
            lastKey = nil
        case "}":
            if !path.isEmpty { path.removeLast() }
            lastKey = nil
        case ",":
            lastKey = nil
            lastString = nil
        default:
            break
        }
    }
    return keys
}

func sampleResult() -> BenchResult {
    BenchResult(
        workload: "SchedulingBasic",
        variant: "5000Nodes_10000Pods",
        mode: "embedded",
        profile: "default-scheduler",
        profileSource: "<default>",
        nodes: 5000,
        initPods: 1000,
        measuredPods: 10000,
        scheduled: 10000,
        unschedulable: 0,
        durationSeconds: 1.2,
        throughput: .init(
            overall: 8333.3333,
            average: 8000.5,
            p50: 8100,
            p90: 9000,
            p95: 9100,
            p99: 9200,
            sampleCount: 11
        ),
        samples: [.init(time: 0.2, podsPerSecond: 8000)],
        scheduledTimes: [0.1, 0.2],
        sampleInterval: 0.1,
        attemptLatency: .init(p50: 0.0001, p90: 0.0002, p99: 0.001, max: 0.01, count: 10000),
        latencyBuckets: [(0.00001, 3), (0.00002, 10)],
        attempts: ["scheduled": 10000],
        extensionPoints: [("PreFilter", 0.01), ("Filter", 0.5), ("Score", 0.4)],
        placement: .init(
            nodesUsed: 5000,
            nodesTotal: 5000,
            cpuAllocation: MeanAndDeviation(mean: 0.055, stddev: 0.01),
            memoryAllocation: MeanAndDeviation(mean: 0.0336, stddev: 0.006)
        ),
        peakRSSBytes: 123_456_789,
        seed: 1,
        threshold: 680,
        passed: true,
        notes: []
    )
}

@Suite struct OutputTests {
    @Test func jsonHasExactlyTheDocumentedKeysInOrder() throws {
        let json = BenchOutput.json(sampleResult())
        #expect(!json.contains("\n"))
        #expect(
            orderedKeys(json) == [
                "workload", "variant", "mode", "profile", "nodes", "initPods", "measuredPods", "scheduled",
                "unschedulable",
                "durationSeconds",
                "throughput", "throughput.overall", "throughput.average", "throughput.p50", "throughput.p90",
                "throughput.p95", "throughput.p99",
                "attemptLatencySeconds", "attemptLatencySeconds.p50", "attemptLatencySeconds.p90",
                "attemptLatencySeconds.p99",
                "attemptLatencySeconds.max",
                "extensionPoints", "extensionPoints.PreFilter", "extensionPoints.Filter", "extensionPoints.Score",
                "placement", "placement.nodesUsed", "placement.cpuAllocation", "placement.cpuAllocation.mean",
                "placement.cpuAllocation.stddev", "placement.memoryAllocation", "placement.memoryAllocation.mean",
                "placement.memoryAllocation.stddev",
                "peakRSSBytes", "seed", "threshold", "passed", "inFlight", "inFlight.pods", "inFlight.events",
            ]
        )
        // It is valid JSON with the values filled in.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["workload"] as? String == "SchedulingBasic")
        #expect(object["nodes"] as? Int == 5000)
        #expect(object["durationSeconds"] as? Double == 1.2)
        #expect((object["throughput"] as? [String: Any])?["overall"] as? Double == 8333.33)
        #expect(object["threshold"] as? Int == 680)
        #expect(object["passed"] as? Bool == true)
        #expect(
            json.hasPrefix(
                "{\"workload\":\"SchedulingBasic\",\"variant\":\"5000Nodes_10000Pods\",\"mode\":\"embedded\",\"profile\":\"default-scheduler\","
            )
        )
        #expect(
            json.hasSuffix(
                "\"peakRSSBytes\":123456789,\"seed\":1,\"threshold\":680,\"passed\":true,\"inFlight\":{\"pods\":0,\"events\":0}}"
            )
        )
    }

    @Test func jsonWithoutThresholdHasNulls() throws {
        var result = sampleResult()
        result.threshold = nil
        result.passed = nil
        result.extensionPoints = []
        let json = BenchOutput.json(result)
        #expect(json.contains("\"extensionPoints\":{}"))
        #expect(json.hasSuffix("\"threshold\":null,\"passed\":null,\"inFlight\":{\"pods\":0,\"events\":0}}"))
        #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) is [String: Any])
    }

    @Test func textTableAndReportMentionTheFigures() {
        var result = sampleResult()
        result.notes = ["missing plugins: InterPodAffinity (pod affinity/anti-affinity)"]
        let text = BenchOutput.text([result])
        #expect(text.contains("SchedulingBasic/5000Nodes_10000Pods"))
        #expect(text.contains("throughput overall            8333.3 pods/s"))
        #expect(text.contains("680 pods/s: PASS"))
        #expect(text.contains("note: missing plugins: InterPodAffinity"))
        let html = HTMLReport.render([result])
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(html.contains("Throughput over time"))
        #expect(html.contains("Scheduling-attempt latency"))
        #expect(html.contains("Filter"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    }
}
