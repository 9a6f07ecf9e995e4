import Simulator
import Testing

/// A PersistentVolume already bound to `claim` (claimRef, phase Bound), with optional labels and source.
private func boundVolume(
    _ name: String,
    claim: String,
    labels: String = "{}",
    source: String = "hostPath: {path: /data}"
) -> String {
    """
    apiVersion: v1
    kind: PersistentVolume
    metadata:
      name: \(name)
      labels: \(labels)
    spec:
      capacity: {storage: 10Gi}
      accessModes: [ReadWriteOnce]
      storageClassName: ""
      claimRef: {kind: PersistentVolumeClaim, namespace: default, name: \(claim)}
      \(source)
    status: {phase: Bound}
    ---

    """
}

/// A claim bound to `volume`, as the PV controller leaves it.
private func boundClaim(_ name: String, volume: String, accessMode: String = "ReadWriteOnce") -> String {
    """
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata:
      name: \(name)
      namespace: default
      annotations: {pv.kubernetes.io/bind-completed: "yes"}
    spec:
      accessModes: [\(accessMode)]
      storageClassName: ""
      volumeName: \(volume)
      resources: {requests: {storage: 1Gi}}
    status: {phase: Bound, accessModes: [\(accessMode)], capacity: {storage: 10Gi}}
    ---

    """
}

private func volumes(_ lines: String...) -> String {
    "  volumes:\n" + lines.map { "  - \($0)" }.joined(separator: "\n")
}

/// Each of VolumeZone, VolumeRestrictions and NodeVolumeLimits rejecting nodes in `simulate`, with upstream's
/// reason in the FitError line.
@Suite struct VolumePluginsSimulateTests {
    @Test func volumeZonePinsThePodToItsVolumesZone() async throws {
        let manifests =
            node("a1", labels: ["topology.kubernetes.io/zone": "zone-a"])
            + node("b1", labels: ["topology.kubernetes.io/zone": "zone-b"])
            + boundVolume("pv-b", claim: "data-b", labels: "{topology.kubernetes.io/zone: zone-b}")
            + boundClaim("data-b", volume: "pv-b")
            + boundVolume("pv-c", claim: "data-c", labels: "{topology.kubernetes.io/zone: zone-c}")
            + boundClaim("data-c", volume: "pv-c")
            + pod("in-b", extra: volumes("{name: data, persistentVolumeClaim: {claimName: data-b}}"))
            + pod("in-c", extra: volumes("{name: data, persistentVolumeClaim: {claimName: data-c}}"))
        let result = try await simulate(manifests)
        #expect(outcome(result, "in-b")?.node == "b1")
        #expect(outcome(result, "in-c")?.status == .unschedulable)
        #expect(
            outcome(result, "in-c")?.message
                == "0/2 nodes are available: 2 node(s) had no available volume zone. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        )
    }

    @Test func volumeRestrictionsRejectsAConflictingDiskAndAReadWriteOncePodClaimInUse() async throws {
        let disk = "{name: disk, gcePersistentDisk: {pdName: shared-disk}}"
        let manifests =
            node("n1") + node("n2")
            + pod("disk-holder", extra: "  nodeName: n1\n" + volumes(disk))
            + boundVolume("pv-rwop", claim: "exclusive")
            + boundClaim("exclusive", volume: "pv-rwop", accessMode: "ReadWriteOncePod")
            + pod(
                "claim-holder",
                extra: "  nodeName: n2\n" + volumes("{name: data, persistentVolumeClaim: {claimName: exclusive}}")
            )
            + pod("disk-wanted", extra: volumes(disk))
            + pod("claim-wanted", extra: volumes("{name: data, persistentVolumeClaim: {claimName: exclusive}}"))
        let result = try await simulate(manifests)
        // The disk is in use on n1 only.
        #expect(outcome(result, "disk-wanted")?.node == "n2")
        // A ReadWriteOncePod claim in use blocks every node.
        #expect(outcome(result, "claim-wanted")?.status == .unschedulable)
        #expect(
            outcome(result, "claim-wanted")?.message?.hasPrefix(
                "0/2 nodes are available: 2 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode."
            ) == true
        )

        let single = try await simulate(
            node("n1") + pod("disk-holder", extra: "  nodeName: n1\n" + volumes(disk))
                + pod("disk-wanted", extra: volumes(disk))
        )
        #expect(
            outcome(single, "disk-wanted")?.message?.hasPrefix(
                "0/1 nodes are available: 1 node(s) had no available disk."
            ) == true
        )
    }

    @Test func nodeVolumeLimitsCountsCSIVolumesAgainstTheCSINode() async throws {
        let csiNode = """
            apiVersion: storage.k8s.io/v1
            kind: CSINode
            metadata: {name: n1}
            spec:
              drivers:
              - {name: ebs.csi.aws.com, nodeID: n1, allocatable: {count: 1}}
            ---

            """
        let csi = { (handle: String) in "csi: {driver: ebs.csi.aws.com, volumeHandle: \(handle)}" }
        let manifests =
            node("n1") + csiNode
            + boundVolume("pv-1", claim: "c1", source: csi("vol-1")) + boundClaim("c1", volume: "pv-1")
            + boundVolume("pv-2", claim: "c2", source: csi("vol-2")) + boundClaim("c2", volume: "pv-2")
            + pod("first", extra: "  nodeName: n1\n" + volumes("{name: data, persistentVolumeClaim: {claimName: c1}}"))
            + pod("shares", extra: volumes("{name: data, persistentVolumeClaim: {claimName: c1}}"))
            + pod("second", extra: volumes("{name: data, persistentVolumeClaim: {claimName: c2}}"))
        let result = try await simulate(manifests)
        // The volume already attached for `first` does not count again.
        #expect(outcome(result, "shares")?.node == "n1")
        #expect(outcome(result, "second")?.status == .unschedulable)
        #expect(
            outcome(result, "second")?.message?.hasPrefix("0/1 nodes are available: 1 node(s) exceed max volume count.")
                == true
        )
    }
}
