import Foundation
import KubeDecoding
import SchedulerConfig

/// A bench problem, as one line (`FILE:LINE:COLUMN: message` when a position is known).
public struct BenchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The whole message.
    public var description: String

    /// An error with the given message.
    public init(_ description: String) { self.description = description }

    /// An error at a position of a file.
    public init(source: String, position: SourcePosition?, _ message: String) {
        self.description = position.map { "\(source):\($0.line):\($0.column): \(message)" } ?? "\(source): \(message)"
    }
}

/// Reads scheduler_perf's `performance-config.yaml` format: a list of test cases, each with a
/// `workloadTemplate` of operations and `workloads` that give its `$param`s values.
///
/// Field names are checked strictly (a misspelt field is an error with its line and column). Operations this
/// bench cannot run are refused by name, for example
/// `perf.yaml:12:5: unsupported opcode "createResourceClaims" (supported: barrier, churn, …)`.
public enum WorkloadFileParser {
    /// The opcodes this bench runs.
    public static let supportedOpcodes = [
        "barrier", "churn", "createAny", "createNamespaces", "createNodes", "createPodSets", "createPods", "deletePods", "sleep",
    ]

    static let testCaseFields: Set<String> = [
        "name", "featureGates", "metricsCollectorConfig", "workloadTemplate", "workloads", "schedulerConfigPath",
        "defaultPodTemplatePath", "labels", "defaultThresholdMetricSelector",
    ]
    static let workloadFields: Set<String> = ["name", "params", "labels", "threshold", "thresholdMetricSelector", "featureGates"]
    static let createPodsFields: Set<String> = [
        "opcode", "count", "countParam", "countMultiplierParam", "collectMetrics", "namespace", "podTemplatePath",
        "skipWaitToCompletion", "persistentVolumeTemplatePath", "persistentVolumeClaimTemplatePath", "templateParams",
        "steadyState", "steadyStateParam", "duration", "durationParam", "signatureBatchSize", "signatureBatchSizeParam",
    ]
    static let opFields: [String: Set<String>] = [
        "createNodes": [
            "opcode", "count", "countParam", "nodeTemplatePath", "nodeAllocatableStrategy", "labelNodePrepareStrategy",
            "uniqueNodeLabelStrategy", "templateParams",
        ],
        "createNamespaces": ["opcode", "prefix", "count", "countParam", "namespaceTemplatePath"],
        "createPods": createPodsFields,
        "createPodSets": ["opcode", "count", "countParam", "namespacePrefix", "createPodsOp"],
        "createAny": ["opcode", "namespace", "templatePath", "count", "countParam", "templateParams"],
        "churn": ["opcode", "mode", "number", "intervalMilliseconds", "namespace", "templatePaths"],
        "barrier": ["opcode", "namespaces", "labelSelector", "stageRequirement"],
        "sleep": ["opcode", "duration", "durationParam"],
        "deletePods": ["opcode", "namespace", "labelSelector", "skipWaitToCompletion", "deletePodsPerSecond"],
    ]

    /// Parses the test cases in the file at `path`.
    ///
    /// - Throws: ``BenchError`` for an unreadable file, a syntax error or an invalid field, with its position.
    public static func parse(path: String) throws(BenchError) -> [TestCase] {
        let text: String
        do {
            text = try ManifestLoader.readText(path: path)
        } catch {
            throw BenchError(error.description)
        }
        return try parse(contents: text, source: path)
    }

    /// Parses the test cases in `contents`; `source` names the file in messages and anchors relative paths.
    public static func parse(contents: String, source: String) throws(BenchError) -> [TestCase] {
        let document: PositionedValue
        do {
            document = try DocumentParser.document(in: contents, source: source)
        } catch {
            throw BenchError(error.description)
        }
        guard let elements = document.elements else {
            throw BenchError(source: source, position: document.position,
                             "expected a list of test cases, got \(document.kindDescription)")
        }
        let directory = (source as NSString).deletingLastPathComponent
        var result: [TestCase] = []
        var names: Set<String> = []
        for element in elements {
            let testCase = try parseTestCase(element, source: source, directory: directory)
            guard names.insert(testCase.name).inserted else {
                throw BenchError(source: source, position: element["name"]?.position, "duplicate test case name \"\(testCase.name)\"")
            }
            result.append(testCase)
        }
        return result
    }

    // MARK: Test cases and workloads

    static func parseTestCase(_ value: PositionedValue, source: String, directory: String) throws(BenchError) -> TestCase {
        let fields = Fields(value, source: source, what: "test case")
        try fields.checkKnown(testCaseFields)
        let name = try fields.requiredString("name")
        guard let templateValue = value["workloadTemplate"], let opValues = templateValue.elements else {
            throw BenchError(source: source, position: value["workloadTemplate"]?.position ?? value.position,
                             "test case \"\(name)\": workloadTemplate must be a list of operations")
        }
        var template: [OperationTemplate] = []
        for opValue in opValues {
            template.append(try parseOperationTemplate(opValue, source: source))
        }
        var workloads: [Workload] = []
        var workloadNames: Set<String> = []
        for workloadValue in value["workloads"]?.elements ?? [] {
            let workload = try parseWorkload(workloadValue, source: source)
            guard workloadNames.insert(workload.name).inserted else {
                throw BenchError(source: source, position: workloadValue["name"]?.position,
                                 "test case \"\(name)\": workload name \"\(workload.name)\" is not unique")
            }
            workloads.append(workload)
        }
        return TestCase(
            name: name, source: source, position: value.position, workloadTemplate: template, workloads: workloads,
            defaultPodTemplatePath: try fields.optionalString("defaultPodTemplatePath").map { resolvePath($0, directory: directory) },
            schedulerConfigPath: try fields.optionalString("schedulerConfigPath").map { resolvePath($0, directory: directory) },
            featureGates: try fields.boolMap("featureGates"),
            labels: try fields.stringList("labels"))
    }

    static func parseWorkload(_ value: PositionedValue, source: String) throws(BenchError) -> Workload {
        let fields = Fields(value, source: source, what: "workload")
        try fields.checkKnown(workloadFields)
        let name = try fields.requiredString("name")
        var params: [String: ParamValue] = [:]
        if let paramsValue = value["params"], !paramsValue.isNull {
            guard let entries = paramsValue.entries else {
                throw BenchError(source: source, position: paramsValue.position, "workload \"\(name)\": params must be a mapping")
            }
            for entry in entries {
                switch entry.value.content {
                case .int(let number): params[entry.key] = .int(Int(number))
                case .float(let number): params[entry.key] = .double(number)
                case .string(let text): params[entry.key] = .string(text)
                case .bool(let flag): params[entry.key] = .bool(flag)
                default:
                    throw BenchError(source: source, position: entry.value.position,
                                     "workload \"\(name)\": params.\(entry.key): expected a number, string or boolean, got \(entry.value.kindDescription)")
                }
            }
        }
        var threshold: Double?
        if let thresholdValue = value["threshold"] {
            switch thresholdValue.content {
            case .int(let number): threshold = Double(number)
            case .float(let number): threshold = number
            case .null: threshold = nil
            case .mapping:
                // Per-topic thresholds: this bench has one topic, the default one.
                threshold = nil
            default:
                throw BenchError(source: source, position: thresholdValue.position,
                                 "workload \"\(name)\": threshold: expected a number, got \(thresholdValue.kindDescription)")
            }
            if let value = threshold, value < 0 {
                throw BenchError(source: source, position: thresholdValue.position,
                                 "workload \"\(name)\": invalid threshold \(value); should be non-negative")
            }
            if threshold == 0 { threshold = nil }
        }
        return Workload(name: name, position: value.position, params: params, labels: try fields.stringList("labels"),
                        threshold: threshold, featureGates: try fields.boolMap("featureGates"))
    }

    static func parseOperationTemplate(_ value: PositionedValue, source: String) throws(BenchError) -> OperationTemplate {
        guard value.entries != nil else {
            throw BenchError(source: source, position: value.position, "expected an operation (a mapping with opcode), got \(value.kindDescription)")
        }
        guard let opcodeValue = value["opcode"] else {
            throw BenchError(source: source, position: value.position, "operation without opcode")
        }
        guard let opcode = opcodeValue.string else {
            throw BenchError(source: source, position: opcodeValue.position, "opcode: expected a string, got \(opcodeValue.kindDescription)")
        }
        guard let known = opFields[opcode] else {
            throw BenchError(source: source, position: opcodeValue.position,
                             "unsupported opcode \"\(opcode)\" (supported: \(supportedOpcodes.joined(separator: ", ")))")
        }
        try Fields(value, source: source, what: opcode).checkKnown(known)
        if opcode == "createPodSets", let inner = value["createPodsOp"] {
            let innerOp = try parseOperationTemplate(inner, source: source)
            guard innerOp.opcode == "createPods" else {
                throw BenchError(source: source, position: inner["opcode"]?.position ?? inner.position,
                                 "createPodSets: createPodsOp must have opcode createPods, got \"\(innerOp.opcode)\"")
            }
        }
        return OperationTemplate(opcode: opcode, value: value, position: value.position)
    }

    static func resolvePath(_ path: String, directory: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return (directory as NSString).appendingPathComponent(path)
    }

    // MARK: Resolving a workload

    /// Instantiates `testCase`'s operations for `workload`: substitutes `$param`s (after applying `overrides`,
    /// which replace or add parameter values) and resolves template paths.
    ///
    /// - Throws: ``BenchError`` for an undefined parameter or an invalid value, with its position.
    public static func resolve(
        _ testCase: TestCase, workload: Workload, overrides: [String: ParamValue] = [:]
    ) throws(BenchError) -> ResolvedWorkload {
        var workload = workload
        for (name, value) in overrides { workload.params[name] = value }
        let directory = (testCase.source as NSString).deletingLastPathComponent
        let context = ResolveContext(source: testCase.source, directory: directory, workload: workload)
        var operations: [Operation] = []
        for template in testCase.workloadTemplate {
            operations.append(try context.operation(template))
        }
        var measured = 0
        for operation in operations where operation.collectsMetrics { measured += 1 }
        if measured > 1 {
            throw BenchError(source: testCase.source, position: testCase.position,
                             "test case \"\(testCase.name)\": more than one operation collects metrics; only one measured createPods is supported")
        }
        return ResolvedWorkload(testCase: testCase, workload: workload, operations: operations)
    }
}

/// Typed access to a mapping's fields, with errors naming the position.
struct Fields {
    let value: PositionedValue
    let source: String
    let what: String

    init(_ value: PositionedValue, source: String, what: String) {
        self.value = value
        self.source = source
        self.what = what
    }

    func fail(_ field: String, _ message: String) -> BenchError {
        BenchError(source: source, position: value[field]?.position ?? value.position, "\(what): \(field): \(message)")
    }

    func checkKnown(_ known: Set<String>) throws(BenchError) {
        guard let entries = value.entries else {
            throw BenchError(source: source, position: value.position, "\(what): expected a mapping, got \(value.kindDescription)")
        }
        for entry in entries where !known.contains(entry.key) {
            throw BenchError(source: source, position: entry.keyPosition ?? entry.value.position,
                             "\(what): unknown field \"\(entry.key)\"")
        }
    }

    func requiredString(_ field: String) throws(BenchError) -> String {
        guard let text = try optionalString(field), !text.isEmpty else {
            throw BenchError(source: source, position: value[field]?.position ?? value.position, "\(what): \(field) is required")
        }
        return text
    }

    func optionalString(_ field: String) throws(BenchError) -> String? {
        guard let field_ = value[field], !field_.isNull else { return nil }
        guard let text = field_.string else { throw fail(field, "expected a string, got \(field_.kindDescription)") }
        return text
    }

    func optionalInt(_ field: String) throws(BenchError) -> Int? {
        guard let field_ = value[field], !field_.isNull else { return nil }
        switch field_.content {
        case .int(let number): return Int(number)
        case .float(let number) where number.rounded() == number && abs(number) < 1e15: return Int(number)
        default: throw fail(field, "expected an integer, got \(field_.kindDescription)")
        }
    }

    func bool(_ field: String) throws(BenchError) -> Bool {
        guard let field_ = value[field], !field_.isNull else { return false }
        guard case .bool(let flag) = field_.content else { throw fail(field, "expected a boolean, got \(field_.kindDescription)") }
        return flag
    }

    func stringList(_ field: String) throws(BenchError) -> [String] {
        guard let field_ = value[field], !field_.isNull else { return [] }
        guard let elements = field_.elements else { throw fail(field, "expected a list of strings, got \(field_.kindDescription)") }
        var result: [String] = []
        for element in elements {
            guard let text = element.string else {
                throw BenchError(source: source, position: element.position, "\(what): \(field): expected a string, got \(element.kindDescription)")
            }
            result.append(text)
        }
        return result
    }

    func stringMap(_ field: String) throws(BenchError) -> [String: String] {
        guard let field_ = value[field], !field_.isNull else { return [:] }
        guard let entries = field_.entries else { throw fail(field, "expected a mapping, got \(field_.kindDescription)") }
        var result: [String: String] = [:]
        for entry in entries {
            switch entry.value.content {
            case .string(let text): result[entry.key] = text
            case .int, .float, .bool: result[entry.key] = entry.value.text
            default:
                throw BenchError(source: source, position: entry.value.position,
                                 "\(what): \(field).\(entry.key): expected a string, got \(entry.value.kindDescription)")
            }
        }
        return result
    }

    func boolMap(_ field: String) throws(BenchError) -> [String: Bool] {
        guard let field_ = value[field], !field_.isNull else { return [:] }
        guard let entries = field_.entries else { throw fail(field, "expected a mapping, got \(field_.kindDescription)") }
        var result: [String: Bool] = [:]
        for entry in entries {
            guard case .bool(let flag) = entry.value.content else {
                throw BenchError(source: source, position: entry.value.position,
                                 "\(what): \(field).\(entry.key): expected a boolean, got \(entry.value.kindDescription)")
            }
            result[entry.key] = flag
        }
        return result
    }
}

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
            throw fields.fail(field, "parameter \(reference.dropFirst()) has the wrong type (expected a number, got \"\(value)\")")
        }
        return number
    }

    /// `count` or `countParam` (the parameter wins, as upstream), non-negative.
    func count(_ fields: Fields, countField: String = "count", paramField: String = "countParam", defaultValue: Int? = nil) throws(BenchError) -> Int {
        var count: Int
        if let reference = try fields.optionalString(paramField) {
            count = try intParam(reference, field: paramField, fields: fields)
        } else if let literal = try fields.optionalInt(countField) {
            count = literal
        } else if let defaultValue {
            count = defaultValue
        } else {
            throw BenchError(source: source, position: fields.value.position, "\(fields.what): one of \(countField) or \(paramField) is required")
        }
        guard count >= 0 else { throw fields.fail(paramField, "invalid count \(count); should be non-negative") }
        return count
    }

    func path(_ fields: Fields, _ field: String) throws(BenchError) -> String? {
        try fields.optionalString(field).map { WorkloadFileParser.resolvePath($0, directory: directory) }
    }

    func templateParams(_ fields: Fields) throws(BenchError) -> [String: ParamValue] {
        guard let value = fields.value["templateParams"], !value.isNull else { return [:] }
        guard let entries = value.entries else { throw fields.fail("templateParams", "expected a mapping, got \(value.kindDescription)") }
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
                throw BenchError(source: source, position: entry.value.position,
                                 "\(fields.what): templateParams.\(entry.key): expected a scalar, got \(entry.value.kindDescription)")
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
            return .createNamespaces(Operation.CreateNamespaces(
                prefix: try fields.requiredString("prefix"), count: try count(fields),
                namespaceTemplatePath: try path(fields, "namespaceTemplatePath")))
        case "createPods":
            return .createPods(try createPods(fields))
        case "createPodSets":
            guard let inner = template.value["createPodsOp"] else { throw fields.fail("createPodsOp", "is required") }
            return .createPodSets(Operation.CreatePodSets(
                count: try count(fields), namespacePrefix: try fields.requiredString("namespacePrefix"),
                createPods: try createPods(Fields(inner, source: source, what: "createPods"))))
        case "createAny":
            guard let templatePath = try path(fields, "templatePath") else { throw fields.fail("templatePath", "TemplatePath must be set") }
            return .createAny(Operation.CreateAny(
                templatePath: templatePath, namespace: try fields.optionalString("namespace"),
                count: try count(fields, defaultValue: 1), templateParams: try templateParams(fields)))
        case "churn":
            return .churn(try churn(fields))
        case "barrier":
            let stageText = try fields.optionalString("stageRequirement") ?? "Scheduled"
            guard let stage = Operation.Barrier.Stage(rawValue: stageText.isEmpty ? "Scheduled" : stageText) else {
                throw fields.fail("stageRequirement", "invalid StageRequirement \(stageText) (Scheduled or Attempted)")
            }
            return .barrier(Operation.Barrier(namespaces: try fields.stringList("namespaces"),
                                              labelSelector: try fields.stringMap("labelSelector"), stage: stage))
        case "sleep":
            var text = try fields.optionalString("duration")
            if let reference = try fields.optionalString("durationParam") {
                let value = try param(reference, field: "durationParam", fields: fields)
                guard case .string(let duration) = value else {
                    throw fields.fail("durationParam", "parameter \(reference.dropFirst()) has the wrong type (expected a duration string)")
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
            guard let namespace = try fields.optionalString("namespace") else { throw fields.fail("namespace", "is required") }
            let rate = try fields.optionalInt("deletePodsPerSecond") ?? 0
            guard rate >= 0 else { throw fields.fail("deletePodsPerSecond", "invalid DeletePodsPerSecond=\(rate); should be non-negative") }
            return .deletePods(Operation.DeletePods(
                namespace: namespace, labelSelector: try fields.stringMap("labelSelector"),
                skipWaitToCompletion: try fields.bool("skipWaitToCompletion"), deletePodsPerSecond: rate))
        default:
            throw BenchError(source: source, position: template.value["opcode"]?.position,
                             "unsupported opcode \"\(template.opcode)\" (supported: \(WorkloadFileParser.supportedOpcodes.joined(separator: ", ")))")
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
                nodeAllocatable: try inner.stringMap("nodeAllocatable"), csiNodeAllocatable: csi,
                migratedPlugins: try inner.stringList("migratedPlugins"))
        }
        let strategies = [label != nil, unique != nil, allocatable != nil].filter { $0 }.count
        guard strategies <= 1 else {
            throw BenchError(source: source, position: value.position, "createNodes: at most one node prepare strategy can be set")
        }
        return Operation.CreateNodes(
            count: try count(fields), nodeTemplatePath: try path(fields, "nodeTemplatePath"), labelStrategy: label,
            uniqueLabelKey: unique, allocatableStrategy: allocatable, templateParams: try templateParams(fields))
    }

    func createPods(_ fields: Fields) throws(BenchError) -> Operation.CreatePods {
        var count = try count(fields)
        if let reference = try fields.optionalString("countMultiplierParam") {
            count *= try intParam(reference, field: "countMultiplierParam", fields: fields)
        }
        var steady = try fields.bool("steadyState")
        if let reference = try fields.optionalString("steadyStateParam") {
            guard case .bool(let flag) = try param(reference, field: "steadyStateParam", fields: fields) else {
                throw fields.fail("steadyStateParam", "parameter \(reference.dropFirst()) has the wrong type (expected a boolean)")
            }
            steady = flag
        }
        if steady {
            throw fields.fail("steadyState", "steady-state pod creation is not supported by this bench")
        }
        let op = Operation.CreatePods(
            count: count, collectMetrics: try fields.bool("collectMetrics"), namespace: try fields.optionalString("namespace"),
            podTemplatePath: try path(fields, "podTemplatePath"), skipWaitToCompletion: try fields.bool("skipWaitToCompletion"),
            persistentVolumeTemplatePath: try path(fields, "persistentVolumeTemplatePath"),
            persistentVolumeClaimTemplatePath: try path(fields, "persistentVolumeClaimTemplatePath"),
            templateParams: try templateParams(fields))
        if op.collectMetrics && op.skipWaitToCompletion {
            throw BenchError(source: source, position: fields.value.position,
                             "createPods: collectMetrics and skipWaitToCompletion cannot be true at the same time")
        }
        if (op.persistentVolumeTemplatePath == nil) != (op.persistentVolumeClaimTemplatePath == nil) {
            throw BenchError(source: source, position: fields.value.position,
                             "createPods: persistentVolumeTemplatePath and persistentVolumeClaimTemplatePath must be set together")
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
        for path in try fields.stringList("templatePaths") { paths.append(WorkloadFileParser.resolvePath(path, directory: directory)) }
        guard !paths.isEmpty else { throw fields.fail("templatePaths", "at least one template spec file needs to be specified") }
        let interval = try fields.optionalInt("intervalMilliseconds") ?? 500
        guard interval > 0 else { throw fields.fail("intervalMilliseconds", "must be positive") }
        return Operation.Churn(mode: mode, number: number, intervalMilliseconds: interval,
                               namespace: try fields.optionalString("namespace"), templatePaths: paths)
    }
}
