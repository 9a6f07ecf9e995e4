import KubeAPI
import SchedulerFramework

/// Filters nodes by the pod's `nodeSelector` and required node affinity (plus the profile's added
/// affinity), and scores nodes by the weights of the preferred terms they match. Upstream's
/// `nodeaffinity.NodeAffinity` (v1.35).
///
/// Inside this module `NodeAffinity` is the plugin; the API type is `KubeAPI.NodeAffinity`.
package final class NodeAffinity: PreFilterPlugin, FilterPlugin, PreScorePlugin, NormalizeScorePlugin, EnqueueExtensions
{
    /// The registry and configuration name.
    package static let name = PluginName.nodeAffinity
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// Rejection reasons (all UnschedulableAndUnresolvable).
    package static let reasonPod = "node(s) didn't match Pod's node affinity/selector"
    /// The profile's `addedAffinity` does not match the node.
    package static let reasonEnforced = "node(s) didn't match scheduler-enforced node affinity"
    /// PreFilter: the required terms name no node in common.
    package static let reasonConflict = "pod affinity terms conflict"

    static let preScoreKey = StateKey<PreScoreState>("PreScore" + NodeAffinity.name)
    static let preFilterKey = StateKey<PreFilterState>("PreFilter" + NodeAffinity.name)

    /// The validated arguments this instance was built with.
    package let args: NodeAffinityArgs
    /// `addedAffinity.required…`, compiled; nil when the profile adds none.
    private let addedRequired: CompiledNodeSelector?
    /// `addedAffinity.preferred…`, compiled; nil when the profile adds none.
    private let addedPreferred: [WeightedTerm]?

    /// Builds the plugin; throws when `args` do not validate.
    package init(args: NodeAffinityArgs, handle: any FrameworkHandle) throws(PluginArgsError) {
        try args.validate()
        self.args = args
        addedRequired = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution.map(
            CompiledNodeSelector.init
        )
        let preferred = args.addedAffinity?.preferred ?? []
        addedPreferred = preferred.isEmpty ? nil : Self.compile(preferred)
    }

    /// A preferred term with its weight; terms with weight 0 or no requirements are dropped when compiling.
    struct WeightedTerm: Sendable {
        let weight: Int64
        let term: CompiledNodeSelectorTerm
    }

    static func compile(_ terms: [PreferredSchedulingTerm]) -> [WeightedTerm] {
        terms.compactMap { preferred in
            guard preferred.weight != 0, let term = CompiledNodeSelectorTerm(preferred.preference) else { return nil }
            return WeightedTerm(weight: Int64(preferred.weight), term: term)
        }
    }

    /// The snapshot's nodes (by ``NodeInfo/indexSlot``) that satisfy the pod's nodeSelector and required
    /// affinity, from the snapshot's label index: Filter tests a bit instead of matching labels. Written only
    /// when the snapshot has a label index (a cache built it), so the slots are those of its node infos.
    final class PreFilterState: StateData {
        let admitted: SlotBitset
        init(admitted: SlotBitset) { self.admitted = admitted }
        func clone() -> any StateData { self }
    }

    final class PreScoreState: StateData {
        /// nil when the pod has no preferred terms at all (only the added ones count).
        let podPreferred: [WeightedTerm]?
        init(podPreferred: [WeightedTerm]?) { self.podPreferred = podPreferred }
        func clone() -> any StateData { self }
    }

    static func sum(_ terms: [WeightedTerm], labels: [String: String], name: String) -> Int64 {
        var score: Int64 = 0
        for weighted in terms where weighted.term.matches(labels: labels, name: name) {
            score &+= weighted.weight
        }
        return score
    }
}

// MARK: - PreFilter / Filter

extension NodeAffinity {
    /// Skips Filter when nothing constrains the pod; narrows the cycle to the nodes named by
    /// `matchFields metadata.name In` when every required term names some.
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let spec = pod.pod.spec
        let required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
        if required == nil && addedRequired == nil && spec.nodeSelector == nil { return (nil, .skip) }
        if !pod.requiredNodeAffinity.isEmpty,
            let admitted = snapshot.labelIndex.matchingSlots(
                pod.requiredNodeAffinity,
                slotOfNode: { name in snapshot.indexByName[name].map { snapshot.nodeSlots[$0] } }
            )
        {
            state.write(PreFilterState(admitted: admitted), for: Self.preFilterKey)
        }
        guard let terms = required?.nodeSelectorTerms, !terms.isEmpty else { return (nil, .success) }

        var nodeNames: Set<String>?
        for term in terms {
            // Requirements inside a term are ANDed: intersect their names.
            var termNames: Set<String>?
            for requirement in term.matchFields ?? []
            where requirement.key == "metadata.name" && requirement.operator == "In" {
                let names = Set(requirement.values ?? [])
                termNames = termNames.map { $0.intersection(names) } ?? names
            }
            // Terms are ORed: one term without a name constraint admits every node.
            guard let termNames else { return (nil, .success) }
            nodeNames = (nodeNames ?? []).union(termNames)
        }
        guard let nodeNames else { return (nil, .success) }
        if nodeNames.isEmpty { return (nil, Status(.unschedulableAndUnresolvable, Self.reasonConflict)) }
        return (PreFilterResult(nodeNames: nodeNames), .success)
    }

    /// The profile's added affinity first, then the pod's nodeSelector and required affinity.
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        if let addedRequired, !addedRequired.matches(node.node) {
            return Status(.unschedulableAndUnresolvable, Self.reasonEnforced)
        }
        if let admitted = state.read(Self.preFilterKey)?.admitted {
            if !admitted.contains(node.indexSlot) { return Status(.unschedulableAndUnresolvable, Self.reasonPod) }
        } else if !pod.requiredNodeAffinity.matches(node.node) {
            return Status(.unschedulableAndUnresolvable, Self.reasonPod)
        }
        return .success
    }

    /// Batch Filter: the pod's compiled affinity is read once per batch.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        let required = pod.requiredNodeAffinity
        if addedRequired == nil, let prepared = state.read(Self.preFilterKey) {
            // The index answered for the pod's own constraints: one bit per node.
            let admitted = prepared.admitted
            for k in 0..<nodes.count where statuses[k] == nil && !admitted.contains(nodes[k].indexSlot) {
                statuses[k] = Status(.unschedulableAndUnresolvable, Self.reasonPod)
            }
            return
        }
        for k in 0..<nodes.count where statuses[k] == nil {
            // Labels and name only: passing the whole node object would copy it per node.
            let labels = nodes[k].node.metadata.labels ?? [:]
            let name = nodes[k].name
            if let addedRequired, !addedRequired.matches(labels: labels, name: name) {
                statuses[k] = Status(.unschedulableAndUnresolvable, Self.reasonEnforced)
            } else if !required.matches(labels: labels, name: name) {
                statuses[k] = Status(.unschedulableAndUnresolvable, Self.reasonPod)
            }
        }
    }
}

// MARK: - PreScore / Score / NormalizeScore

extension NodeAffinity {
    /// Compiles the pod's preferred terms once; Skip when neither the pod nor the profile has any.
    /// An unparsable preferred term is an Error, as upstream.
    package func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        let preferred = pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution
        if preferred == nil && addedPreferred == nil { return .skip }
        if let preferred {
            for (i, term) in preferred.enumerated() where term.weight != 0 {
                if let error = NodeSelectorTermValidation.firstError(term.preference, path: "[\(i)].preference") {
                    return .error(error.description)
                }
            }
        }
        state.write(PreScoreState(podPreferred: preferred.map(Self.compile)), for: Self.preScoreKey)
        return .success
    }

    /// The sum of the weights of the matching preferred terms, the pod's and the profile's.
    package func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        let labels = node.node.metadata.labels ?? [:]
        var count: Int64 = 0
        if let addedPreferred { count &+= Self.sum(addedPreferred, labels: labels, name: node.name) }
        if let prepared = state.read(Self.preScoreKey) {
            if let podPreferred = prepared.podPreferred {
                count &+= Self.sum(podPreferred, labels: labels, name: node.name)
            }
        } else if let preferred = pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution {
            // PreScore did not run: compile here (allocates, but only on this fallback path).
            count &+= Self.sum(Self.compile(preferred), labels: labels, name: node.name)
        }
        return (count, .success)
    }

    /// Default normalization: `score × 100 / max`, all zero when the maximum is zero.
    package func normalizeScores(state: CycleState, pod: PodInfo, nodes: NodeList, scores: inout [Int64]) -> Status {
        let maxCount = scores.max() ?? 0
        guard maxCount > 0 else { return .success }
        for i in scores.indices {
            scores[i] = NodeScoreRange.max &* scores[i] / maxCount
        }
        return .success
    }
}

// MARK: - Events

extension NodeAffinity {
    /// A node added, or relabelled so that it now matches where it did not before.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        let addedRequired = addedRequired
        return [
            ClusterEventWithHint(
                ClusterEvent(resource: .node, action: [.add, .updateNodeLabel], label: "NodeAdd|UpdateNodeLabel"),
                hint: { pod, old, new in
                    guard let modified = new?.node else { return .queue }
                    if let addedRequired, !addedRequired.matches(modified) { return .skip }
                    let required = RequiredNodeAffinity(pod)
                    guard required.matches(modified) else { return .skip }
                    guard let original = old?.node else { return .queue }
                    return required.matches(original) ? .skip : .queue
                }
            )
        ]
    }
}
