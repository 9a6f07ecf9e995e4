import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// The workload's operations: creating nodes, pods and other objects, churn, deletions.
extension WorkloadRunner {
    func execute(_ operation: Operation, index: Int, scheduler: Scheduler) async throws(BenchError) {
        switch operation {
        case .createNodes(let op):
            try await createNodes(op, index: index, scheduler: scheduler)
        case .createNamespaces(let op):
            let names = (0..<op.count).map { i in owned("\(op.prefix)-\(i)") }
            for name in names { try await ensureNamespace(name, templatePath: op.namespaceTemplatePath) }
            // Pods created next may select these namespaces by label (namespaceSelector): wait until the
            // scheduler's informer has them, as a real cluster's long-lived namespaces would be, rather than race
            // a pod's first attempt against a separate watch stream.
            _ = await waitFor(scheduler: scheduler) {
                names.count { scheduler.objects.namespace(named: $0) != nil }
            } until: {
                $0 >= names.count
            }
        case .createPods(let op):
            try await createPods(op, namespace: owned(op.namespace ?? "namespace-\(index)"), scheduler: scheduler)
        case .createPodSets(let op):
            for i in 0..<op.count {
                try await createPods(
                    op.createPods,
                    namespace: owned("\(op.namespacePrefix)-\(i)"),
                    scheduler: scheduler
                )
            }
        case .createAny(let op):
            try await createAny(op)
        case .churn(let op):
            try await startChurn(op, namespace: owned(op.namespace ?? "namespace-\(index)"))
        case .barrier(let op):
            guard op.labelSelector.isEmpty else {
                throw BenchError("barrier: labelSelector is not supported by this bench")
            }
            let namespaces: Set<String> =
                op.namespaces.isEmpty
                ? state.withLock { Set($0.createdPods.keys) } : Set(op.namespaces.map(owned))
            let expected = state.withLock { state in namespaces.reduce(0) { $0 + (state.createdPods[$1] ?? 0) } }
            settings.progress?.phase("barrier: waiting for \(expected) pods to be \(op.stage.rawValue.lowercased())")
            _ = await waitFor(scheduler: scheduler) { [recorder] in
                op.stage == .scheduled
                    ? recorder.scheduledCount(in: namespaces) : recorder.attemptedCount(in: namespaces)
            } until: {
                $0 >= expected
            }
        case .sleep(let op):
            settings.progress?.phase("sleeping \(op.duration)")
            try? await Task.sleep(for: op.duration)
        case .deletePods(let op):
            // Sampled here, between a cycle's pods being scheduled and their deletion, for soak runs.
            let inFlight = scheduler.queue.inFlightCounts()
            let task = Task { [self] in
                do throws(BenchError) {
                    try await deletePods(op, inFlight: inFlight)
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
    func owned(_ name: String) -> String { cluster.namespacePrefix + name }

    func nextName(_ prefix: String) -> String {
        state.withLock { state in
            let n = state.names[prefix, default: 0]
            state.names[prefix] = n + 1
            return "\(prefix)\(n)"
        }
    }

    func create(_ object: KubeObject) async throws(BenchError) {
        do {
            try await cluster.creator.create(object)
        } catch {
            throw BenchError("creating \(object.kind.rawValue) \(object.key): \(error.message)")
        }
        if case .pod(let pod) = object, !(pod.spec.schedulingGates ?? []).isEmpty { recorder.podCreatedGated(pod) }
    }

    func ensureNamespace(_ name: String, templatePath: String? = nil) async throws(BenchError) {
        let isNew = state.withLock { $0.namespaces.insert(name).inserted }
        guard isNew else { return }
        var namespace: Namespace
        if let templatePath {
            guard
                case .namespace(let decoded) = try templates.template(templatePath).instantiate(
                    index: 0,
                    count: 1,
                    params: [:]
                ).object
            else {
                throw BenchError("\(templatePath): namespaceTemplatePath: expected a Namespace")
            }
            namespace = decoded
        } else {
            namespace = Namespace(name: name)
        }
        namespace.metadata.name = name
        try await create(.namespace(namespace))
    }

    func createNodes(_ op: Operation.CreateNodes, index: Int, scheduler: Scheduler) async throws(BenchError) {
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
                throw BenchError(
                    "\(template.path): nodeTemplatePath: expected a Node, got \(instance.object.kind.rawValue)"
                )
            }
            let name =
                instance.name
                ?? nextName(instance.generateName ?? (op.nodeTemplatePath == nil ? "node-\(index)-" : "node-"))
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
                        throw BenchError(
                            "nodeAllocatableStrategy: nodeAllocatable.\(resource): invalid quantity \"\(text)\""
                        )
                    }
                    allocatable[resource] = quantity
                }
                node.status.allocatable = allocatable
                if !strategy.migratedPlugins.isEmpty {
                    var annotations = node.metadata.annotations ?? [:]
                    annotations["storage.alpha.kubernetes.io/migrated-plugins"] = strategy.migratedPlugins.sorted()
                        .joined(separator: ",")
                    node.metadata.annotations = annotations
                }
                if !strategy.csiNodeAllocatable.isEmpty, var csiNode = csiTemplate,
                    let driverTemplate = csiNode.spec.drivers?.first
                {
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
        _ = await waitFor(scheduler: scheduler, stall: max(settings.stallTimeout, 30)) {
            scheduler.cache.nodeCount
        } until: {
            $0 >= expected
        }
    }

    func podTemplate(_ path: String?) throws(BenchError) -> ObjectTemplate {
        if let path = path ?? workload.testCase.defaultPodTemplatePath { return try templates.template(path) }
        return try ObjectTemplate(text: TemplateCache.defaultPodText, source: "<default pod>")
    }

    func createPods(_ op: Operation.CreatePods, namespace: String, scheduler: Scheduler) async throws(BenchError) {
        try await ensureNamespace(namespace)
        let template = try podTemplate(op.podTemplatePath)
        var volumes: VolumeFactory?
        if let path = op.persistentVolumeTemplatePath {
            volumes = try VolumeFactory(
                pvTemplate: templates.template(path),
                pvcTemplate: templates.template(op.persistentVolumeClaimTemplatePath ?? path)
            )
        }
        settings.progress?.phase("creating \(op.count) pods in \(namespace)\(op.collectMetrics ? " (measured)" : "")")
        if op.collectMetrics { recorder.startMeasuring(namespaces: [namespace]) }
        for i in 0..<op.count {
            let instance = try template.instantiate(index: i, count: op.count, params: op.templateParams)
            guard case .pod(var pod) = instance.object else {
                throw BenchError(
                    "\(template.path): podTemplatePath: expected a Pod, got \(instance.object.kind.rawValue)"
                )
            }
            pod.metadata.name =
                op.count == 1 && instance.name != nil
                ? (instance.name ?? "") : nextName(instance.generateName ?? instance.name ?? "pod-")
            pod.metadata.namespace = namespace
            if let volumes {
                let claim = try await volumes.create(index: nextIndex("volume"), namespace: namespace, creator: self)
                pod.spec.volumes = [
                    Volume(name: "vol", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: claim))
                ]
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
                    progress.measured(
                        scheduled: recorder.measuredScheduled,
                        total: op.count,
                        elapsed: Double(BenchClock.now() &- start) / 1e9
                    )
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        _ = await waitFor(scheduler: scheduler) { [recorder] in
            recorder.scheduledCount(in: [namespace])
        } until: {
            $0 >= expected
        }
        progressTask?.cancel()
        await progressTask?.value
        if op.collectMetrics {
            let end = BenchClock.now()
            let measurement = recorder.stopMeasuring()
            // The last line states the result's figures: pods bound, over the time to the last binding.
            let lastBound = measurement.scheduledAt.max() ?? end
            settings.progress?.measured(
                scheduled: measurement.scheduledAt.count,
                total: op.count,
                elapsed: Double(lastBound &- measurement.start) / 1e9
            )
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

    func createAny(_ op: Operation.CreateAny) async throws(BenchError) {
        let template = try templates.template(op.templatePath)
        let opNamespace = op.namespace.map(owned)
        if let namespace = opNamespace { try await ensureNamespace(namespace) }
        for i in 0..<op.count {
            let instance = try template.instantiate(index: i, count: op.count, params: op.templateParams)
            var object = instance.object
            let name = instance.name ?? nextName(instance.generateName ?? "object-")
            let namespace =
                object.kind.isNamespaced ? (opNamespace ?? owned(object.metadata.namespace ?? "default")) : nil
            if let namespace, opNamespace == nil, !cluster.namespacePrefix.isEmpty {
                try await ensureNamespace(namespace)
            }
            object = Self.renamed(object, name: name, namespace: namespace)
            if op.namespace != nil && !object.kind.isNamespaced {
                throw BenchError(
                    "\(op.templatePath): namespace \"\(op.namespace ?? "")\" set, but \(object.kind.rawValue) is cluster-scoped"
                )
            }
            try await create(object)
        }
    }

    func startChurn(_ op: Operation.Churn, namespace: String) async throws(BenchError) {
        try await ensureNamespace(namespace)
        var loaded: [ObjectTemplate] = []
        for path in op.templatePaths { loaded.append(try templates.template(path)) }
        let templates = loaded
        let task = Task { [self] in
            var names: [[String?]] = Array(
                repeating: Array(repeating: nil, count: max(op.number, 1)),
                count: templates.count
            )
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
    func churnCreate(_ template: ObjectTemplate, namespace: String) async throws(BenchError) -> String {
        let instance = try template.instantiate(index: 0, count: 1, params: [:])
        let name = nextName(instance.generateName ?? instance.name ?? "churn-")
        var object = Self.renamed(
            instance.object,
            name: name,
            namespace: instance.object.kind.isNamespaced ? namespace : nil
        )
        if case .node(var node) = object {
            var labels = node.metadata.labels ?? [:]
            labels["kubernetes.io/hostname"] = name
            node.metadata.labels = labels
            object = .node(node)
        }
        try await create(object)
        return "\(object.kind.rawValue)|\(object.key)"
    }

    func churnDelete(_ reference: String) async throws(BenchError) {
        let parts = reference.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = ObjectKind(rawValue: parts[0]) else { return }
        do {
            try await cluster.creator.delete(kind, key: parts[1])
        } catch  where error.code == .notFound {
            // Already gone.
        } catch {
            throw BenchError("deleting \(kind.rawValue) \(parts[1]): \(error.message)")
        }
        if kind == .pod {
            let key = parts[1].split(separator: "/", maxSplits: 1).map(String.init)
            if key.count == 2 { recorder.podDeleted(namespace: key[0], name: key[1]) }
        }
    }

    /// Deletes the op's pods; `inFlight` (the queue's in-flight pods and events when the op began) is shown in
    /// the progress line.
    func deletePods(_ op: Operation.DeletePods, inFlight: (pods: Int, events: Int)? = nil) async throws(BenchError) {
        let pods: [Pod]
        let namespace = owned(op.namespace)
        do {
            pods = try await cluster.client.list(.pod).items.compactMap(\.pod).filter { pod in
                pod.namespace == namespace && op.labelSelector.allSatisfy { pod.labels[$0.key] == $0.value }
            }
        } catch {
            throw BenchError("listing pods: \(error.message)")
        }
        let inFlightText = inFlight.map { " (queue in flight: \($0.pods) pods, \($0.events) events)" } ?? ""
        settings.progress?.phase("deleting \(pods.count) pods in \(namespace)\(inFlightText)")
        let pause: Duration? = op.deletePodsPerSecond > 0 ? .nanoseconds(1_000_000_000 / op.deletePodsPerSecond) : nil
        for pod in pods {
            if Task.isCancelled { return }
            do {
                try await cluster.creator.delete(.pod, key: pod.key)
            } catch  where error.code == .notFound {
                recorder.podDeleted(namespace: pod.namespace, name: pod.name)
                continue
            } catch {
                throw BenchError("deleting pod \(pod.key): \(error.message)")
            }
            recorder.podDeleted(namespace: pod.namespace, name: pod.name)
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
        case .pod(var o):
            o.metadata = meta(o.metadata)
            return .pod(o)
        case .node(var o):
            o.metadata = meta(o.metadata)
            return .node(o)
        case .priorityClass(var o):
            o.metadata = meta(o.metadata)
            return .priorityClass(o)
        case .namespace(var o):
            o.metadata = meta(o.metadata)
            return .namespace(o)
        case .persistentVolume(var o):
            o.metadata = meta(o.metadata)
            return .persistentVolume(o)
        case .persistentVolumeClaim(var o):
            o.metadata = meta(o.metadata)
            return .persistentVolumeClaim(o)
        case .storageClass(var o):
            o.metadata = meta(o.metadata)
            return .storageClass(o)
        case .csiNode(var o):
            o.metadata = meta(o.metadata)
            return .csiNode(o)
        case .csiDriver(var o):
            o.metadata = meta(o.metadata)
            return .csiDriver(o)
        case .csiStorageCapacity(var o):
            o.metadata = meta(o.metadata)
            return .csiStorageCapacity(o)
        case .volumeAttachment(var o):
            o.metadata = meta(o.metadata)
            return .volumeAttachment(o)
        case .podDisruptionBudget(var o):
            o.metadata = meta(o.metadata)
            return .podDisruptionBudget(o)
        case .service(var o):
            o.metadata = meta(o.metadata)
            return .service(o)
        case .replicationController(var o):
            o.metadata = meta(o.metadata)
            return .replicationController(o)
        case .replicaSet(var o):
            o.metadata = meta(o.metadata)
            return .replicaSet(o)
        case .statefulSet(var o):
            o.metadata = meta(o.metadata)
            return .statefulSet(o)
        case .podGroup(var o):
            o.metadata = meta(o.metadata)
            return .podGroup(o)
        }
    }
}
