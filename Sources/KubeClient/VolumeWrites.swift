import KubeAPI
import NIOHTTP1
import SchedulerFramework

extension KubernetesClient {
    /// `PUT /api/v1/persistentvolumes/NAME`: VolumeBinding's static binding (the `claimRef` and
    /// `pv.kubernetes.io/bound-by-controller`). The object's resourceVersion makes the server refuse a stale
    /// write with 409 Conflict.
    package func updatePersistentVolume(_ volume: PersistentVolume) async throws(ClusterError) -> PersistentVolume {
        let path = "/api/v1/persistentvolumes/\(Self.segment(volume.metadata.name))"
        let response = try await rest.send(.PUT, path, body: try Self.encode(volume))
        return try Self.decode(PersistentVolume.self, response.body, what: "persistentvolume \(volume.metadata.name)")
    }

    /// `PUT /api/v1/namespaces/NS/persistentvolumeclaims/NAME`: VolumeBinding's
    /// `volume.kubernetes.io/selected-node` for a claim to provision.
    package func updatePersistentVolumeClaim(
        _ claim: PersistentVolumeClaim
    ) async throws(ClusterError) -> PersistentVolumeClaim {
        let namespace = claim.metadata.namespace ?? "default"
        let path =
            "/api/v1/namespaces/\(Self.segment(namespace))/persistentvolumeclaims/\(Self.segment(claim.metadata.name))"
        let response = try await rest.send(.PUT, path, body: try Self.encode(claim))
        return try Self.decode(PersistentVolumeClaim.self, response.body, what: "persistentvolumeclaim \(claim.key)")
    }
}
