import KubeAPI
import SchedulerFramework
import Synchronization

// Over 450 lines on purpose: upstream's volumebinding extension points (PreFilter to PreBind, events and
// hints) next to the cycle state they share; matching lives in Binder.swift and the assumptions in
// AssumeCache.swift.

/// Binds a pod's PersistentVolumeClaims as part of scheduling: bound claims must have volumes the node can
/// reach, WaitForFirstConsumer claims get the smallest fitting PV on the node or are provisioned there
/// (with the class's topology and the CSI driver's storage capacity), Reserve assumes the choice, PreBind
/// writes it to the API server and waits for the PV controller. Upstream's `volumebinding.VolumeBinding`
/// (v1.35, StorageCapacityScoring off: Score contributes nothing).
package final class VolumeBinding: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, ReservePlugin,
    PreBindPlugin,
    EnqueueExtensions
{
    package static let name = PluginName.volumeBinding
    package var name: String { Self.name }

    /// Filter reasons (all UnschedulableAndUnresolvable), in the order upstream reports them.
    package static let reasonNodeConflict = "node(s) didn't match PersistentVolume's node affinity"
    package static let reasonBindConflict = "node(s) didn't find available persistent volumes to bind"
    package static let reasonNotEnoughSpace = "node(s) did not have enough free storage"
    package static let reasonPVNotExist = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
    /// PreFilter: a claim of an Immediate class (or naming its volume) is not bound yet.
    package static let reasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims"

    static let stateKey = StateKey<CycleData>(VolumeBinding.name)

    package let args: VolumeBindingArgs
    let objects: any ClusterObjectLister
    private let client: any ClusterClient
    private let handle: any FrameworkHandle
    let assumeCache = AssumeCache()
    /// How long PreBind waits for the claims to be bound.
    let bindTimeout: Duration
    /// PreBind's first re-check of the informers comes after this, doubling up to one second (upstream polls
    /// every second; the first check comes sooner here so an embedded cluster binds without a pause).
    let initialPollInterval: Duration

    package convenience init(args: VolumeBindingArgs, handle: any FrameworkHandle) throws(PluginArgsError) {
        try self.init(args: args, handle: handle, initialPollInterval: .milliseconds(5))
    }

    /// - Parameter initialPollInterval: the first pause of PreBind's wait (tests shorten it).
    package init(
        args: VolumeBindingArgs,
        handle: any FrameworkHandle,
        initialPollInterval: Duration
    ) throws(PluginArgsError) {
        try args.validate()
        self.args = args
        self.handle = handle
        self.objects = handle.objects
        self.client = handle.client
        self.bindTimeout = .seconds(args.bindTimeoutSeconds)
        self.initialPollInterval = initialPollInterval
    }

    /// A PV as the plugin sees it: the copy Reserve assumed while the informers still hold `informer`'s version.
    package func assumedVolume(_ informer: PersistentVolume) -> PersistentVolume { assumeCache.view.volume(informer) }

    /// The plugin's per-cycle data (upstream's `stateData`).
    final class CycleData: StateData, @unchecked Sendable {
        let claims: PodClaims
        let view: AssumeCache.View
        /// ``view``'s assumed volume names as a table, built once per cycle (the Filter reads it per node).
        let assumed: AssumedVolumeFilter
        // Written by Reserve/Unreserve/PreBind, which run one at a time for a pod.
        var snapshot: Snapshot?
        var node: Node?
        var podVolumes: PodVolumes?
        var allBound = false

        init(claims: PodClaims, view: AssumeCache.View, snapshot: Snapshot?) {
            self.claims = claims
            self.view = view
            self.assumed = AssumedVolumeFilter(view)
            self.snapshot = snapshot
        }

        func clone() -> any StateData { self }
    }
}

// MARK: - PreFilter / Filter

extension VolumeBinding {
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let volumes = pod.pod.spec.volumes ?? []
        guard volumes.contains(where: { $0.persistentVolumeClaim != nil || $0.ephemeral != nil }) else {
            return (nil, .skip)
        }
        let view = assumeCache.view
        // podHasPVCs: every claim must exist, not be lost or being deleted, and (ephemeral) belong to the pod.
        var claims: [PersistentVolumeClaim] = []
        for volume in volumes {
            guard let (claimName, isEphemeral) = volume.claimName(podName: pod.name) else { continue }
            guard let informer = objects.persistentVolumeClaim(namespace: pod.namespace, name: claimName) else {
                let message =
                    isEphemeral
                    ? "waiting for ephemeral volume controller to create the persistentvolumeclaim \"\(claimName)\""
                    : "persistentvolumeclaim \"\(claimName)\" not found"
                return (nil, Status(.unschedulableAndUnresolvable, message))
            }
            let claim = view.claim(informer)
            if claim.status?.phase == "Lost" {
                return (
                    nil,
                    Status(
                        .unschedulableAndUnresolvable,
                        "persistentvolumeclaim \"\(claimName)\" bound to non-existent persistentvolume \"\(claim.spec.volumeName ?? "")\""
                    )
                )
            }
            if claim.metadata.deletionTimestamp != nil {
                return (
                    nil,
                    Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"\(claimName)\" is being deleted")
                )
            }
            if isEphemeral, !Self.isControlled(claim, by: pod.pod) {
                return (
                    nil,
                    Status(
                        .unschedulableAndUnresolvable,
                        "PVC \(claim.metadata.namespace ?? "default")/\(claimName) was not created for pod \(pod.namespace)/\(pod.name) (pod is not owner)"
                    )
                )
            }
            claims.append(claim)
        }
        // GetPodVolumeClaims: bound, delayed (WaitForFirstConsumer without a volume name), immediate.
        var podClaims = PodClaims()
        for claim in claims {
            if claim.isFullyBound {
                let volume = objects.persistentVolume(named: claim.spec.volumeName ?? "").map { view.volume($0) }
                podClaims.bound.append(BoundClaim(claim: claim, volume: volume))
                continue
            }
            let className = claim.storageClass
            let delayedMode =
                !className.isEmpty && (objects.storageClass(named: className)?.waitsForFirstConsumer ?? false)
            guard delayedMode, (claim.spec.volumeName ?? "").isEmpty else {
                podClaims.unboundImmediate += 1
                continue
            }
            var selector: Selector?
            if let labelSelector = claim.spec.selector {
                do {
                    selector = try Selector(labelSelector)
                } catch {
                    return (nil, .error("error creating internal label selector for claim: \(claim.key): \(error)"))
                }
            }
            let request = claim.spec.resources?.requests?["storage"]
            podClaims.delayed.append(
                DelayedClaim(
                    claim: claim,
                    className: className,
                    requestedBytes: request?.value ?? 0,
                    hasRequest: request != nil,
                    accessModes: claim.spec.accessModes ?? [],
                    accessModeBits: IndexedPersistentVolume.accessModeBits(claim.spec.accessModes ?? []),
                    volumeMode: claim.spec.volumeMode ?? "Filesystem",
                    selectedNode: claim.metadata.annotations?[VolumeAnnotations.selectedNode],
                    selector: selector,
                    preBound: objects.persistentVolumesClaimed(
                        namespace: claim.metadata.namespace ?? "default",
                        name: claim.metadata.name
                    )
                    .map { IndexedPersistentVolume(view.volume($0)) }
                )
            )
        }
        if podClaims.unboundImmediate > 0 {
            return (nil, Status(.unschedulableAndUnresolvable, Self.reasonUnboundImmediate))
        }
        // Stable sort by requested size, as upstream's sort.Sort on an already ordered list keeps equal sizes
        // in pod order for the small lists pods have.
        podClaims.delayed = podClaims.delayed.enumerated()
            .sorted { ($0.element.requestedBytes, $0.offset) < ($1.element.requestedBytes, $1.offset) }
            .map(\.element)
        let needsNode = !podClaims.delayed.isEmpty
        state.write(CycleData(claims: podClaims, view: view, snapshot: needsNode ? snapshot : nil), for: Self.stateKey)
        return (
            Self.eligibleNodes(podClaims.bound, snapshot: snapshot).map { PreFilterResult(nodeNames: $0) }, .success
        )
    }

    /// Upstream's `GetEligibleNodes`: bound claims whose local PVs name hostnames restrict the cycle to the
    /// nodes with those hostnames (intersected over the claims); nil when no bound PV names any.
    static func eligibleNodes(_ bound: [BoundClaim], snapshot: Snapshot) -> Set<String>? {
        var hostnames: Set<String>?
        for claim in bound {
            guard let volume = claim.volume, let names = localNodeNames(volume), !names.isEmpty else { continue }
            hostnames = hostnames.map { $0.intersection(names) } ?? names
        }
        guard let hostnames else { return nil }
        var nodes = Set<String>()
        for info in snapshot.nodes {
            let hostname = info.node.metadata.labels?[VolumeAnnotations.hostnameLabel] ?? info.name
            if hostnames.contains(hostname) { nodes.insert(info.name) }
        }
        return nodes
    }

    /// `GetLocalPersistentVolumeNodeNames`: per term, the intersection of its `kubernetes.io/hostname In`
    /// values; the union over terms.
    static func localNodeNames(_ volume: PersistentVolume) -> Set<String>? {
        guard let terms = volume.spec.nodeAffinity?.required?.nodeSelectorTerms else { return nil }
        var result = Set<String>()
        for term in terms {
            var names: Set<String>?
            for requirement in term.matchExpressions ?? []
            where requirement.key == VolumeAnnotations.hostnameLabel && requirement.operator == "In" {
                let values = Set(requirement.values ?? [])
                names = names.map { $0.intersection(values) } ?? values
            }
            result.formUnion(names ?? [])
        }
        return result
    }

    /// `metav1.IsControlledBy(pvc, pod)`: the claim's controller owner reference names the pod's uid.
    static func isControlled(_ claim: PersistentVolumeClaim, by pod: Pod) -> Bool {
        guard let uid = pod.metadata.uid else { return false }
        return (claim.metadata.ownerReferences ?? []).contains { $0.controller == true && $0.uid == uid }
    }

    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        guard let data = state.read(Self.stateKey) else {
            return .error("reading \"\(Self.name)\" from cycleState: not found")
        }
        let matcher = VolumeMatcher(objects: objects, view: data.view, assumed: data.assumed)
        var unused = PodVolumes()
        let conflicts: VolumeConflicts
        do {
            conflicts = try matcher.find(
                data.claims,
                nodeName: node.name,
                labels: node.node.metadata.labels ?? [:],
                collect: false,
                podVolumes: &unused
            )
        } catch {
            return .error(error.message)
        }
        return conflicts.isEmpty ? .success : Status(.unschedulableAndUnresolvable, conflicts.reasons)
    }
}

// MARK: - PreScore / Score

extension VolumeBinding {
    /// Without the StorageCapacityScoring feature (its v1.35 default) upstream builds no scorer and skips.
    package func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status { .skip }

    package func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        (0, .success)
    }
}

// MARK: - Reserve / Unreserve

extension VolumeBinding {
    /// Chooses the node's bindings again (the same rules as Filter, against the latest volumes) and assumes
    /// them: PVs get the claim reference, claims to provision the selected node.
    package func reserve(state: CycleState, pod: PodInfo, nodeName: String) -> Status {
        guard let data = state.read(Self.stateKey) else {
            return .success  // the pod has no claims (PreFilter skipped)
        }
        let snapshot = data.snapshot
        data.snapshot = nil
        guard !data.claims.delayed.isEmpty else {
            data.allBound = true
            return .success
        }
        guard let node = snapshot?.nodeInfo(named: nodeName)?.node else {
            return .error("node \"\(nodeName)\" not found")
        }
        data.node = node
        let view = assumeCache.view
        let matcher = VolumeMatcher(objects: objects, view: view)
        var podVolumes = PodVolumes()
        do {
            let conflicts = try matcher.find(
                data.claims,
                nodeName: nodeName,
                labels: node.metadata.labels ?? [:],
                collect: true,
                podVolumes: &podVolumes
            )
            guard conflicts.isEmpty else {
                return .error(
                    "volumes of pod \(pod.key) no longer fit node \"\(nodeName)\": \(conflicts.reasons.joined(separator: ", "))"
                )
            }
        } catch {
            return .error(error.message)
        }
        // AssumePodVolumes.
        var assumed = PodVolumes()
        for binding in podVolumes.staticBindings {
            let (volume, dirty) = Self.bindVolume(binding.volume, to: binding.claim)
            if dirty { assumeCache.assume(volume: volume, base: binding.volume.metadata.resourceVersion) }
            assumed.staticBindings.append(PodVolumes.StaticBinding(claim: binding.claim, volume: volume))
        }
        for claim in podVolumes.provisions {
            var annotated = claim
            annotated.metadata.annotations = (claim.metadata.annotations ?? [:]).merging([
                VolumeAnnotations.selectedNode: nodeName
            ]) { $1 }
            assumeCache.assume(claim: annotated, base: claim.metadata.resourceVersion)
            assumed.provisions.append(annotated)
        }
        data.podVolumes = assumed
        return .success
    }

    /// Reverts the assumptions Reserve made.
    package func unreserve(state: CycleState, pod: PodInfo, nodeName: String) {
        guard let data = state.read(Self.stateKey), let podVolumes = data.podVolumes else { return }
        revert(podVolumes)
    }

    func revert(_ podVolumes: PodVolumes) {
        for binding in podVolumes.staticBindings { assumeCache.restore(volume: binding.volume.metadata.name) }
        for claim in podVolumes.provisions { assumeCache.restore(claim: claim.key) }
    }

    /// `GetBindVolumeToClaim`: the PV with `claimRef` naming the claim (uid and resourceVersion included) and,
    /// when the scheduler made the binding, `pv.kubernetes.io/bound-by-controller: "yes"`.
    static func bindVolume(
        _ volume: PersistentVolume,
        to claim: PersistentVolumeClaim
    ) -> (PersistentVolume, dirty: Bool) {
        var result = volume
        var dirty = false
        let boundByScheduler = !volume.isBound(to: claim)
        let ref = volume.spec.claimRef
        if ref == nil || ref?.name != claim.metadata.name || ref?.namespace != (claim.metadata.namespace ?? "default")
            || (ref?.uid ?? "") != (claim.metadata.uid ?? "")
        {
            result.spec.claimRef = ObjectReference(
                kind: "PersistentVolumeClaim",
                namespace: claim.metadata.namespace ?? "default",
                name: claim.metadata.name,
                uid: claim.metadata.uid,
                apiVersion: "v1",
                resourceVersion: claim.metadata.resourceVersion
            )
            dirty = true
        }
        if boundByScheduler, result.metadata.annotations?[VolumeAnnotations.boundByController] == nil {
            var annotations = result.metadata.annotations ?? [:]
            annotations[VolumeAnnotations.boundByController] = "yes"
            result.metadata.annotations = annotations
            dirty = true
        }
        return (result, dirty)
    }
}

// MARK: - PreBind

extension VolumeBinding {
    /// Writes the assumed bindings (PVs first, then claims to provision) and waits until the PV controller
    /// has bound every claim, up to `bindTimeoutSeconds`. Any failure fails the binding cycle; the
    /// framework's Unreserve then reverts the assumptions and the pod is retried.
    package func preBind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status {
        guard let data = state.read(Self.stateKey) else { return .success }
        if data.allBound || data.claims.delayed.isEmpty { return .success }
        guard let podVolumes = data.podVolumes else { return .error("no pod volumes found for node \"\(nodeName)\"") }
        // bindAPIUpdate.
        var written = PodVolumes()
        do {
            for binding in podVolumes.staticBindings {
                let stored = try await client.updatePersistentVolume(binding.volume)
                written.staticBindings.append(PodVolumes.StaticBinding(claim: binding.claim, volume: stored))
            }
            for claim in podVolumes.provisions {
                written.provisions.append(try await client.updatePersistentVolumeClaim(claim))
            }
        } catch {
            return .error(error.message)
        }
        // Wait for the PV controller (checkBindings on the informers' objects), woken by the informers' changes
        // to the claims and volumes where the lister can tell, else polling.
        let observer = VolumeChangeObserver(
            volumes: Set(written.staticBindings.map(\.volume.metadata.name)),
            claims: Set(written.staticBindings.map(\.claim.key) + written.provisions.map(\.key))
        )
        let observing = objects.startObservingVolumes(observer)
        defer { if observing { objects.stopObservingVolumes(observer) } }
        let clock = ContinuousClock()
        let deadline = clock.now + bindTimeout
        var interval = initialPollInterval
        while true {
            switch checkBindings(pod: pod, nodeName: nodeName, node: data.node, written: written) {
            case .bound:
                revert(podVolumes)  // the informers hold the bound objects now
                return .success
            case .failed(let message):
                return .error("binding volumes: \(message)")
            case .waiting:
                break
            }
            let now = clock.now
            if now >= deadline || Task.isCancelled { return .error("binding volumes: context deadline exceeded") }
            if observing {
                await observer.wait(timeout: min(interval, deadline - now))
            } else {
                try? await Task.sleep(for: min(interval, deadline - now))
            }
            interval = min(interval * 2, .seconds(1))
        }
    }

    enum BindingProgress: Equatable {
        case bound
        case waiting
        case failed(String)
    }

    /// Upstream's `checkBindings`: whether every claim the pod's bindings touched is fully bound, still
    /// waiting, or failed (the claim reference was dropped, the PV went to another claim, provisioning gave up,
    /// the pod is gone).
    func checkBindings(pod: PodInfo, nodeName: String, node: Node?, written: PodVolumes) -> BindingProgress {
        if let services = handle.services, services.latestPod(uid: pod.uid) == nil {
            return .failed("pod does not exist any more: pods \"\(pod.name)\" not found")
        }
        let labels = node?.metadata.labels ?? [:]
        for binding in written.staticBindings {
            guard let volume = objects.persistentVolume(named: binding.volume.metadata.name) else {
                return .failed(
                    "failed to check binding: PersistentVolume \"\(binding.volume.metadata.name)\" not found"
                )
            }
            guard
                let claim = objects.persistentVolumeClaim(
                    namespace: binding.claim.metadata.namespace ?? "default",
                    name: binding.claim.metadata.name
                )
            else {
                return .failed("failed to check binding: PersistentVolumeClaim \"\(binding.claim.key)\" not found")
            }
            if Self.isOlder(volume.metadata.resourceVersion, than: binding.volume.metadata.resourceVersion) {
                return .waiting
            }
            if !VolumeMatcher.nodeAffinityMatches(volume, labels: labels) {
                return .failed(
                    "pv \"\(volume.metadata.name)\" node affinity doesn't match node \"\(nodeName)\": no matching NodeSelectorTerms"
                )
            }
            guard let ref = volume.spec.claimRef, !(ref.uid ?? "").isEmpty else {
                return .failed("ClaimRef got reset for pv \"\(volume.metadata.name)\"")
            }
            if !volume.isBound(to: claim) {
                return .failed(
                    "pv \"\(volume.metadata.name)\" was bound to another claim \"\(ref.namespace ?? "")/\(ref.name ?? "")\""
                )
            }
            if !claim.isFullyBound { return .waiting }
        }
        for written in written.provisions {
            guard
                let claim = objects.persistentVolumeClaim(
                    namespace: written.metadata.namespace ?? "default",
                    name: written.metadata.name
                )
            else {
                return .failed("failed to check provisioning pvc: PersistentVolumeClaim \"\(written.key)\" not found")
            }
            if Self.isOlder(claim.metadata.resourceVersion, than: written.metadata.resourceVersion) { return .waiting }
            guard let selected = claim.metadata.annotations?[VolumeAnnotations.selectedNode] else {
                return .failed("selectedNode annotation reset for PVC \"\(claim.metadata.name)\"")
            }
            if selected != nodeName { return .failed("provisioning failed for PVC \"\(claim.metadata.name)\"") }
            if let volumeName = claim.spec.volumeName, !volumeName.isEmpty {
                guard let volume = objects.persistentVolume(named: volumeName) else { return .waiting }
                if !VolumeMatcher.nodeAffinityMatches(volume, labels: labels) {
                    return .failed(
                        "pv \"\(volumeName)\" node affinity doesn't match node \"\(nodeName)\": no matching NodeSelectorTerms"
                    )
                }
            }
            if !claim.isFullyBound { return .waiting }
        }
        return .bound
    }

    /// Whether resource version `seen` is older than `written` (numeric when both are, as etcd's are).
    static func isOlder(_ seen: String?, than written: String?) -> Bool {
        guard let written, let seen else { return false }
        if let a = Int64(seen), let b = Int64(written) { return a < b }
        return false
    }
}

// MARK: - Events

extension VolumeBinding {
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(resource: .storageClass, action: [.add, .update], label: "StorageClassAdd|Update"),
                hint: Self.storageClassHint
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .persistentVolumeClaim,
                    action: [.add, .update],
                    label: "PersistentVolumeClaimAdd|Update"
                ),
                hint: Self.claimHint
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .persistentVolume, action: [.add, .update], label: "PersistentVolumeAdd|Update")
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .node, action: [.add, .updateNodeLabel], label: "NodeAdd|UpdateNodeLabel")
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .csiNode, action: [.add, .update], label: "CSINodeAdd|Update"),
                hint: Self.csiNodeHint
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .csiDriver, action: .update, label: "CSIDriverUpdate"),
                hint: Self.csiDriverHint
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .csiStorageCapacity,
                    action: [.add, .update],
                    label: "CSIStorageCapacityAdd|Update"
                ),
                hint: Self.capacityHint
            ),
        ]
    }

    /// A new class, or a change of `allowedTopologies`.
    static let storageClassHint: @Sendable (Pod, KubeObject?, KubeObject?) -> QueueingHint = { _, old, new in
        guard case .storageClass(let newClass)? = new else { return .queue }
        guard case .storageClass(let oldClass)? = old else { return .queue }
        return oldClass.allowedTopologies != newClass.allowedTopologies ? .queue : .skip
    }

    /// A claim of the pod (same namespace and name) was created or changed.
    static let claimHint: @Sendable (Pod, KubeObject?, KubeObject?) -> QueueingHint = { pod, _, new in
        guard case .persistentVolumeClaim(let claim)? = new else { return .queue }
        guard (claim.metadata.namespace ?? "default") == pod.namespace else { return .skip }
        for volume in pod.spec.volumes ?? [] {
            if let (name, _) = volume.claimName(podName: pod.name), name == claim.metadata.name { return .queue }
        }
        return .skip
    }

    /// A new CSINode, or a change of its migrated-plugins annotation.
    static let csiNodeHint: @Sendable (Pod, KubeObject?, KubeObject?) -> QueueingHint = { _, old, new in
        guard case .csiNode(let oldNode)? = old else { return .queue }
        guard case .csiNode(let newNode)? = new else { return .queue }
        let key = "storage.alpha.kubernetes.io/migrated-plugins"
        return oldNode.metadata.annotations?[key] != newNode.metadata.annotations?[key] ? .queue : .skip
    }

    /// A driver of one of the pod's inline CSI volumes stopped tracking capacity.
    static let csiDriverHint: @Sendable (Pod, KubeObject?, KubeObject?) -> QueueingHint = { pod, old, new in
        guard case .csiDriver(let oldDriver)? = old, case .csiDriver(let newDriver)? = new else { return .queue }
        for volume in pod.spec.volumes ?? [] {
            guard let csi = volume.csi, csi.driver == newDriver.metadata.name else { continue }
            if oldDriver.spec.storageCapacity == true && newDriver.spec.storageCapacity != true { return .queue }
        }
        return .skip
    }

    /// A new capacity, or a larger volume limit.
    static let capacityHint: @Sendable (Pod, KubeObject?, KubeObject?) -> QueueingHint = { _, old, new in
        guard case .csiStorageCapacity(let newCapacity)? = new else { return .queue }
        guard case .csiStorageCapacity(let oldCapacity)? = old else { return .queue }
        guard let newLimit = newCapacity.volumeLimit else { return .skip }
        guard let oldLimit = oldCapacity.volumeLimit else { return .queue }
        return newLimit.value > oldLimit.value ? .queue : .skip
    }
}
