import Foundation
import KubeAPI
import SchedulerFramework
import SchedulerTesting

/// Storage objects for the VolumeRestrictions, VolumeZone and NodeVolumeLimits tests, decoded from JSON the
/// way manifests are (the KubeAPI types have no public memberwise initializers).
enum VolumePluginFixtures {
    static func decode<T: Decodable>(_ type: T.Type, _ object: [String: Any]) throws -> T {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// A PersistentVolume with optional labels and source (`csi`, `awsElasticBlockStore`, `hostPath`, …).
    static func pv(
        _ name: String,
        labels: [String: String] = [:],
        source: [String: Any] = [:]
    ) throws -> PersistentVolume {
        var metadata: [String: Any] = ["name": name]
        if !labels.isEmpty { metadata["labels"] = labels }
        return try decode(PersistentVolume.self, ["metadata": metadata, "spec": source])
    }

    /// A CSI PersistentVolume whose handle is its name.
    static func csiPV(_ name: String, driver: String) throws -> PersistentVolume {
        try pv(name, source: ["csi": ["driver": driver, "volumeHandle": name]])
    }

    static func pvc(
        _ name: String,
        namespace: String = "default",
        volumeName: String? = nil,
        storageClass: String? = nil,
        accessModes: [String] = [],
        owner: (name: String, uid: String)? = nil
    ) throws -> PersistentVolumeClaim {
        var metadata: [String: Any] = ["name": name, "namespace": namespace]
        if let owner {
            metadata["ownerReferences"] = [["kind": "Pod", "name": owner.name, "uid": owner.uid, "controller": true]]
        }
        var spec: [String: Any] = [:]
        if let volumeName { spec["volumeName"] = volumeName }
        if let storageClass { spec["storageClassName"] = storageClass }
        if !accessModes.isEmpty { spec["accessModes"] = accessModes }
        return try decode(PersistentVolumeClaim.self, ["metadata": metadata, "spec": spec])
    }

    static func storageClass(
        _ name: String,
        provisioner: String = "example.com/csi",
        bindingMode: String? = nil
    ) throws -> StorageClass {
        var object: [String: Any] = ["metadata": ["name": name], "provisioner": provisioner]
        if let bindingMode { object["volumeBindingMode"] = bindingMode }
        return try decode(StorageClass.self, object)
    }

    /// A CSINode with the given drivers (`count` nil = no limit) and optional annotations.
    static func csiNode(
        _ name: String,
        drivers: [(name: String, count: Int32?)],
        annotations: [String: String] = [:]
    ) throws -> CSINode {
        var metadata: [String: Any] = ["name": name]
        if !annotations.isEmpty { metadata["annotations"] = annotations }
        let list: [[String: Any]] = drivers.map { driver in
            var entry: [String: Any] = ["name": driver.name, "nodeID": name]
            if let count = driver.count { entry["allocatable"] = ["count": count] }
            return entry
        }
        return try decode(CSINode.self, ["metadata": metadata, "spec": ["drivers": list]])
    }

    static func volume(_ source: [String: Any], name: String = "v") throws -> Volume {
        var object = source
        object["name"] = name
        return try decode(Volume.self, object)
    }

    static func claimVolume(_ claim: String, name: String? = nil) -> Volume {
        Volume(name: name ?? claim, persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: claim))
    }

    static func ephemeralVolume(_ name: String) throws -> Volume {
        try volume(["ephemeral": ["volumeClaimTemplate": ["spec": [String: Any]()]]], name: name)
    }

    static func handle(
        volumes: [PersistentVolume] = [],
        claims: [PersistentVolumeClaim] = [],
        classes: [StorageClass] = [],
        csiNodes: [CSINode] = []
    )
        -> FakeHandle
    {
        FakeHandle(
            objects: FakeObjectLister(volumes: volumes, claims: claims, storageClasses: classes, csiNodes: csiNodes)
        )
    }
}

extension PodBuilder {
    /// Adds volumes to the pod.
    func addingVolumes(_ volumes: Volume...) -> PodBuilder {
        var copy = self
        copy.pod.spec.volumes = (copy.pod.spec.volumes ?? []) + volumes
        return copy
    }

    /// Adds `persistentVolumeClaim` volumes naming the claims.
    func addingClaimVolumes(_ names: String...) -> PodBuilder { addingClaimVolumes(names) }

    /// Adds a claim volume per name.
    func addingClaimVolumes(_ names: [String]) -> PodBuilder {
        var copy = self
        copy.pod.spec.volumes = (copy.pod.spec.volumes ?? []) + names.map { VolumePluginFixtures.claimVolume($0) }
        return copy
    }
}
