import Foundation
import KubeDecoding
import SchedulerConfig

/// A bench problem, as one line (`FILE:LINE:COLUMN: message` when a position is known).
package struct BenchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The whole message.
    package var description: String

    /// An error with the given message.
    package init(_ description: String) { self.description = description }

    /// An error at a position of a file.
    package init(source: String, position: SourcePosition?, _ message: String) {
        self.description = position.map { "\(source):\($0.line):\($0.column): \(message)" } ?? "\(source): \(message)"
    }
}

/// Reads scheduler_perf's `performance-config.yaml` format: a list of test cases, each with a
/// `workloadTemplate` of operations and `workloads` that give its `$param`s values.
///
/// Field names are checked strictly (a misspelt field is an error with its line and column). Operations this
/// bench cannot run are refused by name, for example
/// `perf.yaml:12:5: unsupported opcode "createResourceClaims" (supported: barrier, churn, …)`.
package enum WorkloadFileParser {
    /// The opcodes this bench runs.
    package static let supportedOpcodes = [
        "barrier", "churn", "createAny", "createNamespaces", "createNodes", "createPodSets", "createPods", "deletePods",
        "sleep",
    ]

    static let testCaseFields: Set<String> = [
        "name", "featureGates", "metricsCollectorConfig", "workloadTemplate", "workloads", "schedulerConfigPath",
        "defaultPodTemplatePath", "labels", "defaultThresholdMetricSelector",
    ]
    static let workloadFields: Set<String> = [
        "name", "params", "labels", "threshold", "thresholdMetricSelector", "featureGates",
    ]
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
    package static func parse(path: String) throws(BenchError) -> [TestCase] {
        let text: String
        do {
            text = try ManifestLoader.readText(path: path)
        } catch {
            throw BenchError(error.description)
        }
        return try parse(contents: text, source: path)
    }

    /// Parses the test cases in `contents`; `source` names the file in messages and anchors relative paths.
    package static func parse(contents: String, source: String) throws(BenchError) -> [TestCase] {
        let document: PositionedValue
        do {
            document = try DocumentParser.document(in: contents, source: source)
        } catch {
            throw BenchError(error.description)
        }
        guard let elements = document.elements else {
            throw BenchError(
                source: source,
                position: document.position,
                "expected a list of test cases, got \(document.kindDescription)"
            )
        }
        let directory = (source as NSString).deletingLastPathComponent
        var result: [TestCase] = []
        var names: Set<String> = []
        for element in elements {
            let testCase = try parseTestCase(element, source: source, directory: directory)
            guard names.insert(testCase.name).inserted else {
                throw BenchError(
                    source: source,
                    position: element["name"]?.position,
                    "duplicate test case name \"\(testCase.name)\""
                )
            }
            result.append(testCase)
        }
        return result
    }

    // MARK: Test cases and workloads

    static func parseTestCase(
        _ value: PositionedValue,
        source: String,
        directory: String
    ) throws(BenchError) -> TestCase {
        let fields = Fields(value, source: source, what: "test case")
        try fields.checkKnown(testCaseFields)
        let name = try fields.requiredString("name")
        guard let templateValue = value["workloadTemplate"], let opValues = templateValue.elements else {
            throw BenchError(
                source: source,
                position: value["workloadTemplate"]?.position ?? value.position,
                "test case \"\(name)\": workloadTemplate must be a list of operations"
            )
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
                throw BenchError(
                    source: source,
                    position: workloadValue["name"]?.position,
                    "test case \"\(name)\": workload name \"\(workload.name)\" is not unique"
                )
            }
            workloads.append(workload)
        }
        return TestCase(
            name: name,
            source: source,
            position: value.position,
            workloadTemplate: template,
            workloads: workloads,
            defaultPodTemplatePath: try fields.optionalString("defaultPodTemplatePath").map {
                resolvePath($0, directory: directory)
            },
            schedulerConfigPath: try fields.optionalString("schedulerConfigPath").map {
                resolvePath($0, directory: directory)
            },
            featureGates: try fields.boolMap("featureGates"),
            labels: try fields.stringList("labels")
        )
    }

    static func parseWorkload(_ value: PositionedValue, source: String) throws(BenchError) -> Workload {
        let fields = Fields(value, source: source, what: "workload")
        try fields.checkKnown(workloadFields)
        let name = try fields.requiredString("name")
        var params: [String: ParamValue] = [:]
        if let paramsValue = value["params"], !paramsValue.isNull {
            guard let entries = paramsValue.entries else {
                throw BenchError(
                    source: source,
                    position: paramsValue.position,
                    "workload \"\(name)\": params must be a mapping"
                )
            }
            for entry in entries {
                switch entry.value.content {
                case .int(let number): params[entry.key] = .int(Int(number))
                case .float(let number): params[entry.key] = .double(number)
                case .string(let text): params[entry.key] = .string(text)
                case .bool(let flag): params[entry.key] = .bool(flag)
                default:
                    throw BenchError(
                        source: source,
                        position: entry.value.position,
                        "workload \"\(name)\": params.\(entry.key): expected a number, string or boolean, got \(entry.value.kindDescription)"
                    )
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
                throw BenchError(
                    source: source,
                    position: thresholdValue.position,
                    "workload \"\(name)\": threshold: expected a number, got \(thresholdValue.kindDescription)"
                )
            }
            if let value = threshold, value < 0 {
                throw BenchError(
                    source: source,
                    position: thresholdValue.position,
                    "workload \"\(name)\": invalid threshold \(value); should be non-negative"
                )
            }
            if threshold == 0 { threshold = nil }
        }
        return Workload(
            name: name,
            position: value.position,
            params: params,
            labels: try fields.stringList("labels"),
            threshold: threshold,
            featureGates: try fields.boolMap("featureGates")
        )
    }

    static func parseOperationTemplate(_ value: PositionedValue, source: String) throws(BenchError) -> OperationTemplate
    {
        guard value.entries != nil else {
            throw BenchError(
                source: source,
                position: value.position,
                "expected an operation (a mapping with opcode), got \(value.kindDescription)"
            )
        }
        guard let opcodeValue = value["opcode"] else {
            throw BenchError(source: source, position: value.position, "operation without opcode")
        }
        guard let opcode = opcodeValue.string else {
            throw BenchError(
                source: source,
                position: opcodeValue.position,
                "opcode: expected a string, got \(opcodeValue.kindDescription)"
            )
        }
        guard let known = opFields[opcode] else {
            throw BenchError(
                source: source,
                position: opcodeValue.position,
                "unsupported opcode \"\(opcode)\" (supported: \(supportedOpcodes.joined(separator: ", ")))"
            )
        }
        try Fields(value, source: source, what: opcode).checkKnown(known)
        if opcode == "createPodSets", let inner = value["createPodsOp"] {
            let innerOp = try parseOperationTemplate(inner, source: source)
            guard innerOp.opcode == "createPods" else {
                throw BenchError(
                    source: source,
                    position: inner["opcode"]?.position ?? inner.position,
                    "createPodSets: createPodsOp must have opcode createPods, got \"\(innerOp.opcode)\""
                )
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
    package static func resolve(
        _ testCase: TestCase,
        workload: Workload,
        overrides: [String: ParamValue] = [:]
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
            throw BenchError(
                source: testCase.source,
                position: testCase.position,
                "test case \"\(testCase.name)\": more than one operation collects metrics; only one measured createPods is supported"
            )
        }
        return ResolvedWorkload(testCase: testCase, workload: workload, operations: operations)
    }
}
