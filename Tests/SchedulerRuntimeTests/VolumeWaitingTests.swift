import Foundation
import KubeAPI
import SchedulerFramework
import Testing

@testable import SchedulerRuntime

/// The object store's class index (one value for a loop over nodes) and its volume observers (what wakes
/// VolumeBinding's PreBind when the informers deliver the PV controller's binding).
@Suite struct VolumeWaitingTests {
    func volume(_ name: String, host: String?, claim: String? = nil) throws -> PersistentVolume {
        var spec: [String: Any] = ["storageClassName": "local", "capacity": ["storage": "10Gi"]]
        if let host {
            spec["nodeAffinity"] = [
                "required": [
                    "nodeSelectorTerms": [
                        ["matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": [host]]]]
                    ]
                ]
            ]
        }
        if let claim { spec["claimRef"] = ["namespace": "default", "name": claim] }
        let object: [String: Any] = ["metadata": ["name": name], "spec": spec, "status": ["phase": "Available"]]
        return try JSONDecoder().decode(PersistentVolume.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test func classIndexGivesTheSameCandidatesAsTheLockedLookup() throws {
        let store = ObjectStore()
        store.upsert(.persistentVolume(try volume("a1", host: "a")))
        store.upsert(.persistentVolume(try volume("a2", host: "a", claim: "taken")))
        store.upsert(.persistentVolume(try volume("b1", host: "b")))
        store.upsert(.persistentVolume(try volume("net", host: nil)))
        let index = try #require(store.persistentVolumeClassIndex(storageClass: "local"))
        for host in ["a", "b", "c", nil] as [String?] {
            let locked = store.persistentVolumeCandidates(storageClass: "local", hostname: host)
            let taken = index.candidates(hostname: host)
            #expect(Set(taken.pinned.keys) == Set(locked.pinned.keys), "\(host ?? "nil")")
            #expect(Set(taken.unpinned.keys) == Set(locked.unpinned.keys), "\(host ?? "nil")")
            #expect(taken.freeCount == locked.freeCount, "\(host ?? "nil")")
        }
        #expect(index.candidates(hostname: "a").freeCount == 2)  // a1 and the unpinned one
        // A value: later changes do not reach an index already taken.
        store.remove(.persistentVolume(try volume("a1", host: "a")))
        #expect(index.candidates(hostname: "a").pinned.count == 2)
        #expect(store.persistentVolumeClassIndex(storageClass: "local")?.candidates(hostname: "a").pinned.count == 1)
        #expect(store.persistentVolumeClassIndex(storageClass: "none")?.candidates(hostname: "a").count == 0)
    }

    @Test(.timeLimit(.minutes(1))) func observersAreSignalledByWatchedChangesOnly() async throws {
        let store = ObjectStore()
        let observer = VolumeChangeObserver(volumes: ["pv-1"], claims: ["default/data"])
        #expect(store.startObservingVolumes(observer))
        // An unrelated volume: no signal.
        store.upsert(.persistentVolume(try volume("pv-2", host: nil)))
        #expect(!(await signalled(observer)))
        // The watched volume, a claim it watches, a volume bound to that claim (a provisioned one), a deletion.
        store.upsert(.persistentVolume(try volume("pv-1", host: nil)))
        #expect(await signalled(observer))
        store.upsert(
            .persistentVolumeClaim(PersistentVolumeClaim(name: "data", storageClassName: "local", request: "1Gi"))
        )
        #expect(await signalled(observer))
        store.upsert(.persistentVolume(try volume("pvc-provisioned", host: nil, claim: "data")))
        #expect(await signalled(observer))
        store.remove(.persistentVolume(try volume("pv-1", host: nil)))
        #expect(await signalled(observer))
        // Stopped: no more signals.
        store.stopObservingVolumes(observer)
        store.upsert(.persistentVolume(try volume("pv-1", host: nil)))
        #expect(!(await signalled(observer)))
    }

    @Test(.timeLimit(.minutes(1))) func aSignalWakesAWaitInProgress() async throws {
        let observer = VolumeChangeObserver(volumes: ["pv"], claims: [])
        let waiting = Task {
            // Far longer than the test may take: only the signal can end it.
            await observer.wait(timeout: .seconds(3600))
        }
        try await Task.sleep(for: .milliseconds(20))
        observer.signal()
        await waiting.value
        // A cancelled wait returns too.
        let cancelled = Task { await observer.wait(timeout: .seconds(3600)) }
        cancelled.cancel()
        await cancelled.value
    }

    /// Whether a signal is pending; consumes it (a wait with a pending signal returns at once).
    func signalled(_ observer: VolumeChangeObserver) async -> Bool {
        guard observer.hasPendingSignal else { return false }
        await observer.wait(timeout: .seconds(3600))
        return !observer.hasPendingSignal
    }
}
