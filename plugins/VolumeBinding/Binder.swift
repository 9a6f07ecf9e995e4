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
    /// ``volumeMode`` as ``IndexedPersistentVolume/volumeModeCode(_:)``.
    let volumeModeCode: UInt8
    /// ``IndexedPersistentVolume/claimHash(namespace:name:)`` of the claim.
    let claimHash: UInt64
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
        self.volumeModeCode = IndexedPersistentVolume.volumeModeCode(volumeMode)
        self.claimHash = IndexedPersistentVolume.claimHash(
            namespace: claim.metadata.namespace ?? "default",
            name: claim.metadata.name
        )
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

    /// How many distinct ``kind`` values there are.
    static let kinds = 16
    /// The combination of reasons as a number below ``kinds`` (equal kinds, equal ``reasons``).
    var kind: Int {
        (boundVolumesSatisfied ? 0 : 1) | (unboundVolumesSatisfied ? 0 : 2) | (sufficientStorage ? 0 : 4)
            | (boundVolumesFound ? 0 : 8)
    }

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

/// A set of 64-bit hashes, open-addressed: asked with a mask and a compare or two of integers.
struct HashTable64 {
    /// A power of two of slots, at least twice the hashes; 0 marks an empty slot.
    private let table: [UInt64]
    private let mask: Int

    var isEmpty: Bool { table.isEmpty }

    init(_ hashes: some Sequence<UInt64>, count: Int) {
        guard count > 0 else {
            table = []
            mask = 0
            return
        }
        var size = 8
        while size < 2 * count { size *= 2 }
        var table = [UInt64](repeating: 0, count: size)
        for hash in hashes {
            let key = Self.key(hash)
            var slot = Int(truncatingIfNeeded: key) & (size - 1)
            while table[slot] != 0 && table[slot] != key { slot = (slot + 1) & (size - 1) }
            table[slot] = key
        }
        self.table = table
        self.mask = size - 1
    }

    /// The stored form of a hash: 0 is the empty mark, so it is stored as 1 (a shared slot only costs a false
    /// positive).
    @inline(__always) private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// False when no hash of the set is `hash`; true may rarely be a false positive (0 and 1 share a slot).
    @inline(__always) func mayContain(_ hash: UInt64) -> Bool {
        guard !table.isEmpty else { return false }
        let key = Self.key(hash)
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let stored = table[slot]
            if stored == key { return true }
            if stored == 0 { return false }
            slot = (slot + 1) & mask
        }
    }
}

/// The volumes a view assumes, as tables of their ``IndexedPersistentVolume/nameHash`` and of the
/// ``Hostname/hash`` of the hostnames they are pinned to: a per-node scan asks by integers (many pods may be
/// between Reserve and the PV controller's binding, so a small bit filter would fill up) and hashes a name into
/// the view's dictionary only on a hit; a node whose hostname no assumed volume is pinned to holds none in its
/// host set.
struct AssumedVolumeFilter {
    private let names: HashTable64
    private let hosts: HashTable64

    var isEmpty: Bool { names.isEmpty }

    init(_ view: AssumeCache.View) {
        names = HashTable64(view.volumes.keys.lazy.map(IndexedPersistentVolume.nameHash), count: view.volumes.count)
        hosts = HashTable64(
            view.volumes.values.lazy.flatMap(\.hostHashes),
            count: view.volumes.values.reduce(0) { $0 + $1.hostHashes.count }
        )
    }

    /// False when no assumed volume's name has `hash`; true may rarely be a false positive.
    @inline(__always) func mayContain(_ hash: UInt64) -> Bool { names.mayContain(hash) }

    /// False when no assumed volume is pinned to a hostname with this ``Hostname/hash``.
    @inline(__always) func mayHaveVolumes(onHost hash: UInt64) -> Bool { hosts.mayContain(hash) }
}

/// The matching rules of upstream's `volumeBinder.FindPodVolumes` for one node, reading PVs through the
/// object store's class/hostname index and the assume cache's view.
struct VolumeMatcher {
    typealias VolumeSet = PersistentVolumeClassIndex.VolumeSet

    let objects: any ClusterObjectLister
    let view: AssumeCache.View
    let assumed: AssumedVolumeFilter
    /// One class's PV index taken once for a loop over nodes (the batch Filter); other classes are looked up
    /// per node.
    var classIndex: (name: String, index: PersistentVolumeClassIndex)? = nil

    /// `assumed`: the table of `view`, when the caller keeps one (built here otherwise).
    init(objects: any ClusterObjectLister, view: AssumeCache.View, assumed: AssumedVolumeFilter? = nil) {
        self.objects = objects
        self.view = view
        self.assumed = assumed ?? AssumedVolumeFilter(view)
    }

    /// The volumes of `className` pinned to `hostname` and those not pinned: from the batch's index, else
    /// the lister's index, else its candidates (a lister without an index).
    func volumes(of className: String, hostname: String?) -> (pinned: VolumeSet?, unpinned: VolumeSet) {
        if let classIndex, classIndex.name == className {
            return (hostname.flatMap { classIndex.index.byHost[$0] }, classIndex.index.unpinned)
        }
        if let index = objects.persistentVolumeClassIndex(storageClass: className) {
            return (hostname.flatMap { index.byHost[$0] }, index.unpinned)
        }
        let candidates = objects.persistentVolumeCandidates(storageClass: className, hostname: hostname)
        return (VolumeSet(candidates.pinned), VolumeSet(candidates.unpinned))
    }

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
            let volumes = volumes(of: delayed.className, hostname: hostname)
            if let match = findMatchingVolume(
                delayed,
                pinned: volumes.pinned,
                unpinned: volumes.unpinned,
                labels: labels,
                excluding: chosen
            ) {
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
    /// selector, node affinity and access modes. Ties go to the name first in UTF-8 byte order (Go's string
    /// order), so the choice is stable.
    ///
    /// Reads the sets' inline facts of each volume (size, mode, access modes, whether its hostname pin is its
    /// whole node affinity, whether a cycle may have assumed it), so a free volume costs a few comparisons of
    /// contiguous memory; taken and assumed volumes go through the full rules.
    func findMatchingVolume(
        _ delayed: DelayedClaim,
        pinned: VolumeSet?,
        unpinned: VolumeSet,
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
            if candidate.storageBytes < delayed.requestedBytes { return false }
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
            if let current = best, !candidate.precedes(current) { return false }
            best = candidate
            return false
        }
        /// ``consider(_:pinnedHere:)`` over a set in its order; true when a volume pre-bound to the claim
        /// decides.
        func scan(_ entries: ContiguousArray<PersistentVolumeClassIndex.Entry>, pinnedHere: Bool) -> Bool {
            // Once a volume of this set is the best, the later ones are larger or later by name: only a volume
            // pre-bound to the claim (taken, or assumed) can still change the answer.
            var bestIsFromHere = false
            return entries.withUnsafeBufferPointer { entries in
                for i in entries.indices {
                    if !entries[i].isFree || (!assumed.isEmpty && assumed.mayContain(entries[i].nameHash)) {
                        // Only a volume pre-bound to this claim can matter (isBound(to:) needs a claimRef naming
                        // it); one taken by another claim, or being deleted, is passed over without its object.
                        if Self.isTakenByAnotherClaim(entries, i, delayed) { continue }
                        let previous = best
                        if consider(entries[i].volume, pinnedHere: pinnedHere) { return true }
                        if best !== previous { bestIsFromHere = true }
                        continue
                    }
                    if bestIsFromHere { continue }
                    if !Self.freeVolumeFits(entries, i, delayed, pinnedHere: pinnedHere, chosen: chosen, labels: labels)
                    {
                        continue
                    }
                    let volume = entries[i].volume
                    if let current = best, !volume.precedes(current) { continue }
                    best = volume
                    bestIsFromHere = true
                }
                return false
            }
        }
        // A PV pre-bound to the claim decides alone, even when it is on another node (no match then).
        for volume in delayed.preBound where consider(candidate: volume, pinnedHere: false) {
            return preBoundFits ? preBound : nil
        }
        // No free volume: only volumes pre-bound to the claim could match, and those were just considered
        // (an assumption only ever takes a volume, never frees one).
        if (pinned?.freeCount ?? 0) + unpinned.freeCount == 0 { return best }
        if let pinned, scan(pinned.entries, pinnedHere: true) { return preBoundFits ? preBound : nil }
        if scan(unpinned.entries, pinnedHere: false) { return preBoundFits ? preBound : nil }
        return best
    }

    /// Whether entry `i` is taken (not free) by a claim other than `delayed`, or is being deleted: passed over
    /// without its object (``IndexedPersistentVolume/isBound(to:)`` needs a claimRef naming the claim).
    @inline(__always)
    static func isTakenByAnotherClaim(
        _ entries: UnsafeBufferPointer<PersistentVolumeClassIndex.Entry>,
        _ i: Int,
        _ delayed: DelayedClaim
    ) -> Bool {
        !entries[i].isFree
            && (entries[i].isBeingDeleted || !entries[i].hasClaimReference || entries[i].claimHash != delayed.claimHash)
    }

    /// The checks of ``findMatchingVolume(_:pinned:unpinned:labels:excluding:)`` for entry `i`, a free volume
    /// (Available, unclaimed, not being deleted) that no cycle assumed: the inline facts first, the volume object
    /// only for what they do not hold (an unknown mode, a selector, an earlier choice, a node affinity beyond
    /// hostnames). `pinnedHere`: the set is the node's hostname set, so a hostname-only node affinity is known to
    /// match. `ofClaimClass`: the set holds only volumes of the claim's class (the class index's sets).
    @inline(__always)
    static func freeVolumeFits(
        _ entries: UnsafeBufferPointer<PersistentVolumeClassIndex.Entry>,
        _ i: Int,
        _ delayed: DelayedClaim,
        pinnedHere: Bool,
        ofClaimClass: Bool = false,
        chosen: [String],
        labels: @autoclosure () -> [String: String]
    ) -> Bool {
        if entries[i].storageBytes < delayed.requestedBytes { return false }
        if !ofClaimClass, entries[i].storageClass != delayed.className { return false }
        if let wanted = delayed.accessModeBits {
            if wanted & ~entries[i].accessModeBits != 0 { return false }
        } else if delayed.accessModes.contains(where: { !entries[i].volume.accessModes.contains($0) }) {
            return false
        }
        let modeCode = entries[i].volumeModeCode
        if modeCode != 0 && delayed.volumeModeCode != 0 {
            if modeCode != delayed.volumeModeCode { return false }
        } else if entries[i].volume.volumeMode != delayed.volumeMode {
            return false
        }
        if !chosen.isEmpty, chosen.contains(entries[i].volume.name) { return false }
        if let selector = delayed.selector, !selector.matches(entries[i].volume.volume.metadata.labels ?? [:]) {
            return false
        }
        if !(pinnedHere && entries[i].affinityIsHostnamesOnly),
            !nodeAffinityMatches(entries[i].volume.volume, labels: labels())
        {
            return false
        }
        return true
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
