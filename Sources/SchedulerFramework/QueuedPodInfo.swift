/// A pod in the scheduling queue, with the bookkeeping that orders and requeues it.
public struct QueuedPodInfo: Sendable {
    public var podInfo: PodInfo
    /// When the pod entered the queue, reset after every failed attempt (orders equal priorities).
    public var timestamp: Duration
    /// Scheduling attempts so far (incremented on every pop).
    public var attempts: Int = 0
    /// Failed attempts that were rejections (not errors).
    public var unschedulableCount: Int = 0
    /// Consecutive attempts that ended in an error.
    public var consecutiveErrorsCount: Int = 0
    /// When the pod first entered the active queue (for the SLI metric).
    public var initialAttemptTimestamp: Duration?
    /// Plugins that rejected the pod in its last attempt; only their events requeue it.
    public var unschedulablePlugins: Set<String> = []
    /// Plugins that returned Pending in the last attempt.
    public var pendingPlugins: Set<String> = []
    /// The PreEnqueue plugin that keeps the pod out of the active queue, if any.
    public var gatingPlugin: String?

    public init(podInfo: PodInfo, timestamp: Duration) {
        self.podInfo = podInfo
        self.timestamp = timestamp
    }

    public var pod: PodInfo { podInfo }
}
