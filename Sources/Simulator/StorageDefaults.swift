import KubeAPI

/// The API server's defaulting of storage objects: a StorageClass without `volumeBindingMode` is
/// `Immediate`; a claim without `storageClassName` gets the default class (`DefaultStorageClass` admission:
/// the newest class annotated `storageclass.kubernetes.io/is-default-class: "true"`, here the first); new PVs
/// and claims start `Pending` (the embedded PV controller moves them on).
enum StorageDefaults {
    static let defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"

    static func defaultClass(in objects: [KubeObject]) -> String? {
        for case .storageClass(let storageClass) in objects
        where storageClass.metadata.annotations?[defaultClassAnnotation] == "true" {
            return storageClass.metadata.name
        }
        return nil
    }

    static func apply(to object: KubeObject, defaultClass: String?) -> KubeObject {
        switch object {
        case .storageClass(var storageClass):
            if storageClass.volumeBindingMode == nil { storageClass.volumeBindingMode = VolumeAnnotations.immediate }
            return .storageClass(storageClass)
        case .persistentVolumeClaim(var claim):
            if claim.spec.storageClassName == nil,
                claim.metadata.annotations?[VolumeAnnotations.betaStorageClass] == nil, let defaultClass
            {
                claim.spec.storageClassName = defaultClass
            }
            if claim.spec.volumeMode == nil { claim.spec.volumeMode = "Filesystem" }
            if claim.status?.phase == nil { claim.status = PersistentVolumeClaimStatus(phase: "Pending") }
            return .persistentVolumeClaim(claim)
        case .persistentVolume(var volume):
            if volume.spec.volumeMode == nil { volume.spec.volumeMode = "Filesystem" }
            if volume.status?.phase == nil { volume.status = PersistentVolumeStatus(phase: "Pending") }
            return .persistentVolume(volume)
        default:
            return object
        }
    }
}
