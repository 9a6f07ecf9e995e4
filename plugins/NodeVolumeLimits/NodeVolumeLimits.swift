import KubeAPI
import SchedulerFramework
import Synchronization

/// Rejects nodes where the pod's CSI volumes would exceed a driver's attach limit. Upstream's
/// `nodevolumelimits.CSILimits`, registered as `NodeVolumeLimits` (v1.35).
///
/// The limit of a driver is the node's CSINode `spec.drivers[].allocatable.count`; a node without a CSINode,
/// or a driver without a count, has no limit. Volumes are counted once per unique `driver/volumeHandle`:
/// - a claim (`persistentVolumeClaim`, or a generic ephemeral volume's `<pod>-<volume>` claim, which must be
///   owned by the pod) bound to a CSI PV counts under the PV's driver and handle; a PV of a migrated in-tree
///   plugin (AWS EBS, GCE PD, Azure Disk, Cinder; Portworx when the CSINode lists it as migrated) under its CSI
///   driver; an unbound claim (or one whose PV is missing) under its StorageClass's provisioner with a handle
///   made unique per claim;
/// - an inline in-tree volume of a migrated plugin under its CSI driver.
/// Volumes already used by pods on the node are not counted again, and neither are the volumes of the node's
/// VolumeAttachments (a CSI PV named by an attachment with an attacher counts under the attacher and the PV's
/// handle, once; upstream since v1.32, no feature gate), so a volume still detaching from a deleted pod keeps
/// its slot. Over a limit ⇒ Unschedulable `node(s) exceed max volume count`; a missing claim of the pod ⇒
/// UnschedulableAndUnresolvable. (The embedded cluster has no attach/detach controller, so it has no
/// VolumeAttachments unless a manifest or workload creates them.)
package final class NodeVolumeLimits: PreFilterPlugin, FilterPlugin, EnqueueExtensions {
    /// The registry and configuration name.
    package static let name = PluginName.nodeVolumeLimits
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// A driver's attach limit would be exceeded.
    package static let reasonMaxVolumeCountExceeded = "node(s) exceed max volume count"

    static let migratedPluginsAnnotation = "storage.alpha.kubernetes.io/migrated-plugins"

    static let preFilterKey = StateKey<PreFilterState>("PreFilter" + NodeVolumeLimits.name)

    let objects: any ClusterObjectLister
    /// The CSINode limits by node slot of the last cycle (LimitTable.swift).
    let lastLimitTable = Mutex<CSILimitTable?>(nil)
    /// Makes the handles of unbound claims unique to this scheduler (upstream's `randomVolumeIDPrefix`).
    let randomVolumeIDPrefix: String

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {
        self.objects = handle.objects
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        self.randomVolumeIDPrefix = String(
            (0..<32).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        )
    }

    /// A volume that counts against a driver's limit. `migratedFrom` names the in-tree plugin when the volume
    /// counts only where that plugin's migration is on (decided per node from its CSINode).
    struct AttachableVolume: Sendable, Hashable {
        var uniqueName: String
        var driver: String
        var migratedFrom: String?
    }

    /// One of the pod's volumes, resolved once per cycle: counted, ignored, or an error Filter reports.
    enum Entry: Sendable {
        case volume(AttachableVolume)
        /// A failure Filter returns (on nodes where `migratedFrom`'s migration is on, or always when nil).
        case failure(Status, migratedFrom: String?)
    }

    /// The pod's volumes, resolved in PreFilter so that Filter does no lookups for the pod itself.
    final class PreFilterState: StateData {
        let entries: [Entry]
        /// Whether an entry's outcome depends on more than whether the node has a CSINode (a Portworx volume,
        /// which counts only where the CSINode lists the plugin as migrated, or a migration-dependent failure).
        let needsPerNodeResolution: Bool
        /// The pod's unique volumes per driver on a node that has a CSINode (valid unless
        /// ``needsPerNodeResolution``); lets Filter check limits without building maps per node.
        let countsWithCSINode: [(driver: String, count: Int)]
        /// Every CSINode, taken once for the cycle (nil when the lister keeps no map: look up per node).
        let csiNodesByName: [String: IndexedCSINode]?
        /// The CSINodes' limits by node slot, for nodes the table covers (nil: look up by name).
        let limitTable: CSILimitTable?
        /// ``countsWithCSINode`` with each driver's limits by slot from ``limitTable``.
        let slotLimits: [(limits: [Int64], count: Int64)]
        /// The VolumeAttachments by node, taken once for the cycle.
        let attachmentsByNode: [String: [String: VolumeAttachment]]

        init(
            entries: [Entry],
            csiNodesByName: [String: IndexedCSINode]?,
            limitTable: CSILimitTable? = nil,
            attachmentsByNode: [String: [String: VolumeAttachment]] = [:]
        ) {
            self.entries = entries
            self.csiNodesByName = csiNodesByName
            self.limitTable = limitTable
            self.attachmentsByNode = attachmentsByNode
            var perNode = false
            var seen = Set<String>()
            var counts: [(driver: String, count: Int)] = []
            for entry in entries {
                switch entry {
                case .failure(_, let plugin):
                    if plugin != nil { perNode = true }
                case .volume(let volume):
                    if volume.migratedFrom == CSITranslation.portworxPlugin { perNode = true }
                    guard seen.insert(volume.uniqueName).inserted else { continue }
                    if let index = counts.firstIndex(where: { $0.driver == volume.driver }) {
                        counts[index].count += 1
                    } else {
                        counts.append((volume.driver, 1))
                    }
                }
            }
            self.needsPerNodeResolution = perNode
            self.countsWithCSINode = counts
            self.slotLimits =
                limitTable.map { table in counts.map { (table.limits(of: $0.driver), Int64($0.count)) } } ?? []
        }

        func clone() -> any StateData { self }

        /// How many VolumeAttachments name `node` (each at most one more attached volume).
        @inline(__always) func attachmentCount(on node: String) -> Int {
            attachmentsByNode.isEmpty ? 0 : attachmentsByNode[node]?.count ?? 0
        }

        /// The first failure every node reports (a missing claim, an ephemeral claim not owned by the pod).
        var unconditionalFailure: Status? {
            for case .failure(let status, nil) in entries { return status }
            return nil
        }
    }
}

// MARK: - PreFilter / Filter

extension NodeVolumeLimits {
    /// Skip unless the pod has a claim, a generic ephemeral volume or a migratable inline volume.
    package func preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let volumes = pod.pod.spec.volumes ?? []
        guard
            volumes.contains(where: {
                $0.persistentVolumeClaim != nil || $0.ephemeral != nil || CSITranslation.plugin(of: $0) != nil
            })
        else { return (nil, .skip) }
        // The generation first: a map at least as new as it is then taken.
        let generation = objects.csiNodesGeneration()
        let csiNodesByName = objects.csiNodesByName()
        state.write(
            PreFilterState(
                entries: resolve(pod.pod, newPod: true),
                csiNodesByName: csiNodesByName,
                limitTable: limitTable(generation: generation, snapshot: snapshot, csiNodesByName: csiNodesByName),
                attachmentsByNode: objects.volumeAttachmentsByNode()
            ),
            for: Self.preFilterKey
        )
        return (nil, .success)
    }

    package func filter(state: CycleState, pod: PodInfo, node: NodeInfo) -> Status {
        if (pod.pod.spec.volumes ?? []).isEmpty { return .success }
        let prepared = state.read(Self.preFilterKey)
        let indexed: IndexedCSINode?
        if let byName = prepared?.csiNodesByName {
            indexed = byName[node.name]
        } else {
            indexed = objects.csiNode(named: node.name).map(IndexedCSINode.init)
        }
        if let prepared, !prepared.needsPerNodeResolution,
            let fast = Self.fastFilter(prepared, csiNode: indexed, node: node)
        {
            return fast
        }
        let csiNode = indexed?.csiNode
        let entries = prepared?.entries ?? resolve(pod.pod, newPod: true)

        // The pod's volumes on this node (upstream's `newVolumes`), or the first error.
        var newVolumes: [String: String] = [:]
        for entry in entries {
            switch entry {
            case .volume(let volume):
                if Self.counts(volume, csiNode: csiNode) { newVolumes[volume.uniqueName] = volume.driver }
            case .failure(let status, let plugin):
                if plugin == nil || Self.isMigrationOn(csiNode: csiNode, plugin: plugin ?? "") { return status }
            }
        }
        if newVolumes.isEmpty { return .success }

        let limits = Self.volumeLimits(csiNode)
        if limits.isEmpty { return .success }
        let attachments =
            prepared.map { $0.attachmentsByNode[node.name] } ?? objects.volumeAttachmentsByNode()[node.name]

        // Shortcut with the same outcome: when the node's pods name only plain claims, each counts at most once,
        // so if even all of them and the node's attachments plus all the pod's volumes stay within every limit,
        // nothing needs looking up.
        if let claims = Self.claimCountUpperBound(node) {
            let bound = claims + (attachments?.count ?? 0)
            var newCount: [String: Int] = [:]
            for driver in newVolumes.values { newCount[driver, default: 0] += 1 }
            if newCount.allSatisfy({ driver, count in limits[driver].map { bound + count <= $0 } ?? true }) {
                return .success
            }
        }

        // Volumes of the pods already on the node, each counted once.
        var attached: [String: String] = [:]
        for existing in node.pods {
            for entry in resolve(existing.pod, newPod: false) {
                switch entry {
                case .volume(let volume):
                    if Self.counts(volume, csiNode: csiNode) { attached[volume.uniqueName] = volume.driver }
                case .failure(let status, let plugin):
                    if plugin == nil || Self.isMigrationOn(csiNode: csiNode, plugin: plugin ?? "") { return status }
                }
            }
        }
        var attachedCount: [String: Int] = [:]
        for (uniqueName, driver) in attached {
            newVolumes[uniqueName] = nil  // a volume shared with a pod on the node is already attached
            attachedCount[driver, default: 0] += 1
        }
        // The node's VolumeAttachments (upstream's getNodeVolumeAttachmentInfo): each volume once, unless a pod
        // on the node uses it. As upstream, the pod's own volumes stay new even when an attachment names them.
        var attachedOnlyByAttachment: [String: String] = [:]
        for attachment in (attachments ?? [:]).values {
            guard let volume = attachedVolume(of: attachment), attached[volume.uniqueName] == nil else { continue }
            attachedOnlyByAttachment[volume.uniqueName] = volume.driver
        }
        for driver in attachedOnlyByAttachment.values { attachedCount[driver, default: 0] += 1 }
        var newCount: [String: Int] = [:]
        for driver in newVolumes.values { newCount[driver, default: 0] += 1 }
        for (driver, count) in newCount {
            guard let limit = limits[driver] else { continue }
            if attachedCount[driver, default: 0] + count > limit {
                return Status(.unschedulable, Self.reasonMaxVolumeCountExceeded)
            }
        }
        return .success
    }

    /// Filter's outcome without building maps, or nil when the node's pods must be resolved. Same outcome as the
    /// full path: failures first, then no volumes or no limits pass, then the claim-count bound.
    static func fastFilter(_ prepared: PreFilterState, csiNode: IndexedCSINode?, node: NodeInfo) -> Status? {
        if let failure = prepared.unconditionalFailure { return failure }
        guard let csiNode else {
            // No CSINode: no limits, whatever the pod's volumes.
            return .success
        }
        // No volumes, or a node without any limit.
        if prepared.countsWithCSINode.isEmpty || csiNode.attachLimits.isEmpty { return .success }
        // The smallest room any of the pod's limited drivers leaves for the node's existing volumes.
        var room = Int.max
        for (driver, count) in prepared.countsWithCSINode {
            guard let limit = csiNode.limit(of: driver) else { continue }
            room = min(room, limit - count)
        }
        // The full path would still resolve the node's pods (whose resolution may fail): only when none can fail
        // and even all of them fit is the outcome known here.
        guard let claims = claimCountUpperBound(node) else { return nil }
        return claims + prepared.attachmentCount(on: node.name) <= room ? .success : nil
    }

    /// An upper bound on the unique volumes the node's pods have attached: their distinct named claims, each at
    /// most one volume; nil when one of them has a volume that is not a named claim (generic ephemeral, an
    /// unnamed claim, an inline network volume), whose resolution could fail or count more. Kept by the node
    /// info, so this reads two fields instead of walking the node's pods.
    static func claimCountUpperBound(_ node: NodeInfo) -> Int? {
        node.podsWithUnclaimedVolumes == 0 ? node.distinctClaimCount : nil
    }

    static func counts(_ volume: AttachableVolume, csiNode: CSINode?) -> Bool {
        guard let plugin = volume.migratedFrom else { return true }
        return isMigrationOn(csiNode: csiNode, plugin: plugin)
    }

    /// Upstream's `isCSIMigrationOn` (v1.35 gates at their defaults).
    static func isMigrationOn(csiNode: CSINode?, plugin: String) -> Bool {
        guard let csiNode, !plugin.isEmpty else { return false }
        switch plugin {
        case CSITranslation.awsEBSPlugin, CSITranslation.gcePDPlugin, CSITranslation.azureDiskPlugin,
            CSITranslation.cinderPlugin:
            return true
        case CSITranslation.portworxPlugin:
            // Migrated only where the CSINode lists the plugin.
            guard let listed = csiNode.metadata.annotations?[migratedPluginsAnnotation], !listed.isEmpty else {
                return false
            }
            return listed.split(separator: ",").contains { $0 == plugin }
        default:
            return false
        }
    }

    /// Driver name → attach limit, from the CSINode (`getVolumeLimits`).
    static func volumeLimits(_ csiNode: CSINode?) -> [String: Int] {
        var limits: [String: Int] = [:]
        for driver in csiNode?.spec.drivers ?? [] {
            if let count = driver.allocatable?.count { limits[driver.name] = Int(count) }
        }
        return limits
    }
}

// MARK: - Resolving volumes

extension NodeVolumeLimits {
    /// Upstream's `filterAttachableVolumes` for one pod, with the decisions that depend on the node's CSINode
    /// (in-tree migration) left to ``counts(_:csiNode:)``. For a new pod a missing claim is a failure; for a pod
    /// already on the node it is not counted.
    func resolve(_ pod: Pod, newPod: Bool) -> [Entry] {
        var entries: [Entry] = []
        for volume in pod.spec.volumes ?? [] {
            let claimName: String
            var isEphemeral = false
            if let claim = volume.persistentVolumeClaim {
                claimName = claim.claimName
            } else if volume.ephemeral != nil {
                claimName = "\(pod.metadata.name)-\(volume.name)"
                isEphemeral = true
            } else {
                if let entry = inlineEntry(volume) { entries.append(entry) }
                continue
            }
            if claimName.isEmpty {
                entries.append(.failure(.error("PersistentVolumeClaim had no name"), migratedFrom: nil))
                return entries
            }
            guard let claim = objects.persistentVolumeClaim(namespace: pod.namespace, name: claimName) else {
                if newPod {
                    // The pod cannot run without its claim.
                    let message =
                        "looking up PVC \(pod.namespace)/\(claimName): persistentvolumeclaims \"\(claimName)\" not found"
                    entries.append(.failure(Status(.unschedulableAndUnresolvable, message), migratedFrom: nil))
                    return entries
                }
                continue
            }
            if isEphemeral && !Self.isClaimOwned(claim, by: pod) {
                let claimKey = "\(claim.metadata.namespace ?? "default")/\(claim.metadata.name)"
                let message =
                    "PVC \(claimKey) was not created for pod \(pod.namespace)/\(pod.metadata.name) (pod is not owner)"
                entries.append(.failure(.error(message), migratedFrom: nil))
                return entries
            }
            if let volume = attachableVolume(of: claim) { entries.append(.volume(volume)) }
        }
        return entries
    }

    /// The volume a VolumeAttachment holds on its node: a CSI PV it names, under the attacher (nil for an
    /// attachment without an attacher or PV name, a missing PV, or one that is not CSI).
    func attachedVolume(of attachment: VolumeAttachment) -> AttachableVolume? {
        let attacher = attachment.spec.attacher
        guard !attacher.isEmpty, let pvName = attachment.spec.source.persistentVolumeName,
            let csi = objects.persistentVolume(named: pvName)?.spec.csi
        else { return nil }
        return AttachableVolume(uniqueName: "\(attacher)/\(csi.volumeHandle)", driver: attacher, migratedFrom: nil)
    }

    /// `ephemeral.VolumeIsForPod`: same namespace and the pod is the claim's controller.
    static func isClaimOwned(_ claim: PersistentVolumeClaim, by pod: Pod) -> Bool {
        guard (claim.metadata.namespace ?? "default") == pod.namespace else { return false }
        guard let owner = claim.metadata.ownerReferences?.first(where: { $0.controller == true }) else { return false }
        return owner.uid == pod.metadata.uid
    }

    /// `checkAttachableInlineVolume`: a migratable inline volume counts under its CSI driver where migration is on.
    func inlineEntry(_ volume: Volume) -> Entry? {
        guard let plugin = CSITranslation.plugin(of: volume), let driver = CSITranslation.driverByPlugin[plugin] else {
            return nil
        }
        switch CSITranslation.handle(ofInline: volume) {
        case .failure(.invalid(let reason)):
            return .failure(
                .error("converting volume(\(volume.name)) from inline to csi: \(reason)"),
                migratedFrom: plugin
            )
        case .success(nil):
            return nil
        case .success(let handle?):
            return .volume(AttachableVolume(uniqueName: "\(driver)/\(handle)", driver: driver, migratedFrom: plugin))
        }
    }

    /// `getCSIDriverInfo`: the claim's PV, or its StorageClass when unbound or the PV is missing.
    func attachableVolume(of claim: PersistentVolumeClaim) -> AttachableVolume? {
        let pvName = claim.spec.volumeName ?? ""
        guard !pvName.isEmpty, let pv = objects.persistentVolume(named: pvName) else {
            return attachableVolumeFromClass(of: claim)
        }
        if let csi = pv.spec.csi {
            return AttachableVolume(
                uniqueName: "\(csi.driver)/\(csi.volumeHandle)",
                driver: csi.driver,
                migratedFrom: nil
            )
        }
        guard let plugin = CSITranslation.plugin(of: pv), let driver = CSITranslation.driverByPlugin[plugin],
            case .success(let handle?) = CSITranslation.handle(of: pv)
        else { return nil }
        return AttachableVolume(uniqueName: "\(driver)/\(handle)", driver: driver, migratedFrom: plugin)
    }

    /// `getCSIDriverInfoFromSC`: the class's provisioner (its CSI driver when it is a migrated in-tree plugin),
    /// with a handle unique to the claim. No class, or a missing one, is not counted (such a claim must be
    /// bound before scheduling).
    func attachableVolumeFromClass(of claim: PersistentVolumeClaim) -> AttachableVolume? {
        var className = claim.spec.storageClassName ?? ""
        if let annotated = claim.metadata.annotations?["volume.beta.kubernetes.io/storage-class"] {
            className = annotated
        }
        guard !className.isEmpty, let storageClass = objects.storageClass(named: className) else { return nil }
        let handle = "\(randomVolumeIDPrefix)-\(claim.metadata.namespace ?? "default")/\(claim.metadata.name)"
        let provisioner = storageClass.provisioner
        if let driver = CSITranslation.driverByPlugin[provisioner] {
            return AttachableVolume(uniqueName: "\(driver)/\(handle)", driver: driver, migratedFrom: provisioner)
        }
        return AttachableVolume(uniqueName: "\(provisioner)/\(handle)", driver: provisioner, migratedFrom: nil)
    }
}

// MARK: - Events

extension NodeVolumeLimits {
    /// A CSINode is added or raises a limit, a placed pod with volumes is deleted, a claim the pod names is
    /// created, or a VolumeAttachment is deleted (queueing hints on, as upstream's default).
    package func eventsToRegister() -> [ClusterEventWithHint] {
        [
            ClusterEventWithHint(ClusterEvent(resource: .csiNode, action: .add, label: "CSINodeAdd")),
            ClusterEventWithHint(
                ClusterEvent(resource: .csiNode, action: .update, label: "CSINodeUpdate"),
                hint: { _, old, new in NodeVolumeLimits.hintAfterCSINodeUpdated(old: old, new: new) }
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .pod, action: .delete, label: "PodDelete"),
                hint: { _, old, _ in NodeVolumeLimits.hintAfterPodDeleted(old?.pod) }
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .persistentVolumeClaim, action: .add, label: "PersistentVolumeClaimAdd"),
                hint: { pod, _, new in NodeVolumeLimits.hintAfterClaimAdded(pod, added: new) }
            ),
            ClusterEventWithHint(
                ClusterEvent(resource: .volumeAttachment, action: .delete, label: "VolumeAttachmentDelete"),
                hint: { pod, old, _ in NodeVolumeLimits.hintAfterAttachmentDeleted(pod, deleted: old) }
            ),
        ]
    }

    /// A detached volume frees a slot for a pod with a claim, or with an inline migratable volume whose CSI
    /// driver is the attachment's attacher (upstream's isSchedulableAfterVolumeAttachmentDeleted, which does not
    /// look at generic ephemeral volumes).
    static func hintAfterAttachmentDeleted(_ pod: Pod, deleted: KubeObject?) -> QueueingHint {
        guard case .volumeAttachment(let attachment)? = deleted else { return .queue }
        for volume in pod.spec.volumes ?? [] {
            if volume.persistentVolumeClaim != nil { return .queue }
            if let plugin = CSITranslation.plugin(of: volume),
                CSITranslation.driverByPlugin[plugin] == attachment.spec.attacher
            {
                return .queue
            }
        }
        return .skip
    }

    /// A deleted pod that was placed and used a claim, an ephemeral volume or a migratable inline volume.
    static func hintAfterPodDeleted(_ deleted: Pod?) -> QueueingHint {
        guard let deleted else { return .queue }
        guard let volumes = deleted.spec.volumes, !volumes.isEmpty, !deleted.nodeName.isEmpty else { return .skip }
        for volume in volumes
        where volume.persistentVolumeClaim != nil || volume.ephemeral != nil || CSITranslation.plugin(of: volume) != nil
        {
            return .queue
        }
        return .skip
    }

    /// A claim of the pod's namespace that the pod names (directly or as a generic ephemeral volume).
    static func hintAfterClaimAdded(_ pod: Pod, added: KubeObject?) -> QueueingHint {
        guard case .persistentVolumeClaim(let claim)? = added else { return .queue }
        if (claim.metadata.namespace ?? "default") != pod.namespace { return .skip }
        for volume in pod.spec.volumes ?? [] {
            let name: String
            if let source = volume.persistentVolumeClaim {
                name = source.claimName
            } else if volume.ephemeral != nil {
                name = "\(pod.metadata.name)-\(volume.name)"
            } else {
                continue
            }
            if name == claim.metadata.name { return .queue }
        }
        return .skip
    }

    /// A driver's limit went up (or was removed).
    static func hintAfterCSINodeUpdated(old: KubeObject?, new: KubeObject?) -> QueueingHint {
        guard case .csiNode(let original)? = old, case .csiNode(let modified)? = new else { return .queue }
        var previous: [String: Int32?] = [:]
        for driver in original.spec.drivers ?? [] { previous[driver.name] = .some(driver.allocatable?.count) }
        for driver in modified.spec.drivers ?? [] {
            guard let before = previous[driver.name], let limitBefore = before else { continue }  // was unlimited
            guard let limitNow = driver.allocatable?.count else { return .queue }  // now unlimited
            if limitNow > limitBefore { return .queue }
        }
        return .skip
    }
}
