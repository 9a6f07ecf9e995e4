import KubeDecoding

/// One test case of a scheduler_perf `performance-config.yaml` file: a template of operations and the
/// workloads (parameter sets) that instantiate it.
public struct TestCase: Sendable {
    /// The test case's name, such as `SchedulingBasic`.
    public var name: String
    /// The file the test case was read from (templates are resolved relative to its directory).
    public var source: String
    /// Where the test case starts.
    public var position: SourcePosition?
    /// The operations, in order, with `$param` references still unresolved.
    public var workloadTemplate: [OperationTemplate]
    /// The workloads (upstream's "variants"), in file order.
    public var workloads: [Workload]
    /// `defaultPodTemplatePath`, already resolved against the file's directory.
    public var defaultPodTemplatePath: String?
    /// `schedulerConfigPath`, already resolved against the file's directory.
    public var schedulerConfigPath: String?
    /// Feature gates the test case sets (recorded; this scheduler has no feature gates).
    public var featureGates: [String: Bool]
    /// Labels of the test case.
    public var labels: [String]

    /// The workload named `name`.
    public func workload(named name: String) -> Workload? {
        workloads.first { $0.name == name }
    }

    /// The variant run when none is named: the first workload labelled `performance` but not `short`, else the
    /// first labelled `performance`, else the last one.
    public var defaultWorkload: Workload? {
        workloads.first { $0.labels.contains("performance") && !$0.labels.contains("short") }
            ?? workloads.first { $0.labels.contains("performance") } ?? workloads.last
    }
}

/// One workload of a test case: a name, parameter values, labels and an optional throughput threshold.
public struct Workload: Sendable {
    /// The workload's name, such as `5000Nodes_10000Pods`.
    public var name: String
    /// Where the workload starts.
    public var position: SourcePosition?
    /// Values for `$param` references, by name.
    public var params: [String: ParamValue]
    /// Labels such as `performance` or `integration-test`.
    public var labels: [String]
    /// Minimum average throughput (pods/s) the workload must reach, when set and not zero.
    public var threshold: Double?
    /// Feature gates the workload sets (recorded only).
    public var featureGates: [String: Bool]
}

/// A workload parameter value.
public enum ParamValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    /// The value as an integer count (doubles are truncated, as upstream's `int(float64)`).
    public var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value): value.isFinite && abs(value) < 1e15 ? Int(value) : nil
        case .string, .bool: nil
        }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .bool(let value): String(value)
        }
    }
}

/// An operation as written in `workloadTemplate`, before parameters are substituted.
public struct OperationTemplate: Sendable {
    /// The opcode, such as `createPods`.
    public var opcode: String
    /// The op's mapping as written.
    public var value: PositionedValue
    /// Where the op starts.
    public var position: SourcePosition?
}

/// A runnable operation, with parameters substituted and template paths resolved.
public enum Operation: Sendable {
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
    public struct CreateNodes: Sendable {
        public var count: Int
        public var nodeTemplatePath: String?
        public var labelStrategy: LabelStrategy?
        public var uniqueLabelKey: String?
        public var allocatableStrategy: AllocatableStrategy?
        public var templateParams: [String: ParamValue]
    }

    /// `labelNodePrepareStrategy`: each node gets `labelKey` set to one of `labelValues`.
    public struct LabelStrategy: Sendable {
        public var labelKey: String
        public var labelValues: [String]
    }

    /// `nodeAllocatableStrategy`: extra allocatable resources and a CSINode per node.
    public struct AllocatableStrategy: Sendable {
        public var nodeAllocatable: [String: String]
        /// CSI driver name → attachable volume count.
        public var csiNodeAllocatable: [String: Int]
        public var migratedPlugins: [String]
    }

    /// `createNamespaces`: `prefix-0` … `prefix-(count-1)`.
    public struct CreateNamespaces: Sendable {
        public var prefix: String
        public var count: Int
        public var namespaceTemplatePath: String?
    }

    /// `createPods`: pods from a template in a namespace, optionally each with its own PV and PVC.
    public struct CreatePods: Sendable {
        public var count: Int
        public var collectMetrics: Bool
        public var namespace: String?
        public var podTemplatePath: String?
        public var skipWaitToCompletion: Bool
        public var persistentVolumeTemplatePath: String?
        public var persistentVolumeClaimTemplatePath: String?
        public var templateParams: [String: ParamValue]
    }

    /// `createPodSets`: one `createPods` per namespace `namespacePrefix-i`.
    public struct CreatePodSets: Sendable {
        public var count: Int
        public var namespacePrefix: String
        public var createPods: CreatePods
    }

    /// `createAny`: objects of any supported kind from a template.
    public struct CreateAny: Sendable {
        public var templatePath: String
        public var namespace: String?
        public var count: Int
        public var templateParams: [String: ParamValue]
    }

    /// `churn`: create (and in `recreate` mode, delete again) objects at an interval, in the background.
    public struct Churn: Sendable {
        public enum Mode: String, Sendable { case create, recreate }
        public var mode: Mode
        public var number: Int
        public var intervalMilliseconds: Int
        public var namespace: String?
        public var templatePaths: [String]
    }

    /// `barrier`: wait until the pods of the namespaces (all when empty) are scheduled or attempted.
    public struct Barrier: Sendable {
        public enum Stage: String, Sendable { case scheduled = "Scheduled", attempted = "Attempted" }
        public var namespaces: [String]
        public var labelSelector: [String: String]
        public var stage: Stage
    }

    /// `sleep`: wait for a duration.
    public struct Sleep: Sendable {
        public var duration: Duration
    }

    /// `deletePods`: delete the pods of a namespace, all at once or at a rate, optionally in the background.
    public struct DeletePods: Sendable {
        public var namespace: String
        public var labelSelector: [String: String]
        public var skipWaitToCompletion: Bool
        public var deletePodsPerSecond: Int
    }

    /// Whether the op collects metrics (a measured `createPods`).
    public var collectsMetrics: Bool {
        switch self {
        case .createPods(let op): op.collectMetrics
        case .createPodSets(let op): op.createPods.collectMetrics
        default: false
        }
    }
}

/// A workload ready to run: its test case, the chosen variant, and the ops with parameters resolved.
public struct ResolvedWorkload: Sendable {
    public var testCase: TestCase
    public var workload: Workload
    public var operations: [Operation]

    /// Nodes the workload creates (churn excluded).
    public var nodeCount: Int {
        operations.reduce(0) { total, op in
            if case .createNodes(let nodes) = op { return total + nodes.count }
            return total
        }
    }

    /// Pods created by ops that do not collect metrics.
    public var initPodCount: Int {
        operations.reduce(0) { total, op in
            switch op {
            case .createPods(let pods) where !pods.collectMetrics: total + pods.count
            case .createPodSets(let sets) where !sets.createPods.collectMetrics: total + sets.count * sets.createPods.count
            default: total
            }
        }
    }

    /// Pods created by ops that collect metrics.
    public var measuredPodCount: Int {
        operations.reduce(0) { total, op in
            switch op {
            case .createPods(let pods) where pods.collectMetrics: total + pods.count
            case .createPodSets(let sets) where sets.createPods.collectMetrics: total + sets.count * sets.createPods.count
            default: total
            }
        }
    }
}
