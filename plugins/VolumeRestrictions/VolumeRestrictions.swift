import KubeAPI
import SchedulerFramework

/// Rejects nodes where the pod's volumes would conflict with volumes already in use. Upstream's
/// `volumerestrictions.VolumeRestrictions` (v1.35).
///
/// Two rules:
/// - **Inline disks** (per node): the same GCE PD unless every mount is read-only, the same AWS EBS volume ID,
///   the same iSCSI IQN unless every mount is read-only, the same Ceph RBD image (a shared monitor, same pool
///   and image) unless every mount is read-only ⇒ Unschedulable `node(s) had no available disk`.
/// - **ReadWriteOncePod claims** (cluster-wide): PreFilter counts how many scheduled pods use one of the pod's
///   RWOP claims; any ⇒ Unschedulable on every node (preempting the holder can help). AddPod/RemovePod keep the
///   count right in preemption's what-if runs.
package final class VolumeRestrictions: PreFilterPlugin, PreFilterExtensions, FilterPlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.volumeRestrictions
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// A disk the pod mounts is in use on the node.
    package static let reasonDiskConflict = "node(s) had no available disk"
    /// A ReadWriteOncePod claim of the pod is in use by another pod.
    package static let reasonReadWriteOncePodConflict =
        "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"

    static let preFilterKey = StateKey<PreFilterState>("PreFilter" + VolumeRestrictions.name)

    private let objects: any ClusterObjectLister

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {
        self.objects = handle.objects
    }

    /// The pod's ReadWriteOncePod claims and how many references scheduled pods hold to them.
    final class PreFilterState: StateData, @unchecked Sendable {
        // Written in PreFilter and by AddPod/RemovePod on the cycle's own copy, between the parallel phases.
        let readWriteOncePodClaims: Set<String>
        var conflictingClaimRefCount: Int

        init(readWriteOncePodClaims: Set<String>, conflictingClaimRefCount: Int) {
            self.readWriteOncePodClaims = readWriteOncePodClaims
            self.conflictingClaimRefCount = conflictingClaimRefCount
        }

        func clone() -> any StateData {
            PreFilterState(
                readWriteOncePodClaims: readWriteOncePodClaims,
                conflictingClaimRefCount: conflictingClaimRefCount
            )
        }

        /// How many of `pod`'s volumes name one of the RWOP claims (same namespace is implied: a pod can
        /// only use claims of its own namespace, and upstream compares names only).
        func references(in pod: Pod) -> Int {
            var count = 0
            for volume in pod.spec.volumes ?? [] {
                if let claim = volume.persistentVolumeClaim?.claimName, readWriteOncePodClaims.contains(claim) {
                    count += 1
                }
            }
            return count
        }
    }

    package var preFilterExtensions: (any PreFilterExtensions)? { self }
}

// MARK: - PreFilter / Filter

extension VolumeRestrictions {
    /// Finds the pod's ReadWriteOncePod claims and counts those already used by scheduled pods. A missing claim
    /// is UnschedulableAndUnresolvable (`persistentvolumeclaim "NAME" not found`); Skip when the pod has no
    /// inline disk to check and no conflicting claim.
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let volumes = pod.pod.spec.volumes ?? []
        let needsDiskCheck = volumes.contains(where: Self.needsConflictCheck)

        var claims = Set<String>()
        for volume in volumes {
            guard let claimName = volume.persistentVolumeClaim?.claimName else { continue }
            guard let claim = objects.persistentVolumeClaim(namespace: pod.namespace, name: claimName) else {
                return (nil, Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"\(claimName)\" not found"))
            }
            if (claim.spec.accessModes ?? []).contains(Self.readWriteOncePod) { claims.insert(claim.metadata.name) }
        }

        var conflicts = 0
        for claim in claims where Self.isClaimUsed(namespace: pod.namespace, claim: claim, snapshot: snapshot) {
            // At most one pod can hold a ReadWriteOncePod claim.
            conflicts += 1
        }

        if !needsDiskCheck && conflicts == 0 { return (nil, .skip) }
        state.write(
            PreFilterState(readWriteOncePodClaims: claims, conflictingClaimRefCount: conflicts),
            for: Self.preFilterKey
        )
        return (nil, .success)
    }

    /// Inline disk conflicts first, then the ReadWriteOncePod count.
    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        if !Self.satisfiesVolumeConflicts(pod.pod, node: node) {
            return Status(.unschedulable, Self.reasonDiskConflict)
        }
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("cannot read \"\(Self.preFilterKey.name)\" from cycleState")
        }
        if prepared.conflictingClaimRefCount > 0 {
            return Status(.unschedulable, Self.reasonReadWriteOncePodConflict)
        }
        return .success
    }

    static let readWriteOncePod = "ReadWriteOncePod"

    /// Whether any scheduled (or assumed) pod uses `namespace/claim` (upstream's `IsPVCUsedByPods` on the
    /// snapshot). Runs only for pods with ReadWriteOncePod claims.
    static func isClaimUsed(namespace: String, claim: String, snapshot: Snapshot) -> Bool {
        let key = "\(namespace)/\(claim)"
        for node in snapshot.nodes where node.pvcRefCounts[key] != nil { return true }
        return false
    }
}

// MARK: - Inline disk conflicts

extension VolumeRestrictions {
    /// Whether the volume is of a kind whose conflicts are checked (GCE PD, AWS EBS, RBD, iSCSI).
    static func needsConflictCheck(_ volume: Volume) -> Bool {
        volume.gcePersistentDisk != nil || volume.awsElasticBlockStore != nil || volume.rbd != nil
            || volume.iscsi != nil
    }

    /// Whether placing `pod` on `node` leaves every inline disk usable (upstream `satisfyVolumeConflicts`).
    static func satisfiesVolumeConflicts(_ pod: Pod, node: NodeInfo) -> Bool {
        guard let volumes = pod.spec.volumes, volumes.contains(where: needsConflictCheck), node.podCount > 0 else {
            return true
        }
        let existing = node.pods
        for volume in volumes where needsConflictCheck(volume) {
            for other in existing where conflicts(volume, with: other.pod) { return false }
        }
        return true
    }

    /// Upstream's `isVolumeConflict`: whether `volume` conflicts with any volume of `pod`.
    static func conflicts(_ volume: Volume, with pod: Pod) -> Bool {
        for existing in pod.spec.volumes ?? [] {
            if let disk = volume.gcePersistentDisk, let other = existing.gcePersistentDisk,
                disk.pdName == other.pdName, !((disk.readOnly ?? false) && (other.readOnly ?? false))
            {
                return true
            }
            if let disk = volume.awsElasticBlockStore, let other = existing.awsElasticBlockStore,
                disk.volumeID == other.volumeID
            {
                return true
            }
            if let disk = volume.iscsi, let other = existing.iscsi,
                disk.iqn == other.iqn, !((disk.readOnly ?? false) && (other.readOnly ?? false))
            {
                return true
            }
            if let disk = volume.rbd, let other = existing.rbd,
                haveOverlap(disk.monitors, other.monitors), disk.effectivePool == other.effectivePool,
                disk.image == other.image,
                !((disk.readOnly ?? false) && (other.readOnly ?? false))
            {
                return true
            }
        }
        return false
    }

    static func haveOverlap(_ a: [String], _ b: [String]) -> Bool {
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        let set = Set(small)
        return large.contains(where: set.contains)
    }
}

// MARK: - PreFilter extensions (preemption)

extension VolumeRestrictions {
    package func addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo) -> Status {
        update(state, with: podToAdd.pod, by: 1)
    }

    package func removePod(
        state: CycleState,
        podToSchedule: PodInfo,
        podToRemove: PodInfo,
        nodeInfo: NodeInfo
    ) -> Status {
        update(state, with: podToRemove.pod, by: -1)
    }

    private func update(_ state: CycleState, with pod: Pod, by multiplier: Int) -> Status {
        guard let prepared = state.read(Self.preFilterKey) else {
            return .error("cannot read \"\(Self.preFilterKey.name)\" from cycleState")
        }
        prepared.conflictingClaimRefCount += multiplier * prepared.references(in: pod)
        return .success
    }
}

// MARK: - Events

extension VolumeRestrictions {
    /// A pod using one of the wanted disks or claims is deleted, a node is added, or a claim the pod names is
    /// created (queueing hints on, as upstream's default).
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(resource: .pod, action: .delete, label: "PodDelete"),
                hint: { pod, old, _ in VolumeRestrictions.hintAfterPodDeleted(pod, deleted: old?.pod) }
            ),
            ClusterEventWithHint(ClusterEvent(resource: .node, action: .add, label: "NodeAdd")),
            ClusterEventWithHint(
                ClusterEvent(resource: .persistentVolumeClaim, action: .add, label: "PersistentVolumeClaimAdd"),
                hint: { pod, _, new in VolumeRestrictions.hintAfterClaimAdded(pod, added: new) }
            ),
        ]
    }

    /// Upstream's `isSchedulableAfterPersistentVolumeClaimAdded`: a claim of the pod's namespace that the pod names.
    static func hintAfterClaimAdded(_ pod: Pod, added: KubeObject?) -> QueueingHint {
        guard case .persistentVolumeClaim(let claim)? = added else { return .queue }
        if (claim.metadata.namespace ?? "default") != pod.namespace { return .skip }
        for volume in pod.spec.volumes ?? [] where volume.persistentVolumeClaim?.claimName == claim.metadata.name {
            return .queue
        }
        return .skip
    }

    /// Upstream's `isSchedulableAfterPodDeleted`: a pod of the same namespace whose inline disks conflicted with
    /// the pod's, or that used one of the pod's claims (the access mode is not looked up).
    static func hintAfterPodDeleted(_ pod: Pod, deleted: Pod?) -> QueueingHint {
        guard let deleted else { return .queue }
        if deleted.namespace != pod.namespace { return .skip }
        for volume in pod.spec.volumes ?? [] where needsConflictCheck(volume) && conflicts(volume, with: deleted) {
            return .queue
        }
        let claims = Set((pod.spec.volumes ?? []).compactMap { $0.persistentVolumeClaim?.claimName })
        for volume in deleted.spec.volumes ?? [] {
            if let claim = volume.persistentVolumeClaim?.claimName, claims.contains(claim) { return .queue }
        }
        return .skip
    }
}
