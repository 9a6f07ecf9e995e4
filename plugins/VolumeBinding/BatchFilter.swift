import KubeAPI
import SchedulerFramework

extension VolumeBinding {
    /// Batch Filter: the cycle state and the first unbound claim's class index are read once per batch. A pod
    /// whose claims are all bound to volumes without a required node affinity (network volumes) fits every node
    /// as far as volumes go, so the batch costs nothing per node; otherwise each pending node tries
    /// ``HostSetShortcut`` first and, when it cannot tell, runs the same matching as ``filter(state:pod:node:)``,
    /// reading the node's name and labels in place.
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
        var matcher = VolumeMatcher(objects: objects, view: data.view, assumed: data.assumed)
        // The class index of the first claim to match, taken once for the batch: the nodes then read it without
        // a lock (the index shares its hosts by bucket, so the informers' updates meanwhile copy one bucket).
        if let first = data.claims.delayed.first(where: { $0.selectedNode == nil }),
            let index = objects.persistentVolumeClassIndex(storageClass: first.className)
        {
            matcher.classIndex = (first.className, index)
        }
        let hostSets = HostSetShortcut(claims: data.claims, matcher: matcher)
        var unused = PodVolumes()
        // One status per combination of reasons, shared by the nodes that fail alike.
        var conflictStatuses: [Status?] = []
        for k in 0..<nodes.count where statuses[k] == nil {
            if let hostSets, hostSets.fits(nodes[k]) { continue }
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
            if !conflicts.isEmpty {
                if conflictStatuses.isEmpty { conflictStatuses = Array(repeating: nil, count: VolumeConflicts.kinds) }
                let kind = conflicts.kind
                if conflictStatuses[kind] == nil {
                    conflictStatuses[kind] = Status(.unschedulableAndUnresolvable, conflicts.reasons)
                }
                statuses[k] = conflictStatuses[kind]
            }
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

/// The batch Filter's shortcut for the common pod: one unbound claim of a WaitForFirstConsumer class, nothing
/// pre-bound to it. A node fits when its hostname set holds a free volume that no cycle assumed and that passes
/// every check, and no volume of the set or of the unpinned set is pre-bound to the claim or assumed (those go
/// through the full rules, which may let them decide alone). Anything else is left to
/// ``VolumeMatcher/find(_:nodeName:labels:collect:podVolumes:)``, so the shortcut only ever answers "fits" where
/// the full rules would. A class, so the per-node loop passes one reference instead of copying its fields.
final class HostSetShortcut {
    let delayed: DelayedClaim
    let index: PersistentVolumeClassIndex
    let assumed: AssumedVolumeFilter

    /// Nil when the pod is not that pod, or the unpinned set holds a volume the full rules must see.
    init?(claims: PodClaims, matcher: VolumeMatcher) {
        guard claims.delayed.count == 1, let delayed = claims.delayed.first, delayed.selectedNode == nil,
            delayed.preBound.isEmpty, let classIndex = matcher.classIndex, classIndex.name == delayed.className,
            claims.bound.allSatisfy({ $0.volume != nil && $0.volume?.spec.nodeAffinity?.required == nil })
        else { return nil }
        let assumed = matcher.assumed
        let unpinnedIsInert = classIndex.index.unpinned.entries.withUnsafeBufferPointer { entries in
            entries.indices.allSatisfy { i in
                (entries[i].isFree || VolumeMatcher.isTakenByAnotherClaim(entries, i, delayed))
                    && (assumed.isEmpty || !assumed.mayContain(entries[i].nameHash))
            }
        }
        guard unpinnedIsInert else { return nil }
        self.delayed = delayed
        self.index = classIndex.index
        self.assumed = assumed
    }

    /// True when the node certainly fits; false when the full rules must decide.
    @inline(__always)
    func fits(_ node: NodeInfo) -> Bool {
        guard let host = node.hostname, let set = index.byHost[host] else { return false }
        // Whether some volume of the set may be pre-bound to the claim or assumed: then every volume is read, and
        // such a volume leaves the answer to the full rules; otherwise the first free one that fits decides and
        // the rest of the set (more cache lines) is not read.
        let readsAll = set.mayHoldVolumeClaimed(by: delayed.claimHash) || assumed.mayHaveVolumes(onHost: host.hash)
        return set.entries.withUnsafeBufferPointer { entries in
            var found = false
            for i in entries.indices {
                if !entries[i].isFree || (readsAll && assumed.mayContain(entries[i].nameHash)) {
                    if !readsAll || VolumeMatcher.isTakenByAnotherClaim(entries, i, delayed) { continue }
                    return false
                }
                if !found,
                    VolumeMatcher.freeVolumeFits(
                        entries,
                        i,
                        delayed,
                        pinnedHere: true,
                        ofClaimClass: true,
                        chosen: [],
                        labels: node.node.metadata.labels ?? [:]
                    )
                {
                    if !readsAll { return true }
                    found = true
                }
            }
            return found
        }
    }
}
