import KubeAPI

/// The kinds of objects whose changes can make a pod schedulable.
public enum EventResource: String, Sendable, Hashable, CaseIterable {
    case pod = "Pod"
    /// A pod bound to a node (upstream `AssignedPod`).
    case assignedPod = "AssignedPod"
    /// A pod not yet bound (upstream `UnscheduledPod`).
    case unscheduledPod = "UnscheduledPod"
    case node = "Node"
    case persistentVolume = "PersistentVolume"
    case persistentVolumeClaim = "PersistentVolumeClaim"
    case storageClass = "StorageClass"
    case csiNode = "CSINode"
    case csiDriver = "CSIDriver"
    case csiStorageCapacity = "CSIStorageCapacity"
    case volumeAttachment = "VolumeAttachment"
    case namespace = "Namespace"
    case podDisruptionBudget = "PodDisruptionBudget"
    case priorityClass = "PriorityClass"
    case service = "Service"
    case replicationController = "ReplicationController"
    case replicaSet = "ReplicaSet"
    case statefulSet = "StatefulSet"
    /// scheduler-plugins' PodGroup, named as upstream names custom resources (`<plural>.<version>.<group>`).
    case podGroup = "podgroups.v1alpha1.scheduling.x-k8s.io"
    /// Matches every resource.
    case wildcard = "*"
}

/// What happened to an object; an option set because plugins register several at once.
public struct ActionType: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let add = ActionType(rawValue: 1 << 0)
    public static let delete = ActionType(rawValue: 1 << 1)
    public static let updateNodeAllocatable = ActionType(rawValue: 1 << 2)
    public static let updateNodeLabel = ActionType(rawValue: 1 << 3)
    public static let updateNodeTaint = ActionType(rawValue: 1 << 4)
    public static let updateNodeCondition = ActionType(rawValue: 1 << 5)
    public static let updateNodeAnnotation = ActionType(rawValue: 1 << 6)
    public static let updatePodLabel = ActionType(rawValue: 1 << 7)
    public static let updatePodScaleDown = ActionType(rawValue: 1 << 8)
    public static let updatePodToleration = ActionType(rawValue: 1 << 9)
    public static let updatePodSchedulingGatesEliminated = ActionType(rawValue: 1 << 10)
    public static let updatePodOther = ActionType(rawValue: 1 << 11)
    public static let updateOther = ActionType(rawValue: 1 << 12)

    public static let update: ActionType = [
        .updateNodeAllocatable, .updateNodeLabel, .updateNodeTaint, .updateNodeCondition, .updateNodeAnnotation,
        .updatePodLabel, .updatePodScaleDown, .updatePodToleration, .updatePodSchedulingGatesEliminated,
        .updatePodOther, .updateOther,
    ]
    public static let all: ActionType = [.add, .delete, .update]
}

extension ActionType: CustomStringConvertible {
    /// Upstream's `ActionType.String()`: a single action's name, `Update` for the other updates and the whole
    /// update set, `All`, and "" for other combinations.
    public var description: String {
        switch self {
        case .add: "Add"
        case .delete: "Delete"
        case .updateNodeAllocatable: "UpdateNodeAllocatable"
        case .updateNodeLabel: "UpdateNodeLabel"
        case .updateNodeTaint: "UpdateNodeTaint"
        case .updateNodeCondition: "UpdateNodeCondition"
        case .updateNodeAnnotation: "UpdateNodeAnnotation"
        case .updatePodLabel: "UpdatePodLabel"
        case .updatePodScaleDown: "UpdatePodScaleDown"
        case .updatePodToleration: "UpdatePodToleration"
        case .updatePodSchedulingGatesEliminated: "UpdatePodSchedulingGatesEliminated"
        case .updatePodOther, .updateOther, .update: "Update"
        case .all: "All"
        default: ""
        }
    }
}

/// A change in the cluster, as the queue sees it.
public struct ClusterEvent: Sendable, Hashable, CustomStringConvertible {
    public var resource: EventResource
    public var action: ActionType
    /// The label given at creation, when it is not ``resource`` followed by ``action``.
    private var givenLabel: String?
    /// A readable label for metrics and logs (e.g. `NodeAdd`, `AssignedPodDelete`); built when read, as
    /// upstream's `Label()`, so the informers' events cost no string.
    public var label: String {
        get { givenLabel ?? resource.rawValue + action.description }
        set { givenLabel = newValue }
    }

    public init(resource: EventResource, action: ActionType, label: String? = nil) {
        self.resource = resource
        self.action = action
        self.givenLabel = label
    }

    public var description: String { label }

    public static func == (lhs: ClusterEvent, rhs: ClusterEvent) -> Bool {
        lhs.resource == rhs.resource && lhs.action == rhs.action && lhs.label == rhs.label
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(resource)
        hasher.combine(action)
    }

    /// Whether an incoming event `self` matches a registered event (`MatchClusterEvents`): resources
    /// equal (a registered `Pod` matches assigned and unscheduled pods, `*` matches all) and actions
    /// intersect.
    public func matches(registered: ClusterEvent) -> Bool {
        if registered.resource == .wildcard { return true }
        let resourceMatches =
            registered.resource == resource
            || (registered.resource == .pod && (resource == .assignedPod || resource == .unscheduledPod))
        return resourceMatches && !registered.action.intersection(action).isEmpty
    }

    // Events the queue itself raises.
    public static let unschedulableTimeout = ClusterEvent(
        resource: .wildcard,
        action: .all,
        label: "UnschedulableTimeout"
    )
    public static let forceActivate = ClusterEvent(resource: .wildcard, action: .all, label: "ForceActivate")
    public static let nodeAdd = ClusterEvent(resource: .node, action: .add, label: "NodeAdd")
    public static let assignedPodAdd = ClusterEvent(resource: .assignedPod, action: .add, label: "AssignedPodAdd")
    public static let assignedPodDelete = ClusterEvent(
        resource: .assignedPod,
        action: .delete,
        label: "AssignedPodDelete"
    )
}

/// Whether an event may make a rejected pod schedulable.
public enum QueueingHint: Sendable, Equatable {
    case queue
    case skip
}

/// A registered event with an optional hint that looks at the changed objects.
public struct ClusterEventWithHint: Sendable {
    public var event: ClusterEvent
    /// `(pod, oldObject, newObject)`. nil means always ``QueueingHint/queue``.
    public var hint: (@Sendable (Pod, KubeObject?, KubeObject?) -> QueueingHint)?

    public init(_ event: ClusterEvent, hint: (@Sendable (Pod, KubeObject?, KubeObject?) -> QueueingHint)? = nil) {
        self.event = event
        self.hint = hint
    }
}
