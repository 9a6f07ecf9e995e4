import SchedulerFramework
import SchedulerRuntime

/// Upstream kube-scheduler's metrics (`pkg/scheduler/metrics`), fed by the runtime's
/// ``SchedulerRuntime/SchedulerInstrumentation`` hooks and by gauges sampled at scrape time.
package final class SchedulerMetrics: SchedulerInstrumentation, Sendable {
    package let registry: MetricsRegistry

    package let scheduleAttempts: Counter
    package let schedulingAttemptDuration: Histogram
    package let podSchedulingSLIDuration: Histogram
    package let podSchedulingAttempts: Histogram
    package let pendingPods: Gauge
    package let extensionPointDuration: Histogram
    package let pluginExecutionDuration: Histogram
    package let preemptionAttempts: Counter
    package let preemptionVictims: Histogram
    package let cacheSize: Gauge
    package let leaderElectionMasterStatus: Gauge

    package init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        let exp = MetricsRegistry.exponentialBuckets
        scheduleAttempts = registry.counter(
            "scheduler_schedule_attempts_total",
            help:
                "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
            stability: .stable,
            labels: ["result", "profile"]
        )
        schedulingAttemptDuration = registry.histogram(
            "scheduler_scheduling_attempt_duration_seconds",
            help: "Scheduling attempt latency in seconds (scheduling algorithm + binding)",
            stability: .stable,
            labels: ["result", "profile"],
            buckets: exp(0.001, 2, 15)
        )
        podSchedulingSLIDuration = registry.histogram(
            "scheduler_pod_scheduling_sli_duration_seconds",
            help:
                "E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.",
            stability: .beta,
            labels: ["attempts"],
            buckets: exp(0.01, 2, 20)
        )
        podSchedulingAttempts = registry.histogram(
            "scheduler_pod_scheduling_attempts",
            help: "Number of attempts to successfully schedule a pod.",
            stability: .stable,
            buckets: exp(1, 2, 5)
        )
        pendingPods = registry.gauge(
            "scheduler_pending_pods",
            help:
                "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
            stability: .stable,
            labels: ["queue"]
        )
        extensionPointDuration = registry.histogram(
            "scheduler_framework_extension_point_duration_seconds",
            help: "Latency for running all plugins of a specific extension point.",
            stability: .stable,
            labels: ["extension_point", "status", "profile"],
            buckets: exp(0.0001, 2, 12)
        )
        pluginExecutionDuration = registry.histogram(
            "scheduler_plugin_execution_duration_seconds",
            help: "Duration for running a plugin at a specific extension point.",
            stability: .alpha,
            labels: ["plugin", "extension_point", "status"],
            buckets: exp(0.00001, 1.5, 20)
        )
        preemptionAttempts = registry.counter(
            "scheduler_preemption_attempts_total",
            help: "Total preemption attempts in the cluster till now",
            stability: .stable
        )
        preemptionVictims = registry.histogram(
            "scheduler_preemption_victims",
            help: "Number of selected preemption victims",
            stability: .stable,
            buckets: exp(1, 2, 7)
        )
        cacheSize = registry.gauge(
            "scheduler_scheduler_cache_size",
            help: "Number of nodes, pods, and assumed (bound) pods in the scheduler cache.",
            stability: .alpha,
            labels: ["type"]
        )
        leaderElectionMasterStatus = registry.gauge(
            "leader_election_master_status",
            help:
                "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
            stability: .alpha,
            labels: ["name"]
        )
    }

    /// Samples the queue and cache of `scheduler` at every scrape.
    package func observe(_ scheduler: Scheduler) {
        registry.onCollect { [pendingPods, cacheSize] in
            let counts = scheduler.queue.pendingCounts()
            pendingPods.set(["active"], Double(counts.active))
            pendingPods.set(["backoff"], Double(counts.backoff))
            pendingPods.set(["unschedulable"], Double(counts.unschedulable))
            pendingPods.set(["gated"], Double(counts.gated))
            cacheSize.set(["nodes"], Double(scheduler.cache.nodeCount))
            cacheSize.set(["pods"], Double(scheduler.cache.podCount))
            cacheSize.set(["assumed_pods"], Double(scheduler.cache.assumedPodCount))
        }
    }

    // MARK: SchedulerInstrumentation

    package func attemptFinished(profile: String, result: AttemptResult, duration: Duration) {
        scheduleAttempts.increment([result.rawValue, profile])
        schedulingAttemptDuration.observe([result.rawValue, profile], Self.seconds(duration))
    }

    package func extensionPointFinished(
        _ point: ExtensionPoint,
        profile: String,
        status: Status.Code,
        duration: Duration
    ) {
        extensionPointDuration.observe([point.displayName, status.description, profile], Self.seconds(duration))
    }

    package func podBound(profile: String, attempts: Int, sinceFirstAttempt: Duration) {
        let label = attempts >= 15 ? "15+" : String(max(attempts, 1))
        podSchedulingSLIDuration.observe([label], Self.seconds(sinceFirstAttempt))
        podSchedulingAttempts.observe([], Double(attempts))
    }

    package func preemptionAttempted(profile: String, victims: Int) {
        preemptionAttempts.increment()
        preemptionVictims.observe([], Double(victims))
    }

    /// One plugin's run at one extension point (`scheduler_plugin_execution_duration_seconds`).
    package func pluginExecuted(plugin: String, extensionPoint: ExtensionPoint, status: Status.Code, duration: Duration)
    {
        pluginExecutionDuration.observe(
            [plugin, extensionPoint.displayName, status.description],
            Self.seconds(duration)
        )
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
}
