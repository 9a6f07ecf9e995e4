import KubeAPI
import SchedulerRuntime

/// One claim of a pod after the simulation: the volume it is bound to and whether the provisioner made it.
package struct VolumeOutcome: Sendable, Equatable, Codable {
    /// The claim's name (in the pod's namespace).
    package var claim: String
    /// The bound PV, nil while unbound.
    package var volume: String?
    /// Whether the embedded provisioner created the PV (rather than a PV from the manifests).
    package var provisioned: Bool

    package init(claim: String, volume: String?, provisioned: Bool) {
        self.claim = claim
        self.volume = volume
        self.provisioned = provisioned
    }

    /// Adds each pod's claims, read from the cluster's final state.
    static func attach(to outcomes: inout [PodOutcome], cluster: EmbeddedCluster) {
        var claims: [String: PersistentVolumeClaim] = [:]
        for case .persistentVolumeClaim(let claim) in cluster.objects(.persistentVolumeClaim) {
            claims[claim.key] = claim
        }
        guard !claims.isEmpty else { return }
        var volumes: [String: PersistentVolume] = [:]
        for case .persistentVolume(let pv) in cluster.objects(.persistentVolume) { volumes[pv.metadata.name] = pv }
        for index in outcomes.indices {
            let outcome = outcomes[index]
            guard let pod = cluster.pod(namespace: outcome.namespace, name: outcome.name) else { continue }
            let entries = (pod.spec.volumes ?? []).compactMap { volume -> VolumeOutcome? in
                guard let (name, _) = volume.claimName(podName: pod.name) else { return nil }
                let claim = claims["\(outcome.namespace)/\(name)"]
                let bound = claim.flatMap { $0.isFullyBound ? $0.spec.volumeName : nil }
                let provisioned =
                    bound.flatMap { volumes[$0]?.metadata.annotations?[VolumeAnnotations.provisionedBy] } != nil
                return VolumeOutcome(claim: name, volume: bound, provisioned: provisioned)
            }
            if !entries.isEmpty { outcomes[index].volumes = entries }
        }
    }

    /// `[{"claim":…,"volume":…|null,"provisioned":…}]`.
    static func json(_ volumes: [VolumeOutcome]) -> String {
        "["
            + volumes.map { entry in
                "{\"claim\":\(SimulationReport.quote(entry.claim)),\"volume\":\(entry.volume.map(SimulationReport.quote) ?? "null"),\"provisioned\":\(entry.provisioned)}"
            }.joined(separator: ",") + "]"
    }
}
