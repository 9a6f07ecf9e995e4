import KubeAPI
import SchedulerFramework

/// Rejects nodes outside the zone or region of a PersistentVolume the pod's claims are bound to. Upstream's
/// `volumezone.VolumeZone` (v1.35).
///
/// PreFilter collects the zone/region labels (`topology.kubernetes.io/zone|region` and the deprecated
/// `failure-domain.beta.kubernetes.io/zone|region`) of every PV bound to one of the pod's claims; a label
/// value may list several zones separated by `__`. Unbound claims of a WaitForFirstConsumer class are
/// skipped (VolumeBinding places them). Filter: a node without any of the four labels passes; otherwise each
/// PV label needs the node's value under the same key (or, for a beta key, under its GA key) in the PV's set,
/// else UnschedulableAndUnresolvable `node(s) had no available volume zone`.
package final class VolumeZone: PreFilterPlugin, FilterPlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.volumeZone
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// A PV's zone or region does not match the node's.
    package static let reasonConflict = "node(s) had no available volume zone"

    static let betaZone = "failure-domain.beta.kubernetes.io/zone"
    static let betaRegion = "failure-domain.beta.kubernetes.io/region"
    static let zone = "topology.kubernetes.io/zone"
    static let region = "topology.kubernetes.io/region"
    /// The labels looked at, in upstream's order.
    static let topologyLabels = [betaZone, betaRegion, zone, region]

    static let preFilterKey = StateKey<PreFilterState>("PreFilter" + VolumeZone.name)

    private let objects: any ClusterObjectLister

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {
        self.objects = handle.objects
    }

    /// One topology label of one PV the pod uses.
    struct PVTopology: Sendable, Equatable {
        var pvName: String
        var key: String
        var values: Set<String>
    }

    /// The topologies of the pod's bound PVs. Not changed by added or removed pods.
    final class PreFilterState: StateData {
        let topologies: [PVTopology]
        init(topologies: [PVTopology]) { self.topologies = topologies }
        func clone() -> any StateData { self }
    }
}

// MARK: - PreFilter / Filter

extension VolumeZone {
    /// Collects the PV topologies; Skip when there are none.
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let (topologies, status) = pvTopologies(of: pod.pod)
        guard status.isSuccess else { return (nil, status) }
        if topologies.isEmpty { return (nil, .skip) }
        state.write(PreFilterState(topologies: topologies), for: Self.preFilterKey)
        return (nil, .success)
    }

    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        if (pod.pod.spec.volumes ?? []).isEmpty { return .success }
        let topologies: [PVTopology]
        if let prepared = state.read(Self.preFilterKey) {
            topologies = prepared.topologies
        } else {
            // As upstream: without PreFilter state, compute it here.
            let (computed, status) = pvTopologies(of: pod.pod)
            guard status.isSuccess else { return status }
            topologies = computed
        }
        guard let labels = node.node.metadata.labels, Self.topologyLabels.contains(where: { labels[$0] != nil }) else {
            // A node without zone labels (single-zone clusters) is fine.
            return .success
        }
        for topology in topologies {
            guard let value = labels[topology.key] ?? labels[Self.gaLabel(topology.key)],
                topology.values.contains(value)
            else {
                return Status(.unschedulableAndUnresolvable, Self.reasonConflict)
            }
        }
        return .success
    }

    static func gaLabel(_ key: String) -> String {
        switch key {
        case betaRegion: region
        case betaZone: zone
        default: key
        }
    }

    /// Upstream's `getPVbyPod`.
    func pvTopologies(of pod: Pod) -> ([PVTopology], Status) {
        var result: [PVTopology] = []
        for volume in pod.spec.volumes ?? [] {
            guard let claimName = volume.persistentVolumeClaim?.claimName else { continue }
            if claimName.isEmpty {
                return ([], Status(.unschedulableAndUnresolvable, "PersistentVolumeClaim had no name"))
            }
            guard let claim = objects.persistentVolumeClaim(namespace: pod.namespace, name: claimName) else {
                return ([], Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"\(claimName)\" not found"))
            }
            let pvName = claim.spec.volumeName ?? ""
            if pvName.isEmpty {
                let className = Self.storageClassName(of: claim)
                if className.isEmpty {
                    return (
                        [],
                        Status(
                            .unschedulableAndUnresolvable,
                            "PersistentVolumeClaim had no pv name and storageClass name"
                        )
                    )
                }
                guard let storageClass = objects.storageClass(named: className) else {
                    // The informer lister's NotFound text (upstream's test fake says `storageclasses.…`).
                    return (
                        [],
                        Status(.unschedulableAndUnresolvable, "storageclass.storage.k8s.io \"\(className)\" not found")
                    )
                }
                guard let mode = storageClass.volumeBindingMode else {
                    return (
                        [],
                        Status(
                            .unschedulableAndUnresolvable,
                            "VolumeBindingMode not set for StorageClass \"\(className)\""
                        )
                    )
                }
                if mode == "WaitForFirstConsumer" { continue }  // unbound: VolumeBinding decides
                return ([], Status(.unschedulableAndUnresolvable, "PersistentVolume had no name"))
            }
            guard let pv = objects.persistentVolume(named: pvName) else {
                return ([], Status(.unschedulableAndUnresolvable, "persistentvolume \"\(pvName)\" not found"))
            }
            result.append(contentsOf: Self.topologies(of: pv))
        }
        return (result, .success)
    }

    /// The PV's topology labels, in upstream's label order; a label whose value does not parse is ignored.
    static func topologies(of pv: PersistentVolume) -> [PVTopology] {
        guard let labels = pv.metadata.labels else { return [] }
        var result: [PVTopology] = []
        for key in topologyLabels {
            guard let value = labels[key], let zones = labelZonesToSet(value) else { continue }
            result.append(PVTopology(pvName: pv.metadata.name, key: key, values: zones))
        }
        return result
    }

    /// `volumehelpers.LabelZonesToSet`: `__`-separated, each part trimmed; an empty part makes the value invalid.
    static func labelZonesToSet(_ value: String) -> Set<String>? {
        var zones = Set<String>()
        for part in value.split(separator: "__", omittingEmptySubsequences: false) {
            let trimmed = part.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
            if trimmed.isEmpty { return nil }
            zones.insert(String(trimmed))
        }
        return zones
    }

    /// `storagehelpers.GetPersistentVolumeClaimClass`: the beta annotation first, then `spec.storageClassName`.
    static func storageClassName(of claim: PersistentVolumeClaim) -> String {
        if let annotated = claim.metadata.annotations?["volume.beta.kubernetes.io/storage-class"] { return annotated }
        return claim.spec.storageClassName ?? ""
    }
}

// MARK: - Events

extension VolumeZone {
    /// A WaitForFirstConsumer class is added, a node is added or relabelled, a claim the pod names is added or
    /// updated, or a PV is added or its topology labels change (queueing hints on, as upstream's default).
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(
                ClusterEvent(resource: .storageClass, action: .add, label: "StorageClassAdd"),
                hint: { _, _, new in VolumeZone.hintAfterStorageClassAdded(new) }
            ),
            ClusterEventWithHint(ClusterEvent(resource: .node, action: [.add, .updateNodeLabel], label: "Node")),
            ClusterEventWithHint(
                ClusterEvent(
                    resource: .persistentVolumeClaim,
                    action: [.add, .update],
                    label: "PersistentVolumeClaim"
                ),
                hint: { pod, _, new in VolumeZone.hintAfterClaimChange(pod, claim: new) }
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .persistentVolume, action: [.add, .update], label: "PersistentVolume"),
                hint: { _, old, new in VolumeZone.hintAfterPersistentVolumeChange(old: old, new: new) }
            ),
        ]
    }

    /// Only a class with WaitForFirstConsumer binding can help.
    static func hintAfterStorageClassAdded(_ added: KubeObject?) -> QueueingHint {
        guard case .storageClass(let storageClass)? = added else { return .queue }
        return storageClass.volumeBindingMode == "WaitForFirstConsumer" ? .queue : .skip
    }

    /// A claim of the pod's namespace that the pod names.
    static func hintAfterClaimChange(_ pod: Pod, claim object: KubeObject?) -> QueueingHint {
        guard case .persistentVolumeClaim(let claim)? = object else { return .queue }
        if (claim.metadata.namespace ?? "default") != pod.namespace { return .skip }
        for volume in pod.spec.volumes ?? [] where volume.persistentVolumeClaim?.claimName == claim.metadata.name {
            return .queue
        }
        return .skip
    }

    /// A new PV, or a PV whose topology labels changed.
    static func hintAfterPersistentVolumeChange(old: KubeObject?, new: KubeObject?) -> QueueingHint {
        guard case .persistentVolume(let original)? = old else { return .queue }
        guard case .persistentVolume(let modified)? = new else { return .queue }
        return topologies(of: original) == topologies(of: modified) ? .skip : .queue
    }
}
