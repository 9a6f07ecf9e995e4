import KubeAPI
import SchedulerFramework
import Synchronization

/// What the embedded PV controller remembers between writes: which PV's `claimRef` names which claim, so a
/// claim finds the volume pre-bound to it without scanning every PV.
struct VolumeControllerState {
    /// `namespace/name` of a claim → the PV whose claimRef names it.
    var volumeByClaim: [String: String] = [:]
    /// PV name → the claim key it is filed under.
    var claimByVolume: [String: String] = [:]
    /// How many volumes the provisioner created (for reports).
    var provisioned = 0

    mutating func record(_ pv: PersistentVolume) {
        let name = pv.metadata.name
        if let old = claimByVolume.removeValue(forKey: name), volumeByClaim[old] == name { volumeByClaim[old] = nil }
        guard let ref = pv.spec.claimRef, let claim = ref.name else { return }
        let key = "\(ref.namespace ?? "default")/\(claim)"
        volumeByClaim[key] = name
        claimByVolume[name] = key
    }

    mutating func forget(_ pv: PersistentVolume) {
        let name = pv.metadata.name
        if let old = claimByVolume.removeValue(forKey: name), volumeByClaim[old] == name { volumeByClaim[old] = nil }
    }
}

/// The controllers a real cluster runs beside the scheduler, reduced to what volume scheduling needs, acting
/// synchronously on every write so `simulate` stays deterministic:
///
/// - **PV controller**: a new PV without a claim becomes `Available`; a PV whose `claimRef` names an existing
///   claim (set by the scheduler's PreBind, or pre-bound by the user) is bound to it — the PV `Bound`, the
///   claim's `volumeName`, `pv.kubernetes.io/bind-completed`, `status.phase: Bound`, capacity and access
///   modes; an unbound claim of an `Immediate` class is bound to the smallest matching Available PV.
/// - **Provisioner**: a claim with `volume.kubernetes.io/selected-node` (WaitForFirstConsumer) or of an
///   `Immediate` class with no matching PV gets a new PV of the requested size from its class's provisioner
///   (not `kubernetes.io/no-provisioner`), with node affinity on the selected node's topology (the class's
///   `allowedTopologies` keys, else the CSI driver's topology keys on that node's CSINode, else its hostname),
///   and is bound to it. When the driver tracks capacity, the CSIStorageCapacity that served the node shrinks
///   by the volume's size, as the driver would report.
extension EmbeddedCluster {
    /// Runs the controllers after `object` was stored (inside the state lock).
    func runVolumeControllers(after object: KubeObject, in state: inout State) {
        guard volumeControllers else { return }
        switch object {
        case .persistentVolume(let pv):
            state.volumes.record(pv)
            volumeChanged(pv, in: &state)
        case .persistentVolumeClaim(let claim):
            claimChanged(claim, in: &state)
        default:
            break
        }
    }

    /// How many volumes the embedded provisioner created.
    package var provisionedVolumeCount: Int { state.withLock { $0.volumes.provisioned } }

    // MARK: ClusterClient volume writes

    package func updatePersistentVolume(_ volume: PersistentVolume) async throws(ClusterError) -> PersistentVolume {
        let stored = try replace(.persistentVolume(volume), resource: "persistentvolumes")
        guard case .persistentVolume(let pv) = stored else { throw ClusterError(.other, "unexpected object") }
        return pv
    }

    package func updatePersistentVolumeClaim(
        _ claim: PersistentVolumeClaim
    ) async throws(ClusterError) -> PersistentVolumeClaim {
        let stored = try replace(.persistentVolumeClaim(claim), resource: "persistentvolumeclaims")
        guard case .persistentVolumeClaim(let pvc) = stored else { throw ClusterError(.other, "unexpected object") }
        return pvc
    }

    /// `PUT` with the API server's optimistic concurrency: the object must exist and carry the stored
    /// resourceVersion (when it names one). Returns the object as stored (before the controllers react).
    private func replace(_ object: KubeObject, resource: String) throws(ClusterError) -> KubeObject {
        try state.withLock { state throws(ClusterError) -> KubeObject in
            guard let current = state.objects[object.kind]?[object.key] else {
                throw ClusterError(.notFound, "\(resource) \"\(object.metadata.name)\" not found")
            }
            if let version = object.metadata.resourceVersion, !version.isEmpty,
                version != current.metadata.resourceVersion
            {
                throw ClusterError(
                    .conflict,
                    "Operation cannot be fulfilled on \(resource) \"\(object.metadata.name)\": the object has been modified; please apply your changes to the latest version and try again"
                )
            }
            let stored = store(object, in: &state)
            runVolumeControllers(after: stored, in: &state)
            return stored
        }
    }

    /// Stores an existing object with a new resource version and tells the watchers.
    @discardableResult
    private func store(_ object: KubeObject, in state: inout State) -> KubeObject {
        state.resourceVersion += 1
        let stored = Self.stamp(object, resourceVersion: state.resourceVersion, fillUID: false)
        state.objects[object.kind, default: [:]][object.key] = stored
        emit(WatchEvent(type: .modified, object: stored, resourceVersion: String(state.resourceVersion)), in: &state)
        if case .persistentVolume(let pv) = stored { state.volumes.record(pv) }
        return stored
    }

    private func create(_ object: KubeObject, in state: inout State) -> KubeObject {
        state.resourceVersion += 1
        let stored = Self.stamp(object, resourceVersion: state.resourceVersion, fillUID: true)
        state.objects[object.kind, default: [:]][object.key] = stored
        emit(WatchEvent(type: .added, object: stored, resourceVersion: String(state.resourceVersion)), in: &state)
        if case .persistentVolume(let pv) = stored { state.volumes.record(pv) }
        return stored
    }

    // MARK: PV controller

    private func volumeChanged(_ pv: PersistentVolume, in state: inout State) {
        guard let ref = pv.spec.claimRef, let claimName = ref.name else {
            if (pv.status?.phase ?? "").isEmpty || pv.status?.phase == "Pending" {
                var available = pv
                available.status = PersistentVolumeStatus(phase: "Available")
                store(.persistentVolume(available), in: &state)
            }
            return
        }
        let key = "\(ref.namespace ?? "default")/\(claimName)"
        guard case .persistentVolumeClaim(let claim)? = state.objects[.persistentVolumeClaim]?[key],
            pv.isBound(to: claim)
        else { return }
        bind(
            pv,
            claim,
            boundByController: pv.metadata.annotations?[VolumeAnnotations.boundByController] != nil,
            in: &state
        )
    }

    private func claimChanged(_ claim: PersistentVolumeClaim, in state: inout State) {
        let volumeName = claim.spec.volumeName ?? ""
        if !volumeName.isEmpty {
            // Pre-bound to a volume (or already bound): finish the binding on both sides.
            guard case .persistentVolume(let pv)? = state.objects[.persistentVolume]?[volumeName] else { return }
            if pv.spec.claimRef == nil {
                var claimed = pv
                claimed.spec.claimRef = ObjectReference(
                    kind: "PersistentVolumeClaim",
                    namespace: claim.metadata.namespace ?? "default",
                    name: claim.metadata.name,
                    uid: claim.metadata.uid,
                    apiVersion: "v1",
                    resourceVersion: claim.metadata.resourceVersion
                )
                if case .persistentVolume(let stored) = store(.persistentVolume(claimed), in: &state) {
                    bind(stored, claim, boundByController: false, in: &state)
                }
            } else if pv.isBound(to: claim) {
                bind(pv, claim, boundByController: false, in: &state)
            }
            return
        }
        // A PV whose claimRef names this claim (the scheduler's PreBind, or pre-bound by the user).
        if let name = state.volumes.volumeByClaim[claim.key],
            case .persistentVolume(let pv)? = state.objects[.persistentVolume]?[name],
            pv.isBound(to: claim)
        {
            bind(pv, claim, boundByController: true, in: &state)
            return
        }
        let className = claim.storageClass
        let storageClass: StorageClass? = {
            if case .storageClass(let sc)? = state.objects[.storageClass]?[className] { return sc }
            return nil
        }()
        if let selected = claim.metadata.annotations?[VolumeAnnotations.selectedNode] {
            if let storageClass { provision(claim, storageClass, nodeName: selected, in: &state) }
            return
        }
        guard !(storageClass?.waitsForFirstConsumer ?? false) else { return }  // the scheduler decides
        // Immediate: the smallest matching Available PV, else provisioning without a node.
        if let pv = bestAvailableVolume(for: claim, in: state) {
            var bound = pv
            bound.spec.claimRef = ObjectReference(
                kind: "PersistentVolumeClaim",
                namespace: claim.metadata.namespace ?? "default",
                name: claim.metadata.name,
                uid: claim.metadata.uid,
                apiVersion: "v1",
                resourceVersion: claim.metadata.resourceVersion
            )
            var annotations = bound.metadata.annotations ?? [:]
            annotations[VolumeAnnotations.boundByController] = "yes"
            bound.metadata.annotations = annotations
            let stored = store(.persistentVolume(bound), in: &state)
            if case .persistentVolume(let pv) = stored { bind(pv, claim, boundByController: true, in: &state) }
        } else if let storageClass {
            provision(claim, storageClass, nodeName: nil, in: &state)
        }
    }

    /// Marks the PV `Bound` and the claim bound to it (volume name, annotations, status).
    private func bind(
        _ pv: PersistentVolume,
        _ claim: PersistentVolumeClaim,
        boundByController: Bool,
        in state: inout State
    ) {
        if pv.status?.phase != "Bound" {
            var volume = pv
            volume.status = PersistentVolumeStatus(phase: "Bound")
            store(.persistentVolume(volume), in: &state)
        }
        if claim.isFullyBound, claim.spec.volumeName == pv.metadata.name, claim.status?.phase == "Bound" { return }
        var bound = claim
        var annotations = bound.metadata.annotations ?? [:]
        if annotations[VolumeAnnotations.bindCompleted] == nil { annotations[VolumeAnnotations.bindCompleted] = "yes" }
        if boundByController { annotations[VolumeAnnotations.boundByControllerClaim] = "yes" }
        bound.metadata.annotations = annotations
        bound.spec.volumeName = pv.metadata.name
        bound.status = PersistentVolumeClaimStatus(
            phase: "Bound",
            capacity: pv.spec.capacity,
            accessModes: pv.spec.accessModes
        )
        guard bound != claim else { return }
        store(.persistentVolumeClaim(bound), in: &state)
    }

    /// The smallest Available PV of the claim's class that satisfies its request, modes and selector.
    private func bestAvailableVolume(for claim: PersistentVolumeClaim, in state: State) -> PersistentVolume? {
        let selector = claim.spec.selector.flatMap { try? Selector($0) }
        let modes = claim.spec.accessModes ?? []
        var best: PersistentVolume?
        for case .persistentVolume(let pv) in (state.objects[.persistentVolume] ?? [:]).values {
            guard pv.status?.phase == "Available", pv.spec.claimRef == nil, pv.metadata.deletionTimestamp == nil,
                pv.storageClass == claim.storageClass, pv.storageBytes >= claim.requestedBytes,
                (pv.spec.volumeMode ?? "Filesystem") == (claim.spec.volumeMode ?? "Filesystem"),
                modes.allSatisfy({ (pv.spec.accessModes ?? []).contains($0) }),
                selector?.matches(pv.metadata.labels ?? [:]) ?? true
            else { continue }
            if let current = best, (current.storageBytes, current.metadata.name) <= (pv.storageBytes, pv.metadata.name)
            {
                continue
            }
            best = pv
        }
        return best
    }

    // MARK: Provisioner

    private func provision(
        _ claim: PersistentVolumeClaim,
        _ storageClass: StorageClass,
        nodeName: String?,
        in state: inout State
    ) {
        let provisioner = storageClass.provisioner
        guard !provisioner.isEmpty, provisioner != VolumeAnnotations.noProvisioner else { return }
        let name = "pvc-\(claim.metadata.namespace ?? "default")-\(claim.metadata.name)"
        guard state.objects[.persistentVolume]?[name] == nil else { return }
        var affinity: NodeSelector?
        if let nodeName, case .node(let node)? = state.objects[.node]?[nodeName] {
            let labels = node.metadata.labels ?? [:]
            var keys = storageClass.allowedTopologies?.flatMap { $0.matchLabelExpressions ?? [] }.map(\.key) ?? []
            if keys.isEmpty, case .csiNode(let csiNode)? = state.objects[.csiNode]?[nodeName] {
                keys = csiNode.spec.drivers?.first { $0.name == provisioner }?.topologyKeys ?? []
            }
            if keys.isEmpty { keys = [VolumeAnnotations.hostnameLabel] }
            var seen = Set<String>()
            let requirements = keys.filter { seen.insert($0).inserted }.compactMap { key -> NodeSelectorRequirement? in
                labels[key].map { NodeSelectorRequirement(key: key, operator: "In", values: [$0]) }
            }
            if !requirements.isEmpty {
                affinity = NodeSelector(nodeSelectorTerms: [NodeSelectorTerm(matchExpressions: requirements)])
            }
            consumeCapacity(claim, storageClass, labels: labels, in: &state)
        }
        let request = claim.spec.resources?.requests?["storage"] ?? Quantity(0)
        var pv = PersistentVolume(
            name: name,
            capacity: request.text,
            storageClassName: storageClass.metadata.name,
            accessModes: claim.spec.accessModes ?? ["ReadWriteOnce"],
            volumeMode: claim.spec.volumeMode,
            nodeAffinity: affinity,
            claimRef: ObjectReference(
                kind: "PersistentVolumeClaim",
                namespace: claim.metadata.namespace ?? "default",
                name: claim.metadata.name,
                uid: claim.metadata.uid,
                apiVersion: "v1",
                resourceVersion: claim.metadata.resourceVersion
            ),
            phase: "Bound"
        )
        pv.spec.capacity = ["storage": request]
        pv.spec.persistentVolumeReclaimPolicy = storageClass.reclaimPolicy ?? "Delete"
        pv.metadata.annotations = [VolumeAnnotations.provisionedBy: provisioner]
        let created = create(.persistentVolume(pv), in: &state)
        state.volumes.provisioned += 1
        guard case .persistentVolume(let stored) = created else { return }
        bind(stored, claim, boundByController: true, in: &state)
    }

    /// Shrinks the first CSIStorageCapacity of the class that serves the node (drivers that track capacity).
    private func consumeCapacity(
        _ claim: PersistentVolumeClaim,
        _ storageClass: StorageClass,
        labels: [String: String],
        in state: inout State
    ) {
        guard case .csiDriver(let driver)? = state.objects[.csiDriver]?[storageClass.provisioner],
            driver.spec.storageCapacity == true
        else { return }
        let bytes = claim.requestedBytes
        let capacities = (state.objects[.csiStorageCapacity] ?? [:]).sorted { $0.key < $1.key }
        for case (_, .csiStorageCapacity(var capacity)) in capacities
        where capacity.storageClassName == storageClass.metadata.name {
            guard let selector = try? Selector(capacity.nodeTopology), selector.matches(labels),
                let limit = capacity.volumeLimit, limit.value >= bytes, let total = capacity.capacity
            else { continue }
            capacity.capacity = Quantity(max(0, total.value - bytes))
            if let maximum = capacity.maximumVolumeSize, maximum.value > total.value - bytes {
                capacity.maximumVolumeSize = Quantity(max(0, total.value - bytes))
            }
            store(.csiStorageCapacity(capacity), in: &state)
            return
        }
    }
}
