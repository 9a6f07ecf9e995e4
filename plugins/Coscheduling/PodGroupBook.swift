import Foundation
import KubeAPI
import SchedulerFramework
import Synchronization

/// What Coscheduling remembers between cycles (scheduler-plugins' `PodGroupManager`): which members passed
/// Permit, which groups passed the resource check or failed recently, and the times that order the queue.
///
/// Every method takes the lock briefly and calls nothing outside it: QueueSort runs under the queue's lock, so
/// this lock must never be held while calling into the scheduler.
final class PodGroupBook: Sendable {
    private struct State {
        /// Members (pod names) assumed through Permit and not unreserved, per `namespace/group`.
        var assumed: [String: Set<String>] = [:]
        /// Groups whose `minResources` fit recently, until the instant given.
        var permitted: [String: ContinuousClock.Instant] = [:]
        /// Groups kept out after a failure, until the instant given.
        var backedOff: [String: ContinuousClock.Instant] = [:]
        /// When each group last failed (seconds since the epoch): it then sorts behind groups created meanwhile.
        var lastFailed: [String: Double] = [:]
        /// Stand-in creation times for groups and pods whose objects carry none (manifests given to `simulate`).
        var firstSeen: [String: Double] = [:]
        var lastIssued: Double = 0
    }
    private let state = Mutex(State())

    static func wallClock() -> Double { Date().timeIntervalSince1970 }

    /// The creation time of a group or pod with key `key`: `timestamp` when the object has one, else the time
    /// the plugin first saw the key (strictly increasing, so two keys never tie).
    func creationTime(key: String, timestamp: String?) -> Double {
        if let timestamp, let seconds = RFC3339.secondsSinceEpoch(timestamp) { return seconds }
        return state.withLock { state in
            if let seen = state.firstSeen[key] { return seen }
            let now = max(Self.wallClock(), state.lastIssued + 0.000_001)
            state.lastIssued = now
            state.firstSeen[key] = now
            return now
        }
    }

    func lastFailure(of group: String) -> Double? { state.withLock { $0.lastFailed[group] } }

    func markFailure(_ group: String) {
        state.withLock { state in
            let now = max(Self.wallClock(), state.lastIssued + 0.000_001)
            state.lastIssued = now
            state.lastFailed[group] = now
        }
    }

    func clearFailure(_ group: String) { state.withLock { _ = $0.lastFailed.removeValue(forKey: group) } }

    func isBackedOff(_ group: String) -> Bool {
        state.withLock { state in
            guard let until = state.backedOff[group] else { return false }
            if until > .now { return true }
            state.backedOff[group] = nil
            return false
        }
    }

    func backOff(_ group: String, for duration: Duration) {
        guard duration > .zero else { return }
        state.withLock { $0.backedOff[group] = .now + duration }
    }

    func isPermitted(_ group: String) -> Bool {
        state.withLock { state in
            guard let until = state.permitted[group] else { return false }
            if until > .now { return true }
            state.permitted[group] = nil
            return false
        }
    }

    func permit(_ group: String, for duration: Duration) { state.withLock { $0.permitted[group] = .now + duration } }

    func deletePermitted(_ group: String) { state.withLock { _ = $0.permitted.removeValue(forKey: group) } }

    /// Records `pod` as assumed and returns how many of `members` are assigned: bound, or assumed and not
    /// unreserved. Assumed names no longer among `members` (deleted pods) are forgotten, as scheduler-plugins
    /// forgets them when the pod is deleted.
    func assume(_ pod: String, group: String, members: [Pod]) -> Int {
        state.withLock { state in
            var names = state.assumed[group] ?? []
            names.insert(pod)
            let memberNames = Set(members.map(\.metadata.name))
            names.formIntersection(memberNames.union([pod]))
            state.assumed[group] = names
            return Self.assigned(names, members: members)
        }
    }

    /// How many of `members` are bound or assumed.
    func assignedCount(group: String, members: [Pod]) -> Int {
        state.withLock { Self.assigned($0.assumed[group] ?? [], members: members) }
    }

    func unassume(_ pod: String, group: String) {
        state.withLock { state in
            state.assumed[group]?.remove(pod)
            if state.assumed[group]?.isEmpty == true { state.assumed[group] = nil }
        }
    }

    private static func assigned(_ names: Set<String>, members: [Pod]) -> Int {
        var count = 0
        var counted = 0
        for member in members where !member.nodeName.isEmpty || names.contains(member.metadata.name) {
            count += 1
            if names.contains(member.metadata.name) { counted += 1 }
        }
        // The pod in Permit may not be among `members` yet; it counts all the same.
        return count + (names.count - counted)
    }
}
