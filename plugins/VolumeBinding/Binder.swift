import KubeAPI
import SchedulerFramework

/// A claim already bound to a volume, with the volume as the scheduler sees it (nil: the PV does not exist).
struct BoundClaim: Sendable {
    let claim: PersistentVolumeClaim
    let volume: PersistentVolume?
}

/// An unbound claim of a WaitForFirstConsumer class: the scheduler picks its volume or provisioning node. A
/// class, so the per-node loops pass one reference instead of copying the claim.
final class DelayedClaim: Sendable {
    let claim: PersistentVolumeClaim
    let className: String
    let requestedBytes: Int64
    /// Whether the claim requests storage at all (no request: no capacity check).
    let hasRequest: Bool
    let accessModes: [String]
    /// ``accessModes`` as ``IndexedPersistentVolume/accessModeBits(_:)``; nil when one is not a known mode
    /// (then the lists are compared).
    let accessModeBits: UInt8?
    let volumeMode: String
    /// `volume.kubernetes.io/selected-node`, once set.
    let selectedNode: String?
    /// The claim's label selector; nil when it has none.
    let selector: Selector?
    /// PVs whose claimRef names the claim, wherever they are (upstream meets them while scanning the class).
    let preBound: [IndexedPersistentVolume]

    init(
        claim: PersistentVolumeClaim,
        className: String,
        requestedBytes: Int64,
        hasRequest: Bool,
        accessModes: [String],
        accessModeBits: UInt8?,
        volumeMode: String,
        selectedNode: String?,
        selector: Selector?,
        preBound: [IndexedPersistentVolume]
    ) {
        self.claim = claim
        self.className = className
        self.requestedBytes = requestedBytes
        self.hasRequest = hasRequest
        self.accessModes = accessModes
        self.accessModeBits = accessModeBits
        self.volumeMode = volumeMode
        self.selectedNode = selectedNode
        self.selector = selector
        self.preBound = preBound
    }
}

/// A pod's claims as upstream's `GetPodVolumeClaims` sorts them.
struct PodClaims: Sendable {
    var bound: [BoundClaim] = []
    /// Sorted by requested size, smallest first (upstream's `byPVCSize`), so the smallest volumes go to the
    /// smallest claims.
    var delayed: [DelayedClaim] = []
    var unboundImmediate = 0
}

/// What a pod's volumes need on one node (upstream's `PodVolumes`).
struct PodVolumes: Sendable {
    struct StaticBinding: Sendable {
        var claim: PersistentVolumeClaim
        var volume: PersistentVolume
    }
    var staticBindings: [StaticBinding] = []
    var provisions: [PersistentVolumeClaim] = []
}

/// Why a node cannot serve the pod's volumes (upstream's `ConflictReasons`, in upstream's order).
struct VolumeConflicts: Sendable {
    var boundVolumesSatisfied = true
    var unboundVolumesSatisfied = true
    var sufficientStorage = true
    var boundVolumesFound = true

    var isEmpty: Bool { boundVolumesSatisfied && unboundVolumesSatisfied && sufficientStorage && boundVolumesFound }

    var reasons: [String] {
        var reasons: [String] = []
        if !boundVolumesSatisfied { reasons.append(VolumeBinding.reasonNodeConflict) }
        if !unboundVolumesSatisfied { reasons.append(VolumeBinding.reasonBindConflict) }
        if !sufficientStorage { reasons.append(VolumeBinding.reasonNotEnoughSpace) }
        if !boundVolumesFound { reasons.append(VolumeBinding.reasonPVNotExist) }
        return reasons
    }
}

/// An internal failure while matching (upstream returns these as errors, which abort the cycle).
struct VolumeBindingError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The matching rules of upstream's `volumeBinder.FindPodVolumes` for one node, reading PVs through the
/// object store's class/hostname index and the assume cache's view.
struct VolumeMatcher {
    let objects: any ClusterObjectLister
    let view: AssumeCache.View
    /// One class's PV index taken once for a loop over nodes (the batch Filter); other classes are looked up
    /// per node.
    var classIndex: (name: String, index: PersistentVolumeClassIndex)? = nil

    /// Checks `claims` against a node. With `collect`, fills `podVolumes` with the chosen static bindings and
    /// claims to provision; without, allocates nothing for single-claim pods.
    func find(
        _ claims: PodClaims,
        nodeName: String,
        labels: [String: String],
        collect: Bool,
        podVolumes: inout PodVolumes
    ) throws(VolumeBindingError) -> VolumeConflicts {
        var conflicts = VolumeConflicts()
        // Bound claims: the PV must exist and its node affinity must admit the node.
        for bound in claims.bound {
            guard let volume = bound.volume else {
                conflicts.boundVolumesFound = false
                break
            }
            if !Self.nodeAffinityMatches(volume, labels: labels) {
                conflicts.boundVolumesSatisfied = false
                break
            }
        }
        guard !claims.delayed.isEmpty else { return conflicts }

        // A claim whose provisioning node is already chosen fits only that node.
        for delayed in claims.delayed {
            if let selected = delayed.selectedNode, selected != nodeName {
                conflicts.unboundVolumesSatisfied = false
                return conflicts
            }
        }

        // Static binding, smallest claim first; a chosen PV is not offered to a later claim.
        let hostname = labels[VolumeAnnotations.hostnameLabel]
        var chosen: [String] = []
        // Claims left for provisioning: those with a selected node, then those without a static match
        // (upstream's order). Bits of the claim indices, so the per-node path allocates nothing.
        var unmatched = BitSet()
        var provisionCount = 0
        for (index, delayed) in claims.delayed.enumerated() {
            if delayed.selectedNode != nil {
                provisionCount += 1
                continue
            }
            let candidates =
                if let classIndex, classIndex.name == delayed.className {
                    classIndex.index.candidates(hostname: hostname)
                } else {
                    objects.persistentVolumeCandidates(storageClass: delayed.className, hostname: hostname)
                }
            if let match = findMatchingVolume(delayed, in: candidates, labels: labels, excluding: chosen) {
                if claims.delayed.count > 1 { chosen.append(match.name) }
                if collect {
                    podVolumes.staticBindings.append(
                        PodVolumes.StaticBinding(claim: delayed.claim, volume: match.volume)
                    )
                }
            } else {
                conflicts.unboundVolumesSatisfied = false
                unmatched.insert(index)
                provisionCount += 1
            }
        }
        guard provisionCount > 0 else { return conflicts }

        // Dynamic provisioning for the rest (upstream's `checkVolumeProvisions`, which decides the
        // unbound verdict on its own once it runs).
        for pass in 0..<2 {
            for (index, delayed) in claims.delayed.enumerated() {
                let included = pass == 0 ? delayed.selectedNode != nil : unmatched.contains(index)
                guard included else { continue }
                if delayed.className.isEmpty { throw VolumeBindingError("no class for claim \"\(delayed.claim.key)\"") }
                guard let storageClass = objects.storageClass(named: delayed.className) else {
                    throw VolumeBindingError("failed to find storage class \"\(delayed.className)\"")
                }
                let provisioner = storageClass.provisioner
                if provisioner.isEmpty || provisioner == VolumeAnnotations.noProvisioner
                    || !storageClass.allowsTopology(of: labels)
                {
                    conflicts.unboundVolumesSatisfied = false
                    if collect { podVolumes.provisions = [] }
                    return conflicts
                }
                if !hasEnoughCapacity(delayed, provisioner: provisioner, labels: labels) {
                    conflicts.unboundVolumesSatisfied = true
                    conflicts.sufficientStorage = false
                    if collect { podVolumes.provisions = [] }
                    return conflicts
                }
                if collect { podVolumes.provisions.append(delayed.claim) }
            }
        }
        conflicts.unboundVolumesSatisfied = true
        return conflicts
    }

    /// Upstream's `FindMatchingVolume` on the scheduler path: the PV pre-bound to the claim if it fits the
    /// node, else the smallest Available PV of the claim's class that satisfies the request, volume mode,
    /// selector, node affinity and access modes. Ties go to the smaller name, so the choice is stable.
    ///
    /// Reads the index's precomputed facts of each volume (size, mode, access modes, whether its hostname pin
    /// is its whole node affinity), so a candidate costs a few comparisons and no copy of the object.
    func findMatchingVolume(
        _ delayed: DelayedClaim,
        in candidates: PersistentVolumeCandidates,
        labels: [String: String],
        excluding chosen: [String]
    ) -> IndexedPersistentVolume? {
        var best: IndexedPersistentVolume?
        var preBound: IndexedPersistentVolume?
        var preBoundFits = false
        /// `pinnedHere`: found through this node's hostname, so a hostname-only affinity is known to match.
        func consider(_ indexed: IndexedPersistentVolume, pinnedHere: Bool) -> Bool {
            // A taken volume matters only when it is pre-bound to this very claim. Checked before the
            // assumptions: a volume is assumed only over an informer version that was free or pre-bound to the
            // assumed claim, and its assumed copy is then bound to that claim, so for a volume taken here the
            // assumed copy would be rejected too.
            if !indexed.isFree && (indexed.isBeingDeleted || !indexed.isBound(to: delayed.claim)) {
                return false
            }
            if !view.volumes.isEmpty, view.volumes[indexed.name] != nil {
                // Assumed by a cycle the informer has not caught up with: check the assumed copy in full.
                return consider(candidate: IndexedPersistentVolume(view.volume(indexed.volume)), pinnedHere: false)
            }
            return consider(candidate: indexed, pinnedHere: pinnedHere)
        }
        func consider(candidate: IndexedPersistentVolume, pinnedHere: Bool) -> Bool {
            let bytes = candidate.storageBytes
            if bytes < delayed.requestedBytes { return false }
            if candidate.volumeMode != delayed.volumeMode || candidate.isBeingDeleted { return false }
            if !chosen.isEmpty, chosen.contains(candidate.name) { return false }
            let affinityMatches =
                (pinnedHere && candidate.affinityIsHostnamesOnly)
                || Self.nodeAffinityMatches(candidate.volume, labels: labels)
            if !candidate.isAvailableAndUnclaimed {
                // Only a volume whose claimRef names the claim is left (isBound(to:) needs a claimRef).
                guard candidate.isBound(to: delayed.claim) else { return false }
                preBound = candidate
                preBoundFits = affinityMatches
                return true
            }
            if let selector = delayed.selector, !selector.matches(candidate.volume.metadata.labels ?? [:]) {
                return false
            }
            if candidate.storageClass != delayed.className || !affinityMatches { return false }
            if let wanted = delayed.accessModeBits {
                if wanted & ~candidate.accessModeBits != 0 { return false }
            } else {
                for mode in delayed.accessModes where !candidate.accessModes.contains(mode) { return false }
            }
            if let current = best {
                if bytes > current.storageBytes { return false }
                if bytes == current.storageBytes && !(candidate.name < current.name) {
                    return false
                }
            }
            best = candidate
            return false
        }
        // A PV pre-bound to the claim decides alone, even when it is on another node (no match then).
        for volume in delayed.preBound where consider(candidate: volume, pinnedHere: false) {
            return preBoundFits ? preBound : nil
        }
        // No free volume: only volumes pre-bound to the claim could match, and those were just considered
        // (an assumption only ever takes a volume, never frees one).
        if candidates.freeCount == 0 { return best }
        for volume in candidates.pinned.values where consider(volume, pinnedHere: true) {
            return preBoundFits ? preBound : nil
        }
        for volume in candidates.unpinned.values where consider(volume, pinnedHere: false) {
            return preBoundFits ? preBound : nil
        }
        return best
    }

    /// Upstream's `hasEnoughCapacity`: only for CSI drivers that opt into capacity tracking, some
    /// CSIStorageCapacity of the class reachable from the node must allow a volume of the requested size.
    func hasEnoughCapacity(_ delayed: DelayedClaim, provisioner: String, labels: [String: String]) -> Bool {
        guard delayed.hasRequest else { return true }
        guard let driver = objects.csiDriver(named: provisioner), driver.spec.storageCapacity == true else {
            return true
        }
        let bytes = delayed.requestedBytes
        return objects.firstCSIStorageCapacity(storageClass: delayed.className, nodeLabels: labels) { capacity in
            guard let limit = capacity.volumeLimit else { return false }
            return limit.value >= bytes
        } != nil
    }

    /// `CheckNodeAffinity(pv, node.Labels)`: no required affinity admits every node; otherwise some term must
    /// match the labels (a `metadata.name` field never matches here, as upstream passes labels only).
    /// Evaluated without compiling, so the per-node loop allocates nothing.
    static func nodeAffinityMatches(_ volume: PersistentVolume, labels: [String: String]) -> Bool {
        guard let required = volume.spec.nodeAffinity?.required else { return true }
        for term in required.nodeSelectorTerms where termMatches(term, labels: labels) { return true }
        return false
    }

    static func termMatches(_ term: NodeSelectorTerm, labels: [String: String]) -> Bool {
        let expressions = term.matchExpressions ?? []
        let fields = term.matchFields ?? []
        if expressions.isEmpty && fields.isEmpty { return false }
        for requirement in expressions where !requirementMatches(requirement, labels: labels) { return false }
        // Field requirements are checked against an unnamed node: `In` never matches, `NotIn` always does.
        for field in fields {
            guard field.key == "metadata.name", field.values?.count == 1 else { return false }
            if field.operator != "NotIn" { return false }
        }
        return true
    }

    static func requirementMatches(_ requirement: NodeSelectorRequirement, labels: [String: String]) -> Bool {
        let values = requirement.values ?? []
        let value = labels[requirement.key]
        switch requirement.operator {
        case "In":
            guard !values.isEmpty, let value else { return false }
            return values.contains(value)
        case "NotIn":
            guard !values.isEmpty else { return false }
            guard let value else { return true }
            return !values.contains(value)
        case "Exists":
            return values.isEmpty && value != nil
        case "DoesNotExist":
            return values.isEmpty && value == nil
        case "Gt", "Lt":
            guard values.count == 1, let bound = Int64(values[0]), let value, let number = Int64(value) else {
                return false
            }
            return requirement.operator == "Gt" ? number > bound : number < bound
        default:
            return false
        }
    }
}

/// A set of small indices without allocation for the first 64.
struct BitSet {
    private var low: UInt64 = 0
    private var high: Set<Int>?

    mutating func insert(_ index: Int) {
        if index < 64 {
            low |= 1 << UInt64(index)
        } else {
            var rest = high ?? []
            rest.insert(index)
            high = rest
        }
    }

    func contains(_ index: Int) -> Bool {
        index < 64 ? low & (1 << UInt64(index)) != 0 : high?.contains(index) ?? false
    }
}
