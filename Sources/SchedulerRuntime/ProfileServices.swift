import KubeAPI
import SchedulerFramework
import Synchronization

/// ``FrameworkServices`` for one profile: its extension points plus the scheduler's queue, pod store and
/// waiting pods. Holds the scheduler weakly: the scheduler owns the profile, not the other way round.
final class ProfileServices: FrameworkServices, @unchecked Sendable {
    // `scheduler` is assigned once at construction and never mutated; the weak reference itself is
    // read-only thereafter.
    private weak var scheduler: Scheduler?
    private let framework: ProfileFramework

    init(framework: ProfileFramework, scheduler: Scheduler) {
        self.framework = framework
        self.scheduler = scheduler
    }

    func runPreFilterExtensionAddPod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToAdd: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        framework.runPreFilterExtensionAddPod(
            state: state,
            podToSchedule: podToSchedule,
            podToAdd: podToAdd,
            nodeInfo: nodeInfo
        )
    }

    func runPreFilterExtensionRemovePod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToRemove: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        framework.runPreFilterExtensionRemovePod(
            state: state,
            podToSchedule: podToSchedule,
            podToRemove: podToRemove,
            nodeInfo: nodeInfo
        )
    }

    func runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo) -> Status {
        let nominated =
            state.read(Scheduler.nominationsKey).map { $0.byNode[nodeInfo.name] ?? [] }
            ?? nominatedPods(forNode: nodeInfo.name)
        return framework.runFilterWithNominatedPods(state: state, pod: pod, node: nodeInfo, nominated: nominated)
    }

    func nominatedPods(forNode nodeName: String) -> [PodInfo] {
        scheduler?.queue.nominatedPods(forNode: nodeName) ?? []
    }

    func latestPod(uid: String) -> Pod? {
        scheduler?.podStore.withLock { $0[uid] }
    }

    func rejectWaitingPod(uid: String, plugin: String, message: String) -> Bool {
        guard let waiter = scheduler?.waitingPods.waiter(uid: uid) else { return false }
        waiter.reject(plugin: plugin, message: message)
        return true
    }

    func waitingPods() -> [PodInfo] {
        scheduler?.waitingPods.all() ?? []
    }

    func allowWaitingPod(uid: String, plugin: String) -> Bool {
        guard let waiter = scheduler?.waitingPods.waiter(uid: uid) else { return false }
        waiter.allow(plugin: plugin)
        return true
    }

    func pods(namespace: String, label key: String, value: String) -> [Pod] {
        scheduler?.pods(namespace: namespace, label: key, value: value) ?? []
    }

    func activate(_ pod: Pod) {
        scheduler?.queue.activate(pod)
    }

    func runAsync(_ work: @escaping @Sendable () async -> Void) {
        if let scheduler {
            scheduler.track(work)
        } else {
            Task { await work() }
        }
    }

    func preemptionAttempted(victims: Int) {
        scheduler?.instrumentation.preemptionAttempted(profile: framework.schedulerName, victims: victims)
    }

    var extenders: [any Extender] { scheduler?.extenders ?? [] }

    func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod) {
        scheduler?.observer?.podPreempted(victim, nodeName: nodeName, preemptor: preemptor)
    }
}
