import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// Creates a bound PV and PVC per pod, as scheduler_perf's `CreatePodWithPersistentVolume`.
struct VolumeFactory: Sendable {
    let pv: PersistentVolume
    let pvc: PersistentVolumeClaim
    let claimRef: ObjectReference?
    let boundVolume: PersistentVolumeStatus?
    let boundClaim: PersistentVolumeClaimStatus?

    init(pvTemplate: ObjectTemplate, pvcTemplate: ObjectTemplate) throws(BenchError) {
        let volumeObject = try pvTemplate.instantiate(index: 0, count: 1, params: [:]).object
        guard case .persistentVolume(let pv) = volumeObject else {
            throw BenchError("\(pvTemplate.path): persistentVolumeTemplatePath: expected a PersistentVolume")
        }
        let claimObject = try pvcTemplate.instantiate(index: 0, count: 1, params: [:]).object
        guard case .persistentVolumeClaim(let pvc) = claimObject else {
            throw BenchError("\(pvcTemplate.path): persistentVolumeClaimTemplatePath: expected a PersistentVolumeClaim")
        }
        self.pv = pv
        self.pvc = pvc
        let decoder = PositionedDecoder(source: "<bench>")
        claimRef = try? decoder.decode(
            ObjectReference.self,
            from: PositionedValue(
                .mapping([
                    .init(key: "kind", value: PositionedValue(.string("PersistentVolumeClaim"))),
                    .init(key: "apiVersion", value: PositionedValue(.string("v1"))),
                ])
            )
        )
        boundVolume = try? decoder.decode(
            PersistentVolumeStatus.self,
            from: PositionedValue(
                .mapping([
                    .init(key: "phase", value: PositionedValue(.string("Bound")))
                ])
            )
        )
        boundClaim = try? decoder.decode(
            PersistentVolumeClaimStatus.self,
            from: PositionedValue(
                .mapping([
                    .init(key: "phase", value: PositionedValue(.string("Bound")))
                ])
            )
        )
    }

    /// Creates volume `index` and its claim in `namespace`; returns the claim's name.
    func create(index: Int, namespace: String, creator: WorkloadRunner) async throws(BenchError) -> String {
        let claimName = "pvc-\(index)"
        var volume = pv
        volume.metadata.name = "\(namespace)-vol-\(index)"
        if volume.spec.csi != nil { volume.spec.csi?.volumeHandle = "vol-\(index)" }
        var reference = claimRef
        reference?.namespace = namespace
        reference?.name = claimName
        volume.spec.claimRef = reference
        volume.status = boundVolume
        var claim = pvc
        claim.metadata.name = claimName
        claim.metadata.namespace = namespace
        claim.spec.volumeName = volume.metadata.name
        claim.status = boundClaim
        try await creator.createObject(.persistentVolume(volume))
        try await creator.createObject(.persistentVolumeClaim(claim))
        return claimName
    }
}
