import KubeAPI
import SchedulerFramework
import Synchronization

extension Scheduler {
    /// Whether a profile uses Coscheduling, the one plugin that reads scheduler-plugins' PodGroups (a CRD the
    /// cluster may lack, so the informers list it only then).
    package var readsPodGroups: Bool {
        profiles.values.contains { $0.plugins[PluginName.coscheduling] != nil }
    }

    /// The pods of `namespace` whose label `key` is `value`: from the group index for the PodGroup label, else a
    /// scan of every pod.
    func pods(namespace: String, label key: String, value: String) -> [Pod] {
        if key == PodGroup.label {
            let uids = podGroupMembers.members(namespace: namespace, group: value)
            return podStore.withLock { store in uids.compactMap { store[$0] } }
        }
        return podStore.withLock { store in
            store.values.filter { $0.namespace == namespace && $0.metadata.labels?[key] == value }
        }
    }
}

/// The uids of the pods carrying each `scheduling.x-k8s.io/pod-group` label value, per namespace, kept with the
/// scheduler's pod store so Coscheduling finds a group's pods without scanning every pod.
final class PodGroupMembers: Sendable {
    private let index = Mutex<[String: Set<String>]>([:])

    private static func key(_ pod: Pod) -> String? {
        guard let group = pod.metadata.labels?[PodGroup.label], !group.isEmpty else { return nil }
        return "\(pod.namespace)/\(group)"
    }

    /// Records that `old` became `new` (nil: absent).
    func update(old: Pod?, new: Pod?) {
        let oldKey = old.flatMap(Self.key)
        let newKey = new.flatMap(Self.key)
        guard oldKey != nil || newKey != nil else { return }
        index.withLock { index in
            if let oldKey, let old, oldKey != newKey || new == nil {
                index[oldKey]?.remove(old.uid)
                if index[oldKey]?.isEmpty == true { index[oldKey] = nil }
            }
            if let newKey, let new { index[newKey, default: []].insert(new.uid) }
        }
    }

    func members(namespace: String, group: String) -> [String] {
        index.withLock { Array($0["\(namespace)/\(group)"] ?? []) }
    }
}
