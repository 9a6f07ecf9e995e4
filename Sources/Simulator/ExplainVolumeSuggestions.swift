import KubeAPI
import SchedulerFramework

/// "What would make it fit" for a pod held back by its PersistentVolumeClaims (VolumeBinding's or VolumeZone's
/// rejections): a claim's storage request lowered to the largest size that is available (a PV of its class and
/// access modes, or a CSIStorageCapacity of its class reachable from a rejected node), or another StorageClass
/// (WaitForFirstConsumer classes first). Each is verified like every suggestion, by re-running the cycle with a
/// copy of the profile whose plugins see the changed claim. A claim already bound to a PV is not changed.
extension ExplainSuggestions {
    /// Candidate sizes or classes tried per claim.
    static let claimAlternatives = 3

    static func claimChanges(
        _ explanation: PodExplanation,
        pod: PodInfo,
        snapshot: Snapshot,
        objects: any ClusterObjectLister,
        storageClasses: [StorageClass]
    ) -> [Candidate] {
        let volumePlugins: Set<String> = [PluginName.volumeBinding, PluginName.volumeZone]
        let rejectedNodes = explanation.nodes.filter {
            $0.state == .rejected && volumePlugins.contains($0.verdict?.plugin ?? "")
        }.map(\.node)
        let preFilterRejected = explanation.preFilter.rejection?.plugin == PluginName.volumeBinding
        let narrowed = explanation.preFilter.narrowedBy.contains(PluginName.volumeBinding)
        guard !rejectedNodes.isEmpty || preFilterRejected || narrowed else { return [] }
        // Nodes whose reachable storage capacities bound the size: those the claims rejected, or every node.
        let nodes = preFilterRejected ? snapshot.nodes.map(\.name) : rejectedNodes

        var result: [Candidate] = []
        var seen: Set<String> = []
        for volume in pod.pod.spec.volumes ?? [] {
            guard let (name, _) = volume.claimName(podName: pod.name), !seen.contains(name),
                let claim = objects.persistentVolumeClaim(namespace: pod.namespace, name: name)
            else { continue }
            seen.insert(name)
            if let bound = claim.spec.volumeName, !bound.isEmpty {
                result.append(
                    Candidate(
                        kind: .changeStorageClass,
                        change: "change the storageClassName or storage request of claim \(claim.key)",
                        pod: pod.pod,
                        notOfferedBecause:
                            "the claim is bound to PersistentVolume \(bound): its class and size no longer decide where the pod can run"
                    )
                )
                continue
            }
            result += smallerClaims(claim, pod: pod.pod, nodes: nodes, snapshot: snapshot, objects: objects)
            result += otherClasses(claim, pod: pod.pod, storageClasses: storageClasses)
        }
        return result
    }

    /// The claim with its request lowered to each of the largest sizes available for its class, largest first.
    static func smallerClaims(
        _ claim: PersistentVolumeClaim,
        pod: Pod,
        nodes: [String],
        snapshot: Snapshot,
        objects: any ClusterObjectLister
    ) -> [Candidate] {
        let current = claim.requestedBytes
        let className = claim.storageClass
        var sizes: Set<Int64> = []
        // Static provisioning: available PVs of the class that suit the claim's access modes and volume mode.
        let modes = Set(claim.spec.accessModes ?? [])
        let volumeMode = claim.spec.volumeMode ?? "Filesystem"
        for volume in objects.persistentVolumes() where volume.storageClass == className {
            guard volume.spec.claimRef == nil || volume.isBound(to: claim),
                volume.status?.phase.map({ $0 == "Available" || $0 == "Pending" }) ?? true,
                modes.isSubset(of: Set(volume.spec.accessModes ?? [])),
                (volume.spec.volumeMode ?? "Filesystem") == volumeMode
            else { continue }
            let size = volume.storageBytes
            if size > 0 && size < current { sizes.insert(size) }
        }
        // Dynamic provisioning: the capacity (and maximum volume size) a CSI driver reports to the nodes.
        for name in nodes {
            guard let node = snapshot.nodeInfo(named: name) else { continue }
            _ = objects.firstCSIStorageCapacity(storageClass: className, nodeLabels: node.node.labels) { capacity in
                var size = capacity.capacity?.value ?? 0
                if let maximum = capacity.maximumVolumeSize?.value { size = min(size, maximum) }
                if size > 0 && size < current { sizes.insert(size) }
                return false
            }
        }
        return sizes.sorted(by: >).prefix(claimAlternatives).map { size in
            var changed = claim
            changed.spec.resources = VolumeResourceRequirements(
                requests: (claim.spec.resources?.requests ?? [:]).merging(["storage": Quantity(size)]) { $1 },
                limits: claim.spec.resources?.limits
            )
            return Candidate(
                kind: .lowerClaimRequest,
                change:
                    "lower the storage request of claim \(claim.key) from \(format(current, "storage")) to \(format(size, "storage"))",
                pod: pod,
                group: "claim size \(claim.key)",
                claims: [changed]
            )
        }
    }

    /// The claim with each other StorageClass, WaitForFirstConsumer classes first (they provision or pick a PV
    /// where the pod goes; an Immediate class binds before scheduling).
    static func otherClasses(_ claim: PersistentVolumeClaim, pod: Pod, storageClasses: [StorageClass]) -> [Candidate] {
        let current = claim.storageClass
        let others = storageClasses.filter { $0.metadata.name != current }.sorted {
            ($0.waitsForFirstConsumer ? 0 : 1, $0.metadata.name) < ($1.waitsForFirstConsumer ? 0 : 1, $1.metadata.name)
        }
        return others.prefix(claimAlternatives).map { storageClass in
            var changed = claim
            changed.spec.storageClassName = storageClass.metadata.name
            changed.metadata.annotations?.removeValue(forKey: VolumeAnnotations.betaStorageClass)
            let mode = storageClass.waitsForFirstConsumer ? "WaitForFirstConsumer" : "Immediate"
            return Candidate(
                kind: .changeStorageClass,
                change:
                    "change the storageClassName of claim \(claim.key) from \(current.isEmpty ? "\"\"" : current) to \(storageClass.metadata.name) (\(mode))",
                pod: pod,
                group: "claim class \(claim.key)",
                claims: [changed]
            )
        }
    }
}
