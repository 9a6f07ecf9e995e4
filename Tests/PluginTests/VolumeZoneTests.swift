import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import VolumeZonePlugin

private typealias F = VolumePluginFixtures

private let betaZone = "failure-domain.beta.kubernetes.io/zone"
private let betaRegion = "failure-domain.beta.kubernetes.io/region"
private let zone = "topology.kubernetes.io/zone"
private let region = "topology.kubernetes.io/region"
private let conflict = Status(.unschedulableAndUnresolvable, VolumeZone.reasonConflict)

/// One row of upstream's tables: PreFilter's status (success unless given) and Filter's (success unless
/// given). Filter runs even after PreFilter fails or skips, as upstream's test does (it then recomputes).
private struct ZoneCase {
    var name: String
    var claim: String?
    var nodeLabels: [String: String]
    var preFilter: Status = .success
    var filter: Status = .success
}

private func check(_ cases: [ZoneCase], handle: FakeHandle, sourceLocation: SourceLocation = #_sourceLocation) {
    let plugin = VolumeZone(handle: handle)
    for test in cases {
        var builder = PodBuilder("pod_1")
        if let claim = test.claim { builder = builder.addingClaimVolumes(claim) }
        let pod = builder.info()
        let node = NodeBuilder("host1").labels(test.nodeLabels).info()
        let state = CycleState()
        let (_, pre) = plugin.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: [node]))
        #expect(pre == test.preFilter, "\(test.name): PreFilter", sourceLocation: sourceLocation)
        #expect(
            plugin.filter(state: state, pod: pod, node: node) == test.filter,
            "\(test.name): Filter",
            sourceLocation: sourceLocation
        )
    }
}

@Suite struct VolumeZoneTests {
    /// Upstream's `TestSingleZone`.
    @Test func singleZone() throws {
        let volumes = [
            try F.pv("Vol_1", labels: [betaZone: "us-west1-a"]),
            try F.pv("Vol_2", labels: [betaRegion: "us-west1", "uselessLabel": "none"]),
            try F.pv("Vol_3", labels: [betaRegion: "us-west1"]),
            try F.pv("Vol_Stable_1", labels: [zone: "us-west1-a"]),
            try F.pv("Vol_Stable_2", labels: [region: "us-west1", "uselessLabel": "none"]),
            try F.pv("Vol_Stable_3", labels: [zone: "us-west1-a", region: "us-west1-a"]),
        ]
        let claims =
            try ["1", "2", "3", "Stable_1", "Stable_2", "Stable_3"].map {
                try F.pvc("PVC_\($0)", volumeName: "Vol_\($0)")
            }
            + [try F.pvc("PVC_4", volumeName: "Vol_not_exist")]
        check(
            [
                ZoneCase(
                    name: "pod without volume",
                    claim: nil,
                    nodeLabels: [betaZone: "us-west1-a"],
                    preFilter: .skip
                ),
                ZoneCase(name: "node without labels", claim: "PVC_1", nodeLabels: [:]),
                ZoneCase(
                    name: "beta zone label matched",
                    claim: "PVC_1",
                    nodeLabels: [betaZone: "us-west1-a", "uselessLabel": "none"]
                ),
                ZoneCase(
                    name: "beta region label matched",
                    claim: "PVC_2",
                    nodeLabels: [betaRegion: "us-west1", "uselessLabel": "none"]
                ),
                ZoneCase(
                    name: "beta region label doesn't match",
                    claim: "PVC_2",
                    nodeLabels: [betaRegion: "no_us-west1", "uselessLabel": "none"],
                    filter: conflict
                ),
                ZoneCase(
                    name: "beta zone label doesn't match",
                    claim: "PVC_1",
                    nodeLabels: [betaZone: "no_us-west1-a", "uselessLabel": "none"],
                    filter: conflict
                ),
                ZoneCase(
                    name: "zone label matched",
                    claim: "PVC_Stable_1",
                    nodeLabels: [zone: "us-west1-a", "uselessLabel": "none"]
                ),
                ZoneCase(
                    name: "region label matched",
                    claim: "PVC_Stable_2",
                    nodeLabels: [region: "us-west1", "uselessLabel": "none"]
                ),
                ZoneCase(
                    name: "region label doesn't match",
                    claim: "PVC_Stable_2",
                    nodeLabels: [region: "no_us-west1", "uselessLabel": "none"],
                    filter: conflict
                ),
                ZoneCase(
                    name: "zone label doesn't match",
                    claim: "PVC_Stable_1",
                    nodeLabels: [zone: "no_us-west1-a", "uselessLabel": "none"],
                    filter: conflict
                ),
                ZoneCase(
                    name: "pv with zone and region, node with only zone",
                    claim: "PVC_Stable_3",
                    nodeLabels: [zone: "us-west1-a"],
                    filter: conflict
                ),
                ZoneCase(
                    name: "pv with zone,node with beta zone",
                    claim: "PVC_Stable_1",
                    nodeLabels: [betaZone: "us-west1-a"],
                    filter: conflict
                ),
                ZoneCase(
                    name: "pv with beta label,node with ga label, matched",
                    claim: "PVC_1",
                    nodeLabels: [zone: "us-west1-a"]
                ),
                ZoneCase(
                    name: "pv with beta label,node with ga label, don't match",
                    claim: "PVC_1",
                    nodeLabels: [zone: "us-west1-b"],
                    filter: conflict
                ),
            ],
            handle: F.handle(volumes: volumes, claims: claims)
        )
    }

    /// Upstream's `TestMultiZone`: `__` separates the zones of one label.
    @Test func multiZone() throws {
        let volumes = [
            try F.pv("Vol_1", labels: [betaZone: "us-west1-a"]),
            try F.pv("Vol_2", labels: [betaZone: "us-west1-b", "uselessLabel": "none"]),
            try F.pv("Vol_3", labels: [betaZone: "us-west1-c__us-west1-a"]),
            try F.pv("Vol_Stable_1", labels: [zone: "us-west1-a"]),
            try F.pv("Vol_Stable_2", labels: [zone: "us-west1-c__us-west1-a"]),
        ]
        let claims = try ["1", "2", "3", "Stable_1", "Stable_2"].map { try F.pvc("PVC_\($0)", volumeName: "Vol_\($0)") }
        check(
            [
                ZoneCase(name: "node without labels", claim: "PVC_3", nodeLabels: [:]),
                ZoneCase(
                    name: "beta zone label matched",
                    claim: "PVC_3",
                    nodeLabels: [betaZone: "us-west1-a", "uselessLabel": "none"]
                ),
                ZoneCase(
                    name: "beta zone label doesn't match",
                    claim: "PVC_1",
                    nodeLabels: [betaZone: "us-west1-b", "uselessLabel": "none"],
                    filter: conflict
                ),
                ZoneCase(
                    name: "zone label matched",
                    claim: "PVC_Stable_2",
                    nodeLabels: [zone: "us-west1-a", "uselessLabel": "none"]
                ),
                ZoneCase(
                    name: "zone label doesn't match",
                    claim: "PVC_Stable_1",
                    nodeLabels: [zone: "us-west1-b", "uselessLabel": "none"],
                    filter: conflict
                ),
            ],
            handle: F.handle(volumes: volumes, claims: claims)
        )
    }

    /// Upstream's `TestWithBinding`: unbound claims of WaitForFirstConsumer classes are left to VolumeBinding.
    @Test func withBinding() throws {
        let classes = [
            try F.storageClass("Class_Immediate"),
            try F.storageClass("Class_Wait", bindingMode: "WaitForFirstConsumer"),
        ]
        let claims = [
            try F.pvc("PVC_1", volumeName: "Vol_1"),
            try F.pvc("PVC_NoSC", storageClass: "Class_0"),
            try F.pvc("PVC_EmptySC"),
            try F.pvc("PVC_WaitSC", storageClass: "Class_Wait"),
            try F.pvc("PVC_ImmediateSC", storageClass: "Class_Immediate"),
        ]
        let node = [betaZone: "us-west1-a", "uselessLabel": "none"]
        let noName = Status(.unschedulableAndUnresolvable, "PersistentVolumeClaim had no pv name and storageClass name")
        // Upstream's fake lister says `storageclasses.storage.k8s.io`; the informer's lister, which users see, says this.
        let noClass = Status(.unschedulableAndUnresolvable, #"storageclass.storage.k8s.io "Class_0" not found"#)
        let noMode = Status(
            .unschedulableAndUnresolvable,
            #"VolumeBindingMode not set for StorageClass "Class_Immediate""#
        )
        check(
            [
                ZoneCase(name: "label zone failure domain matched", claim: "PVC_1", nodeLabels: node),
                ZoneCase(
                    name: "unbound volume empty storage class",
                    claim: "PVC_EmptySC",
                    nodeLabels: node,
                    preFilter: noName,
                    filter: noName
                ),
                ZoneCase(
                    name: "unbound volume no storage class",
                    claim: "PVC_NoSC",
                    nodeLabels: node,
                    preFilter: noClass,
                    filter: noClass
                ),
                ZoneCase(
                    name: "unbound volume immediate binding mode",
                    claim: "PVC_ImmediateSC",
                    nodeLabels: node,
                    preFilter: noMode,
                    filter: noMode
                ),
                ZoneCase(
                    name: "unbound volume wait binding mode",
                    claim: "PVC_WaitSC",
                    nodeLabels: node,
                    preFilter: .skip
                ),
            ],
            handle: F.handle(
                volumes: [try F.pv("Vol_1", labels: [betaZone: "us-west1-a"])],
                claims: claims,
                classes: classes
            )
        )
    }

    @Test func missingClaimOrVolumeIsUnresolvable() throws {
        check(
            [
                ZoneCase(
                    name: "missing claim",
                    claim: "nope",
                    nodeLabels: [zone: "a"],
                    preFilter: Status(.unschedulableAndUnresolvable, #"persistentvolumeclaim "nope" not found"#),
                    filter: Status(.unschedulableAndUnresolvable, #"persistentvolumeclaim "nope" not found"#)
                ),
                ZoneCase(
                    name: "missing volume",
                    claim: "PVC_4",
                    nodeLabels: [zone: "a"],
                    preFilter: Status(.unschedulableAndUnresolvable, #"persistentvolume "Vol_not_exist" not found"#),
                    filter: Status(.unschedulableAndUnresolvable, #"persistentvolume "Vol_not_exist" not found"#)
                ),
                ZoneCase(
                    name: "immediate class bound later",
                    claim: "PVC_Immediate",
                    nodeLabels: [zone: "a"],
                    preFilter: Status(.unschedulableAndUnresolvable, "PersistentVolume had no name"),
                    filter: Status(.unschedulableAndUnresolvable, "PersistentVolume had no name")
                ),
            ],
            handle: F.handle(
                claims: [
                    try F.pvc("PVC_4", volumeName: "Vol_not_exist"), try F.pvc("PVC_Immediate", storageClass: "fast"),
                ],
                classes: [try F.storageClass("fast", bindingMode: "Immediate")]
            )
        )
    }

    @Test func zoneLabelValues() {
        #expect(VolumeZone.labelZonesToSet("a__b") == ["a", "b"])
        #expect(VolumeZone.labelZonesToSet(" a __ b ") == ["a", "b"])
        #expect(VolumeZone.labelZonesToSet("a____b") == nil)
        #expect(VolumeZone.labelZonesToSet("") == nil)
    }
}

/// Upstream's `TestIsSchedulableAfterPersistentVolumeClaimAdded`, `TestIsSchedulableAfterStorageClassAdded`,
/// `TestIsSchedulableAfterPersistentVolumeChange`.
@Suite struct VolumeZoneEventTests {
    @Test func registeredEvents() {
        let events = VolumeZone(handle: F.handle()).eventsToRegister().map(\.event)
        #expect(events.map(\.resource) == [.storageClass, .node, .persistentVolumeClaim, .persistentVolume])
        #expect(events.map(\.action) == [.add, [.add, .updateNodeLabel], [.add, .update], [.add, .update]])
    }

    @Test func claimChange() throws {
        let pod = PodBuilder("pod_1").addingClaimVolumes("PVC_1").build()
        #expect(
            VolumeZone.hintAfterClaimChange(
                PodBuilder("pod_1").build(),
                claim: .persistentVolumeClaim(try F.pvc("PVC_1", volumeName: "Vol_1"))
            ) == .skip
        )
        #expect(
            VolumeZone.hintAfterClaimChange(
                PodBuilder("pod_1").addingClaimVolumes("PVC_2").build(),
                claim: .persistentVolumeClaim(try F.pvc("PVC_1", volumeName: "Vol_1"))
            ) == .skip
        )
        #expect(
            VolumeZone.hintAfterClaimChange(
                pod,
                claim: .persistentVolumeClaim(try F.pvc("PVC_1", namespace: "ns1", volumeName: "Vol_1"))
            ) == .skip
        )
        #expect(
            VolumeZone.hintAfterClaimChange(pod, claim: .persistentVolumeClaim(try F.pvc("PVC_1", volumeName: "Vol_1")))
                == .queue
        )
    }

    @Test func storageClassAdded() throws {
        #expect(VolumeZone.hintAfterStorageClassAdded(.storageClass(try F.storageClass("SC_1"))) == .skip)
        #expect(
            VolumeZone.hintAfterStorageClassAdded(
                .storageClass(try F.storageClass("SC_1", bindingMode: "WaitForFirstConsumer"))
            ) == .queue
        )
    }

    @Test func persistentVolumeChange() throws {
        let a = KubeObject.persistentVolume(try F.pv("Vol_1", labels: [betaZone: "us-west1-a"]))
        let b = KubeObject.persistentVolume(try F.pv("Vol_1", labels: [betaZone: "us-west1-b"]))
        let aPlus = KubeObject.persistentVolume(try F.pv("Vol_1", labels: [betaZone: "us-west1-a", zone: "zone"]))
        #expect(VolumeZone.hintAfterPersistentVolumeChange(old: nil, new: b) == .queue)
        #expect(VolumeZone.hintAfterPersistentVolumeChange(old: a, new: b) == .queue)
        #expect(VolumeZone.hintAfterPersistentVolumeChange(old: a, new: aPlus) == .queue)
        #expect(VolumeZone.hintAfterPersistentVolumeChange(old: aPlus, new: aPlus) == .skip)
    }
}
