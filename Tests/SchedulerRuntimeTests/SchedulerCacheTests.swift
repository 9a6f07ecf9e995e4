import KubeAPI
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

@Suite struct SchedulerCacheTests {
    @Test func assumedPodCountsUntilForgotten() throws {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").capacity(["cpu": "4", "memory": "8Gi", "pods": "10"]).build())
        let pod = PodBuilder("p").requests(cpu: "1", memory: "1Gi").node("n1").info()
        try cache.assumePod(pod, nodeName: "n1")
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodeInfo(named: "n1")?.requested.milliCPU == 1000)
        #expect(cache.isAssumed(uid: pod.uid))
        cache.forgetPod(pod)
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodeInfo(named: "n1")?.requested.milliCPU == 0)
        #expect(snapshot.nodeInfo(named: "n1")?.pods.isEmpty == true)
    }

    @Test func assumingTwiceIsAnError() throws {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").build())
        let pod = PodBuilder("p").info()
        try cache.assumePod(pod, nodeName: "n1")
        #expect(throws: SchedulerCache.CacheError.self) { try cache.assumePod(pod, nodeName: "n1") }
    }

    @Test func boundPodConfirmsTheAssumedOne() throws {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").build())
        let pod = PodBuilder("p").requests(cpu: "500m").build()
        try cache.assumePod(PodInfo(pod), nodeName: "n1")
        var bound = pod
        bound.spec.nodeName = "n1"
        cache.addPod(bound)
        #expect(!cache.isAssumed(uid: pod.uid))
        #expect(cache.podCount == 1)
        // Forgetting a confirmed pod does nothing.
        cache.forgetPod(PodInfo(pod))
        #expect(cache.podCount == 1)
    }

    @Test func nodeInfoAggregatesRequestsNonZeroDefaultsAndPorts() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").build())
        cache.addPod(PodBuilder("a").requests(cpu: "1").node("n1").build())
        cache.addPod(PodBuilder("b").container([:], hostPorts: [8080]).node("n1").build())
        let info = cache.snapshot().nodeInfo(named: "n1")
        #expect(info?.requested.milliCPU == 1000)
        #expect(info?.requested.memory == 0)
        // Scoring counts 100m / 200Mi for what containers leave out.
        #expect(info?.nonZeroRequested.milliCPU == 1100)
        let expectedMemory: Int64 = 2 * 200 * 1024 * 1024
        #expect(info?.nonZeroRequested.memory == expectedMemory)
        #expect(info?.usedPorts.conflicts(with: HostPort(ip: "", protocol: "", port: 8080)) == true)
    }

    @Test func snapshotCopiesOnlyChangedNodesAndInterleavesZones() {
        let cache = SchedulerCache()
        for (name, zone) in [("a1", "a"), ("a2", "a"), ("b1", "b"), ("b2", "b"), ("c1", "c")] {
            cache.addOrUpdateNode(NodeBuilder(name).label("topology.kubernetes.io/zone", zone).build())
        }
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodes.map(\.name) == ["a1", "b1", "c1", "a2", "b2"])
        let before = snapshot.nodes.map(\.generation)
        cache.addPod(PodBuilder("p").node("b2").build())
        cache.updateSnapshot(&snapshot)
        let after = snapshot.nodes.map(\.generation)
        let changed = zip(before, after).enumerated().filter { $0.element.0 != $0.element.1 }.map {
            snapshot.nodes[$0.offset].name
        }
        #expect(changed == ["b2"])
        #expect(snapshot.nodeInfo(named: "b2")?.pods.count == 1)
    }

    @Test func removedNodeWithPodsStaysAGhostUntilItsPodsGo() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").build())
        let pod = PodBuilder("p").node("n1").build()
        cache.addPod(pod)
        cache.removeNode(named: "n1")
        #expect(cache.snapshot().count == 0)
        #expect(cache.podCount == 1)
        cache.removePod(pod)
        #expect(cache.podCount == 0)
    }
}
