import KubeAPI
import SchedulerFramework
import Testing

@testable import SchedulerRuntime

/// The object store's class index kept as PVs change (taken, freed, resized, repinned, moved between classes,
/// deleted) must equal one built from scratch from the volumes that are left: per class and host the same
/// volumes, in size-then-name order, with the same free counts and inline facts.
@Suite struct VolumeSetOrderTests {
    @Test func incrementalUpdatesEqualAFromScratchBuild() throws {
        var seed: UInt64 = 11
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        let hosts = ["h0", "h1", "h2", "h3"]
        let classes = ["local", "other"]
        func affinity(_ pinned: [String]?) -> NodeSelector? {
            guard let pinned else { return nil }
            return NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [
                    NodeSelectorRequirement(key: VolumeAnnotations.hostnameLabel, operator: "In", values: pinned)
                ])
            ])
        }
        let store = ObjectStore()
        var model: [String: PersistentVolume] = [:]
        for step in 0..<3_000 {
            let name = "pv-\(next(40))"
            if next(5) == 0, let old = model[name] {
                store.remove(.persistentVolume(old))
                model[name] = nil
            } else {
                var volume = PersistentVolume(
                    name: name,
                    capacity: ["1Gi", "5Gi", "5Gi", "10Gi"][next(4)],
                    storageClassName: classes[next(2)],
                    nodeAffinity: affinity([nil, ["h0"], ["h1"], ["h2", "h3"], ["h0", "h3"]][next(5)]),
                    claimRef: next(3) == 0 ? ObjectReference(namespace: "default", name: "c-\(next(5))") : nil,
                    phase: ["Available", "Available", "Bound", "Released"][next(4)]
                )
                volume.metadata.resourceVersion = String(step)
                if next(12) == 0 { volume.metadata.deletionTimestamp = "2026-01-01T00:00:00Z" }
                store.upsert(.persistentVolume(volume))
                model[name] = volume
            }
            guard step % 10 == 0 else { continue }
            for storageClass in classes {
                let index = try #require(store.persistentVolumeClassIndex(storageClass: storageClass))
                let ofClass = model.values.filter { $0.storageClass == storageClass }
                for host in hosts {
                    let expected = ofClass.filter { $0.pinnedHostnames?.contains(host) == true }
                    same(index.byHost[host], expected, "step \(step) \(storageClass) \(host)")
                }
                same(index.unpinned, ofClass.filter { $0.pinnedHostnames == nil }, "step \(step) \(storageClass)")
            }
        }
    }

    /// `set` against `volumes` sorted independently: by size, then by name's UTF-8 bytes.
    private func same(_ set: PersistentVolumeClassIndex.VolumeSet?, _ volumes: [PersistentVolume], _ label: String) {
        let sorted = volumes.map { IndexedPersistentVolume($0) }.sorted { a, b in
            a.storageBytes != b.storageBytes
                ? a.storageBytes < b.storageBytes : Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
        guard let set else {
            #expect(sorted.isEmpty, "\(label): no set")
            return
        }
        #expect(set.entries.map(\.volume.name) == sorted.map(\.name), "\(label)")
        #expect(set.count == sorted.count && Set(set.volumes.keys) == Set(sorted.map(\.name)), "\(label)")
        #expect(set.freeCount == sorted.count(where: \.isFree), "\(label)")
        let claimBits = sorted.reduce(UInt64(0)) { bits, volume in
            let taken = !volume.isFree && !volume.isBeingDeleted && volume.claimReference != nil
            return bits | (taken ? PersistentVolumeClassIndex.VolumeSet.claimBit(volume.claimHash) : 0)
        }
        #expect(set.claimBits == claimBits, "\(label)")
        for (entry, volume) in zip(set.entries, sorted) {
            let facts = [entry.isFree, entry.hasClaimReference, entry.isBeingDeleted, entry.affinityIsHostnamesOnly]
            let want = [
                volume.isFree, volume.claimReference != nil, volume.isBeingDeleted, volume.affinityIsHostnamesOnly,
            ]
            #expect(facts == want && entry.storageBytes == volume.storageBytes, "\(label) \(volume.name)")
            #expect(entry.nameHash == IndexedPersistentVolume.nameHash(volume.name), "\(label) \(volume.name)")
            #expect(entry.volume === set.volumes[volume.name], "\(label) \(volume.name)")
        }
    }
}
