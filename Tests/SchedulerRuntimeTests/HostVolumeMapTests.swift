import Foundation
import KubeAPI
import SchedulerFramework
import Testing

@testable import SchedulerRuntime

/// The class index's hosts in buckets shared between copies: every read must match a plain dictionary kept
/// beside it, and a copy taken before changes (what a Filter batch holds) must not see them.
@Suite struct HostVolumeMapTests {
    private func volume(_ name: String, free: Bool) throws -> IndexedPersistentVolume {
        var object: [String: Any] = ["metadata": ["name": name], "spec": ["storageClassName": "local"]]
        object["status"] = ["phase": free ? "Available" : "Bound"]
        let pv = try JSONDecoder().decode(
            PersistentVolume.self,
            from: JSONSerialization.data(withJSONObject: object)
        )
        return IndexedPersistentVolume(pv)
    }

    private func same(_ map: HostVolumeMap, _ model: [String: [String: Bool]], _ label: String) {
        #expect(map.count == model.count, "\(label)")
        for host in model.keys.sorted() {
            let set = map[host]
            #expect(
                Set(set.map { Array($0.volumes.keys) } ?? []) == Set(model[host].map { Array($0.keys) } ?? []),
                "\(label) \(host)"
            )
            #expect(set?.freeCount == model[host]?.values.count(where: { $0 }), "\(label) \(host)")
        }
        #expect(Set(map.hosts.map(\.host)) == Set(model.keys), "\(label)")
    }

    @Test func readsMatchADictionaryAndCopiesKeepTheirState() throws {
        var map = HostVolumeMap()
        var model: [String: [String: Bool]] = [:]
        var copies: [(HostVolumeMap, [String: [String: Bool]])] = []
        var seed: UInt64 = 42
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for step in 0..<2_000 {
            let host = "node-\(next(300))"
            let name = "pv-\(next(4))-\(host)"
            switch next(3) {
            case 0, 1:
                let free = next(2) == 0
                map[host, default: HostVolumeMap.VolumeSet()].insert(try volume(name, free: free))
                model[host, default: [:]][name] = free
            default:
                map[host]?.remove(named: name)
                model[host]?[name] = nil
                if map[host]?.volumes.isEmpty == true { map[host] = nil }
                if model[host]?.isEmpty == true { model[host] = nil }
            }
            if step % 250 == 0 { copies.append((map, model)) }
        }
        same(map, model, "final")
        for (index, (copy, copyModel)) in copies.enumerated() { same(copy, copyModel, "copy \(index)") }
        #expect(map[" not a host"] == nil)
        #expect(HostVolumeMap().isEmpty && HostVolumeMap()["x"] == nil)
    }

    @Test func aChangeAfterACopyLeavesTheCopyAlone() throws {
        let store = ObjectStore()
        var pv: [String: Any] = [
            "metadata": ["name": "a1"],
            "spec": [
                "storageClassName": "local",
                "nodeAffinity": [
                    "required": [
                        "nodeSelectorTerms": [
                            [
                                "matchExpressions": [
                                    ["key": "kubernetes.io/hostname", "operator": "In", "values": ["a"]]
                                ]
                            ]
                        ]
                    ]
                ],
            ],
            "status": ["phase": "Available"],
        ]
        store.upsert(
            .persistentVolume(
                try JSONDecoder().decode(PersistentVolume.self, from: JSONSerialization.data(withJSONObject: pv))
            )
        )
        let index = try #require(store.persistentVolumeClassIndex(storageClass: "local"))
        pv["status"] = ["phase": "Bound"]
        store.upsert(
            .persistentVolume(
                try JSONDecoder().decode(PersistentVolume.self, from: JSONSerialization.data(withJSONObject: pv))
            )
        )
        #expect(index.candidates(hostname: "a").freeCount == 1)
        #expect(store.persistentVolumeClassIndex(storageClass: "local")?.candidates(hostname: "a").freeCount == 0)
        #expect(store.persistentVolumeCandidates(storageClass: "local", hostname: "a").freeCount == 0)
    }
}
