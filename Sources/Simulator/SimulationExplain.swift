import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// What `simulate --explain` asks for.
package struct ExplainRequest: Sendable, Equatable {
    /// `namespace/name` of the one pod to explain; nil explains every pending pod.
    package var pod: String?
    /// Work out verified suggestions for pods left unschedulable.
    package var suggestions = true

    package init(pod: String? = nil, suggestions: Bool = true) {
        self.pod = pod
        self.suggestions = suggestions
    }

    func wants(_ key: String) -> Bool { pod == nil || pod == key }
}

/// One PostFilter plugin's outcome in the scheduler's own cycle.
struct PostFilterRun: Sendable {
    var plugin: String
    var status: Status
    var nominatedNode: String?
}

/// Explanations of one pod: every scheduling attempt, oldest first.
package struct PodExplanations: Sendable, Equatable {
    package var namespace: String
    package var name: String
    package var attempts: [PodExplanation]
    package var last: PodExplanation? { attempts.last }

    package init(namespace: String, name: String, attempts: [PodExplanation]) {
        self.namespace = namespace
        self.name = name
        self.attempts = attempts
    }
}

/// Replays each explained pod's cycle just before the scheduler runs it (so both see the same snapshot, scan
/// start and tie-breaker), and keeps the inputs of each pod's last failed attempt for its suggestions (worked out
/// once, at the end: a pod placed after a preemption still shows what its failed attempt could have changed).
final class ExplainRecorder: Sendable {
    let request: ExplainRequest
    private let state = Mutex<
        (attempts: [String: [PodExplanation]], lastFailed: [String: (Int, PodInfo, ExplainInputs)])
    >(
        ([:], [:])
    )

    init(request: ExplainRequest) { self.request = request }

    func engine(for pod: PodInfo, scheduler: Scheduler) -> ExplainEngine? {
        scheduler.profiles[pod.pod.schedulerName].map {
            ExplainEngine(framework: $0, percentageOfNodesToScore: scheduler.configuration.percentageOfNodesToScore)
        }
    }

    /// Called before `scheduleOne` for every popped pod.
    func beforeAttempt(_ queued: QueuedPodInfo, scheduler: Scheduler) {
        let pod = queued.podInfo
        guard request.wants(pod.key), !pod.pod.isTerminating, !scheduler.cache.isAssumed(uid: pod.uid),
            let engine = engine(for: pod, scheduler: scheduler)
        else { return }
        let inputs = scheduler.explainInputs()
        let explanation = engine.run(pod: pod, inputs: inputs).explanation
        state.withLock {
            $0.attempts[pod.key, default: []].append(explanation)
            if explanation.outcome == .unschedulable {
                $0.lastFailed[pod.key] = (($0.attempts[pod.key]?.count ?? 1) - 1, pod, inputs)
            }
        }
    }

    /// Fills in the PostFilter plugins the replay could not ask (those that cannot explain themselves) with what
    /// they returned in the scheduler's cycle that followed; plugins that cycle did not reach are marked not run.
    func afterAttempt(_ queued: QueuedPodInfo, postFilter runs: [PostFilterRun], message: String?) {
        let key = queued.podInfo.key
        guard request.wants(key), !runs.isEmpty else { return }
        state.withLock { state in
            guard var attempt = state.attempts[key]?.last, attempt.outcome == .unschedulable else { return }
            var filled = false
            for index in attempt.postFilter.indices {
                let entry = attempt.postFilter[index]
                if let run = runs.first(where: { $0.plugin == entry.plugin }) {
                    guard !entry.explained || entry.notRun else { continue }
                    attempt.postFilter[index].explained = true
                    attempt.postFilter[index].notRun = false
                    attempt.postFilter[index].verdict = PodExplanation.Verdict(
                        run.status.plugin == nil ? run.status.attributed(to: run.plugin) : run.status
                    )
                    attempt.postFilter[index].nominatedNode = run.nominatedNode
                    filled = true
                } else {
                    attempt.postFilter[index].notRun = true
                }
            }
            // The scheduler's message carries the reasons of the plugins the replay could not ask.
            if filled, let message { attempt.message = message }
            let last = (state.attempts[key]?.count ?? 1) - 1
            state.attempts[key]?[last] = attempt
        }
    }

    /// Every explained pod's attempts, with suggestions on each pod's last failed attempt.
    func finish(scheduler: Scheduler, registry: PluginRegistry, outcomes: [PodOutcome]) -> [String: PodExplanations] {
        let (attempts, lastFailed) = state.withLock { ($0.attempts, $0.lastFailed) }
        let profiles = ExplainProfiles(
            configuration: scheduler.configuration,
            registry: registry,
            storageClasses: scheduler.objects.storageClasses()
        )
        var result: [String: PodExplanations] = [:]
        for outcome in outcomes {
            let key = "\(outcome.namespace)/\(outcome.name)"
            guard var list = attempts[key], !list.isEmpty else { continue }
            if request.suggestions, let (index, pod, inputs) = lastFailed[key], list.indices.contains(index),
                let engine = engine(for: pod, scheduler: scheduler)
            {
                let (offered, rejected) = ExplainSuggestions.suggest(
                    for: list[index],
                    pod: pod,
                    engine: engine,
                    inputs: inputs,
                    profiles: profiles
                )
                list[index].suggestions = offered
                list[index].rejectedSuggestions = rejected
                list[index].suggestionsWorkedOut = true
            }
            result[key] = PodExplanations(namespace: outcome.namespace, name: outcome.name, attempts: list)
        }
        return result
    }
}
