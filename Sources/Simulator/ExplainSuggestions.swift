import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime

/// "What would make it fit": changes derived from the rejections of an unschedulable pod, each verified by
/// re-running the cycle (``ExplainEngine``) on the same snapshot with the change applied. A change is offered only
/// if the pod then schedules; the others are kept as rejected so the text can say they were tried.
package enum ExplainSuggestions {
    package static let maximum = 5
    /// Re-runs allowed per pod, so a pod rejected for many reasons on 5,000 nodes stays cheap.
    static let maximumAttempts = 16

    /// A candidate change: what it is, and how it applies to the pod or the snapshot.
    struct Candidate {
        var kind: Suggestion.Kind
        var change: String
        var pod: Pod
        var snapshot: Snapshot?
        /// Candidates sharing a group are alternatives: only the first that works is offered.
        var group: String?
        /// Claims the re-run sees in place of the cluster's (a profile copy is built for it).
        var claims: [PersistentVolumeClaim] = []
        /// Set when the change is not tried, with why.
        var notOfferedBecause: String?
    }

    package static func suggest(
        for explanation: PodExplanation,
        pod: PodInfo,
        engine: ExplainEngine,
        inputs: ExplainInputs,
        profiles: ExplainProfiles? = nil
    ) -> (offered: [Suggestion], rejected: [Suggestion]) {
        guard explanation.outcome == .unschedulable else { return ([], []) }
        var verifier = engine
        verifier.evaluateAllNodes = true
        verifier.explainPostFilter = false
        var offered: [Suggestion] = []
        var rejected: [Suggestion] = []
        var attempts = 0
        var groupsOffered: Set<String> = []
        var list = candidates(explanation, pod: pod, snapshot: inputs.snapshot)
        if let profiles {
            // After resources and taints, before node selection (the order ``candidates`` documents).
            let volumes = claimChanges(
                explanation,
                pod: pod,
                snapshot: inputs.snapshot,
                objects: engine.framework.handle.objects,
                storageClasses: profiles.storageClasses
            )
            let at = list.firstIndex { $0.kind != .lowerRequest && $0.kind != .addToleration } ?? list.endIndex
            list.insert(contentsOf: volumes, at: at)
        }
        for candidate in list {
            guard offered.count < maximum, attempts < maximumAttempts else { break }
            // Of alternatives (the same request lowered to different amounts) only the first that works is offered.
            if let group = candidate.group, groupsOffered.contains(group) { continue }
            if let why = candidate.notOfferedBecause {
                rejected.append(
                    Suggestion(
                        kind: candidate.kind,
                        change: candidate.change,
                        opensNodes: [],
                        wouldLandOn: nil,
                        notOfferedBecause: why
                    )
                )
                continue
            }
            var rerunEngine = verifier
            if !candidate.claims.isEmpty {
                guard let framework = profiles?.framework(like: engine.framework, claims: candidate.claims) else {
                    continue
                }
                rerunEngine.framework = framework
            }
            attempts += 1
            var rerunInputs = inputs
            if let snapshot = candidate.snapshot { rerunInputs.snapshot = snapshot }
            let rerun = rerunEngine.run(pod: PodInfo(candidate.pod), inputs: rerunInputs)
            var suggestion = Suggestion(
                kind: candidate.kind,
                change: candidate.change,
                opensNodes: rerun.feasibleNodes.sorted(by: PodExplanation.naturalOrder),
                wouldLandOn: rerun.explanation.selectedNode
            )
            if rerun.explanation.outcome == .scheduled {
                offered.append(suggestion)
                if let group = candidate.group { groupsOffered.insert(group) }
            } else {
                suggestion.wouldLandOn = nil
                rejected.append(suggestion)
            }
        }
        return (offered, rejected)
    }

    /// Candidate changes, most specific first: resources, taints, (claims, added by ``suggest``,) node selection,
    /// spreading, (anti-)affinity, then preemption.
    static func candidates(_ explanation: PodExplanation, pod: PodInfo, snapshot: Snapshot) -> [Candidate] {
        var result: [Candidate] = []
        let rejectedBy: [String: [String]] = explanation.nodes.reduce(into: [:]) { map, entry in
            guard entry.state == .rejected, let plugin = entry.verdict?.plugin else { return }
            map[plugin, default: []].append(entry.node)
        }
        if let nodes = rejectedBy[PluginName.nodeResourcesFit] {
            result += lowerRequests(pod: pod, nodes: nodes, snapshot: snapshot, explanation: explanation)
        }
        if let nodes = rejectedBy[PluginName.taintToleration] {
            result += tolerations(pod: pod.pod, nodes: nodes, snapshot: snapshot)
        }
        let spec = pod.pod.spec
        if rejectedBy[PluginName.nodeAffinity] != nil
            || explanation.preFilter.narrowedBy.contains(PluginName.nodeAffinity)
            || explanation.preFilter.rejection?.plugin == PluginName.nodeAffinity
        {
            let selector = spec.nodeSelector ?? [:]
            for key in selector.keys.sorted() {
                var changed = pod.pod
                changed.spec.nodeSelector?.removeValue(forKey: key)
                if changed.spec.nodeSelector?.isEmpty == true { changed.spec.nodeSelector = nil }
                result.append(
                    Candidate(
                        kind: .dropNodeSelector,
                        change: "drop nodeSelector \(key)=\(selector[key] ?? "")",
                        pod: changed
                    )
                )
            }
            if spec.affinity?.nodeAffinity?.required != nil {
                var changed = pod.pod
                changed.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution = nil
                result.append(
                    Candidate(
                        kind: .dropNodeAffinity,
                        change: "drop the required node affinity (requiredDuringSchedulingIgnoredDuringExecution)",
                        pod: changed
                    )
                )
            }
        }
        if rejectedBy[PluginName.podTopologySpread] != nil {
            for (index, constraint) in (spec.topologySpreadConstraints ?? []).enumerated()
            where constraint.whenUnsatisfiable == "DoNotSchedule" {
                var changed = pod.pod
                changed.spec.topologySpreadConstraints?.remove(at: index)
                result.append(
                    Candidate(
                        kind: .dropTopologySpreadConstraint,
                        change:
                            "drop the topology spread constraint on \(constraint.topologyKey) (maxSkew \(constraint.maxSkew))",
                        pod: changed
                    )
                )
            }
        }
        if rejectedBy[PluginName.interPodAffinity] != nil {
            let anti = spec.affinity?.podAntiAffinity?.required ?? []
            for (index, term) in anti.enumerated() {
                var changed = pod.pod
                changed.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.remove(
                    at: index
                )
                result.append(
                    Candidate(
                        kind: .dropPodAntiAffinity,
                        change: "drop required pod anti-affinity term #\(index + 1) (topologyKey \(term.topologyKey))",
                        pod: changed
                    )
                )
            }
            let affinity = spec.affinity?.podAffinity?.required ?? []
            for (index, term) in affinity.enumerated() {
                var changed = pod.pod
                changed.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.remove(at: index)
                result.append(
                    Candidate(
                        kind: .dropPodAffinity,
                        change: "drop required pod affinity term #\(index + 1) (topologyKey \(term.topologyKey))",
                        pod: changed
                    )
                )
            }
        }
        for postFilter in explanation.postFilter {
            guard let report = postFilter.preemption, let chosen = report.chosen,
                let candidate = report.candidates.first(where: { $0.node == chosen }),
                let index = snapshot.indexByName[chosen]
            else { continue }
            var nodes = Array(snapshot.nodes)
            let victims = Set(candidate.victims)
            for victim in nodes[index].pods where victims.contains(victim.key) {
                _ = nodes[index].removePod(uid: victim.uid)
            }
            result.append(
                Candidate(
                    kind: .preemption,
                    change:
                        "let \(postFilter.plugin) evict \(candidate.victims.count) lower-priority pod(s) on \(chosen): \(candidate.victims.joined(separator: ", "))",
                    pod: pod.pod,
                    snapshot: Snapshot(nodes: nodes)
                )
            )
        }
        return result
    }

    /// For each resource a node lacked: the pod's request lowered to the largest amount still free on a rejected
    /// node, then the next largest (verification decides which is offered).
    static func lowerRequests(
        pod: PodInfo,
        nodes: [String],
        snapshot: Snapshot,
        explanation: PodExplanation
    ) -> [Candidate] {
        var resources: [String] = []
        for entry in explanation.nodes where entry.verdict?.plugin == PluginName.nodeResourcesFit {
            for reason in entry.verdict?.reasons ?? [] where reason.hasPrefix("Insufficient ") {
                let name = String(reason.dropFirst("Insufficient ".count))
                if !resources.contains(name) { resources.append(name) }
            }
        }
        var result: [Candidate] = []
        for resource in resources {
            let current = amount(pod.request, resource)
            var free: Set<Int64> = []
            for name in nodes {
                guard let node = snapshot.nodeInfo(named: name) else { continue }
                let available = amount(node.allocatable, resource) - amount(node.requested, resource)
                if available > 0 && available < current { free.insert(available) }
            }
            for target in free.sorted(by: >).prefix(3) {
                guard let changed = lowered(pod.pod, resource: resource, by: current - target) else { continue }
                result.append(
                    Candidate(
                        kind: .lowerRequest,
                        change:
                            "lower the \(resource) request from \(format(current, resource)) to \(format(target, resource))",
                        pod: changed,
                        group: "request \(resource)"
                    )
                )
            }
        }
        return result
    }

    static func amount(_ resource: Resource, _ name: String) -> Int64 {
        switch name {
        case "cpu": resource.milliCPU
        case "memory": resource.memory
        case "ephemeral-storage": resource.ephemeralStorage
        case "pods": resource.allowedPodNumber
        default: resource.scalarResources[name] ?? 0
        }
    }

    /// The pod with its `resource` request lowered by `delta` (pod-level resources if set, else containers').
    static func lowered(_ pod: Pod, resource: String, by delta: Int64) -> Pod? {
        guard delta > 0, resource != "pods" else { return nil }
        var changed = pod
        func quantity(_ value: Int64) -> Quantity { resource == "cpu" ? Quantity(milli: value) : Quantity(value) }
        func value(_ quantity: Quantity) -> Int64 { resource == "cpu" ? quantity.milliValue : quantity.value }
        if let podLevel = changed.spec.resources?.requests?[resource] {
            changed.spec.resources?.requests?[resource] = quantity(max(0, value(podLevel) - delta))
            return changed
        }
        var remaining = delta
        for index in changed.spec.containers.indices where remaining > 0 {
            guard let request = changed.spec.containers[index].resources?.requests?[resource] else { continue }
            let cut = min(value(request), remaining)
            changed.spec.containers[index].resources?.requests?[resource] = quantity(value(request) - cut)
            remaining -= cut
        }
        return remaining < delta ? changed : nil
    }

    static func format(_ value: Int64, _ resource: String) -> String {
        if resource == "cpu" { return Quantity(milli: value).text }
        let units: [(String, Int64)] = [("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)]
        for (suffix, size) in units where value >= size && value % size == 0 { return "\(value / size)\(suffix)" }
        return String(value)
    }

    /// One toleration per untolerated NoSchedule/NoExecute taint on the rejected nodes, most common first.
    static func tolerations(pod: Pod, nodes: [String], snapshot: Snapshot) -> [Candidate] {
        let existing = pod.spec.tolerations ?? []
        var counts: [Taint: Int] = [:]
        var order: [Taint] = []
        for name in nodes {
            guard let node = snapshot.nodeInfo(named: name) else { continue }
            for taint in node.node.taints
            where (taint.effect == Taint.noSchedule || taint.effect == Taint.noExecute)
                && !existing.contains(where: { $0.tolerates(taint) })
            {
                var key = taint
                key.timeAdded = nil
                if counts[key] == nil { order.append(key) }
                counts[key, default: 0] += 1
            }
        }
        return order.enumerated().sorted {
            (counts[$0.element] ?? 0, -$0.offset) > (counts[$1.element] ?? 0, -$1.offset)
        }
        .prefix(3).map(\.element).map { taint in
            var changed = pod
            let toleration = Toleration(
                key: taint.key,
                operator: taint.value == nil ? "Exists" : "Equal",
                value: taint.value,
                effect: taint.effect
            )
            changed.spec.tolerations = existing + [toleration]
            let shown = taint.value.map { "\(taint.key)=\($0)" } ?? taint.key
            return Candidate(
                kind: .addToleration,
                change: "add a toleration for taint \(shown):\(taint.effect)",
                pod: changed
            )
        }
    }
}
