import KubeAPI
import SchedulerFramework

extension VolumeBinding {
    /// Batch Filter: the cycle state and the first unbound claim's class index are read once per batch. A pod
    /// whose claims are all bound to volumes without a required node affinity (network volumes) fits every node
    /// as far as volumes go, so the batch costs nothing per node; otherwise each pending node runs the same
    /// matching as ``filter(state:pod:node:)``, reading the node's name and labels in place.
    package func filter(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        statuses: UnsafeMutableBufferPointer<Status?>
    ) {
        guard let data = state.read(Self.stateKey) else {
            let status = Status.error("reading \"\(Self.name)\" from cycleState: not found")
            for k in 0..<nodes.count where statuses[k] == nil { statuses[k] = status }
            return
        }
        if Self.fitsEveryNode(data.claims) { return }
        var matcher = VolumeMatcher(objects: objects, view: data.view)
        // The class index of the first claim to match, taken once for the batch: the nodes then read it without
        // a lock (the index shares its hosts by bucket, so the informers' updates meanwhile copy one bucket).
        if let first = data.claims.delayed.first(where: { $0.selectedNode == nil }),
            let index = objects.persistentVolumeClassIndex(storageClass: first.className)
        {
            matcher.classIndex = (first.className, index)
        }
        var unused = PodVolumes()
        for k in 0..<nodes.count where statuses[k] == nil {
            let conflicts: VolumeConflicts
            do {
                conflicts = try matcher.find(
                    data.claims,
                    nodeName: nodes[k].name,
                    labels: nodes[k].node.metadata.labels ?? [:],
                    collect: false,
                    podVolumes: &unused
                )
            } catch {
                statuses[k] = .error(error.message)
                continue
            }
            if !conflicts.isEmpty { statuses[k] = Status(.unschedulableAndUnresolvable, conflicts.reasons) }
        }
    }

    /// Whether ``VolumeMatcher/find(_:nodeName:labels:collect:podVolumes:)`` finds no conflict on any node: no
    /// claim left to bind, and every bound claim's volume exists and admits every node (no required node
    /// affinity).
    static func fitsEveryNode(_ claims: PodClaims) -> Bool {
        guard claims.delayed.isEmpty else { return false }
        for bound in claims.bound {
            guard let volume = bound.volume, volume.spec.nodeAffinity?.required == nil else { return false }
        }
        return true
    }
}
