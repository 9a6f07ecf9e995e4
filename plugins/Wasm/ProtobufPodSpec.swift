import KubeAPI

/// The parts of `PodSpec` and `PodStatus` that scheduling plugins read most: affinity, topology spread,
/// volumes and container statuses. Field numbers and presence follow `k8s.io/api/core/v1/generated.proto` and
/// `generated.pb.go` (release-1.35): non-pointer strings, integers, booleans and structs are always written,
/// pointers only when set, repeated fields and maps only when non-empty, each message's fields in ascending
/// number order.
extension ProtoWriter {
    mutating func strings(_ field: Int, _ values: [String]?) {
        for value in values ?? [] { string(field, value) }
    }

    /// A pointer bool: written only when set.
    mutating func optionalBool(_ field: Int, _ value: Bool?) {
        if let value { bool(field, value) }
    }

    /// A pointer int32: written only when set.
    mutating func optionalInt32(_ field: Int, _ value: Int32?) {
        if let value { int32(field, value) }
    }

    // MARK: meta/v1 selectors

    /// `LabelSelector`: 1 matchLabels (map), 2 matchExpressions {1 key, 2 operator, 3 values}.
    mutating func labelSelector(_ field: Int, _ selector: LabelSelector) {
        message(field) { w in
            w.stringMap(1, selector.matchLabels)
            for requirement in selector.matchExpressions ?? [] {
                w.message(2) { r in
                    r.string(1, requirement.key)
                    r.string(2, requirement.operator)
                    r.strings(3, requirement.values)
                }
            }
        }
    }

    // MARK: Affinity

    /// `NodeSelectorTerm`: 1 matchExpressions, 2 matchFields, each `NodeSelectorRequirement`
    /// {1 key, 2 operator, 3 values}.
    mutating func nodeSelectorTerm(_ field: Int, _ term: NodeSelectorTerm) {
        message(field) { w in
            for (number, requirements) in [(1, term.matchExpressions), (2, term.matchFields)] {
                for requirement in requirements ?? [] {
                    w.message(number) { r in
                        r.string(1, requirement.key)
                        r.string(2, requirement.operator)
                        r.strings(3, requirement.values)
                    }
                }
            }
        }
    }

    /// `PodAffinityTerm`: 1 labelSelector (pointer), 2 namespaces, 3 topologyKey, 4 namespaceSelector (pointer),
    /// 5 matchLabelKeys, 6 mismatchLabelKeys.
    mutating func podAffinityTerm(_ field: Int, _ term: PodAffinityTerm) {
        message(field) { w in
            if let selector = term.labelSelector { w.labelSelector(1, selector) }
            w.strings(2, term.namespaces)
            w.string(3, term.topologyKey)
            if let selector = term.namespaceSelector { w.labelSelector(4, selector) }
            w.strings(5, term.matchLabelKeys)
            w.strings(6, term.mismatchLabelKeys)
        }
    }

    /// `PodAffinity` and `PodAntiAffinity` share a layout: 1 required terms, 2 preferred
    /// `WeightedPodAffinityTerm` {1 weight, 2 podAffinityTerm}.
    mutating func podAffinity(_ field: Int, _ affinity: PodAffinity) {
        message(field) { w in
            for term in affinity.required { w.podAffinityTerm(1, term) }
            for weighted in affinity.preferred {
                w.message(2) { t in
                    t.int32(1, weighted.weight)
                    t.podAffinityTerm(2, weighted.podAffinityTerm)
                }
            }
        }
    }

    /// `Affinity`: 1 nodeAffinity, 2 podAffinity, 3 podAntiAffinity (all pointers). `NodeAffinity`: 1 required
    /// `NodeSelector` {1 nodeSelectorTerms} (pointer), 2 preferred `PreferredSchedulingTerm` {1 weight,
    /// 2 preference}.
    mutating func affinity(_ field: Int, _ affinity: Affinity) {
        message(field) { w in
            if let node = affinity.nodeAffinity {
                w.message(1) { n in
                    if let required = node.required {
                        n.message(1) { s in for term in required.nodeSelectorTerms { s.nodeSelectorTerm(1, term) } }
                    }
                    for preferred in node.preferred {
                        n.message(2) { p in
                            p.int32(1, preferred.weight)
                            p.nodeSelectorTerm(2, preferred.preference)
                        }
                    }
                }
            }
            if let pod = affinity.podAffinity { w.podAffinity(2, pod) }
            if let anti = affinity.podAntiAffinity { w.podAffinity(3, anti) }
        }
    }

    // MARK: Topology spread

    /// `TopologySpreadConstraint`: 1 maxSkew, 2 topologyKey, 3 whenUnsatisfiable, 4 labelSelector (pointer),
    /// 5 minDomains (pointer), 6 nodeAffinityPolicy (pointer), 7 nodeTaintsPolicy (pointer), 8 matchLabelKeys.
    mutating func topologySpreadConstraint(_ field: Int, _ constraint: TopologySpreadConstraint) {
        message(field) { w in
            w.int32(1, constraint.maxSkew)
            w.string(2, constraint.topologyKey)
            w.string(3, constraint.whenUnsatisfiable)
            if let selector = constraint.labelSelector { w.labelSelector(4, selector) }
            w.optionalInt32(5, constraint.minDomains)
            w.optionalString(6, constraint.nodeAffinityPolicy)
            w.optionalString(7, constraint.nodeTaintsPolicy)
            w.strings(8, constraint.matchLabelKeys)
        }
    }

    // MARK: Volumes

    /// `LocalObjectReference` {1 name}, as pods name secrets.
    mutating func localObjectReference(_ field: Int, _ reference: VolumeSecretReference?) {
        if let reference { message(field) { $0.string(1, reference.name ?? "") } }
    }

    /// `Volume`: 1 name, 2 the embedded `VolumeSource` (always present), whose sources are pointers numbered
    /// 1 hostPath, 3 gcePersistentDisk, 4 awsElasticBlockStore, 8 iscsi, 10 persistentVolumeClaim, 11 rbd,
    /// 13 cinder, 18 azureFile, 20 vsphereVolume, 22 azureDisk, 24 portworxVolume, 28 csi, 29 ephemeral.
    mutating func volume(_ field: Int, _ volume: Volume) {
        message(field) { w in
            w.string(1, volume.name)
            w.message(2) { s in s.volumeSource(volume) }
        }
    }

    mutating func volumeSource(_ volume: Volume) {
        if let source = volume.hostPath {
            message(1) { w in
                w.string(1, source.path)
                w.optionalString(2, source.type)
            }
        }
        if let source = volume.gcePersistentDisk {
            message(3) { w in
                w.string(1, source.pdName)
                w.string(2, source.fsType ?? "")
                w.int32(3, source.partition ?? 0)
                w.bool(4, source.readOnly ?? false)
            }
        }
        if let source = volume.awsElasticBlockStore {
            message(4) { w in
                w.string(1, source.volumeID)
                w.string(2, source.fsType ?? "")
                w.int32(3, source.partition ?? 0)
                w.bool(4, source.readOnly ?? false)
            }
        }
        if let source = volume.iscsi {
            // 1 targetPortal, 2 iqn, 3 lun, 4 iscsiInterface, 5 fsType, 6 readOnly, 7 portals,
            // 8 chapAuthDiscovery, 10 secretRef (pointer), 11 chapAuthSession, 12 initiatorName (pointer).
            message(8) { w in
                w.string(1, source.targetPortal)
                w.string(2, source.iqn)
                w.int32(3, source.lun)
                w.string(4, source.iscsiInterface ?? "")
                w.string(5, source.fsType ?? "")
                w.bool(6, source.readOnly ?? false)
                w.strings(7, source.portals)
                w.bool(8, source.chapAuthDiscovery ?? false)
                w.localObjectReference(10, source.secretRef)
                w.bool(11, source.chapAuthSession ?? false)
                w.optionalString(12, source.initiatorName)
            }
        }
        if let source = volume.persistentVolumeClaim {
            message(10) { w in
                w.string(1, source.claimName)
                w.bool(2, source.readOnly ?? false)
            }
        }
        if let source = volume.rbd {
            // 1 monitors, 2 image, 3 fsType, 4 pool, 5 user, 6 keyring, 7 secretRef (pointer), 8 readOnly.
            message(11) { w in
                w.strings(1, source.monitors)
                w.string(2, source.image)
                w.string(3, source.fsType ?? "")
                w.string(4, source.pool ?? "")
                w.string(5, source.user ?? "")
                w.string(6, source.keyring ?? "")
                w.localObjectReference(7, source.secretRef)
                w.bool(8, source.readOnly ?? false)
            }
        }
        if let source = volume.cinder {
            message(13) { w in
                w.string(1, source.volumeID)
                w.string(2, source.fsType ?? "")
                w.bool(3, source.readOnly ?? false)
                w.localObjectReference(4, source.secretRef)
            }
        }
        if let source = volume.azureFile {
            message(18) { w in
                w.string(1, source.secretName)
                w.string(2, source.shareName)
                w.bool(3, source.readOnly ?? false)
            }
        }
        if let source = volume.vsphereVolume {
            message(20) { w in
                w.string(1, source.volumePath)
                w.string(2, source.fsType ?? "")
                w.string(3, source.storagePolicyName ?? "")
                w.string(4, source.storagePolicyID ?? "")
            }
        }
        if let source = volume.azureDisk {
            // 1 diskName, 2 diskURI, then cachingMode, fsType, readOnly, kind: all pointers.
            message(22) { w in
                w.string(1, source.diskName)
                w.string(2, source.diskURI)
                w.optionalString(3, source.cachingMode)
                w.optionalString(4, source.fsType)
                w.optionalBool(5, source.readOnly)
                w.optionalString(6, source.kind)
            }
        }
        if let source = volume.portworxVolume {
            message(24) { w in
                w.string(1, source.volumeID)
                w.string(2, source.fsType ?? "")
                w.bool(3, source.readOnly ?? false)
            }
        }
        if let source = volume.csi {
            // 1 driver, 2 readOnly (pointer); fsType, volumeAttributes, nodePublishSecretRef are not modelled.
            message(28) { w in
                w.string(1, source.driver)
                w.optionalBool(2, source.readOnly)
            }
        }
        if let source = volume.ephemeral {
            message(29) { w in
                guard let template = source.volumeClaimTemplate else { return }
                // PersistentVolumeClaimTemplate: 1 metadata, 2 spec (both always present).
                w.message(1) { t in
                    t.objectMeta(1, template.metadata ?? ObjectMeta(name: ""))
                    t.persistentVolumeClaimSpec(2, template.spec)
                }
            }
        }
    }

    /// `PersistentVolumeClaimSpec`: 1 accessModes, 2 resources (`VolumeResourceRequirements` {1 limits,
    /// 2 requests}, always present), 3 volumeName, 4 selector (pointer), 5 storageClassName (pointer),
    /// 6 volumeMode (pointer), 9 volumeAttributesClassName (pointer).
    mutating func persistentVolumeClaimSpec(_ field: Int, _ spec: PersistentVolumeClaimSpec) {
        message(field) { w in
            w.strings(1, spec.accessModes)
            w.message(2) { r in
                r.resourceList(1, spec.resources?.limits)
                r.resourceList(2, spec.resources?.requests)
            }
            w.string(3, spec.volumeName ?? "")
            if let selector = spec.selector { w.labelSelector(4, selector) }
            w.optionalString(5, spec.storageClassName)
            w.optionalString(6, spec.volumeMode)
            w.optionalString(9, spec.volumeAttributesClassName)
        }
    }

    // MARK: Status

    /// `ContainerStatus`: 1 name, 2 state and 3 lastState (`ContainerState`, always present, empty here),
    /// 4 ready, 5 restartCount, 6 image, 7 imageID, 8 containerID, 10 allocatedResources (map),
    /// 11 resources (pointer).
    mutating func containerStatus(_ field: Int, _ status: ContainerStatus) {
        message(field) { w in
            w.string(1, status.name)
            w.message(2) { _ in }
            w.message(3) { _ in }
            w.bool(4, false)
            w.int32(5, 0)
            w.string(6, "")
            w.string(7, "")
            w.string(8, "")
            w.resourceList(10, status.allocatedResources)
            if let resources = status.resources { w.resourceRequirements(11, resources) }
        }
    }
}
