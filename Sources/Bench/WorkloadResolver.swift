import Foundation
import KubeDecoding
import SchedulerConfig

/// Substitutes one workload's parameters into operation templates.
struct ResolveContext {
    let source: String
    let directory: String
    let workload: Workload

    func param(_ reference: String, field: String, fields: Fields) throws(BenchError) -> ParamValue {
        guard reference.hasPrefix("$"), reference.count > 1 else {
            throw fields.fail(field, "expected a parameter reference such as $initPods, got \"\(reference)\"")
        }
        let name = String(reference.dropFirst())
        guard let value = workload.params[name] else {
            throw fields.fail(field, "parameter \(name) is undefined in workload \"\(workload.name)\"")
        }
        return value
    }

    func intParam(_ reference: String, field: String, fields: Fields) throws(BenchError) -> Int {
        let value = try param(reference, field: field, fields: fields)
        guard let number = value.intValue else {
            throw fields.fail(
                field,
                "parameter \(reference.dropFirst()) has the wrong type (expected a number, got \"\(value)\")"
            )
        }
        return number
    }

    /// `count` or `countParam` (the parameter wins, as upstream), non-negative.
    func count(
        _ fields: Fields,
        countField: String = "count",
        paramField: String = "countParam",
        defaultValue: Int? = nil
    ) throws(BenchError) -> Int {
        var count: Int
        if let reference = try fields.optionalString(paramField) {
            count = try intParam(reference, field: paramField, fields: fields)
        } else if let literal = try fields.optionalInt(countField) {
            count = literal
        } else if let defaultValue {
            count = defaultValue
        } else {
            throw BenchError(
                source: source,
                position: fields.value.position,
                "\(fields.what): one of \(countField) or \(paramField) is required"
            )
        }
        guard count >= 0 else { throw fields.fail(paramField, "invalid count \(count); should be non-negative") }
        return count
    }

    func path(_ fields: Fields, _ field: String) throws(BenchError) -> String? {
        try fields.optionalString(field).map { WorkloadFileParser.resolvePath($0, directory: directory) }
    }

    func templateParams(_ fields: Fields) throws(BenchError) -> [String: ParamValue] {
        guard let value = fields.value["templateParams"], !value.isNull else { return [:] }
        guard let entries = value.entries else {
            throw fields.fail("templateParams", "expected a mapping, got \(value.kindDescription)")
        }
        var result: [String: ParamValue] = [:]
        for entry in entries {
            switch entry.value.content {
            case .string(let text) where text.hasPrefix("$"):
                result[entry.key] = try param(text, field: "templateParams.\(entry.key)", fields: fields)
            case .string(let text): result[entry.key] = .string(text)
            case .int(let number): result[entry.key] = .int(Int(number))
            case .float(let number): result[entry.key] = .double(number)
            case .bool(let flag): result[entry.key] = .bool(flag)
            default:
                throw BenchError(
                    source: source,
                    position: entry.value.position,
                    "\(fields.what): templateParams.\(entry.key): expected a scalar, got \(entry.value.kindDescription)"
                )
            }
        }
        return result
    }

    func operation(_ template: OperationTemplate) throws(BenchError) -> Operation {
        let fields = Fields(template.value, source: source, what: template.opcode)
        switch template.opcode {
        case "createNodes":
            return .createNodes(try createNodes(fields))
        case "createNamespaces":
            return .createNamespaces(
                Operation.CreateNamespaces(
                    prefix: try fields.requiredString("prefix"),
                    count: try count(fields),
                    namespaceTemplatePath: try path(fields, "namespaceTemplatePath")
                )
            )
        case "createPods":
            return .createPods(try createPods(fields))
        case "createPodSets":
            guard let inner = template.value["createPodsOp"] else { throw fields.fail("createPodsOp", "is required") }
            return .createPodSets(
                Operation.CreatePodSets(
                    count: try count(fields),
                    namespacePrefix: try fields.requiredString("namespacePrefix"),
                    createPods: try createPods(Fields(inner, source: source, what: "createPods"))
                )
            )
        case "createAny":
            guard let templatePath = try path(fields, "templatePath") else {
                throw fields.fail("templatePath", "TemplatePath must be set")
            }
            return .createAny(
                Operation.CreateAny(
                    templatePath: templatePath,
                    namespace: try fields.optionalString("namespace"),
                    count: try count(fields, defaultValue: 1),
                    templateParams: try templateParams(fields)
                )
            )
        case "churn":
            return .churn(try churn(fields))
        case "barrier":
            let stageText = try fields.optionalString("stageRequirement") ?? "Scheduled"
            guard let stage = Operation.Barrier.Stage(rawValue: stageText.isEmpty ? "Scheduled" : stageText) else {
                throw fields.fail("stageRequirement", "invalid StageRequirement \(stageText) (Scheduled or Attempted)")
            }
            return .barrier(
                Operation.Barrier(
                    namespaces: try fields.stringList("namespaces"),
                    labelSelector: try fields.stringMap("labelSelector"),
                    stage: stage
                )
            )
        case "sleep":
            var text = try fields.optionalString("duration")
            if let reference = try fields.optionalString("durationParam") {
                let value = try param(reference, field: "durationParam", fields: fields)
                guard case .string(let duration) = value else {
                    throw fields.fail(
                        "durationParam",
                        "parameter \(reference.dropFirst()) has the wrong type (expected a duration string)"
                    )
                }
                text = duration
            }
            guard let text else { throw fields.fail("duration", "is required") }
            do {
                let parsed = try GoDuration(parsing: text)
                return .sleep(Operation.Sleep(duration: .nanoseconds(max(parsed.nanoseconds, 0))))
            } catch {
                throw fields.fail("duration", "\(error)")
            }
        case "deletePods":
            guard let namespace = try fields.optionalString("namespace") else {
                throw fields.fail("namespace", "is required")
            }
            let rate = try fields.optionalInt("deletePodsPerSecond") ?? 0
            guard rate >= 0 else {
                throw fields.fail("deletePodsPerSecond", "invalid DeletePodsPerSecond=\(rate); should be non-negative")
            }
            return .deletePods(
                Operation.DeletePods(
                    namespace: namespace,
                    labelSelector: try fields.stringMap("labelSelector"),
                    skipWaitToCompletion: try fields.bool("skipWaitToCompletion"),
                    deletePodsPerSecond: rate
                )
            )
        default:
            throw BenchError(
                source: source,
                position: template.value["opcode"]?.position,
                "unsupported opcode \"\(template.opcode)\" (supported: \(WorkloadFileParser.supportedOpcodes.joined(separator: ", ")))"
            )
        }
    }

    func createNodes(_ fields: Fields) throws(BenchError) -> Operation.CreateNodes {
        let value = fields.value
        var label: Operation.LabelStrategy?
        if let strategy = value["labelNodePrepareStrategy"], !strategy.isNull {
            let inner = Fields(strategy, source: source, what: "labelNodePrepareStrategy")
            try inner.checkKnown(["labelKey", "labelValues"])
            let values = try inner.stringList("labelValues")
            guard !values.isEmpty else { throw inner.fail("labelValues", "must not be empty") }
            label = Operation.LabelStrategy(labelKey: try inner.requiredString("labelKey"), labelValues: values)
        }
        var unique: String?
        if let strategy = value["uniqueNodeLabelStrategy"], !strategy.isNull {
            let inner = Fields(strategy, source: source, what: "uniqueNodeLabelStrategy")
            try inner.checkKnown(["labelKey"])
            unique = try inner.requiredString("labelKey")
        }
        var allocatable: Operation.AllocatableStrategy?
        if let strategy = value["nodeAllocatableStrategy"], !strategy.isNull {
            let inner = Fields(strategy, source: source, what: "nodeAllocatableStrategy")
            try inner.checkKnown(["nodeAllocatable", "csiNodeAllocatable", "migratedPlugins"])
            var csi: [String: Int] = [:]
            if let drivers = strategy["csiNodeAllocatable"]?.entries {
                for driver in drivers {
                    let driverFields = Fields(driver.value, source: source, what: "csiNodeAllocatable.\(driver.key)")
                    try driverFields.checkKnown(["count"])
                    csi[driver.key] = try driverFields.optionalInt("count") ?? 0
                }
            }
            allocatable = Operation.AllocatableStrategy(
                nodeAllocatable: try inner.stringMap("nodeAllocatable"),
                csiNodeAllocatable: csi,
                migratedPlugins: try inner.stringList("migratedPlugins")
            )
        }
        let strategies = [label != nil, unique != nil, allocatable != nil].filter { $0 }.count
        guard strategies <= 1 else {
            throw BenchError(
                source: source,
                position: value.position,
                "createNodes: at most one node prepare strategy can be set"
            )
        }
        return Operation.CreateNodes(
            count: try count(fields),
            nodeTemplatePath: try path(fields, "nodeTemplatePath"),
            labelStrategy: label,
            uniqueLabelKey: unique,
            allocatableStrategy: allocatable,
            templateParams: try templateParams(fields)
        )
    }

    func createPods(_ fields: Fields) throws(BenchError) -> Operation.CreatePods {
        var count = try count(fields)
        if let reference = try fields.optionalString("countMultiplierParam") {
            count *= try intParam(reference, field: "countMultiplierParam", fields: fields)
        }
        var steady = try fields.bool("steadyState")
        if let reference = try fields.optionalString("steadyStateParam") {
            guard case .bool(let flag) = try param(reference, field: "steadyStateParam", fields: fields) else {
                throw fields.fail(
                    "steadyStateParam",
                    "parameter \(reference.dropFirst()) has the wrong type (expected a boolean)"
                )
            }
            steady = flag
        }
        if steady {
            throw fields.fail("steadyState", "steady-state pod creation is not supported by this bench")
        }
        let op = Operation.CreatePods(
            count: count,
            collectMetrics: try fields.bool("collectMetrics"),
            namespace: try fields.optionalString("namespace"),
            podTemplatePath: try path(fields, "podTemplatePath"),
            skipWaitToCompletion: try fields.bool("skipWaitToCompletion"),
            persistentVolumeTemplatePath: try path(fields, "persistentVolumeTemplatePath"),
            persistentVolumeClaimTemplatePath: try path(fields, "persistentVolumeClaimTemplatePath"),
            templateParams: try templateParams(fields)
        )
        if op.collectMetrics && op.skipWaitToCompletion {
            throw BenchError(
                source: source,
                position: fields.value.position,
                "createPods: collectMetrics and skipWaitToCompletion cannot be true at the same time"
            )
        }
        if (op.persistentVolumeTemplatePath == nil) != (op.persistentVolumeClaimTemplatePath == nil) {
            throw BenchError(
                source: source,
                position: fields.value.position,
                "createPods: persistentVolumeTemplatePath and persistentVolumeClaimTemplatePath must be set together"
            )
        }
        return op
    }

    func churn(_ fields: Fields) throws(BenchError) -> Operation.Churn {
        let modeText = try fields.requiredString("mode")
        guard let mode = Operation.Churn.Mode(rawValue: modeText) else {
            throw fields.fail("mode", "invalid mode: \(modeText). must be one of [recreate create]")
        }
        let number = try fields.optionalInt("number") ?? 0
        guard number >= 0 else { throw fields.fail("number", "number (\(number)) cannot be negative") }
        if mode == .recreate && number == 0 { throw fields.fail("number", "number cannot be 0 when mode is recreate") }
        var paths: [String] = []
        for path in try fields.stringList("templatePaths") {
            paths.append(WorkloadFileParser.resolvePath(path, directory: directory))
        }
        guard !paths.isEmpty else {
            throw fields.fail("templatePaths", "at least one template spec file needs to be specified")
        }
        let interval = try fields.optionalInt("intervalMilliseconds") ?? 500
        guard interval > 0 else { throw fields.fail("intervalMilliseconds", "must be positive") }
        return Operation.Churn(
            mode: mode,
            number: number,
            intervalMilliseconds: interval,
            namespace: try fields.optionalString("namespace"),
            templatePaths: paths
        )
    }
}
