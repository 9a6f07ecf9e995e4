import Dispatch
import KubeAPI
import PluginSupport
import SchedulerFramework
import Synchronization

// Over 450 lines on purpose: upstream's preemption evaluator (candidates, dry runs, victim selection with PDBs,
// the node criteria, eviction) reads as one algorithm; its pieces share the evaluator's state.

/// Upstream's DefaultPreemption (PostFilter): when a pod fits nowhere, find the node where evicting the
/// fewest and least important lower-priority pods makes it fit, evict them asynchronously, and nominate
/// the node for the pod.
package final class DefaultPreemption: PostFilterPlugin, PreEnqueuePlugin, EnqueueExtensions {
    package static let name = PluginName.defaultPreemption
    package var name: String { Self.name }

    package static let reasonNoVictims = "No preemption victims found for incoming pod"
    package static let reasonNotHelpful = "Preemption is not helpful for scheduling"
    package static let reasonPreemptionPolicyNever = "not eligible due to preemptionPolicy=Never."
    package static let reasonTerminatingOnNominatedNode = "not eligible due to a terminating pod on the nominated node."
    package static let reasonWaitingForPreemption = "waiting for the preemption for this pod to be finished"

    package let args: DefaultPreemptionArgs
    let handle: any FrameworkHandle
    /// Preemptors whose victims are still being evicted (upstream `preempting`), each with the uid of its
    /// last victim once that one's eviction has started (upstream `lastVictimsPendingPreemption`).
    private let preempting = Mutex<[String: String?]>([:])
    /// Random start offset of the candidate scan; seeded so runs are reproducible.
    let offsetGenerator = Mutex(SeededGenerator(seed: 0x5EED))

    package init(args: DefaultPreemptionArgs, handle: any FrameworkHandle) throws(PluginArgsError) {
        try args.validate()
        self.args = args
        self.handle = handle
    }

    // MARK: PreEnqueue

    /// Holds a preemptor back while its victims are being evicted (asynchronous preemption).
    package func preEnqueue(_ pod: PodInfo) -> Status {
        isRunningPreemption(pod.uid) ? Status(.unschedulableAndUnresolvable, Self.reasonWaitingForPreemption) : .success
    }

    /// `IsPodRunningPreemption`: true while evictions run — but once the last victim is gone (or terminating),
    /// the preemption is over even if the eviction task has not finished its bookkeeping, so a deletion event
    /// that requeues the preemptor is not swallowed.
    func isRunningPreemption(_ uid: String) -> Bool {
        guard let entry = preempting.withLock({ $0[uid] }) else { return false }
        guard let lastVictim = entry else { return true }
        guard let victim = handle.services?.latestPod(uid: lastVictim) else { return false }
        return !victim.isTerminating
    }

    package func eventsToRegister() -> [ClusterEventWithHint] {
        // The plugins that rejected the pod decide when it is retried; this one never does.
        [ClusterEventWithHint(ClusterEvent(resource: .assignedPod, action: .delete), hint: { _, _, _ in .skip })]
    }

    // MARK: PostFilter

    package func postFilter(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> (PostFilterResult?, Status) {
        let (result, status) = preempt(state: state, pod: pod, snapshot: snapshot, nodeStatuses: nodeStatuses)
        guard !status.reasons.isEmpty else { return (result, status) }
        return (result, Status(status.code, "preemption: " + status.message, plugin: status.plugin))
    }

    /// A shortlisted node and the pods to evict there.
    struct Candidate {
        var nodeName: String
        /// Most important first.
        var victims: [PodInfo]
        var pdbViolations: Int
    }

    private func preempt(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> (PostFilterResult?, Status) {
        guard let services = handle.services else {
            return (nil, .error("preemption needs the scheduler's framework services"))
        }
        let preemptor = services.latestPod(uid: pod.uid).map(PodInfo.init) ?? pod
        let nominatedNode = preemptor.pod.status?.nominatedNodeName ?? ""
        if let reason = ineligibility(
            preemptor,
            nominatedNode: nominatedNode,
            snapshot: snapshot,
            nodeStatuses: nodeStatuses
        ) {
            services.preemptionAttempted(victims: 0)
            return (nil, Status(.unschedulable, reason))
        }

        // Only nodes that failed as Unschedulable can be helped by evicting pods.
        let potential = snapshot.nodes.indices.filter {
            nodeStatuses.status(of: snapshot.nodes[$0].name)?.code == .unschedulable
        }
        var statuses = NodeToStatus()
        var candidates: [Candidate] = []
        if !potential.isEmpty {
            let offset = offsetGenerator.withLock { Int($0.next() % UInt64(potential.count)) }
            let wanted = candidateCount(numNodes: potential.count)
            (candidates, statuses) = dryRun(
                state: state,
                pod: preemptor,
                snapshot: snapshot,
                potential: potential,
                offset: offset,
                wanted: wanted,
                services: services
            )
        }
        if !candidates.isEmpty && !services.extenders.isEmpty {
            switch callExtenders(preemptor.pod, candidates, snapshot: snapshot, services: services) {
            case .failure(let failure):
                services.preemptionAttempted(victims: 0)
                return (nil, failure.status)
            case .success(let narrowed):
                guard !narrowed.isEmpty else {
                    services.preemptionAttempted(victims: 0)
                    return (nil, Status(.unschedulable, "no candidate node for preemption"))
                }
                candidates = narrowed
            }
        }
        let best = select(candidates)
        services.preemptionAttempted(victims: best?.victims.count ?? 0)
        guard let best else {
            statuses.absentStatus = Status(.unschedulableAndUnresolvable, Self.reasonNotHelpful)
            let message = FitError(podKey: preemptor.key, numAllNodes: snapshot.count, diagnosis: diagnosis(statuses))
                .message
            return (PostFilterResult(nominatingMode: .override(nodeName: "")), Status(.unschedulable, message))
        }
        evict(best, preemptor: preemptor, services: services)
        return (PostFilterResult(nominatingMode: .override(nodeName: best.nodeName)), .success)
    }

    func diagnosis(_ statuses: NodeToStatus) -> Diagnosis {
        var diagnosis = Diagnosis()
        diagnosis.nodeToStatus = statuses
        return diagnosis
    }

    /// `PodEligibleToPreemptOthers`: nil when the pod may preempt, else the reason.
    func ineligibility(
        _ pod: PodInfo,
        nominatedNode: String,
        snapshot: Snapshot,
        nodeStatuses: NodeToStatus
    ) -> String? {
        if pod.pod.spec.preemptionPolicy == "Never" { return Self.reasonPreemptionPolicyNever }
        guard !nominatedNode.isEmpty else { return nil }
        // A nominated node that became unresolvable is given up: preempt again elsewhere.
        if nodeStatuses.status(of: nominatedNode)?.code == .unschedulableAndUnresolvable { return nil }
        if let node = snapshot.nodeInfo(named: nominatedNode) {
            for victim in node.pods where victim.priority < pod.priority && Self.isTerminatingByPreemption(victim.pod) {
                return Self.reasonTerminatingOnNominatedNode
            }
        }
        return nil
    }

    static func isTerminatingByPreemption(_ pod: Pod) -> Bool {
        guard pod.isTerminating else { return false }
        guard let condition = pod.status?.conditions?.first(where: { $0.type == "DisruptionTarget" }) else {
            return false
        }
        return condition.status == "True" && condition.reason == "PreemptionByScheduler"
    }

    /// `max(numNodes × percentage / 100, absolute)`, at most numNodes.
    func candidateCount(numNodes: Int) -> Int {
        var count = numNodes * Int(args.minCandidateNodesPercentage) / 100
        if count < Int(args.minCandidateNodesAbsolute) { count = Int(args.minCandidateNodesAbsolute) }
        return min(count, numNodes)
    }

    /// Dry-runs preemption on the potential nodes in parallel batches, in scan order from `offset`, until
    /// at least one PDB-respecting candidate exists and `wanted` candidates were found.
    func dryRun(
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        potential: [Int],
        offset: Int,
        wanted: Int,
        services: any FrameworkServices
    ) -> ([Candidate], NodeToStatus) {
        let budgets = disruptionBudgets(snapshot: snapshot, potential: potential, preemptor: pod)
        var nonViolating: [Candidate] = []
        var violating: [Candidate] = []
        var statuses = NodeToStatus()
        // Batches as large as the candidates still wanted (at least `parallelism`), so a dry run usually
        // needs one parallel pass rather than many small synchronised ones.
        let minimumBatch = max(1, handle.parallelism)
        var start = 0
        while start < potential.count {
            let stillWanted = wanted - nonViolating.count - violating.count
            let end = min(potential.count, start + max(minimumBatch, stillWanted))
            let results = Mutex<[(Int, Candidate?, Status?)]>([])
            let batchStart = start
            DispatchQueue.concurrentPerform(iterations: end - start) { i in
                let position = batchStart + i
                var node = snapshot.nodes[potential[(offset + position) % potential.count]]
                let (victims, violations, status) = selectVictims(
                    on: &node,
                    state: state.clone(),
                    pod: pod,
                    budgets: budgets,
                    services: services
                )
                let entry: (Int, Candidate?, Status?)
                if status.isSuccess && !victims.isEmpty {
                    entry = (position, Candidate(nodeName: node.name, victims: victims, pdbViolations: violations), nil)
                } else {
                    let failure =
                        status.isSuccess
                        ? Status.error("expected at least one victim pod on node \"\(node.name)\"") : status
                    entry = (position, nil, failure.attributed(to: node.name))
                }
                results.withLock { $0.append(entry) }
            }
            for (_, candidate, status) in results.withLock({ $0 }).sorted(by: { $0.0 < $1.0 }) {
                if let candidate {
                    if candidate.pdbViolations == 0 {
                        nonViolating.append(candidate)
                    } else {
                        violating.append(candidate)
                    }
                } else if var status {
                    let name = status.plugin ?? ""
                    status.plugin = nil
                    statuses.set(status, for: name)
                }
            }
            if !nonViolating.isEmpty && nonViolating.count + violating.count >= wanted { break }
            start = end
        }
        return (nonViolating + violating, statuses)
    }

    /// `SelectVictimsOnNode`: remove every lower-priority pod, check the preemptor fits, then add pods back
    /// from the most important down — PDB-violating ones first — keeping those that still let it fit.
    private func selectVictims(
        on node: inout NodeInfo,
        state: CycleState,
        pod: PodInfo,
        budgets: [Budget],
        services: any FrameworkServices
    ) -> ([PodInfo], Int, Status) {
        var potential = node.pods.filter { $0.priority < pod.priority }
        guard !potential.isEmpty else {
            return ([], 0, Status(.unschedulableAndUnresolvable, Self.reasonNoVictims))
        }
        for victim in potential {
            node.removePod(uid: victim.uid)
            let status = services.runPreFilterExtensionRemovePod(
                state: state,
                podToSchedule: pod,
                podToRemove: victim,
                nodeInfo: node
            )
            if !status.isSuccess { return ([], 0, status) }
        }
        let fits = services.runFilterPluginsWithNominatedPods(state: state, pod: pod, nodeInfo: node)
        guard fits.isSuccess else { return ([], 0, fits) }

        potential.sort(by: Self.moreImportant)
        let (violatingPods, nonViolatingPods) = Self.splitByBudgetViolation(potential, budgets: budgets)
        var victims: [PodInfo] = []
        var violations = 0
        func reprieve(_ candidate: PodInfo) -> Status? {
            node.addPod(candidate)
            let added = services.runPreFilterExtensionAddPod(
                state: state,
                podToSchedule: pod,
                podToAdd: candidate,
                nodeInfo: node
            )
            if !added.isSuccess { return added }
            if services.runFilterPluginsWithNominatedPods(state: state, pod: pod, nodeInfo: node).isSuccess {
                return nil
            }
            node.removePod(uid: candidate.uid)
            let removed = services.runPreFilterExtensionRemovePod(
                state: state,
                podToSchedule: pod,
                podToRemove: candidate,
                nodeInfo: node
            )
            if !removed.isSuccess { return removed }
            victims.append(candidate)
            return .success
        }
        for candidate in violatingPods {
            switch reprieve(candidate) {
            case nil: break
            case let status? where status.isSuccess: violations += 1
            case let status?: return ([], 0, status)
            }
        }
        for candidate in nonViolatingPods {
            if let status = reprieve(candidate), !status.isSuccess { return ([], 0, status) }
        }
        if !violatingPods.isEmpty && !nonViolatingPods.isEmpty { victims.sort(by: Self.moreImportant) }
        return (victims, violations, .success)
    }

    /// Higher priority first; equal priority: the one running longer (earlier start) first (`MoreImportantPod`).
    static func moreImportant(_ lhs: PodInfo, _ rhs: PodInfo) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        return startTime(lhs.pod) < startTime(rhs.pod)
    }

    /// `status.startTime`; a pod that has not started counts as starting now (i.e. latest).
    static func startTime(_ pod: Pod) -> Double {
        pod.status?.startTime.flatMap(RFC3339.secondsSinceEpoch) ?? Double.greatestFiniteMagnitude
    }

    // MARK: PodDisruptionBudgets

    struct Budget {
        var namespace: String
        var selector: Selector
        var allowed: Int32
        var disrupted: Set<String>
    }

    private func disruptionBudgets(snapshot: Snapshot, potential: [Int], preemptor: PodInfo) -> [Budget] {
        // Upstream lists every budget; a budget of another namespace than a victim's never applies to it.
        if let all = handle.objects.allPodDisruptionBudgets() {
            return all.compactMap { pdb in
                guard let selector = try? Selector(pdb.spec.selector) else { return nil }
                return Budget(
                    namespace: pdb.metadata.namespace ?? "default",
                    selector: selector,
                    allowed: pdb.status?.disruptionsAllowed ?? 0,
                    disrupted: Set((pdb.status?.disruptedPods ?? [:]).keys)
                )
            }
        }
        var namespaces: [String] = []
        var seen: Set<String> = []
        for index in potential {
            for pod in snapshot.nodes[index].pods
            where pod.priority < preemptor.priority && seen.insert(pod.namespace).inserted {
                namespaces.append(pod.namespace)
            }
        }
        var budgets: [Budget] = []
        for namespace in namespaces.sorted() {
            for pdb in handle.objects.podDisruptionBudgets(namespace: namespace) {
                // An invalid selector matches nothing.
                guard let selector = try? Selector(pdb.spec.selector) else { continue }
                budgets.append(
                    Budget(
                        namespace: namespace,
                        selector: selector,
                        allowed: pdb.status?.disruptionsAllowed ?? 0,
                        disrupted: Set((pdb.status?.disruptedPods ?? [:]).keys)
                    )
                )
            }
        }
        return budgets
    }

    /// Splits pods (order kept) into those whose eviction would exceed a budget and the rest
    /// (`filterPodsWithPDBViolation`).
    static func splitByBudgetViolation(
        _ pods: [PodInfo],
        budgets: [Budget]
    ) -> (violating: [PodInfo], nonViolating: [PodInfo]) {
        var allowed = budgets.map(\.allowed)
        var violating: [PodInfo] = []
        var nonViolating: [PodInfo] = []
        for pod in pods {
            var violated = false
            let labels = pod.pod.labels
            if !labels.isEmpty {
                for (i, budget) in budgets.enumerated() where budget.namespace == pod.namespace {
                    // A nil or empty selector matches nothing here.
                    guard !budget.selector.isEmpty, budget.selector.matches(labels) else { continue }
                    if budget.disrupted.contains(pod.name) { continue }
                    allowed[i] -= 1
                    if allowed[i] < 0 { violated = true }
                }
            }
            if violated { violating.append(pod) } else { nonViolating.append(pod) }
        }
        return (violating, nonViolating)
    }

    // MARK: Choosing the node

    /// `pickOneNodeForPreemption`: fewest PDB violations, lowest highest-victim priority, smallest sum of
    /// priorities, fewest victims, latest start among the highest-priority victims, then the first.
    func select(_ candidates: [Candidate]) -> Candidate? {
        guard candidates.count > 1 else { return candidates.first }
        let criteria: [(Candidate) -> Double] = [
            { -Double($0.pdbViolations) },
            { -Double($0.victims.first?.priority ?? 0) },
            { -$0.victims.reduce(0.0) { $0 + Double(Int64($1.priority) + Int64(Int32.max) + 1) } },
            { -Double($0.victims.count) },
            { candidate in
                // The earliest start among the highest-priority victims; later is better.
                let top = candidate.victims.first?.priority ?? 0
                return candidate.victims.filter { $0.priority == top }.map { Self.startTime($0.pod) }.min() ?? -Double
                    .greatestFiniteMagnitude
            },
        ]
        var remaining = candidates
        for score in criteria {
            let scores = remaining.map(score)
            guard let best = scores.max() else { break }
            remaining = zip(remaining, scores).filter { $0.1 == best }.map(\.0)
            if remaining.count == 1 { return remaining[0] }
        }
        return remaining.first
    }

    // MARK: Evicting

    /// Evicts the victims in the background (`prepareCandidateAsync`): clears lower-priority nominations on
    /// the node, then for each victim rejects it if it waits at Permit, or marks it with a DisruptionTarget
    /// condition and deletes it. The preemptor is held by ``preEnqueue(_:)`` until this finishes.
    private func evict(_ candidate: Candidate, preemptor: PodInfo, services: any FrameworkServices) {
        let victims = candidate.victims.filter { !$0.pod.isTerminating }
        guard !victims.isEmpty else { return }
        let lowerNominated = services.nominatedPods(forNode: candidate.nodeName).filter {
            $0.priority < preemptor.priority
        }
        let uid = preemptor.uid
        preempting.withLock { $0[uid] = .some(nil) }
        let client = handle.client
        let schedulerName = preemptor.pod.schedulerName
        let node = candidate.nodeName
        services.runAsync { [self] in
            var failed = false
            for nominated in lowerNominated where !(nominated.pod.status?.nominatedNodeName ?? "").isEmpty {
                try? await client.patchPodStatus(
                    namespace: nominated.namespace,
                    name: nominated.name,
                    patch: PodStatusPatch(nominatedNodeName: .clear)
                )
            }
            // Whether the last victim went without a deletion of ours: rejected at Permit, or already deleted.
            // Then no deletion event may reach the queue after the preemptor was held, and it is activated.
            var lastVictimLeftNoEvent = false
            for (index, victim) in victims.enumerated() {
                let isLast = index == victims.count - 1
                if isLast {
                    preempting.withLock { $0[uid] = .some(victim.uid) }
                }
                if services.rejectWaitingPod(uid: victim.uid, plugin: Self.name, message: "preempted") {
                    lastVictimLeftNoEvent = isLast
                    continue
                }
                let condition = PodCondition(
                    type: "DisruptionTarget",
                    status: "True",
                    reason: "PreemptionByScheduler",
                    message: "\(schedulerName): preempting to accommodate a higher priority pod"
                )
                do {
                    try await client.patchPodStatus(
                        namespace: victim.namespace,
                        name: victim.name,
                        patch: PodStatusPatch(condition: condition)
                    )
                    try await client.deletePod(namespace: victim.namespace, name: victim.name, uid: victim.uid)
                } catch let error as ClusterError where error.code == .notFound {
                    lastVictimLeftNoEvent = isLast
                    continue  // already gone
                } catch {
                    failed = true
                    break
                }
                services.podPreempted(victim.pod, nodeName: node, preemptor: preemptor.pod)
                await client.recordEvent(
                    SchedulingEvent(
                        namespace: victim.namespace,
                        podName: victim.name,
                        type: "Normal",
                        reason: "Preempted",
                        action: "Preempting",
                        note: "Preempted by pod \(preemptor.uid) on node \(node)",
                        reportingController: schedulerName
                    )
                )
            }
            preempting.withLock { _ = $0.removeValue(forKey: uid) }
            // After a failed eviction, or a last victim that left no deletion event, the preemptor could otherwise
            // wait for an event that never comes. It leaves `preempting` first, so its PreEnqueue passes.
            if failed || lastVictimLeftNoEvent { services.activate(preemptor.pod) }
        }
    }
}
