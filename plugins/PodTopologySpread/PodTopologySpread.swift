import KubeAPI
import SchedulerFramework

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Over 450 lines on purpose: the plugin keeps every extension point of upstream's podtopologyspread (PreFilter
// with its AddPod/RemovePod extensions, Filter, PreScore, Score, NormalizeScore, events and hints) next to the
// cycle state they share; counting lives in Counting.swift and DomainCounts.swift.

/// Spreads matching pods evenly across topology domains: `DoNotSchedule` constraints filter nodes whose domain
/// would exceed `maxSkew` over the global minimum, `ScheduleAnyway` constraints score nodes in emptier domains
/// higher. Pods without constraints get the profile's default constraints. Upstream's
/// `podtopologyspread.PodTopologySpread` (v1.35).
///
/// PreFilter counts matching pods per domain once (domain value → count), so Filter is a lookup per constraint;
/// PreScore does the same for the soft constraints.
package final class PodTopologySpread: PreFilterPlugin, PreFilterExtensions, FilterPlugin, PreScorePlugin,
    NormalizeScorePlugin,
    EnqueueExtensions
{
    /// The registry and configuration name.
    package static let name = PluginName.podTopologySpread
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// The node's domain would be too far above the global minimum (Unschedulable).
    package static let reasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints"
    /// The node lacks a constraint's topology key (UnschedulableAndUnresolvable).
    package static let reasonNodeLabelNotMatch = reasonConstraintsNotMatch + " (missing required label)"

    /// `whenUnsatisfiable` values.
    package static let doNotSchedule = "DoNotSchedule"
    /// Soft constraint: only scoring.
    package static let scheduleAnyway = "ScheduleAnyway"
    /// `nodeAffinityPolicy` / `nodeTaintsPolicy` values.
    package static let honor = "Honor"
    /// Node inclusion policy: the node's affinity match or taints are not taken into account.
    package static let ignore = "Ignore"

    static let hostnameKey = "kubernetes.io/hostname"
    static let zoneKey = "topology.kubernetes.io/zone"

    /// Upstream's `systemDefaultConstraints`: hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway.
    package static let systemDefaultConstraints = [
        TopologySpreadConstraint(maxSkew: 3, topologyKey: hostnameKey, whenUnsatisfiable: scheduleAnyway),
        TopologySpreadConstraint(maxSkew: 5, topologyKey: zoneKey, whenUnsatisfiable: scheduleAnyway),
    ]

    static let preFilterKey = StateKey<PreFilterState>("PreFilter" + PodTopologySpread.name)
    static let preScoreKey = StateKey<PreScoreState>("PreScore" + PodTopologySpread.name)

    /// The validated arguments this instance was built with.
    package let args: PodTopologySpreadArgs
    /// The constraints for pods without their own: the system defaults or the listed ones.
    let defaultConstraints: [TopologySpreadConstraint]
    /// The defaults are the system ones (then nodes missing a key are still scored).
    let systemDefaulted: Bool
    let objects: any ClusterObjectLister
    /// Workers for the per-node counting loops (the profile's `parallelism`).
    let parallelism: Int

    /// Builds the plugin; throws when `args` do not validate.
    package init(args: PodTopologySpreadArgs, handle: any FrameworkHandle) throws(PluginArgsError) {
        try args.validate()
        self.args = args
        self.objects = handle.objects
        self.parallelism = handle.parallelism
        if args.defaultingType == .system {
            defaultConstraints = Self.systemDefaultConstraints
            systemDefaulted = true
        } else {
            defaultConstraints = args.defaultConstraints
            systemDefaulted = false
        }
    }

    /// This plugin keeps its PreFilter counts current when pods are added or removed in what-if evaluations.
    package var preFilterExtensions: (any PreFilterExtensions)? { self }
}

// MARK: - Constraints

/// A constraint with its selector parsed and its defaults applied (upstream `topologySpreadConstraint`).
struct SpreadConstraint: Sendable {
    let maxSkew: Int32
    let topologyKey: String
    let selector: Selector
    /// `minDomains`, 1 when unset.
    let minDomains: Int32
    /// `nodeAffinityPolicy: Honor` (the default): only nodes matching the pod's nodeSelector and required
    /// node affinity count.
    let honorNodeAffinity: Bool
    /// `nodeTaintsPolicy: Honor` (default Ignore): only nodes whose NoSchedule/NoExecute taints the pod
    /// tolerates count.
    let honorNodeTaints: Bool

    /// The key is the hostname label (stored: the per-node loops ask for every node).
    let isHostname: Bool

    init(
        maxSkew: Int32,
        topologyKey: String,
        selector: Selector,
        minDomains: Int32,
        honorNodeAffinity: Bool,
        honorNodeTaints: Bool
    ) {
        self.maxSkew = maxSkew
        self.topologyKey = topologyKey
        self.selector = selector
        self.minDomains = minDomains
        self.honorNodeAffinity = honorNodeAffinity
        self.honorNodeTaints = honorNodeTaints
        self.isHostname = topologyKey == PodTopologySpread.hostnameKey
    }

    /// Upstream `matchNodeInclusionPolicies`.
    func includes(_ node: Node, for pod: PodInfo) -> Bool {
        if honorNodeAffinity && !pod.requiredNodeAffinity.matches(node) { return false }
        if honorNodeTaints && PodTopologySpread.hasUntoleratedTaint(node, pod: pod.pod) { return false }
        return true
    }
}

extension PodTopologySpread {
    /// Whether a NoSchedule or NoExecute taint of the node is not tolerated (`FindMatchingUntoleratedTaint` with
    /// `DoNotScheduleTaintsFilterFunc`).
    static func hasUntoleratedTaint(_ node: Node, pod: Pod) -> Bool {
        guard let taints = node.spec.taints, !taints.isEmpty else { return false }
        let tolerations = pod.spec.tolerations ?? []
        for taint in taints where taint.effect == Taint.noSchedule || taint.effect == Taint.noExecute {
            if !tolerations.contains(where: { $0.tolerates(taint) }) { return true }
        }
        return false
    }

    /// Upstream `filterTopologySpreadConstraints`: the constraints with `whenUnsatisfiable == action`, with
    /// `matchLabelKeys` ANDed into the selector (keys absent from the pod's labels are ignored).
    static func filter(
        _ constraints: [TopologySpreadConstraint],
        podLabels: [String: String],
        action: String
    ) throws(SelectorError)
        -> [SpreadConstraint]
    {
        var result: [SpreadConstraint] = []
        for constraint in constraints where constraint.whenUnsatisfiable == action {
            var selector = try Selector(constraint.labelSelector)
            var matchLabels: [String: String] = [:]
            for key in constraint.matchLabelKeys ?? [] {
                if let value = podLabels[key] { matchLabels[key] = value }
            }
            if !matchLabels.isEmpty && !selector.matchesNothing {
                selector = Selector(matching: matchLabels).adding(selector.requirements)
            }
            result.append(
                SpreadConstraint(
                    maxSkew: constraint.maxSkew,
                    topologyKey: constraint.topologyKey,
                    selector: selector,
                    minDomains: constraint.minDomains ?? 1,
                    honorNodeAffinity: (constraint.nodeAffinityPolicy ?? honor) == honor,
                    honorNodeTaints: (constraint.nodeTaintsPolicy ?? ignore) == honor
                )
            )
        }
        return result
    }

    /// The pod's own constraints for `action`, or (when it has none) the default constraints with the selector
    /// deduced from the objects selecting the pod; none when that selector is empty.
    func constraints(for pod: Pod, action: String) throws(SelectorError) -> [SpreadConstraint] {
        if let own = pod.spec.topologySpreadConstraints, !own.isEmpty {
            return try Self.filter(own, podLabels: pod.labels, action: action)
        }
        let defaults = try Self.filter(defaultConstraints, podLabels: pod.labels, action: action)
        if defaults.isEmpty { return [] }
        let selector = defaultSelector(for: pod)
        if selector.isEmpty { return [] }
        return defaults.map {
            SpreadConstraint(
                maxSkew: $0.maxSkew,
                topologyKey: $0.topologyKey,
                selector: selector,
                minDomains: $0.minDomains,
                honorNodeAffinity: $0.honorNodeAffinity,
                honorNodeTaints: $0.honorNodeTaints
            )
        }
    }

    /// Upstream `helper.DefaultSelector`: the selectors of the pod's namespace's Services that select the pod,
    /// merged, plus the selector of its controlling ReplicationController, ReplicaSet or StatefulSet (found by
    /// the controller owner reference).
    func defaultSelector(for pod: Pod) -> Selector {
        let labels = pod.labels
        var labelSet: [String: String] = [:]
        for service in objects.services(namespace: pod.namespace) {
            // A Service without a selector selects nothing.
            guard let serviceSelector = service.spec?.selector else { continue }
            if Selector(matching: serviceSelector).matches(labels) {
                labelSet.merge(serviceSelector) { $1 }
            }
        }
        var selector = Selector(matching: labelSet)
        guard let owner = pod.metadata.ownerReferences?.first(where: { $0.controller == true }) else { return selector }
        // schema.ParseGroupVersion: "v1", "group/version"; more than one "/" is an error.
        let parts = (owner.apiVersion ?? "").split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return selector }
        let group = parts.count == 2 ? String(parts[0]) : ""
        let version = parts.count == 2 ? String(parts[1]) : String(parts[0])
        switch (group, version, owner.kind) {
        case ("", "v1", "ReplicationController"):
            if let controller = objects.replicationControllers(namespace: pod.namespace).first(where: {
                $0.metadata.name == owner.name
            }) {
                labelSet.merge(controller.spec?.selector ?? [:]) { $1 }
                selector = Selector(matching: labelSet)
            }
        case ("apps", "v1", "ReplicaSet"):
            if let set = objects.replicaSets(namespace: pod.namespace).first(where: { $0.metadata.name == owner.name }),
                let other = try? Selector(set.spec?.selector), !other.matchesNothing
            {
                selector = selector.adding(other.requirements)
            }
        case ("apps", "v1", "StatefulSet"):
            if let set = objects.statefulSets(namespace: pod.namespace).first(where: { $0.metadata.name == owner.name }
            ),
                let other = try? Selector(set.spec?.selector), !other.matchesNothing
            {
                selector = selector.adding(other.requirements)
            }
        default:
            break
        }
        return selector
    }

    /// Upstream `countPodsMatchSelector`: pods of `namespace`, not terminating, matching `selector`; an empty
    /// selector counts nothing.
    static func countMatching(_ pods: [PodInfo], _ selector: Selector, namespace: String) -> Int {
        if selector.isEmpty || selector.matchesNothing { return 0 }
        var count = 0
        for pod in pods {
            // Field by field: copying the whole metadata (or pod) per pod would dominate the loop.
            if pod.pod.metadata.deletionTimestamp != nil || (pod.pod.metadata.namespace ?? "default") != namespace {
                continue
            }
            if selector.matches(pod.pod.metadata.labels ?? [:]) { count += 1 }
        }
        return count
    }

    /// Whether the node carries every constraint's topology key.
    @inline(__always)
    static func hasAllKeys(_ labels: [String: String]?, _ constraints: [SpreadConstraint]) -> Bool {
        for constraint in constraints where labels?[constraint.topologyKey] == nil { return false }
        return true
    }
}

// MARK: - PreFilter / Filter

/// The two domains with the fewest matching pods (upstream `criticalPaths`): `first` always holds the minimum
/// after the initial computation; single-pod updates keep it as upstream does.
struct CriticalPaths: Sendable {
    var first: (value: String, count: Int) = ("", Int(Int32.max))
    var second: (value: String, count: Int) = ("", Int(Int32.max))

    mutating func update(_ value: String, _ count: Int) {
        if value == first.value {
            first.count = count
            if first.count > second.count { swap(&first, &second) }
        } else if value == second.value {
            second.count = count
            if first.count > second.count { swap(&first, &second) }
        } else if count < first.count {
            second = first
            first = (value, count)
        } else if count < second.count {
            second = (value, count)
        }
    }
}

extension PodTopologySpread {
    /// Matching pods per domain for each hard constraint, updated by AddPod/RemovePod on cloned states.
    ///
    /// `@unchecked Sendable`: counts are mutated only by AddPod/RemovePod on a clone no other thread reads at
    /// the same time; Filter workers read states that are no longer written.
    final class PreFilterState: StateData, @unchecked Sendable {
        let constraints: [SpreadConstraint]
        /// 1 when the incoming pod matches the constraint's selector (it would count in its own domain).
        let selfMatch: [Int]
        /// Per constraint: matching pods per domain, with every eligible domain present (0 included).
        var domainCounts: [DomainCounts]
        var criticalPaths: [CriticalPaths]
        /// Per constraint, when the snapshot's index counted: each node slot's domain id, the same ids
        /// `domainCounts` uses, so the batch Filter reads integers instead of hashing label values. Nil otherwise.
        let slotDomains: [TopologyDomains]?

        init(
            constraints: [SpreadConstraint],
            selfMatch: [Int],
            domainCounts: [DomainCounts],
            criticalPaths: [CriticalPaths],
            slotDomains: [TopologyDomains]? = nil
        ) {
            self.constraints = constraints
            self.selfMatch = selfMatch
            self.domainCounts = domainCounts
            self.criticalPaths = criticalPaths
            self.slotDomains = slotDomains
        }

        func clone() -> any StateData {
            PreFilterState(
                constraints: constraints,
                selfMatch: selfMatch,
                domainCounts: domainCounts,
                criticalPaths: criticalPaths,
                slotDomains: slotDomains
            )
        }

        /// Per constraint: domain value → matching pods (tests).
        var matchCounts: [[String: Int]] { domainCounts.map(\.dictionary) }

        /// The global minimum for constraint `i`: 0 while there are fewer eligible domains than `minDomains`.
        @inline(__always)
        func minMatch(_ i: Int) -> Int {
            if domainCounts[i].eligible < Int(constraints[i].minDomains) { return 0 }
            return criticalPaths[i].first.count
        }

        /// Upstream `updateWithPod`.
        func update(with other: Pod, preemptor: PodInfo, node: Node, delta: Int) {
            guard other.namespace == preemptor.namespace else { return }
            let labels = node.metadata.labels
            guard PodTopologySpread.hasAllKeys(labels, constraints) else { return }
            let otherLabels = other.labels
            for (i, constraint) in constraints.enumerated() {
                guard constraint.selector.matches(otherLabels), constraint.includes(node, for: preemptor) else {
                    continue
                }
                let value = labels?[constraint.topologyKey] ?? ""
                domainCounts[i].add(value, delta)
                criticalPaths[i].update(value, domainCounts[i].count(value))
            }
        }
    }

    /// Counts matching pods per domain over every eligible node (all topology keys present, inclusion policies
    /// met); Skip when the pod has no hard constraint.
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let constraints: [SpreadConstraint]
        do {
            constraints = try self.constraints(for: pod.pod, action: Self.doNotSchedule)
        } catch {
            return (nil, .error("get constraints from pod: obtaining pod's hard topology spread constraints: \(error)"))
        }
        if constraints.isEmpty { return (nil, .skip) }

        let indexed = indexedHardCounts(constraints, pod: pod, snapshot: snapshot)
        let domainCounts = indexed?.counts ?? Self.scannedHardCounts(constraints, pod: pod, snapshot: snapshot)
        let paths = domainCounts.map { $0.criticalPaths() }
        let podLabels = pod.pod.labels
        state.write(
            PreFilterState(
                constraints: constraints,
                selfMatch: constraints.map { $0.selector.matches(podLabels) ? 1 : 0 },
                domainCounts: domainCounts,
                criticalPaths: paths,
                slotDomains: indexed?.domains
            ),
            for: Self.preFilterKey
        )
        return (nil, .success)
    }

    /// Per hard constraint: the node must carry the key (else UnschedulableAndUnresolvable), and
    /// `count(domain) + selfMatch − globalMin ≤ maxSkew` (else Unschedulable).
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
        }
        let labels = node.node.metadata.labels
        for i in prepared.constraints.indices {
            let constraint = prepared.constraints[i]
            guard let value = labels?[constraint.topologyKey] else {
                return Status(.unschedulableAndUnresolvable, Self.reasonNodeLabelNotMatch)
            }
            let skew = prepared.domainCounts[i].count(value) + prepared.selfMatch[i] - prepared.minMatch(i)
            if skew > Int(constraint.maxSkew) {
                return Status(.unschedulable, Self.reasonConstraintsNotMatch)
            }
        }
        return .success
    }

    /// Counts `podToAdd` in its node's domains.
    package func addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
        }
        prepared.update(with: podToAdd.pod, preemptor: podToSchedule, node: nodeInfo.node, delta: 1)
        return .success
    }

    /// Stops counting `podToRemove` in its node's domains.
    package func removePod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToRemove: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("reading \"\(Self.preFilterKey.name)\" from cycleState: not found")
        }
        prepared.update(with: podToRemove.pod, preemptor: podToSchedule, node: nodeInfo.node, delta: -1)
        return .success
    }
}

// MARK: - PreScore / Score / NormalizeScore

extension PodTopologySpread {
    /// Soft constraints, their domain counts and weights, and the feasible nodes that are not scored.
    final class PreScoreState: StateData {
        let constraints: [SpreadConstraint]
        /// Feasible nodes missing a topology key (scored 0).
        let ignoredNodes: Set<String>
        /// Per constraint: matching pods per domain of the feasible nodes (hostname constraints are counted in
        /// Score).
        let domainCounts: [DomainCounts]
        /// Per hostname constraint, when the snapshot's index serves it: matching pods per node slot (nil for a
        /// selector that counts nothing). Empty when Score walks the node's pods.
        let hostCounts: [SlotCounts?]
        /// Per constraint, with `hostCounts`: the slot → domain table of `domainCounts`' ids (empty otherwise).
        let domains: [TopologyDomains]
        /// Per constraint: `ln(number of domains + 2)`.
        let weights: [Double]
        let namespace: String

        init(
            constraints: [SpreadConstraint],
            ignoredNodes: Set<String>,
            domainCounts: [DomainCounts],
            hostCounts: [SlotCounts?],
            domains: [TopologyDomains],
            weights: [Double],
            namespace: String
        ) {
            self.constraints = constraints
            self.ignoredNodes = ignoredNodes
            self.domainCounts = domainCounts
            self.hostCounts = hostCounts
            self.domains = domains
            self.weights = weights
            self.namespace = namespace
        }

        func clone() -> any StateData { self }

        /// Per constraint: domain value → matching pods (tests).
        var counts: [[String: Int]] { domainCounts.map(\.dictionary) }
    }

    /// Collects the domains of the feasible nodes, then counts matching pods per domain over all nodes; Skip
    /// without soft constraints.
    package func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        let snapshot = nodes.snapshot
        if snapshot.count == 0 { return .skip }
        let hasOwnConstraints = !(pod.pod.spec.topologySpreadConstraints ?? []).isEmpty
        // System defaults tolerate nodes without a zone label: hostname spreading still applies to them.
        let requireAllTopologies = hasOwnConstraints || !systemDefaulted
        let constraints: [SpreadConstraint]
        do {
            constraints = try self.constraints(for: pod.pod, action: Self.scheduleAnyway)
        } catch {
            let what =
                hasOwnConstraints
                ? "obtaining pod's soft topology spread constraints"
                : "setting default soft topology spread constraints"
            return .error("calculating preScoreState: \(what): \(error)")
        }
        if constraints.isEmpty { return .skip }

        let prepared =
            indexedSoftCounts(constraints, pod: pod, nodes: nodes, requireAllTopologies: requireAllTopologies)
            ?? Self.scannedSoftCounts(constraints, pod: pod, nodes: nodes, requireAllTopologies: requireAllTopologies)
        let weights = constraints.indices.map { i in
            let size =
                constraints[i].isHostname
                ? nodes.count - prepared.ignoredNodes.count : prepared.domainCounts[i].eligible
            return log(Double(size + 2))
        }
        state.write(
            PreScoreState(
                constraints: constraints,
                ignoredNodes: prepared.ignoredNodes,
                domainCounts: prepared.domainCounts,
                hostCounts: prepared.hostCounts,
                domains: prepared.domains,
                weights: weights,
                namespace: pod.namespace
            ),
            for: Self.preScoreKey
        )
        return .success
    }

    /// `round(Σ count(domain) × weight + (maxSkew − 1))` over the constraints whose key the node has; 0 for
    /// ignored nodes. Hostname domains are counted from the node's own pods (or the index's count for the node).
    package func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        guard let prepared = state.read(Self.preScoreKey) else {
            return (0, .error("error reading \"\(Self.preScoreKey.name)\" from cycleState: not found"))
        }
        if !prepared.ignoredNodes.isEmpty && prepared.ignoredNodes.contains(node.name) { return (0, .success) }
        let labels = node.node.metadata.labels
        var score = 0.0
        for i in prepared.constraints.indices {
            let constraint = prepared.constraints[i]
            guard let value = labels?[constraint.topologyKey] else { continue }
            let count: Int
            if !constraint.isHostname {
                count = prepared.domainCounts[i].count(value)
            } else if !prepared.hostCounts.isEmpty && node.indexSlot >= 0 {
                count = Int(prepared.hostCounts[i]?[node.indexSlot] ?? 0)
            } else {
                count = Self.countMatching(node.pods, constraint.selector, namespace: prepared.namespace)
            }
            score += Double(count) * prepared.weights[i] + Double(constraint.maxSkew - 1)
        }
        return (Int64(score.rounded(.toNearestOrAwayFromZero)), .success)
    }

    /// Fewer matching pods is better: `100 × (max + min − s) / max` over non-ignored nodes (all 100 when the
    /// maximum is 0); ignored nodes get 0.
    package func normalizeScores(state: CycleState, pod: PodInfo, nodes: NodeList, scores: inout [Int64]) -> Status {
        guard let prepared = state.read(Self.preScoreKey) else {
            return .error("error reading \"\(Self.preScoreKey.name)\" from cycleState: not found")
        }
        let invalidScore: Int64 = -1
        var minScore = Int64.max
        var maxScore: Int64 = 0
        for i in scores.indices {
            if !prepared.ignoredNodes.isEmpty && prepared.ignoredNodes.contains(nodes[i].name) {
                scores[i] = invalidScore
                continue
            }
            if scores[i] < minScore { minScore = scores[i] }
            if scores[i] > maxScore { maxScore = scores[i] }
        }
        for i in scores.indices {
            if scores[i] == invalidScore {
                scores[i] = 0
            } else if maxScore == 0 {
                scores[i] = NodeScoreRange.max
            } else {
                scores[i] = NodeScoreRange.max &* (maxScore &+ minScore &- scores[i]) / maxScore
            }
        }
        return .success
    }
}

// MARK: - Events

extension PodTopologySpread {
    /// Pods added, relabelled, given new tolerations or deleted; nodes added, deleted, relabelled or re-tainted.
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .pod,
                    action: [.add, .updatePodLabel, .updatePodToleration, .delete],
                    label: "PodAdd|UpdatePodLabel|UpdatePodToleration|Delete"
                ),
                hint: { [self] pod, old, new in hintAfterPodChange(pod, old: old?.pod, new: new?.pod) }
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .node,
                    action: [.add, .delete, .updateNodeLabel, .updateNodeTaint],
                    label: "NodeAdd|Delete|UpdateNodeLabel|UpdateNodeTaint"
                ),
                hint: { [self] pod, old, new in hintAfterNodeChange(pod, old: old?.node, new: new?.node) }
            ),
        ]
    }

    /// Upstream `involvedInTopologySpreading`: the pod itself, or a scheduled pod of its namespace.
    static func involved(_ other: Pod, with pod: Pod) -> Bool {
        other.uid == pod.uid || (!other.nodeName.isEmpty && other.namespace == pod.namespace)
    }

    /// Upstream `isSchedulableAfterPodChange`.
    func hintAfterPodChange(_ pod: Pod, old: Pod?, new: Pod?) -> QueueingHint {
        if let new, !Self.involved(new, with: pod) { return .skip }
        if let old, !Self.involved(old, with: pod) { return .skip }
        guard let constraints = try? constraints(for: pod, action: Self.doNotSchedule) else { return .queue }
        switch (old, new) {
        case (let original?, let modified?):
            if pod.uid == modified.uid && (modified.spec.tolerations ?? []) != (original.spec.tolerations ?? [])
                && constraints.contains(where: \.honorNodeTaints)
            {
                return .queue
            }
            if modified.labels == original.labels { return .skip }
            for constraint in constraints
            where constraint.selector.matches(original.labels) != constraint.selector.matches(modified.labels) {
                return .queue
            }
            return .skip
        case (nil, let added?):
            return constraints.contains(where: { $0.selector.matches(added.labels) }) ? .queue : .skip
        case (let deleted?, nil):
            return constraints.contains(where: { $0.selector.matches(deleted.labels) }) ? .queue : .skip
        case (nil, nil):
            return .queue
        }
    }

    /// Upstream `isSchedulableAfterNodeChange`: a node gaining or losing all topology keys, changing a key's
    /// value or its taints while it has them all, added with them all, or deleted having had them all.
    func hintAfterNodeChange(_ pod: Pod, old: Node?, new: Node?) -> QueueingHint {
        guard let constraints = try? constraints(for: pod, action: Self.doNotSchedule) else { return .queue }
        let originalMatching = old.map { Self.hasAllKeys($0.metadata.labels, constraints) } ?? false
        let modifiedMatching = new.map { Self.hasAllKeys($0.metadata.labels, constraints) } ?? false
        switch (old, new) {
        case (let original?, let modified?):
            if originalMatching != modifiedMatching { return .queue }
            if modifiedMatching {
                let keyChanged = constraints.contains {
                    original.labels[$0.topologyKey] != modified.labels[$0.topologyKey]
                }
                if keyChanged || original.taints != modified.taints { return .queue }
            }
            return .skip
        case (nil, _?):
            return modifiedMatching ? .queue : .skip
        case (_?, nil):
            return originalMatching ? .queue : .skip
        case (nil, nil):
            return .queue
        }
    }
}
