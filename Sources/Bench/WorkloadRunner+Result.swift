import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// Turning a finished run into a ``BenchResult``.
extension WorkloadRunner {
    /// A sampling interval giving about 20 samples over `duration` seconds (1, 2 or 5 × a power of ten).
    static func suggestedInterval(_ duration: Double) -> Double {
        let target = max(duration / 20, 0.001)
        let magnitude = pow(10, (log10(target)).rounded(.down))
        for step in [1.0, 2.0, 5.0] where step * magnitude >= target { return step * magnitude }
        return 10 * magnitude
    }

    /// Nodes used and allocation spread over `nodes`, from the pods bound to them.
    static func placement(nodes nodeObjects: [KubeObject], pods podObjects: [KubeObject]) -> BenchResult.Placement {
        let nodes = nodeObjects.compactMap(\.node)
        let pods = podObjects.compactMap(\.pod)
        var requested: [String: (cpu: Int64, memory: Int64, count: Int)] = [:]
        for pod in pods where !pod.nodeName.isEmpty && !pod.isTerminal {
            let request = PodRequests.compute(pod)
            let current = requested[pod.nodeName] ?? (0, 0, 0)
            requested[pod.nodeName] = (
                current.cpu + request.milliCPU, current.memory + request.memory, current.count + 1
            )
        }
        var cpu: [Double] = []
        var memory: [Double] = []
        var used = 0
        var total = 0
        for node in nodes {
            let allocatable = Resource(node.status.allocatable ?? node.status.capacity)
            guard allocatable.milliCPU > 0 || allocatable.memory > 0 else { continue }
            total += 1
            let onNode = requested[node.name] ?? (0, 0, 0)
            if onNode.count > 0 { used += 1 }
            if allocatable.milliCPU > 0 { cpu.append(Double(onNode.cpu) / Double(allocatable.milliCPU)) }
            if allocatable.memory > 0 { memory.append(Double(onNode.memory) / Double(allocatable.memory)) }
        }
        return BenchResult.Placement(
            nodesUsed: used,
            nodesTotal: total,
            cpuAllocation: MeanAndDeviation(cpu),
            memoryAllocation: MeanAndDeviation(memory)
        )
    }

    func result(
        placement: BenchResult.Placement,
        notes: [String],
        inFlight: (pods: Int, events: Int) = (0, 0)
    ) -> BenchResult {
        var notes = notes
        if inFlight.pods > 0 || inFlight.events > 0 {
            notes.append(
                "FAIL: the scheduling queue's in-flight bookkeeping leaked: \(inFlight.pods) pod(s) and \(inFlight.events) event(s) still in flight after every attempt finished"
            )
        }
        let measured = state.withLock { $0.measured }
        let measurement = measured?.measurement ?? BenchRecorder.Measurement()
        let start = measurement.start
        let times = measurement.scheduledAt.map { Double($0 &- start) / 1e9 }
        let end = measured.map { Double($0.endNanos &- start) / 1e9 } ?? 0
        let samples = ThroughputSampler.samples(scheduledAt: times, end: end, interval: settings.sampleInterval)
        let summary = ThroughputSampler.summary(samples)
        let scheduled = measurement.scheduledAt.count
        let duration = times.max() ?? end
        let overall = duration > 0 ? Double(scheduled) / duration : 0
        let created = measured?.created ?? 0
        if measured == nil {
            notes.append("no createPods operation collects metrics: nothing was measured")
        } else if summary.sampleCount == 0 {
            notes.append(
                String(
                    format:
                        "the measured phase lasted %.3f s, too short for a throughput sample every %g s: average and percentiles are 0; use --sample-interval %g",
                    end,
                    settings.sampleInterval,
                    Self.suggestedInterval(end)
                )
            )
        } else if summary.sampleCount < 5 {
            notes.append(
                "only \(summary.sampleCount) throughput sample(s) at \(settings.sampleInterval) s; --sample-interval \(Self.suggestedInterval(end)) gives about 20"
            )
        }
        if created > scheduled {
            notes.append(
                "\(created - scheduled) of \(created) measured pods were still unscheduled when progress stopped"
            )
        }
        let latency = measurement.latency
        let toSeconds = { (micros: UInt64) in Double(micros) / 1e6 }
        var buckets: [(upperBoundSeconds: Double, count: UInt64)] = []
        if latency.totalCount > 0 {
            for bucket in latency.logarithmicBucketValues(valueUnitsInFirstBucket: 10, logBase: 2)
            where bucket.countAddedInThisIterationStep > 0 || !buckets.isEmpty {
                buckets.append((toSeconds(bucket.value), bucket.countAddedInThisIterationStep))
            }
            while let last = buckets.last, last.count == 0 { buckets.removeLast() }
        }
        let threshold = workload.workload.threshold
        var passed: Bool?
        if let threshold {
            let reference = summary.sampleCount > 0 ? summary.average : overall
            if summary.sampleCount == 0 && measured != nil {
                notes.append("threshold compared with overall throughput (no samples)")
            }
            passed = reference >= threshold
        }
        return BenchResult(
            workload: workload.testCase.name,
            variant: workload.workload.name,
            mode: cluster.mode,
            profile: configuration.profiles.first?.schedulerName ?? "default-scheduler",
            profileSource: configuration.source,
            nodes: workload.nodeCount,
            initPods: workload.initPodCount,
            measuredPods: workload.measuredPodCount,
            scheduled: scheduled,
            unschedulable: max(created - scheduled, 0),
            durationSeconds: duration,
            throughput: BenchResult.Throughput(
                overall: overall,
                average: summary.average,
                p50: summary.p50,
                p90: summary.p90,
                p95: summary.p95,
                p99: summary.p99,
                sampleCount: summary.sampleCount
            ),
            samples: samples,
            scheduledTimes: times,
            sampleInterval: settings.sampleInterval,
            attemptLatency: BenchResult.Latency(
                p50: latency.totalCount > 0 ? toSeconds(latency.valueAtPercentile(50)) : 0,
                p90: latency.totalCount > 0 ? toSeconds(latency.valueAtPercentile(90)) : 0,
                p99: latency.totalCount > 0 ? toSeconds(latency.valueAtPercentile(99)) : 0,
                max: latency.totalCount > 0 ? toSeconds(latency.max) : 0,
                count: Int(latency.totalCount)
            ),
            latencyBuckets: buckets,
            attempts: Dictionary(uniqueKeysWithValues: measurement.attempts.map { ($0.key.rawValue, $0.value) }),
            extensionPoints: ExtensionPoint.allCases.enumerated().compactMap { index, point in
                let nanos = measurement.extensionPoints[index]
                return nanos > 0 ? (point.displayName, Double(nanos) / 1e9) : nil
            },
            placement: placement,
            peakRSSBytes: ProcessMemory.peakResidentBytes(),
            seed: settings.seed,
            threshold: threshold,
            passed: passed,
            notes: notes,
            inFlightPods: inFlight.pods,
            inFlightEvents: inFlight.events
        )
    }
}
