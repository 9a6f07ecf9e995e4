import Foundation
import KubeAPI
import SchedulerFramework
import Testing

@testable import SchedulerRuntime

/// The object store's PV index: candidates per class and hostname, and the free count VolumeBinding uses to
/// reject a node without scanning, kept right as volumes are taken, freed, moved and deleted.
@Suite struct StorageIndexTests {
    func localVolume(
        _ name: String,
        host: String,
        phase: String = "Available",
        claim: String? = nil
    ) throws
        -> PersistentVolume
    {
        var spec: [String: Any] = [
            "storageClassName": "local",
            "capacity": ["storage": "10Gi"],
            "nodeAffinity": [
                "required": [
                    "nodeSelectorTerms": [
                        ["matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": [host]]]]
                    ]
                ]
            ],
        ]
        if let claim { spec["claimRef"] = ["namespace": "default", "name": claim] }
        let object: [String: Any] = ["metadata": ["name": name], "spec": spec, "status": ["phase": phase]]
        return try JSONDecoder().decode(PersistentVolume.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test func freeCountsFollowTheVolumes() throws {
        let store = ObjectStore()
        store.upsert(.persistentVolume(try localVolume("a1", host: "a")))
        store.upsert(.persistentVolume(try localVolume("a2", host: "a")))
        store.upsert(.persistentVolume(try localVolume("b1", host: "b")))
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "a").freeCount == 2)
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "a").count == 2)
        #expect(store.persistentVolumeCandidates(storageClass: "other", hostname: "a").freeCount == 0)

        // Taken by a claim, then bound: no longer free, still a candidate (a pre-bound claim may match it).
        store.upsert(.persistentVolume(try localVolume("a1", host: "a", claim: "data")))
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "a").freeCount == 1)
        store.upsert(.persistentVolume(try localVolume("a1", host: "a", phase: "Bound", claim: "data")))
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "a").freeCount == 1)
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "a").count == 2)

        // Moved to another host, then deleted.
        store.upsert(.persistentVolume(try localVolume("a2", host: "b")))
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "a").freeCount == 0)
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "b").freeCount == 2)
        store.remove(.persistentVolume(try localVolume("b1", host: "b")))
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "b").freeCount == 1)
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "b").count == 1)
    }
}
