import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

/// A scheduler with the gang profile over an embedded cluster, driven one pod at a time like `simulate`.
private struct GangHarness {
    let cluster = EmbeddedCluster()
    let clock = SimulatedClock()
    let scheduler: Scheduler
    let informers: Informers

    init(args: String = "", clockDrivenTimeouts: Bool = true) throws {
        let registry = makeInTreeRegistry()
        let yaml = """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
              plugins:
                multiPoint:
                  enabled:
                  - name: Coscheduling
                queueSort:
                  enabled:
                  - name: Coscheduling
                  disabled:
                  - name: "*"
              pluginConfig:
              - name: Coscheduling
                args: {\(args)}
            """
        let configuration = try ConfigurationLoader.load(contents: yaml, source: "gang.yaml", registry: registry)
        scheduler = try Scheduler(configuration: configuration, registry: registry, client: cluster, clock: clock)
        if clockDrivenTimeouts { scheduler.permitWaitingPods.useClockDrivenTimeouts() }
        informers = Informers(client: cluster, scheduler: scheduler)
    }

    func start(_ objects: [KubeObject]) async throws {
        for object in objects { try cluster.create(object) }
        try await informers.start()
        await settle()
    }

    /// Waits until every binding cycle has finished or is parked at Permit, and every watch event is applied.
    func settle() async {
        while true {
            while scheduler.inFlightWorkCount > scheduler.permitWaitingPods.undecidedCount
                || informers.processedEventCount < cluster.emittedEventCount
            {
                await Task.yield()
            }
            if scheduler.inFlightWorkCount == scheduler.permitWaitingPods.undecidedCount
                && informers.processedEventCount == cluster.emittedEventCount
            {
                return
            }
        }
    }

    /// Schedules active pods (at most `limit`: a failed gang's members leave backoff early and would be retried
    /// forever); returns the keys in the order they were popped.
    @discardableResult
    func drain(limit: Int = 100) async -> [String] {
        var order: [String] = []
        while order.count < limit, let pod = scheduler.queue.pop() {
            order.append(pod.podInfo.key)
            scheduler.scheduleOne(pod)
            await settle()
        }
        return order
    }

    func stop() {
        informers.stop()
        cluster.shutdown()
    }

    func bound(_ names: [String]) -> [String] {
        names.filter { !(cluster.pod(namespace: "default", name: $0)?.spec.nodeName ?? "").isEmpty }
    }

    func message(_ name: String) -> String {
        cluster.pod(namespace: "default", name: name)?.status?.conditions?.first { $0.type == "PodScheduled" }?
            .message ?? ""
    }
}

private func nodes(_ count: Int, cpu: String) -> [KubeObject] {
    (0..<count).map { .node(NodeBuilder("n\($0)").capacity(["cpu": cpu, "memory": "8Gi", "pods": "110"]).build()) }
}

private func group(
    _ name: String,
    minMember: Int32,
    minResources: [String: String]? = nil,
    timeout: Int32? = nil,
    created: String? = nil
) -> KubeObject {
    .podGroup(
        PodGroup(
            metadata: ObjectMeta(name: name, namespace: "default", creationTimestamp: created),
            spec: PodGroupSpec(
                minMember: minMember,
                minResources: minResources.map(resourceList),
                scheduleTimeoutSeconds: timeout
            )
        )
    )
}

private func members(_ group: String, _ count: Int, cpu: String = "1") -> [KubeObject] {
    (0..<count).map {
        .pod(PodBuilder("\(group)-\($0)").label(PodGroup.label, group).container(["cpu": cpu]).build())
    }
}

private func names(_ group: String, _ count: Int) -> [String] { (0..<count).map { "\(group)-\($0)" } }

@Suite(.timeLimit(.minutes(2))) struct CoschedulingTests {
    @Test func aGroupOfEightWithRoomForSevenBindsNoneAndFreesItsReservations() async throws {
        let harness = try GangHarness()
        try await harness.start(nodes(7, cpu: "1") + [group("job", minMember: 8)] + members("job", 8))
        let order = await harness.drain(limit: 8)
        #expect(Set(order).count == 8)
        #expect(harness.bound(names("job", 8)).isEmpty)
        // Nothing stays assumed or waiting: the seven placed members were rejected and forgotten.
        #expect(harness.scheduler.cache.podCount == 0)
        #expect(harness.scheduler.permitWaitingPods.undecidedCount == 0)
        #expect(harness.scheduler.inFlightWorkCount == 0)
        let messages = names("job", 8).map(harness.message)
        #expect(messages.filter { $0.contains("optimistic rejection in PostFilter") }.count == 7, "\(messages)")
        #expect(
            messages.contains {
                $0.contains("PodGroup default/job gets rejected due to Pod job-") && $0.contains("is unschedulable")
            },
            "\(messages)"
        )
        // The freed nodes take an ordinary pod at once.
        try harness.cluster.create(.pod(PodBuilder("plain").priority(10).container(["cpu": "1"]).build()))
        await harness.settle()
        await harness.drain(limit: 1)
        #expect(harness.bound(["plain"]) == ["plain"])
        harness.stop()
    }

    @Test func aGroupThatFitsBindsOnlyWhenTheLastMemberIsPlaced() async throws {
        let harness = try GangHarness()
        try await harness.start(nodes(8, cpu: "1") + [group("job", minMember: 8)] + members("job", 8))
        var popped = 0
        while let pod = harness.scheduler.queue.pop() {
            harness.scheduler.scheduleOne(pod)
            await harness.settle()
            popped += 1
            if popped < 8 {
                #expect(harness.bound(names("job", 8)).isEmpty, "bound before the group was complete")
                #expect(harness.scheduler.permitWaitingPods.undecidedCount == popped)
            }
        }
        #expect(harness.bound(names("job", 8)).count == 8)
        harness.stop()
    }

    @Test func twoGroupsCompetingTheOlderOneWinsWhole() async throws {
        let harness = try GangHarness()
        // Room for 4 one-CPU pods. Group b is listed first, but group a is older; their pods are interleaved.
        var pods: [KubeObject] = []
        for (x, y) in zip(members("b", 4), members("a", 4)) { pods += [x, y] }
        try await harness.start(
            nodes(2, cpu: "2")
                + [
                    group("b", minMember: 4, created: "2026-01-01T10:05:00Z"),
                    group("a", minMember: 4, created: "2026-01-01T10:00:00Z"),
                ] + pods
        )
        let order = await harness.drain()
        // The queue keeps a group's pods together, the older group first.
        #expect(Array(order.prefix(4)).allSatisfy { $0.hasPrefix("default/a-") }, "\(order)")
        #expect(harness.bound(names("a", 4)).count == 4)
        #expect(harness.bound(names("b", 4)).isEmpty)
        #expect(harness.scheduler.cache.podCount == 4)
        harness.stop()
    }

    @Test func minResourcesRejectsTheWholeGroupBeforeAnyIsAssumed() async throws {
        let harness = try GangHarness()
        try await harness.start(
            nodes(2, cpu: "2") + [group("job", minMember: 2, minResources: ["cpu": "6"])] + members("job", 2)
        )
        await harness.drain()
        #expect(harness.bound(names("job", 2)).isEmpty)
        #expect(harness.message("job-0").contains("resource gap: map[cpu:2]"), "\(harness.message("job-0"))")
        harness.stop()
    }

    @Test func tooFewMembersAreRejectedAtPreFilter() async throws {
        let harness = try GangHarness()
        try await harness.start(nodes(2, cpu: "4") + [group("job", minMember: 3)] + members("job", 2))
        await harness.drain()
        #expect(harness.bound(names("job", 2)).isEmpty)
        #expect(
            harness.message("job-0").contains(
                "pre-filter pod job-0 cannot find enough sibling pods, current pods number: 2, minMember of group: 3"
            ),
            "\(harness.message("job-0"))"
        )
        harness.stop()
    }

    @Test func waitingMembersAreReleasedWhenTheGroupsTimeoutRunsOut() async throws {
        // PostFilter never rejects (100 %), so only the timeout can release the waiting members.
        let harness = try GangHarness(args: "podGroupRejectPercentage: 100")
        try await harness.start(nodes(3, cpu: "1") + [group("job", minMember: 4, timeout: 30)] + members("job", 4))
        await harness.drain()
        #expect(harness.scheduler.permitWaitingPods.undecidedCount == 3)
        #expect(harness.scheduler.cache.podCount == 3)
        let deadline = try #require(harness.scheduler.permitWaitingPods.nextDeadline())
        // The group's own timeout (30 s), not permitWaitingTimeSeconds (60 s).
        #expect(deadline > .seconds(29) && deadline < .seconds(31))
        harness.clock.advance(to: deadline)
        harness.scheduler.permitWaitingPods.expire(now: deadline)
        await harness.settle()
        #expect(harness.bound(names("job", 4)).isEmpty)
        #expect(harness.scheduler.cache.podCount == 0)
        #expect(harness.scheduler.permitWaitingPods.undecidedCount == 0)
        let messages = names("job", 3).map(harness.message)
        #expect(messages.contains { $0.contains("rejected due to timeout after waiting 30.0 seconds") }, "\(messages)")
        harness.stop()
    }

    @Test func realTimersReleaseWaitingMembersToo() async throws {
        let harness = try GangHarness(args: "podGroupRejectPercentage: 100", clockDrivenTimeouts: false)
        try await harness.start(nodes(1, cpu: "1") + [group("job", minMember: 2, timeout: 1)] + members("job", 2))
        await harness.drain()
        #expect(harness.scheduler.permitWaitingPods.undecidedCount == 1)
        await harness.scheduler.waitForInFlightWork()
        #expect(harness.scheduler.cache.podCount == 0)
        #expect(harness.bound(names("job", 2)).isEmpty)
        harness.stop()
    }

    @Test func podsWithoutAGroupAreScheduledAsUsual() async throws {
        let harness = try GangHarness()
        try await harness.start(nodes(1, cpu: "2") + [.pod(PodBuilder("plain").container(["cpu": "1"]).build())])
        await harness.drain()
        #expect(harness.bound(["plain"]) == ["plain"])
        harness.stop()
    }
}
