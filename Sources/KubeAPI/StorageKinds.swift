/// `storage.k8s.io/v1` CSIDriver: what a CSI driver tells the scheduler (storage capacity tracking) and the
/// kubelet (attach, pod info on mount).
public struct CSIDriver: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CSIDriverSpec

    public init(name: String, spec: CSIDriverSpec = CSIDriverSpec()) {
        self.apiVersion = "storage.k8s.io/v1"
        self.kind = "CSIDriver"
        self.metadata = ObjectMeta(name: name)
        self.spec = spec
    }
}

public struct CSIDriverSpec: Codable, Sendable, Hashable {
    public var attachRequired: Bool?
    public var podInfoOnMount: Bool?
    /// With `true`, the scheduler checks CSIStorageCapacity objects before provisioning on a node.
    public var storageCapacity: Bool?
    public var volumeLifecycleModes: [String]?
    public var fsGroupPolicy: String?
    public var requiresRepublish: Bool?
    public var seLinuxMount: Bool?
    public var nodeAllocatableUpdatePeriodSeconds: Int64?

    public init(attachRequired: Bool? = nil, storageCapacity: Bool? = nil) {
        self.attachRequired = attachRequired
        self.storageCapacity = storageCapacity
    }
}

/// `storage.k8s.io/v1` CSIStorageCapacity: free space a CSI driver reports for one storage class in one
/// topology segment (namespaced).
public struct CSIStorageCapacity: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// The nodes that can reach this capacity; nil means none can.
    public var nodeTopology: LabelSelector?
    public var storageClassName: String
    public var capacity: Quantity?
    public var maximumVolumeSize: Quantity?

    public init(
        name: String,
        namespace: String = "default",
        storageClassName: String,
        nodeTopology: LabelSelector?,
        capacity: Quantity?,
        maximumVolumeSize: Quantity? = nil
    ) {
        self.apiVersion = "storage.k8s.io/v1"
        self.kind = "CSIStorageCapacity"
        self.metadata = ObjectMeta(name: name, namespace: namespace)
        self.nodeTopology = nodeTopology
        self.storageClassName = storageClassName
        self.capacity = capacity
        self.maximumVolumeSize = maximumVolumeSize
    }

    /// The largest volume this capacity allows (`maximumVolumeSize` when set, else `capacity`; upstream's
    /// `capacitySufficient` and `volumeLimit`).
    public var volumeLimit: Quantity? { maximumVolumeSize ?? capacity }
}

/// `v1.LocalVolumeSource`, a PV on a node's disk.
public struct LocalVolumeSource: Codable, Sendable, Hashable {
    public var path: String
    public var fsType: String?
    public init(path: String, fsType: String? = nil) {
        self.path = path
        self.fsType = fsType
    }
}

// MARK: - Names the volume binder and the PV controller share (component-helpers/storage/volume)

/// Annotations and well-known values of volume binding.
public enum VolumeAnnotations {
    /// On a PVC: the node the scheduler chose for provisioning.
    public static let selectedNode = "volume.kubernetes.io/selected-node"
    /// On a PV: the binding was made by the controller (or the scheduler), not by the user.
    public static let boundByController = "pv.kubernetes.io/bound-by-controller"
    /// On a PVC: the PV controller finished binding.
    public static let bindCompleted = "pv.kubernetes.io/bind-completed"
    /// On a PVC: the PV controller bound it (rather than the user naming a volume).
    public static let boundByControllerClaim = "pv.kubernetes.io/bound-by-controller"
    /// On a PV: which provisioner created it.
    public static let provisionedBy = "pv.kubernetes.io/provisioned-by"
    /// On a PVC: the provisioner asked to create its volume.
    public static let storageProvisioner = "volume.kubernetes.io/storage-provisioner"
    /// The beta class annotation, still honoured before `spec.storageClassName`.
    public static let betaStorageClass = "volume.beta.kubernetes.io/storage-class"
    /// A class whose volumes are created by hand (local volumes).
    public static let noProvisioner = "kubernetes.io/no-provisioner"
    public static let waitForFirstConsumer = "WaitForFirstConsumer"
    public static let immediate = "Immediate"
    public static let hostnameLabel = "kubernetes.io/hostname"
}

extension PersistentVolume {
    public init(
        name: String,
        capacity: String,
        storageClassName: String = "",
        accessModes: [String] = ["ReadWriteOnce"],
        volumeMode: String? = nil,
        labels: [String: String]? = nil,
        nodeAffinity: NodeSelector? = nil,
        claimRef: ObjectReference? = nil,
        phase: String? = "Available"
    ) {
        self.apiVersion = "v1"
        self.kind = "PersistentVolume"
        self.metadata = ObjectMeta(name: name, labels: labels)
        self.spec = PersistentVolumeSpec(
            capacity: ["storage": Quantity(parsing: capacity) ?? Quantity(0)],
            accessModes: accessModes,
            claimRef: claimRef,
            storageClassName: storageClassName,
            nodeAffinity: nodeAffinity.map { VolumeNodeAffinity(required: $0) },
            volumeMode: volumeMode
        )
        self.status = phase.map { PersistentVolumeStatus(phase: $0) }
    }

    /// The PV's class: the beta annotation when present, else `spec.storageClassName` (`GetPersistentVolumeClass`).
    public var storageClass: String {
        metadata.annotations?[VolumeAnnotations.betaStorageClass] ?? spec.storageClassName ?? ""
    }

    /// `spec.capacity.storage` in bytes (0 when unset).
    public var storageBytes: Int64 { spec.capacity?["storage"]?.value ?? 0 }

    /// Whether `claimRef` names this claim (namespace and name, and uid when the reference has one).
    public func isBound(to claim: PersistentVolumeClaim) -> Bool {
        guard let ref = spec.claimRef else { return false }
        guard ref.name == claim.metadata.name, (ref.namespace ?? "") == (claim.metadata.namespace ?? "default") else {
            return false
        }
        let uid = ref.uid ?? ""
        return uid.isEmpty || uid == (claim.metadata.uid ?? "")
    }
}

extension PersistentVolumeClaim {
    public init(
        namespace: String = "default",
        name: String,
        storageClassName: String?,
        request: String,
        accessModes: [String] = ["ReadWriteOnce"],
        volumeMode: String? = nil,
        volumeName: String? = nil,
        selector: LabelSelector? = nil,
        annotations: [String: String]? = nil,
        phase: String? = "Pending"
    ) {
        self.apiVersion = "v1"
        self.kind = "PersistentVolumeClaim"
        self.metadata = ObjectMeta(name: name, namespace: namespace, annotations: annotations)
        self.spec = PersistentVolumeClaimSpec(
            accessModes: accessModes,
            resources: VolumeResourceRequirements(requests: ["storage": Quantity(parsing: request) ?? Quantity(0)]),
            storageClassName: storageClassName,
            volumeName: volumeName,
            volumeMode: volumeMode,
            selector: selector
        )
        self.status = phase.map { PersistentVolumeClaimStatus(phase: $0) }
    }

    /// `namespace/name`.
    public var key: String { "\(metadata.namespace ?? "default")/\(metadata.name)" }

    /// The claim's class: the beta annotation when present, else `spec.storageClassName`
    /// (`GetPersistentVolumeClaimClass`).
    public var storageClass: String {
        metadata.annotations?[VolumeAnnotations.betaStorageClass] ?? spec.storageClassName ?? ""
    }

    /// `spec.resources.requests.storage` in bytes (0 when unset).
    public var requestedBytes: Int64 { spec.resources?.requests?["storage"]?.value ?? 0 }

    /// Bound to a volume and the PV controller finished (`volumeName` set and `bind-completed` present).
    public var isFullyBound: Bool {
        !(spec.volumeName ?? "").isEmpty && metadata.annotations?[VolumeAnnotations.bindCompleted] != nil
    }
}

extension StorageClass {
    public init(
        name: String,
        provisioner: String,
        volumeBindingMode: String? = VolumeAnnotations.waitForFirstConsumer,
        allowedTopologies: [TopologySelectorTerm]? = nil
    ) {
        self.apiVersion = "storage.k8s.io/v1"
        self.kind = "StorageClass"
        self.metadata = ObjectMeta(name: name)
        self.provisioner = provisioner
        self.volumeBindingMode = volumeBindingMode
        self.allowedTopologies = allowedTopologies
    }

    /// `volumeBindingMode == WaitForFirstConsumer` (the API server defaults an unset mode to Immediate).
    public var waitsForFirstConsumer: Bool { volumeBindingMode == VolumeAnnotations.waitForFirstConsumer }

    /// Whether a node's labels satisfy `allowedTopologies` (`MatchTopologySelectorTerms`): no terms match
    /// every node; otherwise some term must have every key's node label among its values.
    public func allowsTopology(of labels: [String: String]) -> Bool {
        guard let terms = allowedTopologies, !terms.isEmpty else { return true }
        for term in terms {
            var matched = true
            for requirement in term.matchLabelExpressions ?? [] {
                guard let value = labels[requirement.key], requirement.values.contains(value) else {
                    matched = false
                    break
                }
            }
            if matched { return true }
        }
        return false
    }
}

extension Volume {
    /// The PVC this volume uses: its claim name, or `<pod>-<volume>` for a generic ephemeral volume
    /// (`ephemeral.VolumeClaimName`); nil for other volume types.
    public func claimName(podName: String) -> (name: String, isEphemeral: Bool)? {
        if let claim = persistentVolumeClaim { return (claim.claimName, false) }
        if ephemeral != nil { return ("\(podName)-\(name)", true) }
        return nil
    }
}

extension PersistentVolume {
    /// The hostnames this PV's required node affinity confines it to, when every term requires
    /// `kubernetes.io/hostname In (…)` (a local volume); nil when the PV is not pinned to hostnames.
    public var pinnedHostnames: Set<String>? {
        guard let terms = spec.nodeAffinity?.required?.nodeSelectorTerms, !terms.isEmpty else { return nil }
        var hosts = Set<String>()
        for term in terms {
            guard
                let requirement = term.matchExpressions?.first(where: {
                    $0.key == VolumeAnnotations.hostnameLabel && $0.operator == "In"
                })
            else { return nil }
            hosts.formUnion(requirement.values ?? [])
        }
        return hosts
    }
}

extension CSIStorageCapacity {
    /// The single label `nodeTopology` requires (`matchLabels` with one entry and no expressions), by which
    /// capacities are indexed; nil for any other topology.
    public var indexLabel: (key: String, value: String)? {
        guard let topology = nodeTopology, (topology.matchExpressions ?? []).isEmpty,
            let labels = topology.matchLabels, labels.count == 1, let entry = labels.first
        else { return nil }
        return (entry.key, entry.value)
    }
}
