import Foundation
import KubeAPI
import Simulator
import Testing

@testable import KubeTestSupport

private func localClass(_ name: String = "local-storage") -> String {
    """
    apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {name: \(name)}
    provisioner: kubernetes.io/no-provisioner
    volumeBindingMode: WaitForFirstConsumer
    ---

    """
}

private func localVolume(_ name: String, node: String, size: String, storageClass: String = "local-storage") -> String {
    """
    apiVersion: v1
    kind: PersistentVolume
    metadata: {name: \(name)}
    spec:
      capacity: {storage: \(size)}
      accessModes: [ReadWriteOnce]
      storageClassName: \(storageClass)
      local: {path: /mnt/disks/\(name)}
      nodeAffinity:
        required:
          nodeSelectorTerms:
          - matchExpressions:
            - {key: kubernetes.io/hostname, operator: In, values: [\(node)]}
    ---

    """
}

private func claim(_ name: String, storageClass: String, size: String) -> String {
    """
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: \(name), namespace: default}
    spec:
      storageClassName: \(storageClass)
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: \(size)}}
    ---

    """
}

private func podUsing(_ name: String, claims: [String]) -> String {
    let volumes = claims.map { "  - name: \($0)\n    persistentVolumeClaim: {claimName: \($0)}" }.joined(
        separator: "\n"
    )
    return pod(name, cpu: "100m", extra: "  volumes:\n\(volumes)")
}

@Suite struct VolumeSimulateTests {
    /// Local PVs pin each pod to the node holding its volume; the smallest fitting PV is taken, never one PV
    /// twice; a pod whose claim fits no PV is reported with upstream's reason.
    @Test(.timeLimit(.minutes(1))) func localVolumesPinPodsToNodes() async throws {
        let manifests =
            node("a") + node("b") + node("c") + localClass()
            + localVolume("pv-a-small", node: "a", size: "5Gi") + localVolume("pv-a-big", node: "a", size: "100Gi")
            + localVolume("pv-b", node: "b", size: "20Gi")
            + claim("data-0", storageClass: "local-storage", size: "10Gi")
            + claim("data-1", storageClass: "local-storage", size: "10Gi")
            + claim("data-2", storageClass: "local-storage", size: "10Gi")
            + podUsing("db-0", claims: ["data-0"]) + podUsing("db-1", claims: ["data-1"])
            + podUsing("db-2", claims: ["data-2"])
        let result = try await simulate(manifests)
        let placed = ["db-0", "db-1", "db-2"].compactMap { outcome(result, $0) }.filter { $0.status == .scheduled }
        // Two PVs of at least 10Gi exist (a: 100Gi, b: 20Gi): two of the three pods run, one per volume.
        #expect(placed.count == 2)
        #expect(Set(placed.compactMap(\.node)) == ["a", "b"])
        for pod in placed {
            let volume = try #require(pod.volumes?.first?.volume)
            #expect(volume == (pod.node == "a" ? "pv-a-big" : "pv-b"))
            #expect(pod.volumes?.first?.provisioned == false)
        }
        let waiting = try #require(
            ["db-0", "db-1", "db-2"].compactMap { outcome(result, $0) }.first { $0.status != .scheduled }
        )
        #expect(waiting.status == .unschedulable)
        #expect(
            waiting.message
                == "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        )
        #expect(
            waiting.volumes == [
                VolumeOutcome(claim: waiting.volumes?.first?.claim ?? "", volume: nil, provisioned: false)
            ]
        )
    }

    /// The smallest PV that fits, among several on the node.
    @Test(.timeLimit(.minutes(1))) func smallestLocalVolumeIsBound() async throws {
        let manifests =
            node("a") + localClass()
            + localVolume("pv-100", node: "a", size: "100Gi") + localVolume("pv-5", node: "a", size: "5Gi")
            + localVolume("pv-2", node: "a", size: "2Gi") + localVolume("pv-10", node: "a", size: "10Gi")
            + claim("tiny", storageClass: "local-storage", size: "3Gi") + podUsing("small", claims: ["tiny"])
        let result = try await simulate(manifests)
        #expect(outcome(result, "small")?.node == "a")
        #expect(outcome(result, "small")?.volumes == [VolumeOutcome(claim: "tiny", volume: "pv-5", provisioned: false)])
    }

    /// A zonal class provisions only in its allowed zone; the provisioned PV follows the pod's node.
    @Test(.timeLimit(.minutes(1))) func zonalProvisioning() async throws {
        let zonalClass = """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: zonal}
            provisioner: pd.csi.storage.gke.io
            volumeBindingMode: WaitForFirstConsumer
            allowedTopologies:
            - matchLabelExpressions:
              - {key: topology.kubernetes.io/zone, values: [zone-b]}
            ---

            """
        let manifests =
            node("a1", labels: ["topology.kubernetes.io/zone": "zone-a"])
            + node("b1", labels: ["topology.kubernetes.io/zone": "zone-b"])
            + node("a2", labels: ["topology.kubernetes.io/zone": "zone-a"]) + zonalClass
            + claim("cache", storageClass: "zonal", size: "20Gi") + podUsing("cache-0", claims: ["cache"])
        let result = try await simulate(manifests)
        #expect(outcome(result, "cache-0")?.node == "b1")
        let volume = try #require(outcome(result, "cache-0")?.volumes?.first)
        #expect(volume.provisioned)
        #expect(volume.volume == "pvc-default-cache")

        // Without a zone-b node the claim cannot be provisioned anywhere.
        let noZone =
            node("a1", labels: ["topology.kubernetes.io/zone": "zone-a"]) + zonalClass
            + claim("cache", storageClass: "zonal", size: "20Gi") + podUsing("cache-0", claims: ["cache"])
        let failed = try await simulate(noZone)
        #expect(
            outcome(failed, "cache-0")?.message
                == "0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
        )
    }

    @Test(.timeLimit(.minutes(1))) func immediateClaimsAreBoundBeforeScheduling() async throws {
        let immediate = """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: fast}
            provisioner: example.com/fast
            ---

            """
        let manifests =
            node("a") + immediate + claim("data", storageClass: "fast", size: "1Gi") + podUsing("app", claims: ["data"])
        let result = try await simulate(manifests)
        #expect(outcome(result, "app")?.status == .scheduled)
        #expect(
            outcome(result, "app")?.volumes == [
                VolumeOutcome(claim: "data", volume: "pvc-default-data", provisioned: true)
            ]
        )
    }

    /// The example manifest: local PVs, a zonal class, a CSI class with per-node capacity.
    @Test(.timeLimit(.minutes(1))) func exampleVolumes() async throws {
        let config = try String(
            contentsOf: repositoryRoot.appendingPathComponent("profiles/default.yaml"),
            encoding: .utf8
        )
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("examples/volumes.yaml"),
            encoding: .utf8
        )
        let result = try await simulate(text, config: config)
        for name in ["db-0", "db-1", "db-2"] {
            let pod = try #require(outcome(result, name))
            #expect(["node-1", "node-2"].contains(pod.node ?? ""))
            #expect(pod.volumes?.first?.volume?.hasPrefix("local-\(pod.node ?? "")-") == true)
        }
        #expect(["node-3", "node-4"].contains(outcome(result, "cache-0")?.node ?? ""))
        // 50Gi of csi-lvm: node-4 reports only 20Gi free.
        #expect(outcome(result, "logs-0")?.status == .scheduled)
        #expect(outcome(result, "logs-0")?.node != "node-4")
        #expect(
            outcome(result, "orphan")?.message?.hasPrefix(
                "0/4 nodes are available: persistentvolumeclaim \"missing\" not found."
            ) == true
        )
        let json = SimulationReport.json(result)
        #expect(json.contains(#""volumes":[{"claim":"cache","volume":"pvc-default-cache","provisioned":true}]"#))
        #expect(SimulationReport.text(result).contains("VOLUMES\nNAMESPACE   POD        CLAIM       VOLUME"))
    }
}
