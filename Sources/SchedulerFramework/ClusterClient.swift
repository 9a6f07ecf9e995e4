import KubeAPI

/// The one interface between the scheduler and a cluster: the embedded in-memory cluster and a real
/// API server both implement it, and the scheduling core does not know which it talks to.
public protocol ClusterClient: Sendable {
    /// Lists every object of `kind`, with the resource version to watch from.
    func list(_ kind: ObjectKind) async throws(ClusterError) -> ObjectList
    /// Changes to objects of `kind` after `resourceVersion`.
    func watch(_ kind: ObjectKind, resourceVersion: String) -> AsyncThrowingStream<WatchEvent, any Error>
    /// `POST pods/NAME/binding`.
    func bind(namespace: String, name: String, uid: String, nodeName: String) async throws(ClusterError)
    /// Patches a pod's status: the condition (replacing one of the same type) and/or the nominated node.
    func patchPodStatus(namespace: String, name: String, patch: PodStatusPatch) async throws(ClusterError)
    /// Deletes a pod (preemption victims).
    func deletePod(namespace: String, name: String, uid: String) async throws(ClusterError)
    /// Records an Event (`events.k8s.io/v1`).
    func recordEvent(_ event: SchedulingEvent) async
    /// `PUT persistentvolumes/NAME` with the object's resourceVersion (VolumeBinding's static binding);
    /// ``ClusterError/Code/conflict`` when the volume changed meanwhile. Returns the stored object.
    func updatePersistentVolume(_ volume: PersistentVolume) async throws(ClusterError) -> PersistentVolume
    /// `PUT namespaces/NS/persistentvolumeclaims/NAME` with the object's resourceVersion (VolumeBinding's
    /// `volume.kubernetes.io/selected-node`). Returns the stored object.
    func updatePersistentVolumeClaim(_ claim: PersistentVolumeClaim) async throws(ClusterError) -> PersistentVolumeClaim
}

/// A list result.
public struct ObjectList: Sendable {
    public var items: [KubeObject]
    public var resourceVersion: String
    public init(items: [KubeObject], resourceVersion: String) {
        self.items = items
        self.resourceVersion = resourceVersion
    }
}

/// One watch notification.
public struct WatchEvent: Sendable {
    public enum EventType: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
    }
    public var type: EventType
    public var object: KubeObject?
    public var resourceVersion: String

    public init(type: EventType, object: KubeObject?, resourceVersion: String) {
        self.type = type
        self.object = object
        self.resourceVersion = resourceVersion
    }
}

/// A change to a pod's status.
public struct PodStatusPatch: Sendable, Equatable {
    public enum NominatedNode: Sendable, Equatable {
        case unchanged
        case set(String)
        case clear
    }
    public var condition: PodCondition?
    public var nominatedNodeName: NominatedNode

    public init(condition: PodCondition? = nil, nominatedNodeName: NominatedNode = .unchanged) {
        self.condition = condition
        self.nominatedNodeName = nominatedNodeName
    }
}

/// An Event the scheduler reports about a pod.
public struct SchedulingEvent: Sendable, Equatable {
    public var namespace: String
    public var podName: String
    public var type: String
    public var reason: String
    public var action: String
    public var note: String
    public var reportingController: String
    /// The object the event is about when it is not the pod `namespace/podName` (a plugin may report on any
    /// object, e.g. a WebAssembly guest through `handle.eventrecorder.eventf`); nil means that pod. When set,
    /// `namespace` and `podName` carry its namespace (`default` for cluster-scoped objects) and name.
    public var regarding: EventsV1Event.Reference? = nil
    /// A second object the event relates to (`related`), if any.
    public var related: EventsV1Event.Reference? = nil

    public init(
        namespace: String,
        podName: String,
        type: String,
        reason: String,
        action: String,
        note: String,
        reportingController: String
    ) {
        self.namespace = namespace
        self.podName = podName
        self.type = type
        self.reason = reason
        self.action = action
        self.note = note
        self.reportingController = reportingController
    }
}

/// A failed call to the cluster, with a code a caller can act on.
public struct ClusterError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public static let notFound = Code("NotFound")
        public static let conflict = Code("Conflict")
        /// `410 Gone`: the watch's resource version is too old; relist.
        public static let gone = Code("Gone")
        public static let invalid = Code("Invalid")
        public static let unavailable = Code("Unavailable")
        public static let other = Code("Other")
        public var description: String { raw }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
