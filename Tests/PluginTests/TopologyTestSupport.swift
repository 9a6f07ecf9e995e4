import KubeAPI
import SchedulerFramework
import SchedulerTesting

// Builders for the inter-pod affinity and topology spread tables, in the spirit of upstream's `st.MakePod()`.

extension PodBuilder {
    private func changed(_ change: (inout Pod) -> Void) -> PodBuilder {
        var copy = self
        change(&copy.pod)
        return copy
    }

    /// Moves the pod to `namespace` (its uid follows).
    func inNamespace(_ namespace: String) -> PodBuilder {
        changed {
            $0.metadata.namespace = namespace
            $0.metadata.uid = "\(namespace)/\($0.metadata.name)"
        }
    }

    /// Adds a required (`weight == nil`) or preferred pod affinity term.
    func podAffinity(_ term: PodAffinityTerm, weight: Int32? = nil) -> PodBuilder {
        changed { pod in
            var affinity = pod.spec.affinity ?? Affinity()
            var podAffinity = affinity.podAffinity ?? PodAffinity()
            if let weight {
                podAffinity.preferredDuringSchedulingIgnoredDuringExecution =
                    podAffinity.preferred + [WeightedPodAffinityTerm(weight: weight, podAffinityTerm: term)]
            } else {
                podAffinity.requiredDuringSchedulingIgnoredDuringExecution = podAffinity.required + [term]
            }
            affinity.podAffinity = podAffinity
            pod.spec.affinity = affinity
        }
    }

    /// Adds a required (`weight == nil`) or preferred pod anti-affinity term.
    func podAntiAffinity(_ term: PodAffinityTerm, weight: Int32? = nil) -> PodBuilder {
        changed { pod in
            var affinity = pod.spec.affinity ?? Affinity()
            var anti = affinity.podAntiAffinity ?? PodAntiAffinity()
            if let weight {
                anti.preferredDuringSchedulingIgnoredDuringExecution =
                    anti.preferred + [WeightedPodAffinityTerm(weight: weight, podAffinityTerm: term)]
            } else {
                anti.requiredDuringSchedulingIgnoredDuringExecution = anti.required + [term]
            }
            affinity.podAntiAffinity = anti
            pod.spec.affinity = affinity
        }
    }

    /// Replaces the whole affinity.
    func affinity(_ affinity: Affinity?) -> PodBuilder { changed { $0.spec.affinity = affinity } }

    /// Adds a topology spread constraint.
    func spread(
        _ maxSkew: Int32,
        _ topologyKey: String,
        _ whenUnsatisfiable: String,
        _ selector: LabelSelector?,
        minDomains: Int32? = nil,
        nodeAffinityPolicy: String? = nil,
        nodeTaintsPolicy: String? = nil,
        matchLabelKeys: [String]? = nil
    ) -> PodBuilder {
        changed {
            $0.spec.topologySpreadConstraints =
                ($0.spec.topologySpreadConstraints ?? []) + [
                    TopologySpreadConstraint(
                        maxSkew: maxSkew,
                        topologyKey: topologyKey,
                        whenUnsatisfiable: whenUnsatisfiable,
                        labelSelector: selector,
                        minDomains: minDomains,
                        nodeAffinityPolicy: nodeAffinityPolicy,
                        nodeTaintsPolicy: nodeTaintsPolicy,
                        matchLabelKeys: matchLabelKeys
                    )
                ]
        }
    }

    /// Marks the pod as being deleted.
    func terminating() -> PodBuilder { changed { $0.metadata.deletionTimestamp = "2025-01-01T00:00:00Z" } }

    /// A controller owner reference (`apiVersion`, `kind`, `name`).
    func owner(_ kind: String, _ name: String, apiVersion: String = "apps/v1") -> PodBuilder {
        changed {
            $0.metadata.ownerReferences = [
                OwnerReference(apiVersion: apiVersion, kind: kind, name: name, controller: true)
            ]
        }
    }
}

/// A label selector requirement.
func requirement(_ key: String, _ op: String, _ values: [String]? = nil) -> LabelSelectorRequirement {
    LabelSelectorRequirement(key: key, operator: op, values: values)
}

/// A label selector of match expressions.
func expressions(_ requirements: LabelSelectorRequirement...) -> LabelSelector {
    LabelSelector(matchExpressions: requirements)
}

/// A pod affinity term with one match expression (upstream's `PodAffinityIn`/`NotIn`/`Exists` shape).
func affinityTerm(
    _ key: String,
    _ op: String,
    _ values: [String]? = nil,
    topologyKey: String,
    namespaces: [String]? = nil,
    namespaceSelector: LabelSelector? = nil,
    matchLabelKeys: [String]? = nil,
    mismatchLabelKeys: [String]? = nil
) -> PodAffinityTerm {
    PodAffinityTerm(
        labelSelector: expressions(requirement(key, op, values)),
        namespaces: namespaces,
        topologyKey: topologyKey,
        namespaceSelector: namespaceSelector,
        matchLabelKeys: matchLabelKeys,
        mismatchLabelKeys: mismatchLabelKeys
    )
}

/// A node with exactly `labels` (no default hostname label, unlike ``NodeBuilder``).
func labeledNode(_ name: String, _ labels: [String: String] = [:], taints: [Taint] = []) -> Node {
    var node = Node(metadata: ObjectMeta(name: name, uid: "node-\(name)", labels: labels))
    if !taints.isEmpty { node.spec.taints = taints }
    return node
}

/// Upstream's `cache.NewSnapshot(pods, nodes)`: node infos in node order, each pod placed on its `nodeName`;
/// pods on unknown nodes are left out.
func makeSnapshot(_ nodes: [Node], pods: [PodBuilder] = []) -> Snapshot {
    var infos = nodes.map { NodeInfo(node: $0) }
    for builder in pods {
        let pod = builder.build()
        guard let index = infos.firstIndex(where: { $0.name == pod.nodeName }) else { continue }
        infos[index].addPod(PodInfo(pod))
    }
    return Snapshot(nodes: infos)
}

/// The feasible-node list for `names` (all nodes when nil) of `snapshot`.
func feasible(_ snapshot: Snapshot, _ names: [String]? = nil) -> NodeList {
    let indices = names.map { $0.compactMap { snapshot.indexByName[$0] } } ?? Array(snapshot.nodes.indices)
    return NodeList(snapshot: snapshot, indices: indices)
}

/// PreFilter, then Filter on every node of the snapshot: the PreFilter status and one status per node.
func runPreFilterAndFilter(
    _ plugin: some PreFilterPlugin & FilterPlugin,
    pod: PodInfo,
    snapshot: Snapshot
) -> (Status, [Status]) {
    let state = CycleState()
    let (_, preFilter) = plugin.preFilter(state: state, pod: pod, snapshot: snapshot)
    guard preFilter.isSuccess else { return (preFilter, []) }
    return (preFilter, snapshot.nodes.map { plugin.filter(state: state, pod: pod, node: $0) })
}

/// PreScore over `nodes`, Score on each, then NormalizeScore: the PreScore status and the final scores.
func runScoring(
    _ plugin: some PreScorePlugin & NormalizeScorePlugin,
    pod: PodInfo,
    nodes: NodeList
) -> (Status, [Int64]) {
    let state = CycleState()
    let preScore = plugin.preScore(state: state, pod: pod, nodes: nodes)
    guard preScore.isSuccess else { return (preScore, []) }
    var scores = nodes.map { plugin.score(state: state, pod: pod, node: $0).score }
    let normalized = plugin.normalizeScores(state: state, pod: pod, nodes: nodes, scores: &scores)
    return (normalized.isSuccess ? preScore : normalized, scores)
}
