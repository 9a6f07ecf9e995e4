import SchedulerFramework

/// Hooks through which the scheduler reports what upstream exports as metrics
/// (`scheduler_schedule_attempts_total`, `scheduler_framework_extension_point_duration_seconds`, …) and what
/// `bench` measures. Called per pod and per extension point, never per node.
package protocol SchedulerInstrumentation: Sendable {
    /// An attempt ended: `result` is `scheduled`, `unschedulable` or `error`; `duration` runs from the start
    /// of the scheduling cycle to the end of binding (or to the failure).
    func attemptFinished(profile: String, result: AttemptResult, duration: Duration)
    /// Time one extension point took for one pod (all nodes together for Filter and Score).
    func extensionPointFinished(_ point: ExtensionPoint, profile: String, status: Status.Code, duration: Duration)
    /// A pod was bound after `attempts` attempts, `sinceFirstAttempt` after it first entered the active queue.
    func podBound(profile: String, attempts: Int, sinceFirstAttempt: Duration)
    /// A PostFilter plugin nominated a node for the pod after evicting `victims` pods.
    func preemptionAttempted(profile: String, victims: Int)
    /// One plugin's run at one extension point, for the sampled cycles (one in ten, as upstream samples 10 %)
    /// (`scheduler_plugin_execution_duration_seconds`). Filter and Score are timed per plugin over each chunk
    /// of nodes rather than per node, to keep the per-node loop free of clock reads.
    func pluginExecuted(plugin: String, extensionPoint: ExtensionPoint, status: Status.Code, duration: Duration)
}

/// The `result` label of `scheduler_schedule_attempts_total`.
package enum AttemptResult: String, Sendable, CaseIterable {
    case scheduled, unschedulable, error
}

extension SchedulerInstrumentation {
    package func attemptFinished(profile: String, result: AttemptResult, duration: Duration) {}
    package func extensionPointFinished(
        _ point: ExtensionPoint,
        profile: String,
        status: Status.Code,
        duration: Duration
    ) {}
    package func podBound(profile: String, attempts: Int, sinceFirstAttempt: Duration) {}
    package func preemptionAttempted(profile: String, victims: Int) {}
    package func pluginExecuted(plugin: String, extensionPoint: ExtensionPoint, status: Status.Code, duration: Duration)
    {}
}

/// Reports nothing.
package struct NoInstrumentation: SchedulerInstrumentation {
    package init() {}
}
