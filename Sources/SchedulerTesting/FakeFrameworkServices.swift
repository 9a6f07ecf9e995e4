import KubeAPI
import SchedulerFramework
import Synchronization

/// ``FrameworkServices`` for plugin unit tests (give it to ``FakeHandle``): records the calls that reach it by
/// name, keeps background work so a test can await it, and answers from what it was given.
public final class FakeFrameworkServices: FrameworkServices, Sendable {
    /// Pods waiting at Permit: rejecting or allowing them succeeds.
    public let waitingPodUIDs: Set<String>
    /// The Filter outcome with nominated pods (preemption's dry runs); success by default.
    public let filter: @Sendable (PodInfo, NodeInfo) -> Status
    private let state = Mutex<(calls: [String], activated: [String], tasks: [Task<Void, Never>])>(([], [], []))

    public init(
        waitingPodUIDs: Set<String> = [],
        filter: @escaping @Sendable (PodInfo, NodeInfo) -> Status = { _, _ in .success }
    ) {
        self.waitingPodUIDs = waitingPodUIDs
        self.filter = filter
    }

    /// The methods called so far, in order (`latestPod`, `activate`, `runAsync`, …).
    public var calls: [String] { state.withLock { $0.calls } }
    /// The names of the pods activated so far.
    public var activated: [String] { state.withLock { $0.activated } }

    /// Waits for the background work started so far.
    public func finishAsyncWork() async {
        for task in state.withLock({ $0.tasks }) { await task.value }
    }

    private func note(_ call: String) { state.withLock { $0.calls.append(call) } }

    public func runPreFilterExtensionAddPod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToAdd: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        note("runPreFilterExtensionAddPod")
        return .success
    }

    public func runPreFilterExtensionRemovePod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToRemove: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        note("runPreFilterExtensionRemovePod")
        return .success
    }

    public func runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo) -> Status {
        note("runFilterPluginsWithNominatedPods")
        return filter(pod, nodeInfo)
    }

    public func nominatedPods(forNode nodeName: String) -> [PodInfo] { [] }

    public func latestPod(uid: String) -> Pod? {
        note("latestPod")
        return nil
    }

    public func rejectWaitingPod(uid: String, plugin: String, message: String) -> Bool {
        note("rejectWaitingPod")
        return waitingPodUIDs.contains(uid)
    }

    public func allowWaitingPod(uid: String, plugin: String) -> Bool {
        note("allowWaitingPod")
        return waitingPodUIDs.contains(uid)
    }

    public func activate(_ pod: Pod) {
        state.withLock {
            $0.calls.append("activate")
            $0.activated.append(pod.name)
        }
    }

    public func runAsync(_ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        state.withLock {
            $0.calls.append("runAsync")
            $0.tasks.append(task)
        }
    }

    public func podPreempted(_ victim: Pod, nodeName: String, preemptor: Pod) { note("podPreempted") }

    public func preemptionAttempted(victims: Int) { note("preemptionAttempted") }
}
