import KubeDecoding

/// One test case of a scheduler_perf `performance-config.yaml` file: a template of operations and the
/// workloads (parameter sets) that instantiate it.
package struct TestCase: Sendable {
    /// The test case's name, such as `SchedulingBasic`.
    package var name: String
    /// The file the test case was read from (templates are resolved relative to its directory).
    package var source: String
    /// Where the test case starts.
    package var position: SourcePosition?
    /// The operations, in order, with `$param` references still unresolved.
    package var workloadTemplate: [OperationTemplate]
    /// The workloads (upstream's "variants"), in file order.
    package var workloads: [Workload]
    /// `defaultPodTemplatePath`, already resolved against the file's directory.
    package var defaultPodTemplatePath: String?
    /// `schedulerConfigPath`, already resolved against the file's directory.
    package var schedulerConfigPath: String?
    /// Feature gates the test case sets (recorded; this scheduler has no feature gates).
    package var featureGates: [String: Bool]
    /// Labels of the test case.
    package var labels: [String]

    /// The workload named `name`.
    package func workload(named name: String) -> Workload? {
        workloads.first { $0.name == name }
    }

    /// The variant run when none is named: the first workload labelled `performance` but not `short`, else the
    /// first labelled `performance`, else the last one.
    package var defaultWorkload: Workload? {
        workloads.first { $0.labels.contains("performance") && !$0.labels.contains("short") }
            ?? workloads.first { $0.labels.contains("performance") } ?? workloads.last
    }
}

/// One workload of a test case: a name, parameter values, labels and an optional throughput threshold.
package struct Workload: Sendable {
    /// The workload's name, such as `5000Nodes_10000Pods`.
    package var name: String
    /// Where the workload starts.
    package var position: SourcePosition?
    /// Values for `$param` references, by name.
    package var params: [String: ParamValue]
    /// Labels such as `performance` or `integration-test`.
    package var labels: [String]
    /// Minimum average throughput (pods/s) the workload must reach, when set and not zero.
    package var threshold: Double?
    /// Feature gates the workload sets (recorded only).
    package var featureGates: [String: Bool]
}

/// A workload parameter value.
package enum ParamValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    /// The value as an integer count (doubles are truncated, as upstream's `int(float64)`).
    package var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value): value.isFinite && abs(value) < 1e15 ? Int(value) : nil
        case .string, .bool: nil
        }
    }

    package var description: String {
        switch self {
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .bool(let value): String(value)
        }
    }
}

/// An operation as written in `workloadTemplate`, before parameters are substituted.
package struct OperationTemplate: Sendable {
    /// The opcode, such as `createPods`.
    package var opcode: String
    /// The op's mapping as written.
    package var value: PositionedValue
    /// Where the op starts.
    package var position: SourcePosition?
}

/// A runnable operation, with parameters substituted and template paths resolved.
package enum Operation: Sendable {
    case createNodes(CreateNodes)
    case createNamespaces(CreateNamespaces)
    case createPods(CreatePods)
    case createPodSets(CreatePodSets)
    case createAny(CreateAny)
    case churn(Churn)
    case barrier(Barrier)
    case sleep(Sleep)
    case deletePods(DeletePods)

    /// `createNodes`: nodes from a template (or upstream's default node), with optional preparation.
    package struct CreateNodes: Sendable {
        package var count: Int
        package var nodeTemplatePath: String?
        package var labelStrategy: LabelStrategy?
        package var uniqueLabelKey: String?
        package var allocatableStrategy: AllocatableStrategy?
        package var templateParams: [String: ParamValue]
    }

    /// `labelNodePrepareStrategy`: each node gets `labelKey` set to one of `labelValues`.
    package struct LabelStrategy: Sendable {
        package var labelKey: String
        package var labelValues: [String]
    }

    /// `nodeAllocatableStrategy`: extra allocatable resources and a CSINode per node.
    package struct AllocatableStrategy: Sendable {
        package var nodeAllocatable: [String: String]
        /// CSI driver name → attachable volume count.
        package var csiNodeAllocatable: [String: Int]
        package var migratedPlugins: [String]
    }

    /// `createNamespaces`: `prefix-0` … `prefix-(count-1)`.
    package struct CreateNamespaces: Sendable {
        package var prefix: String
        package var count: Int
        package var namespaceTemplatePath: String?
    }

    /// `createPods`: pods from a template in a namespace, optionally each with its own PV and PVC.
    package struct CreatePods: Sendable {
        package var count: Int
        package var collectMetrics: Bool
        package var namespace: String?
        package var podTemplatePath: String?
        package var skipWaitToCompletion: Bool
        package var persistentVolumeTemplatePath: String?
        package var persistentVolumeClaimTemplatePath: String?
        package var templateParams: [String: ParamValue]
    }

    /// `createPodSets`: one `createPods` per namespace `namespacePrefix-i`.
    package struct CreatePodSets: Sendable {
        package var count: Int
        package var namespacePrefix: String
        package var createPods: CreatePods
    }

    /// `createAny`: objects of any supported kind from a template.
    package struct CreateAny: Sendable {
        package var templatePath: String
        package var namespace: String?
        package var count: Int
        package var templateParams: [String: ParamValue]
    }

    /// `churn`: create (and in `recreate` mode, delete again) objects at an interval, in the background.
    package struct Churn: Sendable {
        package enum Mode: String, Sendable { case create, recreate }
        package var mode: Mode
        package var number: Int
        package var intervalMilliseconds: Int
        package var namespace: String?
        package var templatePaths: [String]
    }

    /// `barrier`: wait until the pods of the namespaces (all when empty) are scheduled or attempted.
    package struct Barrier: Sendable {
        package enum Stage: String, Sendable {
            case scheduled = "Scheduled"
            case attempted = "Attempted"
        }
        package var namespaces: [String]
        package var labelSelector: [String: String]
        package var stage: Stage
    }

    /// `sleep`: wait for a duration.
    package struct Sleep: Sendable {
        package var duration: Duration
    }

    /// `deletePods`: delete the pods of a namespace, all at once or at a rate, optionally in the background.
    package struct DeletePods: Sendable {
        package var namespace: String
        package var labelSelector: [String: String]
        package var skipWaitToCompletion: Bool
        package var deletePodsPerSecond: Int
    }

    /// Whether the op collects metrics (a measured `createPods`).
    package var collectsMetrics: Bool {
        switch self {
        case .createPods(let op): op.collectMetrics
        case .createPodSets(let op): op.createPods.collectMetrics
        default: false
        }
    }
}

/// A workload ready to run: its test case, the chosen variant, and the ops with parameters resolved.
package struct ResolvedWorkload: Sendable {
    package var testCase: TestCase
    package var workload: Workload
    package var operations: [Operation]

    /// Nodes the workload creates (churn excluded).
    package var nodeCount: Int {
        operations.reduce(0) { total, op in
            if case .createNodes(let nodes) = op { return total + nodes.count }
            return total
        }
    }

    /// Pods created by ops that do not collect metrics.
    package var initPodCount: Int {
        operations.reduce(0) { total, op in
            switch op {
            case .createPods(let pods) where !pods.collectMetrics: total + pods.count
            case .createPodSets(let sets) where !sets.createPods.collectMetrics:
                total + sets.count * sets.createPods.count
            default: total
            }
        }
    }

    /// Pods created by ops that collect metrics.
    package var measuredPodCount: Int {
        operations.reduce(0) { total, op in
            switch op {
            case .createPods(let pods) where pods.collectMetrics: total + pods.count
            case .createPodSets(let sets) where sets.createPods.collectMetrics:
                total + sets.count * sets.createPods.count
            default: total
            }
        }
    }
}
