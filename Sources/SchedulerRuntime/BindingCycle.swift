import KubeAPI
import SchedulerConfig
import SchedulerFramework
import Synchronization

extension Scheduler {
    func bindingCycle(
        _ queued: QueuedPodInfo,
        assumed: PodInfo,
        host: String,
        framework: ProfileFramework,
        state: CycleState,
        waiter: WaitingPods.Waiter?,
        podSchedulingCycle: Int,
        cycleStart: ContinuousClock.Instant
    ) async {
        if let waiter {
            let status = await waiter.result()
            waitingPods.remove(uid: assumed.uid)
            if !status.isSuccess {
                framework.runUnreserve(state: state, pod: assumed, nodeName: host)
                cache.forgetPod(assumed)
                queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete)
                failAfterPlacement(queued, framework: framework, status: status, podSchedulingCycle: podSchedulingCycle)
                return
            }
        }
        queue.done(uid: assumed.uid)
        let preBindStart = ContinuousClock.now
        var status = await framework.runPreBind(state: state, pod: assumed, nodeName: host)
        instrumentation.extensionPointFinished(
            .preBind,
            profile: framework.schedulerName,
            status: status.code,
            duration: ContinuousClock.now - preBindStart
        )
        if status.isSuccess {
            let bindStart = ContinuousClock.now
            // A binder extender interested in the pod binds it instead of the Bind plugins.
            if let bound = await bindThroughExtender(pod: assumed.pod, nodeName: host) {
                status = bound
            } else {
                status = await framework.runBind(state: state, pod: assumed, nodeName: host)
            }
            instrumentation.extensionPointFinished(
                .bind,
                profile: framework.schedulerName,
                status: status.code,
                duration: ContinuousClock.now - bindStart
            )
        }
        guard status.isSuccess else {
            framework.runUnreserve(state: state, pod: assumed, nodeName: host)
            cache.forgetPod(assumed)
            queue.moveAllToActiveOrBackoffQueue(.assignedPodDelete)
            // Failures after Done are never "unschedulable": they go to backoff as errors.
            var failed = status
            if failed.isRejected { failed = .error(failed.message, plugin: failed.plugin) }
            handleFailure(
                queued,
                framework: framework,
                status: failed,
                message: failed.message,
                diagnosis: Diagnosis(),
                nominating: .override(nodeName: ""),
                podSchedulingCycle: podSchedulingCycle
            )
            instrumentation.attemptFinished(
                profile: framework.schedulerName,
                result: .error,
                duration: ContinuousClock.now - cycleStart
            )
            return
        }
        instrumentation.attemptFinished(
            profile: framework.schedulerName,
            result: .scheduled,
            duration: ContinuousClock.now - cycleStart
        )
        instrumentation.podBound(
            profile: framework.schedulerName,
            attempts: queued.attempts,
            sinceFirstAttempt: clock.now() - (queued.initialAttemptTimestamp ?? clock.now())
        )
        await client.recordEvent(
            SchedulingEvent(
                namespace: assumed.namespace,
                podName: assumed.name,
                type: "Normal",
                reason: "Scheduled",
                action: "Binding",
                note: "Successfully assigned \(assumed.namespace)/\(assumed.name) to \(host)",
                reportingController: framework.schedulerName
            )
        )
        observer?.podScheduled(queued.podInfo.pod, nodeName: host)
        let postBindStart = ContinuousClock.now
        await framework.runPostBind(state: state, pod: assumed, nodeName: host)
        instrumentation.extensionPointFinished(
            .postBind,
            profile: framework.schedulerName,
            status: .success,
            duration: ContinuousClock.now - postBindStart
        )
    }

    /// Reserve/Permit rejections become a fit error with one node; errors stay errors.
    func failAfterPlacement(
        _ queued: QueuedPodInfo,
        framework: ProfileFramework,
        status: Status,
        podSchedulingCycle: Int
    ) {
        var diagnosis = Diagnosis()
        var message = status.message
        if status.isRejected {
            if let plugin = status.plugin { diagnosis.unschedulablePlugins.insert(plugin) }
            diagnosis.nodeToStatus.absentStatus = status
            message = FitError(podKey: queued.podInfo.key, numAllNodes: 1, diagnosis: diagnosis).message
        }
        handleFailure(
            queued,
            framework: framework,
            status: status,
            message: message,
            diagnosis: diagnosis,
            nominating: .override(nodeName: ""),
            podSchedulingCycle: podSchedulingCycle
        )
    }

    /// `handleSchedulingFailure`: requeue (unless the pod is gone or bound), nominate, report.
    func handleFailure(
        _ queued: QueuedPodInfo,
        framework: ProfileFramework,
        status: Status,
        message: String,
        diagnosis: Diagnosis,
        nominating: NominatingMode?,
        podSchedulingCycle: Int
    ) {
        let pod = queued.podInfo.pod
        var info = queued
        info.unschedulablePlugins = status.isRejected ? diagnosis.unschedulablePlugins : []
        info.pendingPlugins = status.isRejected ? diagnosis.pendingPlugins : []
        if status.isRejected, info.unschedulablePlugins.isEmpty && info.pendingPlugins.isEmpty,
            let plugin = status.plugin
        {
            info.unschedulablePlugins.insert(plugin)
        }
        let latest = podStore.withLock { $0[queued.podInfo.uid] }
        if let latest, latest.nodeName.isEmpty {
            info.podInfo = PodInfo(latest)
            queue.addUnschedulableIfNotPresent(info, podSchedulingCycle: podSchedulingCycle)
        } else {
            queue.done(uid: queued.podInfo.uid)
        }
        var nominatedUpdate = PodStatusPatch.NominatedNode.unchanged
        switch nominating {
        case .override(let node)?:
            if node.isEmpty {
                queue.deleteNominatedPodIfExists(uid: queued.podInfo.uid)
                if !(pod.status?.nominatedNodeName ?? "").isEmpty { nominatedUpdate = .clear }
            } else {
                queue.addNominatedPod(info.podInfo, nodeName: node)
                if pod.status?.nominatedNodeName != node { nominatedUpdate = .set(node) }
            }
        case .noop?, nil:
            break
        }
        let reason = status.isRejected ? "Unschedulable" : "SchedulerError"
        observer?.podFailed(pod, status: status, message: message)
        guard latest != nil else { return }
        let condition = PodCondition(type: "PodScheduled", status: "False", reason: reason, message: message)
        let note = message.count > 1024 ? String(message.prefix(1020)) + " ..." : message
        let client = self.client
        let patch = PodStatusPatch(condition: condition, nominatedNodeName: nominatedUpdate)
        let event = SchedulingEvent(
            namespace: pod.namespace,
            podName: pod.name,
            type: "Warning",
            reason: "FailedScheduling",
            action: "Scheduling",
            note: note,
            reportingController: framework.schedulerName
        )
        track {
            await client.recordEvent(event)
            try? await client.patchPodStatus(namespace: pod.namespace, name: pod.name, patch: patch)
        }
    }
}
