import KubeAPI
import SchedulerFramework

/// Gang scheduling as kubernetes-sigs/scheduler-plugins' `Coscheduling` does it: pods labelled
/// `scheduling.x-k8s.io/pod-group: <name>` belong to the PodGroup `<name>` of their namespace, and none of them
/// is bound until `minMember` of them are assumed.
///
/// - QueueSort: priority, then the group's creation time (or its last failure), then `namespace/name`, so a
///   group's pods leave the queue together.
/// - PreFilter: rejects (unresolvably, so nothing is preempted for it) a pod whose group failed recently, has
///   fewer than `minMember` pods, has gated pods it cannot spare, or whose `minResources` the cluster lacks.
/// - Permit: holds assumed members until `minMember` are assumed, then allows them all; the wait ends after the
///   group's `scheduleTimeoutSeconds` or `permitWaitingTimeSeconds`.
/// - PostFilter: when a member cannot be placed, rejects the waiting ones (so their reservations are released)
///   and backs the group off for `podGroupBackoffSeconds`.
/// - Unreserve: rejects the waiting siblings of a member that was rejected or timed out.
package final class Coscheduling: QueueSortPlugin, PreFilterPlugin, PostFilterPlugin, PermitPlugin, ReservePlugin,
    EnqueueExtensions
{
    /// The registry and configuration name.
    package static let name = PluginName.coscheduling
    package var name: String { Self.name }

    private let handle: any FrameworkHandle
    package let args: CoschedulingArgs
    private let book = PodGroupBook()
    /// `permitWaitingTimeSeconds`, the default Permit wait.
    private let scheduleTimeout: Duration
    private let rejectThreshold: Double

    package init(args: CoschedulingArgs, handle: any FrameworkHandle) throws {
        try args.validate()
        self.args = args
        self.handle = handle
        self.scheduleTimeout = .seconds(args.permitWaitingTimeSeconds)
        self.rejectThreshold = Double(args.podGroupRejectPercentage) / 100
    }

    /// The pod's group name and `namespace/name`, when it has the label.
    static func group(of pod: Pod) -> (name: String, fullName: String)? {
        guard let name = pod.metadata.labels?[PodGroup.label], !name.isEmpty else { return nil }
        return (name, "\(pod.namespace)/\(name)")
    }

    private func podGroup(of pod: Pod) -> (name: String, fullName: String, group: PodGroup?)? {
        guard let (name, fullName) = Self.group(of: pod) else { return nil }
        return (name, fullName, handle.objects.podGroup(namespace: pod.namespace, name: name))
    }

    private func members(namespace: String, group: String) -> [Pod] {
        handle.services?.pods(namespace: namespace, label: PodGroup.label, value: group) ?? []
    }

    /// Rejects every pod of the group waiting at Permit.
    private func rejectWaiting(namespace: String, group: String, message: String) {
        guard let services = handle.services else { return }
        for waiting in services.waitingPods()
        where waiting.namespace == namespace && waiting.pod.metadata.labels?[PodGroup.label] == group {
            _ = services.rejectWaitingPod(uid: waiting.uid, plugin: name, message: message)
        }
    }

    // MARK: QueueSort

    /// The time that orders a pod among equal priorities: its group's last failure or creation, or for a pod
    /// outside any group its own creation.
    private func orderTime(_ pod: Pod) -> Double {
        if let (name, fullName) = Self.group(of: pod) {
            if let failed = book.lastFailure(of: fullName) { return failed }
            let group = handle.objects.podGroup(namespace: pod.namespace, name: name)
            return book.creationTime(key: "group:" + fullName, timestamp: group?.metadata.creationTimestamp)
        }
        return book.creationTime(key: "pod:" + pod.uid, timestamp: pod.metadata.creationTimestamp)
    }

    package func less(_ lhs: QueuedPodInfo, _ rhs: QueuedPodInfo) -> Bool {
        let left = lhs.podInfo.priority
        let right = rhs.podInfo.priority
        if left != right { return left > right }
        let leftTime = orderTime(lhs.podInfo.pod)
        let rightTime = orderTime(rhs.podInfo.pod)
        if leftTime == rightTime { return lhs.podInfo.key < rhs.podInfo.key }
        return leftTime < rightTime
    }

    // MARK: PreFilter

    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        guard let (name, fullName, group) = podGroup(of: pod.pod), let group else { return (nil, .success) }
        // Unresolvable, so that no pod is preempted for a group that cannot run.
        func reject(_ message: String) -> (PreFilterResult?, Status) {
            (nil, Status(.unschedulableAndUnresolvable, message))
        }
        if book.isBackedOff(fullName) { return reject("podGroup \(fullName) failed recently") }
        let members = members(namespace: pod.namespace, group: name)
        var quorumGap = Int(group.spec.minMember) - members.count
        if quorumGap > 0 {
            return reject(
                "pre-filter pod \(pod.name) cannot find enough sibling pods, current pods number: \(members.count), "
                    + "minMember of group: \(group.spec.minMember)"
            )
        }
        // Gated pods count against the surplus of pods over minMember.
        for member in members {
            if !(member.spec.schedulingGates ?? []).isEmpty { quorumGap += 1 }
            if quorumGap > 0 {
                return reject("pre-filter pod \(pod.name) cannot proceed due to gated pods in the same PodGroup")
            }
        }
        guard let minResources = group.spec.minResources else { return (nil, .success) }
        if book.isPermitted(fullName) { return (nil, .success) }
        if let gap = Self.resourceGap(
            snapshot: snapshot,
            request: minResources,
            minMember: group.spec.minMember,
            group: fullName
        ) {
            return reject("resource gap: \(gap)")
        }
        book.permit(fullName, for: scheduleTimeout)
        return (nil, .success)
    }

    /// What the cluster's free capacity lacks for `request` plus `minMember` pod slots, counting the group's own
    /// pods as free (scheduler-plugins' `CheckClusterResource`); nil when everything fits.
    package static func resourceGap(
        snapshot: Snapshot,
        request: ResourceList,
        minMember: Int32,
        group: String
    ) -> String? {
        var wanted = Resource(request)
        wanted.allowedPodNumber = Int64(minMember)
        var missing = Set(request.keys.filter { wanted.amount(of: $0) > 0 })
        if wanted.allowedPodNumber > 0 { missing.insert(ResourceName.pods) }
        if missing.isEmpty { return nil }
        for node in snapshot.nodes {
            var free = node.allocatable
            free.subtract(node.requested)
            var podsUsed = Int64(node.podCount)
            for member in node.pods where Self.group(of: member.pod).map(\.fullName) == group {
                free.add(member.request)
                podsUsed -= 1
            }
            free.allowedPodNumber = node.allocatable.allowedPodNumber - podsUsed
            for name in missing {
                let left = Self.subtract(free.amount(of: name), from: wanted.amount(of: name))
                Self.set(&wanted, name, left)
                if left <= 0 { missing.remove(name) }
            }
            if missing.isEmpty { return nil }
        }
        let parts = missing.sorted().map { "\($0):\(Self.format(wanted.amount(of: $0), of: $0))" }
        return "map[\(parts.joined(separator: " "))]"
    }

    private static func subtract(_ free: Int64, from wanted: Int64) -> Int64 { wanted - max(free, 0) }

    private static func set(_ resource: inout Resource, _ name: String, _ value: Int64) {
        switch name {
        case ResourceName.cpu: resource.milliCPU = value
        case ResourceName.memory: resource.memory = value
        case ResourceName.ephemeralStorage: resource.ephemeralStorage = value
        case ResourceName.pods: resource.allowedPodNumber = value
        default: resource.scalarResources[name] = value
        }
    }

    private static func format(_ value: Int64, of name: String) -> String {
        guard name == ResourceName.cpu else { return "\(value)" }
        return value % 1000 == 0 ? "\(value / 1000)" : "\(value)m"
    }

    // MARK: PostFilter

    package func postFilter(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> (PostFilterResult?, Status) {
        let noop = PostFilterResult(nominatingMode: .noop)
        guard let (name, fullName, group) = podGroup(of: pod.pod), let group else {
            return (noop, Status(.unschedulable, "can not find pod group"))
        }
        let members = members(namespace: pod.namespace, group: name)
        // Enough members are placed already: the group stands without this pod.
        let assigned = book.assignedCount(group: fullName, members: members)
        let minMember = Int(group.spec.minMember)
        if assigned >= minMember { return (noop, Status(.unschedulable)) }
        // A small gap: later members may still complete the group.
        let notAssigned = Double(minMember - assigned) / Double(max(minMember, 1))
        if notAssigned <= rejectThreshold { return (noop, Status(.unschedulable)) }
        // If this member cannot be placed, its siblings most likely cannot either: release the waiting ones.
        rejectWaiting(namespace: pod.namespace, group: name, message: "optimistic rejection in PostFilter")
        if args.podGroupBackoffSeconds > 0, members.count >= minMember {
            book.backOff(fullName, for: .seconds(args.podGroupBackoffSeconds))
        }
        book.deletePermitted(fullName)
        book.markFailure(fullName)
        return (
            noop,
            Status(
                .unschedulable,
                "PodGroup \(fullName) gets rejected due to Pod \(pod.name) is unschedulable even after PostFilter"
            )
        )
    }

    // MARK: Permit

    package func permit(state: CycleState, pod: PodInfo, nodeName: String) -> (Status, timeout: Duration) {
        guard let (name, fullName, group) = podGroup(of: pod.pod) else { return (.success, .zero) }
        guard let group else { return (Status(.unschedulable, "PodGroup not found"), .zero) }
        let members = members(namespace: pod.namespace, group: name)
        let assigned = book.assume(pod.name, group: fullName, members: members)
        if assigned >= Int(group.spec.minMember) {
            book.clearFailure(fullName)
            if let services = handle.services {
                for waiting in services.waitingPods()
                where waiting.namespace == pod.namespace && waiting.pod.metadata.labels?[PodGroup.label] == name {
                    _ = services.allowWaitingPod(uid: waiting.uid, plugin: self.name)
                }
            }
            return (.success, .zero)
        }
        if assigned == 1, let services = handle.services {
            // The first member in: bring its siblings forward so the group is tried together.
            for member in members where member.uid != pod.uid && member.nodeName.isEmpty {
                services.activate(member)
            }
        }
        return (Status(.wait), waitTime(group))
    }

    /// The group's `scheduleTimeoutSeconds`, else `permitWaitingTimeSeconds`, else 60 s (`GetWaitTimeDuration`).
    private func waitTime(_ group: PodGroup) -> Duration {
        if let seconds = group.spec.scheduleTimeoutSeconds, seconds != 0 { return .seconds(seconds) }
        return scheduleTimeout != .zero ? scheduleTimeout : .seconds(60)
    }

    // MARK: Reserve

    package func reserve(state: CycleState, pod: PodInfo, nodeName: String) -> Status { .success }

    /// Forgets the member and rejects its waiting siblings; safe to call more than once and without Reserve.
    package func unreserve(state: CycleState, pod: PodInfo, nodeName: String) {
        guard let (name, fullName, group) = podGroup(of: pod.pod), group != nil else { return }
        book.unassume(pod.name, group: fullName)
        rejectWaiting(namespace: pod.namespace, group: name, message: "rejection in Unreserve")
        book.deletePermitted(fullName)
        book.markFailure(fullName)
    }

    // MARK: Events

    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(ClusterEvent(resource: .pod, action: .add)),
            ClusterEventWithHint(ClusterEvent(resource: .podGroup, action: [.add, .update])),
        ]
    }
}
