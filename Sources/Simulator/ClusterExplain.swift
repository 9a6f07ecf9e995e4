import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime

/// `explain NS/NAME` against a cluster: lists the cluster's state through `client` into a scheduler that never
/// runs a cycle, then replays the pod's cycle under the profile its `schedulerName` names. Nothing is written:
/// the scheduler is never started, so it binds, patches, evicts and records nothing; preemption is only asked
/// what it would do.
package enum ClusterExplain {
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
        init(_ message: String) { self.message = message }
    }

    package struct Outcome: Sendable {
        package var explanation: PodExplanation
        /// The node the pod is already bound to, if any (the explanation then says where it would go now).
        package var boundTo: String?
    }

    package static func explain(
        client: any ClusterClient,
        configuration: SchedulerConfiguration,
        registry: PluginRegistry,
        namespace: String,
        name: String,
        seed: UInt64 = 1,
        suggestions: Bool = true
    ) async throws(Failure) -> Outcome {
        let scheduler: Scheduler
        do {
            scheduler = try Scheduler(configuration: configuration, registry: registry, client: client, seed: seed)
        } catch {
            throw Failure("\(error)")
        }
        let informers = Informers(client: client, scheduler: scheduler)
        do {
            try await informers.start()
        } catch {
            informers.stop()
            throw Failure("listing the cluster: \(error.message)")
        }
        informers.stop()
        let pods: ObjectList
        do {
            pods = try await client.list(.pod)
        } catch {
            throw Failure("listing pods: \(error.message)")
        }
        let found = pods.items.lazy.compactMap(\.pod).first { $0.namespace == namespace && $0.name == name }
        guard let pod = found else { throw Failure("pod \(namespace)/\(name) not found") }
        guard let framework = scheduler.profiles[pod.schedulerName] else {
            let known = scheduler.profiles.keys.sorted().joined(separator: ", ")
            throw Failure(
                "pod \(namespace)/\(name): no profile serves schedulerName \"\(pod.schedulerName)\" (profiles: \(known))"
            )
        }
        // A bound pod is explained as if it were pending again: without itself on its node.
        var pending = pod
        let boundTo = pod.nodeName.isEmpty ? nil : pod.nodeName
        pending.spec.nodeName = nil
        var inputs = scheduler.explainInputs()
        if let boundTo, let index = inputs.snapshot.indexByName[boundTo] {
            var nodes = Array(inputs.snapshot.nodes)
            _ = nodes[index].removePod(uid: pod.uid)
            inputs.snapshot = Snapshot(nodes: nodes)
        }
        let podInfo = PodInfo(pending)
        let profiles = ExplainProfiles(
            configuration: configuration,
            registry: registry,
            storageClasses: scheduler.objects.storageClasses()
        )
        var engine = ExplainEngine(
            framework: framework,
            percentageOfNodesToScore: configuration.percentageOfNodesToScore
        )
        // PostFilter plugins that cannot explain themselves run as read-only copies: nothing is written.
        engine.postFilterDryRun = profiles.framework(like: framework, readOnly: true)
        var explanation = engine.run(pod: podInfo, inputs: inputs).explanation
        if suggestions {
            let (offered, rejected) = ExplainSuggestions.suggest(
                for: explanation,
                pod: podInfo,
                engine: engine,
                inputs: inputs,
                profiles: profiles
            )
            explanation.suggestions = offered
            explanation.rejectedSuggestions = rejected
            explanation.suggestionsWorkedOut = explanation.outcome == .unschedulable
        }
        return Outcome(explanation: explanation, boundTo: boundTo)
    }
}
