// Bodies the scheduler sends to the API server (and the `Status` it gets back), as Codable types.

/// `v1.Binding`: the body of `POST /api/v1/namespaces/NS/pods/NAME/binding`.
public struct Binding: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var target: Target

    /// The node a pod is bound to.
    public struct Target: Codable, Sendable, Hashable {
        public var kind: String
        public var name: String
        public var apiVersion: String?
        public init(kind: String = "Node", name: String, apiVersion: String? = nil) {
            self.kind = kind
            self.name = name
            self.apiVersion = apiVersion
        }
    }

    /// A binding of the pod `namespace/name` (with `uid` as a precondition when not empty) to `nodeName`.
    public init(namespace: String, name: String, uid: String, nodeName: String) {
        self.apiVersion = "v1"
        self.kind = "Binding"
        self.metadata = ObjectMeta(name: name, namespace: namespace, uid: uid.isEmpty ? nil : uid)
        self.target = Target(name: nodeName)
    }
}

/// `meta/v1` `Status`: what the API server returns for errors (and for some successes).
public struct APIStatus: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    /// `Success` or `Failure`.
    public var status: String?
    public var message: String?
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Expired`, `Gone`, `Invalid`, …
    public var reason: String?
    public var code: Int?
    public var details: Details?

    public struct Details: Codable, Sendable, Hashable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var retryAfterSeconds: Int?
    }

    public init(status: String, message: String, reason: String, code: Int) {
        self.apiVersion = "v1"
        self.kind = "Status"
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
    }
}

/// `meta/v1` `DeleteOptions`.
public struct DeleteOptions: Codable, Sendable, Hashable {
    public var apiVersion: String = "v1"
    public var kind: String = "DeleteOptions"
    public var preconditions: Preconditions?
    public var gracePeriodSeconds: Int64?

    /// Preconditions the object must meet to be deleted.
    public struct Preconditions: Codable, Sendable, Hashable {
        public var uid: String?
        public var resourceVersion: String?
        public init(uid: String? = nil, resourceVersion: String? = nil) {
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }

    public init(preconditions: Preconditions? = nil, gracePeriodSeconds: Int64? = nil) {
        self.preconditions = preconditions
        self.gracePeriodSeconds = gracePeriodSeconds
    }
}

/// `events.k8s.io/v1` `Event`.
public struct EventsV1Event: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// MicroTime (RFC 3339 with microseconds).
    public var eventTime: String
    public var series: Series?
    public var reportingController: String?
    public var reportingInstance: String?
    public var action: String?
    public var reason: String?
    public var regarding: Reference
    public var related: Reference?
    public var note: String?
    public var type: String?

    /// `EventSeries`: a repeated event.
    public struct Series: Codable, Sendable, Hashable {
        public var count: Int32
        /// MicroTime.
        public var lastObservedTime: String
        public init(count: Int32, lastObservedTime: String) {
            self.count = count
            self.lastObservedTime = lastObservedTime
        }
    }

    /// The object an event is about (`v1.ObjectReference`).
    public struct Reference: Codable, Sendable, Hashable {
        public var kind: String?
        public var namespace: String?
        public var name: String?
        public var uid: String?
        public var apiVersion: String?
        public var resourceVersion: String?
        public init(
            kind: String? = nil,
            namespace: String? = nil,
            name: String? = nil,
            uid: String? = nil,
            apiVersion: String? = nil
        ) {
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.uid = uid
            self.apiVersion = apiVersion
        }
    }

    public init(
        metadata: ObjectMeta,
        eventTime: String,
        reportingController: String,
        reportingInstance: String,
        action: String,
        reason: String,
        regarding: Reference,
        note: String,
        type: String
    ) {
        self.apiVersion = "events.k8s.io/v1"
        self.kind = "Event"
        self.metadata = metadata
        self.eventTime = eventTime
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
        self.action = action
        self.reason = reason
        self.regarding = regarding
        self.note = note
        self.type = type
    }
}
