import KubeAPI

/// The part of `k8s.io/csi-translation-lib` the volume-limit check needs: which in-tree volumes migrate to
/// which CSI driver, and the volume handle the migrated volume gets (the handle only serves to count a volume
/// shared by several pods once).
enum CSITranslation {
    static let awsEBSPlugin = "kubernetes.io/aws-ebs"
    static let gcePDPlugin = "kubernetes.io/gce-pd"
    static let azureDiskPlugin = "kubernetes.io/azure-disk"
    static let azureFilePlugin = "kubernetes.io/azure-file"
    static let cinderPlugin = "kubernetes.io/cinder"
    static let vSpherePlugin = "kubernetes.io/vsphere-volume"
    static let portworxPlugin = "kubernetes.io/portworx-volume"

    static let awsEBSDriver = "ebs.csi.aws.com"
    static let gcePDDriver = "pd.csi.storage.gke.io"
    static let azureDiskDriver = "disk.csi.azure.com"
    static let azureFileDriver = "file.csi.azure.com"
    static let cinderDriver = "cinder.csi.openstack.org"
    static let vSphereDriver = "csi.vsphere.vmware.com"
    static let portworxDriver = "pxd.portworx.com"

    /// In-tree plugin name → CSI driver name (`GetCSINameFromInTreeName`).
    static let driverByPlugin: [String: String] = [
        awsEBSPlugin: awsEBSDriver, gcePDPlugin: gcePDDriver, azureDiskPlugin: azureDiskDriver,
        azureFilePlugin: azureFileDriver, cinderPlugin: cinderDriver, vSpherePlugin: vSphereDriver,
        portworxPlugin: portworxDriver,
    ]

    /// `IsMigratableIntreePluginByName`.
    static func isMigratablePlugin(_ name: String) -> Bool { driverByPlugin[name] != nil }

    /// The in-tree plugin of an inline volume (`GetInTreePluginNameFromSpec(nil, vol)`); nil when not migratable
    /// (`IsInlineMigratable`).
    static func plugin(of volume: Volume) -> String? {
        if volume.awsElasticBlockStore != nil { return awsEBSPlugin }
        if volume.gcePersistentDisk != nil { return gcePDPlugin }
        if volume.azureDisk != nil { return azureDiskPlugin }
        if volume.azureFile != nil { return azureFilePlugin }
        if volume.cinder != nil { return cinderPlugin }
        if volume.vsphereVolume != nil { return vSpherePlugin }
        if volume.portworxVolume != nil { return portworxPlugin }
        return nil
    }

    /// The in-tree plugin of a PV (`GetInTreePluginNameFromSpec(pv, nil)`); nil when not migratable (`IsPVMigratable`).
    static func plugin(of pv: PersistentVolume) -> String? {
        let spec = pv.spec
        if spec.awsElasticBlockStore != nil { return awsEBSPlugin }
        if spec.gcePersistentDisk != nil { return gcePDPlugin }
        if spec.azureDisk != nil { return azureDiskPlugin }
        if spec.azureFile != nil { return azureFilePlugin }
        if spec.cinder != nil { return cinderPlugin }
        if spec.vsphereVolume != nil { return vSpherePlugin }
        if spec.portworxVolume != nil { return portworxPlugin }
        return nil
    }

    enum TranslationError: Error, Equatable {
        case invalid(String)
    }

    /// The CSI volume handle of a migrated inline volume (`TranslateInTreeInlineVolumeToCSI`); nil when the
    /// plugin's translation sets no CSI source.
    static func handle(ofInline volume: Volume) -> Result<String?, TranslationError> {
        if let ebs = volume.awsElasticBlockStore { return ebsVolumeID(ebs.volumeID).map { Optional($0) } }
        if let pd = volume.gcePersistentDisk {
            return .success("projects/UNSPECIFIED/zones/UNSPECIFIED/disks/\(pd.pdName)")
        }
        if let disk = volume.azureDisk { return .success(disk.diskURI) }
        if let cinder = volume.cinder { return .success(cinder.volumeID) }
        if let portworx = volume.portworxVolume { return .success(portworx.volumeID) }
        if let file = volume.azureFile { return .success("#\(file.secretName)#\(file.shareName)#") }
        if let vsphere = volume.vsphereVolume { return .success(vsphere.volumePath) }
        return .success(nil)
    }

    /// The CSI volume handle of a migrated PV (`TranslateInTreePVToCSI`).
    static func handle(of pv: PersistentVolume) -> Result<String?, TranslationError> {
        let spec = pv.spec
        if let ebs = spec.awsElasticBlockStore { return ebsVolumeID(ebs.volumeID).map { Optional($0) } }
        if let pd = spec.gcePersistentDisk {
            return gcePDHandle(pdName: pd.pdName, labels: pv.metadata.labels ?? [:]).map { Optional($0) }
        }
        if let disk = spec.azureDisk { return .success(disk.diskURI) }
        if let cinder = spec.cinder { return .success(cinder.volumeID) }
        if let portworx = spec.portworxVolume { return .success(portworx.volumeID) }
        if let file = spec.azureFile { return .success("#\(file.secretName)#\(file.shareName)#") }
        if let vsphere = spec.vsphereVolume { return .success(vsphere.volumePath) }
        return .success(nil)
    }

    /// `KubernetesVolumeIDToEBSVolumeID`: a bare id as is; `aws://<zone>/<vol-…>` → `vol-…`.
    static func ebsVolumeID(_ id: String) -> Result<String, TranslationError> {
        guard id.hasPrefix("aws://") else { return .success(id) }
        let rest = id.dropFirst("aws://".count)
        // The URL's path: everything after the host, slashes trimmed.
        guard let slash = rest.firstIndex(of: "/") else {
            return .failure(.invalid("Invalid format for AWS volume (\(id))"))
        }
        let path = rest[slash...].drop(while: { $0 == "/" })
        let trimmed = String(path.reversed().drop(while: { $0 == "/" }).reversed())
        guard trimmed.hasPrefix("vol-"), !trimmed.dropFirst(4).contains("/") else {
            return .failure(.invalid("Invalid format for AWS volume (\(id))"))
        }
        return .success(trimmed)
    }

    /// The GCE PD CSI handle of a PV: zonal from its zone label, regional when the label lists several zones.
    static func gcePDHandle(pdName: String, labels: [String: String]) -> Result<String, TranslationError> {
        var zonesLabel = labels["failure-domain.beta.kubernetes.io/zone"] ?? ""
        if zonesLabel.isEmpty { zonesLabel = labels["topology.kubernetes.io/zone"] ?? "" }
        let zones = zonesLabel.split(separator: "__", omittingEmptySubsequences: false).map(String.init)
        if zones.count == 1 && !zones[0].isEmpty {
            return .success("projects/UNSPECIFIED/zones/\(zones[0])/disks/\(pdName)")
        }
        if zones.count > 1 {
            var region: String?
            for zone in zones {
                guard let dash = zone.lastIndex(of: "-") else {
                    return .failure(.invalid("failed to get region from zones: zone \"\(zone)\" is invalid"))
                }
                let candidate = String(zone[..<dash])
                if let region, region != candidate {
                    return .failure(.invalid("failed to get region from zones: multiple regions"))
                }
                region = candidate
            }
            return .success("projects/UNSPECIFIED/regions/\(region ?? "")/disks/\(pdName)")
        }
        return .success("projects/UNSPECIFIED/zones/UNSPECIFIED/disks/\(pdName)")
    }
}
