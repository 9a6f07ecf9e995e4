import CoschedulingPlugin
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

/// Coscheduling's pieces that need no running scheduler: queue order and the cluster resource check.
@Suite struct CoschedulingPluginTests {
    private func group(_ name: String, created: String) -> PodGroup {
        PodGroup(
            metadata: ObjectMeta(name: name, namespace: "default", creationTimestamp: created),
            spec: PodGroupSpec(minMember: 2)
        )
    }

    private func queued(_ name: String, group: String?, priority: Int32 = 0) -> QueuedPodInfo {
        var builder = PodBuilder(name).priority(priority)
        if let group { builder = builder.label(PodGroup.label, group) }
        return QueuedPodInfo(podInfo: builder.info(), timestamp: .zero)
    }

    @Test func queueSortOrdersByPriorityThenGroupCreationThenName() throws {
        var objects = FakeObjectLister()
        objects.podGroupList = [
            group("late", created: "2026-01-01T10:05:00Z"), group("early", created: "2026-01-01T10:00:00Z"),
        ]
        let plugin = try Coscheduling(args: .defaults, handle: FakeHandle(objects: objects))
        // The older group first, whatever the pod names.
        #expect(plugin.less(queued("z-early", group: "early"), queued("a-late", group: "late")))
        #expect(!plugin.less(queued("a-late", group: "late"), queued("z-early", group: "early")))
        // Within a group, by namespace/name.
        #expect(plugin.less(queued("early-0", group: "early"), queued("early-1", group: "early")))
        // Priority first.
        #expect(plugin.less(queued("a-late", group: "late", priority: 10), queued("z-early", group: "early")))
        // A pod outside any group, with a creation time between the two groups', sorts between them.
        var loose = PodBuilder("loose").build()
        loose.metadata.creationTimestamp = "2026-01-01T10:02:00Z"
        let looseInfo = QueuedPodInfo(podInfo: PodInfo(loose), timestamp: .zero)
        #expect(plugin.less(queued("x", group: "early"), looseInfo))
        #expect(plugin.less(looseInfo, queued("x", group: "late")))
    }

    @Test func resourceGapCountsTheGroupsOwnPodsAsFree() {
        let busy = NodeBuilder("n1").capacity(["cpu": "4", "memory": "8Gi", "pods": "110"]).info(pods: [
            PodBuilder("mine").label(PodGroup.label, "job").container(["cpu": "2"]).node("n1").build(),
            PodBuilder("other").container(["cpu": "1"]).node("n1").build(),
        ])
        let snapshot = Snapshot(nodes: [busy])
        // 3 CPUs are free for the group (its own pod's 2 included); 4 are not.
        #expect(
            Coscheduling.resourceGap(
                snapshot: snapshot,
                request: resourceList(["cpu": "3"]),
                minMember: 2,
                group: "default/job"
            )
                == nil
        )
        #expect(
            Coscheduling.resourceGap(
                snapshot: snapshot,
                request: resourceList(["cpu": "4500m"]),
                minMember: 2,
                group: "default/job"
            )
                == "map[cpu:1500m]"
        )
        #expect(
            Coscheduling.resourceGap(
                snapshot: snapshot,
                request: resourceList(["cpu": "1"]),
                minMember: 200,
                group: "default/job"
            ) == "map[pods:91]"
        )
    }
}
