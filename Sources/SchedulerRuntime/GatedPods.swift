import KubeAPI
import SchedulerFramework

/// The pods a PreEnqueue plugin keeps out of the active queue (upstream keeps them in `unschedulablePods`
/// with `Gated` set), grouped by profile and gating plugin.
///
/// A cluster event can only release a gated pod when the pod's gating plugin registered that event
/// (upstream's `GatingPluginEvents` check in `movePodsToActiveOrBackoffQueue`). Upstream tests that pod by pod;
/// grouping lets the queue skip every pod of a plugin that did not register the event at once, so an event
/// (one per binding, one per deletion) costs nothing per gated pod it cannot release, and the count is kept
/// as pods come and go instead of being filtered out of the unschedulable pods.
struct GatedPods {
    /// The profile (scheduler name) and the PreEnqueue plugin that gated the pod.
    struct Gate: Hashable {
        var schedulerName: String
        var plugin: String
    }

    /// Gate → pod key → entry.
    private(set) var groups: [Gate: [String: QueuedPodInfo]] = [:]
    /// Pod key → the gate it is filed under.
    private var gateOfKey: [String: Gate] = [:]

    /// How many pods are gated.
    var count: Int { gateOfKey.count }

    var isEmpty: Bool { gateOfKey.isEmpty }

    func contains(_ key: String) -> Bool { gateOfKey[key] != nil }

    subscript(key: String) -> QueuedPodInfo? {
        guard let gate = gateOfKey[key] else { return nil }
        return groups[gate]?[key]
    }

    /// Files `info` under its gating plugin (``QueuedPodInfo/gatingPlugin``, which the caller sets),
    /// replacing an entry with the same key wherever it was filed.
    mutating func insert(_ info: QueuedPodInfo) {
        let key = info.podInfo.key
        let gate = Gate(schedulerName: info.podInfo.pod.schedulerName, plugin: info.gatingPlugin ?? "PreEnqueue")
        if let previous = gateOfKey[key], previous != gate { remove(key) }
        gateOfKey[key] = gate
        groups[gate, default: [:]][key] = info
    }

    /// Removes and returns the entry for `key`, if gated.
    @discardableResult
    mutating func remove(_ key: String) -> QueuedPodInfo? {
        guard let gate = gateOfKey.removeValue(forKey: key) else { return nil }
        let info = groups[gate]?.removeValue(forKey: key)
        if groups[gate]?.isEmpty == true { groups[gate] = nil }
        return info
    }

    /// Every gated entry, in no particular order.
    var all: [QueuedPodInfo] { groups.values.flatMap(\.values) }
}
