import KubeAPI
import SchedulerFramework
import Synchronization

/// The conditions and nominated node of pending pods as last seen through list/watch, so that status patches
/// are computed as upstream's `util.PatchPodStatus` does: a condition whose status did not change keeps its
/// `lastTransitionTime`, and a patch that would change nothing is not sent.
final class PodConditionCache: Sendable {
    private struct Entry {
        var conditions: [String: PodCondition]
        var nominatedNodeName: String?
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Records a pod from a watch event. Only unassigned pods are kept (the scheduler patches only those, and
    /// preemption victims are patched without a diff).
    func observe(_ pod: Pod, deleted: Bool) {
        let key = pod.key
        entries.withLock { entries in
            if deleted || !pod.nodeName.isEmpty {
                entries[key] = nil
            } else {
                entries[key] = Self.entry(pod)
            }
        }
    }

    /// Records a list page; the first page of a list replaces everything known.
    func replaceAll(_ objects: [KubeObject], first: Bool) {
        entries.withLock { entries in
            if first { entries = [:] }
            for case .pod(let pod) in objects where pod.nodeName.isEmpty {
                entries[pod.key] = Self.entry(pod)
            }
        }
    }

    private static func entry(_ pod: Pod) -> Entry {
        var conditions: [String: PodCondition] = [:]
        for condition in pod.status?.conditions ?? [] { conditions[condition.type] = condition }
        return Entry(conditions: conditions, nominatedNodeName: pod.status?.nominatedNodeName)
    }

    /// The strategic-merge patch body for `patch` and the condition as it will be stored, or nil when the patch
    /// would change nothing.
    func makePatch(
        namespace: String,
        name: String,
        patch: PodStatusPatch,
        now: String
    ) -> (body: [UInt8], condition: PodCondition?)? {
        let known = entries.withLock { $0["\(namespace)/\(name)"] }
        var condition = patch.condition
        var conditionChanged = false
        if var new = condition {
            if let old = known?.conditions[new.type] {
                if old.status == new.status {
                    new.lastTransitionTime = old.lastTransitionTime ?? new.lastTransitionTime ?? now
                } else if new.lastTransitionTime == nil {
                    new.lastTransitionTime = now
                }
                conditionChanged =
                    !(old.status == new.status && old.reason == new.reason && old.message == new.message
                    && old.lastTransitionTime == new.lastTransitionTime
                    && old.observedGeneration == new.observedGeneration)
            } else {
                if new.lastTransitionTime == nil { new.lastTransitionTime = now }
                conditionChanged = true
            }
            condition = new
        }
        var nominated: StatusPatchBody.Nominated = .absent
        switch patch.nominatedNodeName {
        case .unchanged: break
        case .set(let node):
            if known?.nominatedNodeName != node { nominated = .set(node) }
        case .clear:
            if known == nil || !(known?.nominatedNodeName ?? "").isEmpty { nominated = .null }
        }
        guard conditionChanged || nominated != .absent else { return nil }
        let body = StatusPatchBody(
            status: .init(conditions: conditionChanged ? condition.map { [$0] } : nil, nominatedNodeName: nominated)
        )
        guard let bytes = try? KubernetesClient.encode(body) else { return nil }
        return (bytes, condition)
    }

    /// Records what a successful patch wrote, so an identical patch before the watch catches up is not resent.
    func applied(namespace: String, name: String, patch: PodStatusPatch, condition: PodCondition?) {
        entries.withLock { entries in
            let key = "\(namespace)/\(name)"
            guard var entry = entries[key] else { return }
            if let condition { entry.conditions[condition.type] = condition }
            switch patch.nominatedNodeName {
            case .unchanged: break
            case .set(let node): entry.nominatedNodeName = node
            case .clear: entry.nominatedNodeName = nil
            }
            entries[key] = entry
        }
    }
}

/// `{"status":{"conditions":[…],"nominatedNodeName":…}}`, with an explicit `null` to clear the node.
struct StatusPatchBody: Encodable {
    enum Nominated: Equatable {
        case absent, null
        case set(String)
    }
    struct Status: Encodable {
        var conditions: [PodCondition]?
        var nominatedNodeName: Nominated
        enum CodingKeys: String, CodingKey { case conditions, nominatedNodeName }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(conditions, forKey: .conditions)
            switch nominatedNodeName {
            case .absent: break
            case .null: try c.encodeNil(forKey: .nominatedNodeName)
            case .set(let node): try c.encode(node, forKey: .nominatedNodeName)
            }
        }
    }
    var status: Status
}
