import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// How a run is measured and reported.
public struct RunSettings: Sendable {
    /// Throughput sampling interval in seconds (upstream: 1 s).
    public var sampleInterval: Double = 1
    /// Seed for tie-breaking and for randomly assigned node labels.
    public var seed: UInt64 = 1
    /// Waiting for pods ends after this many seconds without progress while no pod is in the active queue.
    public var stallTimeout: Double = 5
    /// Receives progress while the run goes.
    public var progress: (any ProgressSink)?

    public init() {}
}

/// Receives progress reports during a run.
public protocol ProgressSink: Sendable {
    /// A new phase began, such as `creating 5000 nodes`.
    func phase(_ text: String)
    /// The measured op has `scheduled` of `total` pods scheduled after `elapsed` seconds.
    func measured(scheduled: Int, total: Int, elapsed: Double)
    /// The measured op is over.
    func measuredDone()
}

/// Runs one resolved workload against a cluster with one scheduler configuration, the way scheduler_perf does:
/// the scheduler runs continuously (binding cycles asynchronous), the ops run in order, and only the pods of the
/// op with `collectMetrics: true` are measured.
public final class WorkloadRunner: Sendable {
    let workload: ResolvedWorkload
    let configuration: SchedulerConfiguration
    let registry: PluginRegistry
    let cluster: BenchCluster
    let settings: RunSettings
    let recorder = BenchRecorder()
    let templates = TemplateCache()

    private struct State {
        var names: [String: Int] = [:]
        var namespaces: Set<String> = []
        var createdPods: [String: Int] = [:]
        var createdNodes = 0
        var generator: SeededGenerator
        var background: [Task<Void, Never>] = []
        var backgroundError: BenchError?
        var measured: MeasuredPhase?
    }

    struct MeasuredPhase {
        var measurement: BenchRecorder.Measurement
        var created: Int
        var endNanos: UInt64
    }

    private let state: Mutex<State>

    /// Prepares a run; nothing happens until ``run()``.
    public init(workload: ResolvedWorkload, configuration: SchedulerConfiguration, registry: PluginRegistry,
                cluster: BenchCluster, settings: RunSettings) {
        self.workload = workload
        self.configuration = configuration
        self.registry = registry
        self.cluster = cluster
        self.settings = settings
        self.state = Mutex(State(generator: SeededGenerator(seed: settings.seed)))
    }

    /// Runs the workload and reports what was measured.
    ///
    /// - Throws: ``BenchError`` when the scheduler cannot be built, a template is invalid, or the cluster
    ///   refuses an object.
    public func run() async throws(BenchError) -> BenchResult {
        let notes = try Requirements.notes(for: workload, templates: templates, registry: registry, configuration: configuration)
        let scheduler: Scheduler
        do {
            scheduler = try Scheduler(configuration: configuration, registry: registry, client: cluster.client, clock: RealClock(),
                                      seed: settings.seed, observer: recorder, instrumentation: recorder)
        } catch {
            throw BenchError("\(error)")
        }
        let informers = Informers(client: cluster.client, scheduler: scheduler)
        do {
            try await informers.start()
        } catch {
            throw BenchError("\(cluster.mode) cluster: \(error.message)")
        }
        let loop = SchedulingThread(scheduler: scheduler)
        loop.start()
        let flusher = Task.detached {
            var ticks = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                scheduler.queue.flushBackoffQCompleted()
                ticks += 1
                if ticks % 30 == 0 { scheduler.queue.flushUnschedulablePodsLeftover() }
            }
        }

        var failure: BenchError?
        do throws(BenchError) {
            for (index, operation) in workload.operations.enumerated() {
                try await execute(operation, index: index, scheduler: scheduler)
                if let error = state.withLock({ $0.backgroundError }) { throw error }
            }
        } catch {
            failure = error
        }

        let background = state.withLock { state -> [Task<Void, Never>] in
            defer { state.background = [] }
            return state.background
        }
        background.forEach { $0.cancel() }
        for task in background { await task.value }
        let placement = Self.placement(nodes: await cluster.inventory(.node), pods: await cluster.inventory(.pod))
        flusher.cancel()
        scheduler.queue.close()
        await loop.join()
        await scheduler.waitForInFlightWork()
        informers.stop()
        cluster.shutdown()
        await cluster.cleanup()
        if let failure { throw failure }
        return result(placement: placement, notes: notes)
    }

    // MARK: Operations

    private func execute(_ operation: Operation, index: Int, scheduler: Scheduler) async throws(BenchError) {
        switch operation {
        case .createNodes(let op):
            try await createNodes(op, index: index, scheduler: scheduler)
        case .createNamespaces(let op):
            for i in 0..<op.count { try await ensureNamespace(owned("\(op.prefix)-\(i)"), templatePath: op.namespaceTemplatePath) }
        case .createPods(let op):
            try await createPods(op, namespace: owned(op.namespace ?? "namespace-\(index)"), scheduler: scheduler)
        case .createPodSets(let op):
            for i in 0..<op.count {
                try await createPods(op.createPods, namespace: owned("\(op.namespacePrefix)-\(i)"), scheduler: scheduler)
            }
        case .createAny(let op):
            try await createAny(op)
        case .churn(let op):
            try await startChurn(op, namespace: owned(op.namespace ?? "namespace-\(index)"))
        case .barrier(let op):
            guard op.labelSelector.isEmpty else { throw BenchError("barrier: labelSelector is not supported by this bench") }
            let namespaces: Set<String> = op.namespaces.isEmpty
                ? state.withLock { Set($0.createdPods.keys) } : Set(op.namespaces.map(owned))
            let expected = state.withLock { state in namespaces.reduce(0) { $0 + (state.createdPods[$1] ?? 0) } }
            settings.progress?.phase("barrier: waiting for \(expected) pods to be \(op.stage.rawValue.lowercased())")
            _ = await waitFor(scheduler: scheduler) { [recorder] in
                op.stage == .scheduled ? recorder.scheduledCount(in: namespaces) : recorder.attemptedCount(in: namespaces)
            } until: { $0 >= expected }
        case .sleep(let op):
            settings.progress?.phase("sleeping \(op.duration)")
            try? await Task.sleep(for: op.duration)
        case .deletePods(let op):
            let task = Task { [self] in
                do throws(BenchError) {
                    try await deletePods(op)
                } catch {
                    state.withLock { if $0.backgroundError == nil { $0.backgroundError = error } }
                }
            }
            if op.skipWaitToCompletion {
                state.withLock { $0.background.append(task) }
            } else {
                await task.value
            }
        }
    }

    /// The namespace the run uses for the workload's `name` (prefixed on a shared API server).
    private func owned(_ name: String) -> String { cluster.namespacePrefix + name }

    private func nextName(_ prefix: String) -> String {
        state.withLock { state in
            let n = state.names[prefix, default: 0]
            state.names[prefix] = n + 1
            return "\(prefix)\(n)"
        }
    }

    private func create(_ object: KubeObject) async throws(BenchError) {
        do {
            try await cluster.creator.create(object)
        } catch {
            throw BenchError("creating \(object.kind.rawValue) \(object.key): \(error.message)")
        }
    }

    private func ensureNamespace(_ name: String, templatePath: String? = nil) async throws(BenchError) {
        let isNew = state.withLock { $0.namespaces.insert(name).inserted }
        guard isNew else { return }
        var namespace: Namespace
        if let templatePath {
            guard case .namespace(let decoded) = try templates.template(templatePath).instantiate(index: 0, count: 1, params: [:]).object else {
                throw BenchError("\(templatePath): namespaceTemplatePath: expected a Namespace")
            }
            namespace = decoded
        } else {
            namespace = Namespace(name: name)
        }
        namespace.metadata.name = name
        try await create(.namespace(namespace))
    }

    private func createNodes(_ op: Operation.CreateNodes, index: Int, scheduler: Scheduler) async throws(BenchError) {
        settings.progress?.phase("creating \(op.count) nodes")
        let template: ObjectTemplate
        if let path = op.nodeTemplatePath {
            template = try templates.template(path)
        } else {
            template = try ObjectTemplate(text: TemplateCache.defaultNodeText, source: "<default node>")
        }
        let csiTemplate: CSINode? = op.allocatableStrategy.map { _ in
            (try? ObjectTemplate(text: TemplateCache.csiNodeText, source: "<csinode>"))?.decoded?.object
        }.flatMap { object -> CSINode? in
            if case .csiNode(let node)? = object { return node }
            return nil
        }
        for i in 0..<op.count {
            let instance = try template.instantiate(index: i, count: op.count, params: op.templateParams)
            guard case .node(var node) = instance.object else {
                throw BenchError("\(template.path): nodeTemplatePath: expected a Node, got \(instance.object.kind.rawValue)")
            }
            let name = instance.name ?? nextName(instance.generateName ?? (op.nodeTemplatePath == nil ? "node-\(index)-" : "node-"))
            node.metadata.name = name
            var labels = node.metadata.labels ?? [:]
            labels["kubernetes.io/hostname"] = name
            if let strategy = op.labelStrategy {
                labels[strategy.labelKey] = state.withLock { state in
                    strategy.labelValues[Int.random(in: 0..<strategy.labelValues.count, using: &state.generator)]
                }
            }
            if let key = op.uniqueLabelKey { labels[key] = "\(name)-\(i)" }
            node.metadata.labels = labels
            if let strategy = op.allocatableStrategy {
                if node.status.allocatable == nil { node.status.allocatable = node.status.capacity }
                var allocatable = node.status.allocatable ?? [:]
                for (resource, text) in strategy.nodeAllocatable {
                    guard let quantity = Quantity(parsing: text) else {
                        throw BenchError("nodeAllocatableStrategy: nodeAllocatable.\(resource): invalid quantity \"\(text)\"")
                    }
                    allocatable[resource] = quantity
                }
                node.status.allocatable = allocatable
                if !strategy.migratedPlugins.isEmpty {
                    var annotations = node.metadata.annotations ?? [:]
                    annotations["storage.alpha.kubernetes.io/migrated-plugins"] = strategy.migratedPlugins.sorted().joined(separator: ",")
                    node.metadata.annotations = annotations
                }
                if !strategy.csiNodeAllocatable.isEmpty, var csiNode = csiTemplate, let driverTemplate = csiNode.spec.drivers?.first {
                    csiNode.metadata.name = name
                    csiNode.spec.drivers = strategy.csiNodeAllocatable.sorted { $0.key < $1.key }.map { driver, count in
                        var entry = driverTemplate
                        entry.name = driver
                        entry.nodeID = name
                        entry.allocatable?.count = Int32(clamping: count)
                        return entry
                    }
                    try await create(.csiNode(csiNode))
                }
            }
            try await create(.node(node))
            if i % 64 == 63 { await Task.yield() }
        }
        let expected = state.withLock { state -> Int in
            state.createdNodes += op.count
            return state.createdNodes
        }
        // Pods created before the scheduler sees the nodes would only measure informer lag.
        _ = await waitFor(scheduler: scheduler, stall: max(settings.stallTimeout, 30)) { scheduler.cache.nodeCount } until: { $0 >= expected }
    }

    private func podTemplate(_ path: String?) throws(BenchError) -> ObjectTemplate {
        if let path = path ?? workload.testCase.defaultPodTemplatePath { return try templates.template(path) }
        return try ObjectTemplate(text: TemplateCache.defaultPodText, source: "<default pod>")
    }

    private func createPods(_ op: Operation.CreatePods, namespace: String, scheduler: Scheduler) async throws(BenchError) {
        try await ensureNamespace(namespace)
        let template = try podTemplate(op.podTemplatePath)
        var volumes: VolumeFactory?
        if let path = op.persistentVolumeTemplatePath {
            volumes = try VolumeFactory(pvTemplate: templates.template(path),
                                        pvcTemplate: templates.template(op.persistentVolumeClaimTemplatePath ?? path))
        }
        settings.progress?.phase("creating \(op.count) pods in \(namespace)\(op.collectMetrics ? " (measured)" : "")")
        if op.collectMetrics { recorder.startMeasuring(namespaces: [namespace]) }
        for i in 0..<op.count {
            let instance = try template.instantiate(index: i, count: op.count, params: op.templateParams)
            guard case .pod(var pod) = instance.object else {
                throw BenchError("\(template.path): podTemplatePath: expected a Pod, got \(instance.object.kind.rawValue)")
            }
            pod.metadata.name = op.count == 1 && instance.name != nil ? (instance.name ?? "") : nextName(instance.generateName ?? instance.name ?? "pod-")
            pod.metadata.namespace = namespace
            if let volumes {
                let claim = try await volumes.create(index: nextIndex("volume"), namespace: namespace, creator: self)
                pod.spec.volumes = [Volume(name: "vol", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: claim))]
            }
            try await create(.pod(pod))
            // Let informers and binding tasks run while a large batch is created (the API server would
            // interleave them too).
            if i % 64 == 63 { await Task.yield() }
        }
        let expected = state.withLock { state -> Int in
            state.createdPods[namespace, default: 0] += op.count
            return state.createdPods[namespace] ?? 0
        }
        if op.skipWaitToCompletion { return }
        var progressTask: Task<Void, Never>?
        if op.collectMetrics, let progress = settings.progress {
            let start = recorder.measuringStart
            progressTask = Task.detached { [recorder] in
                while !Task.isCancelled {
                    progress.measured(scheduled: recorder.measuredScheduled, total: op.count,
                                      elapsed: Double(BenchClock.now() &- start) / 1e9)
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        _ = await waitFor(scheduler: scheduler) { [recorder] in recorder.scheduledCount(in: [namespace]) } until: { $0 >= expected }
        progressTask?.cancel()
        await progressTask?.value
        if op.collectMetrics {
            let end = BenchClock.now()
            let measurement = recorder.stopMeasuring()
            settings.progress?.measured(scheduled: measurement.scheduledAt.count, total: op.count,
                                        elapsed: Double(end &- measurement.start) / 1e9)
            settings.progress?.measuredDone()
            state.withLock { $0.measured = MeasuredPhase(measurement: measurement, created: op.count, endNanos: end) }
        }
    }

    func nextIndex(_ counter: String) -> Int {
        state.withLock { state in
            let n = state.names["#" + counter, default: 0]
            state.names["#" + counter] = n + 1
            return n
        }
    }

    /// Creates an object on behalf of helpers (volumes).
    func createObject(_ object: KubeObject) async throws(BenchError) { try await create(object) }

    private func createAny(_ op: Operation.CreateAny) async throws(BenchError) {
        let template = try templates.template(op.templatePath)
        let opNamespace = op.namespace.map(owned)
        if let namespace = opNamespace { try await ensureNamespace(namespace) }
        for i in 0..<op.count {
            let instance = try template.instantiate(index: i, count: op.count, params: op.templateParams)
            var object = instance.object
            let name = instance.name ?? nextName(instance.generateName ?? "object-")
            let namespace = object.kind.isNamespaced ? (opNamespace ?? owned(object.metadata.namespace ?? "default")) : nil
            if let namespace, opNamespace == nil, !cluster.namespacePrefix.isEmpty { try await ensureNamespace(namespace) }
            object = Self.renamed(object, name: name, namespace: namespace)
            if op.namespace != nil && !object.kind.isNamespaced {
                throw BenchError("\(op.templatePath): namespace \"\(op.namespace ?? "")\" set, but \(object.kind.rawValue) is cluster-scoped")
            }
            try await create(object)
        }
    }

    private func startChurn(_ op: Operation.Churn, namespace: String) async throws(BenchError) {
        try await ensureNamespace(namespace)
        var loaded: [ObjectTemplate] = []
        for path in op.templatePaths { loaded.append(try templates.template(path)) }
        let templates = loaded
        let task = Task { [self] in
            var names: [[String?]] = Array(repeating: Array(repeating: nil, count: max(op.number, 1)), count: templates.count)
            var count = 0
            do throws(BenchError) {
                while !Task.isCancelled {
                    for (i, template) in templates.enumerated() {
                        switch op.mode {
                        case .create:
                            _ = try await churnCreate(template, namespace: namespace)
                        case .recreate:
                            let slot = count % op.number
                            if let existing = names[i][slot] {
                                try await churnDelete(existing)
                                names[i][slot] = nil
                            } else {
                                names[i][slot] = try await churnCreate(template, namespace: namespace)
                            }
                        }
                    }
                    count += 1
                    if op.mode == .create && op.number > 0 && count >= op.number { return }
                    try? await Task.sleep(for: .milliseconds(op.intervalMilliseconds))
                }
            } catch {
                state.withLock { if $0.backgroundError == nil { $0.backgroundError = error } }
            }
        }
        state.withLock { $0.background.append(task) }
    }

    /// Creates one churn object; returns its kind and key for a later delete.
    private func churnCreate(_ template: ObjectTemplate, namespace: String) async throws(BenchError) -> String {
        let instance = try template.instantiate(index: 0, count: 1, params: [:])
        let name = nextName(instance.generateName ?? instance.name ?? "churn-")
        var object = Self.renamed(instance.object, name: name, namespace: instance.object.kind.isNamespaced ? namespace : nil)
        if case .node(var node) = object {
            var labels = node.metadata.labels ?? [:]
            labels["kubernetes.io/hostname"] = name
            node.metadata.labels = labels
            object = .node(node)
        }
        try await create(object)
        return "\(object.kind.rawValue)|\(object.key)"
    }

    private func churnDelete(_ reference: String) async throws(BenchError) {
        let parts = reference.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = ObjectKind(rawValue: parts[0]) else { return }
        do {
            try await cluster.creator.delete(kind, key: parts[1])
        } catch where error.code == .notFound {
            // Already gone.
        } catch {
            throw BenchError("deleting \(kind.rawValue) \(parts[1]): \(error.message)")
        }
    }

    private func deletePods(_ op: Operation.DeletePods) async throws(BenchError) {
        let pods: [Pod]
        let namespace = owned(op.namespace)
        do {
            pods = try await cluster.client.list(.pod).items.compactMap(\.pod).filter { pod in
                pod.namespace == namespace && op.labelSelector.allSatisfy { pod.labels[$0.key] == $0.value }
            }
        } catch {
            throw BenchError("listing pods: \(error.message)")
        }
        settings.progress?.phase("deleting \(pods.count) pods in \(namespace)")
        let pause: Duration? = op.deletePodsPerSecond > 0 ? .nanoseconds(1_000_000_000 / op.deletePodsPerSecond) : nil
        for pod in pods {
            if Task.isCancelled { return }
            do {
                try await cluster.creator.delete(.pod, key: pod.key)
            } catch where error.code == .notFound {
                continue
            } catch {
                throw BenchError("deleting pod \(pod.key): \(error.message)")
            }
            if let pause { try? await Task.sleep(for: pause) }
        }
    }

    static func renamed(_ object: KubeObject, name: String, namespace: String?) -> KubeObject {
        func meta(_ metadata: ObjectMeta) -> ObjectMeta {
            var m = metadata
            m.name = name
            if let namespace { m.namespace = namespace }
            return m
        }
        switch object {
        case .pod(var o): o.metadata = meta(o.metadata); return .pod(o)
        case .node(var o): o.metadata = meta(o.metadata); return .node(o)
        case .priorityClass(var o): o.metadata = meta(o.metadata); return .priorityClass(o)
        case .namespace(var o): o.metadata = meta(o.metadata); return .namespace(o)
        case .persistentVolume(var o): o.metadata = meta(o.metadata); return .persistentVolume(o)
        case .persistentVolumeClaim(var o): o.metadata = meta(o.metadata); return .persistentVolumeClaim(o)
        case .storageClass(var o): o.metadata = meta(o.metadata); return .storageClass(o)
        case .csiNode(var o): o.metadata = meta(o.metadata); return .csiNode(o)
        case .csiDriver(var o): o.metadata = meta(o.metadata); return .csiDriver(o)
        case .csiStorageCapacity(var o): o.metadata = meta(o.metadata); return .csiStorageCapacity(o)
        case .podDisruptionBudget(var o): o.metadata = meta(o.metadata); return .podDisruptionBudget(o)
        case .service(var o): o.metadata = meta(o.metadata); return .service(o)
        case .replicationController(var o): o.metadata = meta(o.metadata); return .replicationController(o)
        case .replicaSet(var o): o.metadata = meta(o.metadata); return .replicaSet(o)
        case .statefulSet(var o): o.metadata = meta(o.metadata); return .statefulSet(o)
        }
    }

    // MARK: Waiting

    /// Polls `value` until `done` holds. Gives up (returning false) when the value has not changed for the stall
    /// timeout while the scheduler has nothing in its active queue.
    private func waitFor(
        scheduler: Scheduler, stall: Double? = nil, _ value: () -> Int, until done: (Int) -> Bool
    ) async -> Bool {
        let stallNanos = UInt64((stall ?? settings.stallTimeout) * 1e9)
        var last = value()
        var lastChange = BenchClock.now()
        while !done(last) {
            try? await Task.sleep(for: .microseconds(500))
            let current = value()
            let now = BenchClock.now()
            if current != last {
                last = current
                lastChange = now
            } else if now &- lastChange > stallNanos && scheduler.queue.pendingCounts().active == 0 {
                return false
            }
        }
        return true
    }

    // MARK: Results

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
            requested[pod.nodeName] = (current.cpu + request.milliCPU, current.memory + request.memory, current.count + 1)
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
        return BenchResult.Placement(nodesUsed: used, nodesTotal: total, cpuAllocation: MeanAndDeviation(cpu),
                                     memoryAllocation: MeanAndDeviation(memory))
    }

    private func result(placement: BenchResult.Placement, notes: [String]) -> BenchResult {
        var notes = notes
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
            notes.append(String(format: "the measured phase lasted %.3f s, too short for a throughput sample every %g s: average and percentiles are 0; use --sample-interval %g", end, settings.sampleInterval, Self.suggestedInterval(end)))
        } else if summary.sampleCount < 5 {
            notes.append("only \(summary.sampleCount) throughput sample(s) at \(settings.sampleInterval) s; --sample-interval \(Self.suggestedInterval(end)) gives about 20")
        }
        if created > scheduled {
            notes.append("\(created - scheduled) of \(created) measured pods were still unscheduled when progress stopped")
        }
        let latency = measurement.latency
        let toSeconds = { (micros: UInt64) in Double(micros) / 1e6 }
        var buckets: [(upperBoundSeconds: Double, count: UInt64)] = []
        if latency.totalCount > 0 {
            for bucket in latency.logarithmicBucketValues(valueUnitsInFirstBucket: 10, logBase: 2) where bucket.countAddedInThisIterationStep > 0 || !buckets.isEmpty {
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
            workload: workload.testCase.name, variant: workload.workload.name, mode: cluster.mode,
            profile: configuration.profiles.first?.schedulerName ?? "default-scheduler",
            profileSource: configuration.source,
            nodes: workload.nodeCount, initPods: workload.initPodCount, measuredPods: workload.measuredPodCount,
            scheduled: scheduled, unschedulable: max(created - scheduled, 0), durationSeconds: duration,
            throughput: BenchResult.Throughput(overall: overall, average: summary.average, p50: summary.p50, p90: summary.p90,
                                               p95: summary.p95, p99: summary.p99, sampleCount: summary.sampleCount),
            samples: samples, scheduledTimes: times, sampleInterval: settings.sampleInterval,
            attemptLatency: BenchResult.Latency(
                p50: latency.totalCount > 0 ? toSeconds(latency.valueAtPercentile(50)) : 0,
                p90: latency.totalCount > 0 ? toSeconds(latency.valueAtPercentile(90)) : 0,
                p99: latency.totalCount > 0 ? toSeconds(latency.valueAtPercentile(99)) : 0,
                max: latency.totalCount > 0 ? toSeconds(latency.max) : 0,
                count: Int(latency.totalCount)),
            latencyBuckets: buckets,
            attempts: Dictionary(uniqueKeysWithValues: measurement.attempts.map { ($0.key.rawValue, $0.value) }),
            extensionPoints: ExtensionPointName.allCases.enumerated().compactMap { index, point in
                let nanos = measurement.extensionPoints[index]
                return nanos > 0 ? (point.rawValue, Double(nanos) / 1e9) : nil
            },
            placement: placement, peakRSSBytes: ProcessMemory.peakResidentBytes(), seed: settings.seed,
            threshold: threshold, passed: passed, notes: notes)
    }
}

/// Creates a bound PV and PVC per pod, as scheduler_perf's `CreatePodWithPersistentVolume`.
struct VolumeFactory: Sendable {
    let pv: PersistentVolume
    let pvc: PersistentVolumeClaim
    let claimRef: ObjectReference?
    let boundVolume: PersistentVolumeStatus?
    let boundClaim: PersistentVolumeClaimStatus?

    init(pvTemplate: ObjectTemplate, pvcTemplate: ObjectTemplate) throws(BenchError) {
        let volumeObject = try pvTemplate.instantiate(index: 0, count: 1, params: [:]).object
        guard case .persistentVolume(let pv) = volumeObject else {
            throw BenchError("\(pvTemplate.path): persistentVolumeTemplatePath: expected a PersistentVolume")
        }
        let claimObject = try pvcTemplate.instantiate(index: 0, count: 1, params: [:]).object
        guard case .persistentVolumeClaim(let pvc) = claimObject else {
            throw BenchError("\(pvcTemplate.path): persistentVolumeClaimTemplatePath: expected a PersistentVolumeClaim")
        }
        self.pv = pv
        self.pvc = pvc
        let decoder = PositionedDecoder(source: "<bench>")
        claimRef = try? decoder.decode(ObjectReference.self, from: PositionedValue(.mapping([
            .init(key: "kind", value: PositionedValue(.string("PersistentVolumeClaim"))),
            .init(key: "apiVersion", value: PositionedValue(.string("v1"))),
        ])))
        boundVolume = try? decoder.decode(PersistentVolumeStatus.self, from: PositionedValue(.mapping([
            .init(key: "phase", value: PositionedValue(.string("Bound")))])))
        boundClaim = try? decoder.decode(PersistentVolumeClaimStatus.self, from: PositionedValue(.mapping([
            .init(key: "phase", value: PositionedValue(.string("Bound")))])))
    }

    /// Creates volume `index` and its claim in `namespace`; returns the claim's name.
    func create(index: Int, namespace: String, creator: WorkloadRunner) async throws(BenchError) -> String {
        let claimName = "pvc-\(index)"
        var volume = pv
        volume.metadata.name = "\(namespace)-vol-\(index)"
        if volume.spec.csi != nil { volume.spec.csi?.volumeHandle = "vol-\(index)" }
        var reference = claimRef
        reference?.namespace = namespace
        reference?.name = claimName
        volume.spec.claimRef = reference
        volume.status = boundVolume
        var claim = pvc
        claim.metadata.name = claimName
        claim.metadata.namespace = namespace
        claim.spec.volumeName = volume.metadata.name
        claim.status = boundClaim
        try await creator.createObject(.persistentVolume(volume))
        try await creator.createObject(.persistentVolumeClaim(claim))
        return claimName
    }
}

/// Peak memory of this process.
public enum ProcessMemory {
    /// Peak resident set size in bytes (`VmHWM` from /proc/self/status, else `getrusage`).
    public static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.split(separator: " ").compactMap { Int($0) }
                if let kilobytes = digits.first { return kilobytes * 1024 }
            }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Resets the peak so the next run measures its own (Linux: `echo 5 > /proc/self/clear_refs`).
    public static func resetPeak() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            try? handle.write(contentsOf: Data("5".utf8))
            try? handle.close()
        }
    }
}

/// The scheduling loop on its own thread, as kube-scheduler's `ScheduleOne` goroutine: it pops and schedules
/// continuously while binding cycles, informers and the workload's operations run on Swift's cooperative pool.
/// (On the pool it would hold one of the few threads for the whole run.)
final class SchedulingThread: Sendable {
    private let scheduler: Scheduler
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(scheduler: Scheduler) { self.scheduler = scheduler }

    func start() {
        let thread = Thread { [self] in
            var idle = 0
            while !stopped.load(ordering: .relaxed) {
                if let pod = scheduler.queue.pop() {
                    idle = 0
                    scheduler.scheduleOne(pod)
                    continue
                }
                // Nothing to schedule: back off from 20 µs to 1 ms.
                idle = min(idle + 1, 6)
                usleep(UInt32(20 << (idle - 1)) > 1000 ? 1000 : UInt32(20 << (idle - 1)))
            }
            let waiters = finished.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
        thread.name = "scheduling-loop"
        thread.start()
    }

    /// Stops popping and waits for the thread to finish its current cycle.
    func join() async {
        stopped.store(true, ordering: .relaxed)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = finished.withLock { state -> Bool in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
