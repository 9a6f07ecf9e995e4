/// In-tree volume sources that a pod may name inline (`spec.volumes[]`) or a PersistentVolume may carry
/// (`spec.<source>`). The scheduler reads them for two rules only: VolumeRestrictions' disk conflicts
/// (GCE PD, AWS EBS, RBD, iSCSI) and NodeVolumeLimits' in-tree→CSI migration (EBS, GCE PD, Azure Disk,
/// Azure File, Cinder, vSphere, Portworx). Fields as in `k8s.io/api/core/v1`.

/// `v1.GCEPersistentDiskVolumeSource`.
public struct GCEPersistentDiskVolumeSource: Codable, Sendable, Hashable {
    public var pdName: String
    public var fsType: String?
    public var partition: Int32?
    public var readOnly: Bool?
    public init(pdName: String, fsType: String? = nil, partition: Int32? = nil, readOnly: Bool? = nil) {
        self.pdName = pdName
        self.fsType = fsType
        self.partition = partition
        self.readOnly = readOnly
    }
}

/// `v1.AWSElasticBlockStoreVolumeSource`.
public struct AWSElasticBlockStoreVolumeSource: Codable, Sendable, Hashable {
    public var volumeID: String
    public var fsType: String?
    public var partition: Int32?
    public var readOnly: Bool?
    public init(volumeID: String, fsType: String? = nil, partition: Int32? = nil, readOnly: Bool? = nil) {
        self.volumeID = volumeID
        self.fsType = fsType
        self.partition = partition
        self.readOnly = readOnly
    }
}

/// A reference to a Secret: `v1.LocalObjectReference` in pods (name only), `v1.SecretReference` in
/// PersistentVolumes (name and namespace).
public struct VolumeSecretReference: Codable, Sendable, Hashable {
    public var name: String?
    public var namespace: String?
    public init(name: String? = nil, namespace: String? = nil) {
        self.name = name
        self.namespace = namespace
    }
}

/// `v1.RBDVolumeSource` (Ceph RBD).
public struct RBDVolumeSource: Codable, Sendable, Hashable {
    public var monitors: [String]
    public var image: String
    public var fsType: String?
    /// The RADOS pool; the API server defaults an empty pool to `rbd` (see ``effectivePool``).
    public var pool: String?
    public var user: String?
    public var keyring: String?
    public var secretRef: VolumeSecretReference?
    public var readOnly: Bool?
    public init(monitors: [String], image: String, pool: String? = nil, readOnly: Bool? = nil) {
        self.monitors = monitors
        self.image = image
        self.pool = pool
        self.readOnly = readOnly
    }

    /// The pool after API-server defaulting (`rbd` when unset or empty).
    public var effectivePool: String {
        if let pool, !pool.isEmpty { return pool }
        return "rbd"
    }
}

/// `v1.ISCSIVolumeSource`.
public struct ISCSIVolumeSource: Codable, Sendable, Hashable {
    public var targetPortal: String
    public var iqn: String
    public var lun: Int32
    public var iscsiInterface: String?
    public var fsType: String?
    public var readOnly: Bool?
    public var portals: [String]?
    public var chapAuthDiscovery: Bool?
    public var chapAuthSession: Bool?
    public var secretRef: VolumeSecretReference?
    public var initiatorName: String?
    public init(targetPortal: String, iqn: String, lun: Int32, readOnly: Bool? = nil) {
        self.targetPortal = targetPortal
        self.iqn = iqn
        self.lun = lun
        self.readOnly = readOnly
    }
}

/// `v1.AzureDiskVolumeSource`.
public struct AzureDiskVolumeSource: Codable, Sendable, Hashable {
    public var diskName: String
    public var diskURI: String
    public var cachingMode: String?
    public var fsType: String?
    public var readOnly: Bool?
    public var kind: String?
    public init(diskName: String, diskURI: String) {
        self.diskName = diskName
        self.diskURI = diskURI
    }
}

/// `v1.AzureFileVolumeSource`, and `v1.AzureFilePersistentVolumeSource` (which adds `secretNamespace`).
public struct AzureFileVolumeSource: Codable, Sendable, Hashable {
    public var secretName: String
    public var shareName: String
    public var readOnly: Bool?
    public var secretNamespace: String?
    public init(secretName: String, shareName: String) {
        self.secretName = secretName
        self.shareName = shareName
    }
}

/// `v1.CinderVolumeSource`, and `v1.CinderPersistentVolumeSource`.
public struct CinderVolumeSource: Codable, Sendable, Hashable {
    public var volumeID: String
    public var fsType: String?
    public var readOnly: Bool?
    public var secretRef: VolumeSecretReference?
    public init(volumeID: String) { self.volumeID = volumeID }
}

/// `v1.VsphereVirtualDiskVolumeSource`.
public struct VsphereVirtualDiskVolumeSource: Codable, Sendable, Hashable {
    public var volumePath: String
    public var fsType: String?
    public var storagePolicyName: String?
    public var storagePolicyID: String?
    public init(volumePath: String) { self.volumePath = volumePath }
}

/// `v1.PortworxVolumeSource`.
public struct PortworxVolumeSource: Codable, Sendable, Hashable {
    public var volumeID: String
    public var fsType: String?
    public var readOnly: Bool?
    public init(volumeID: String) { self.volumeID = volumeID }
}
