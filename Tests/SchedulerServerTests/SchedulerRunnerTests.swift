import AsyncHTTPClient
import Foundation
import InTreePlugins
import KubeAPI
import KubeClient
import NIOCore
import NIOHTTP1
import NIOSSL
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerServer
import SchedulerTesting
import Testing

@testable import KubeTestSupport

/// The scheduler run against the fake API server, end to end: informers, the scheduling loop, binding,
/// status patches, events, the endpoints. Serialized: each starts servers and a scheduler.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SchedulingTests {
    @Test func initialSyncThenScheduling() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1", cpu: "1"))
        fake.createNode(node("n2"))
        let keys = (0..<8).map { "default/p\($0)" }
        for i in 0..<8 { fake.createPod(pod("p\(i)")) }
        // Pods of other schedulers, and a pod already bound by another scheduler that uses most of n1.
        fake.createPod(pod("theirs", scheduler: "default-scheduler"))
        var bound = pod("running", scheduler: "default-scheduler", cpu: "900m")
        bound.spec.nodeName = "n1"
        fake.createPod(bound)

        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        #expect(await eventually { allBound(fake, keys) })
        // New pods after the initial sync are scheduled as well.
        fake.createPod(pod("late"))
        #expect(await eventually { allBound(fake, ["default/late"]) })

        #expect(fake.doublyBound.isEmpty)
        #expect(Set(fake.bindings.map(\.pod)) == Set(keys + ["default/late"]))
        #expect(fake.pod("default/theirs")?.nodeName == "")
        #expect(fake.bindAttempts("default/theirs") == 0)
        #expect(!fake.statusPatches.contains { $0.pod == "default/theirs" })
        #expect(fake.pod("default/running")?.nodeName == "n1")
        // Every binding was sent by this instance, with the upstream-like User-Agent.
        #expect(fake.bindings.allSatisfy { $0.userAgent == "swift-kube-scheduler/\(BuildInfo.version) (sched-a)" })
        #expect(await eventually { fake.events.filter { $0.reason == "Scheduled" }.count == 9 })
        let scheduled = fake.events.first { $0.reason == "Scheduled" && $0.regarding.name == "p0" }
        #expect(scheduled?.note == "Successfully assigned default/p0 to \(fake.pod("default/p0")?.nodeName ?? "?")")
        #expect(scheduled?.action == "Binding")
        #expect(scheduled?.reportingController == testSchedulerName)
        #expect(!fake.events.contains { $0.regarding.name == "theirs" })
        // The pod bound by someone else counts against n1's capacity: only 100m was left there.
        #expect(fake.bindings.filter { $0.node == "n1" }.count <= 1)

        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func unschedulablePodsGetTheConditionAndAFailedSchedulingEvent() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1", cpu: "1"))
        fake.createPod(pod("huge", cpu: "8"))
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        #expect(
            await eventually {
                fake.pod("default/huge")?.status?.conditions?.contains {
                    $0.type == "PodScheduled" && $0.reason == "Unschedulable"
                } ?? false
            }
        )
        let condition = fake.pod("default/huge")?.status?.conditions?.first { $0.type == "PodScheduled" }
        #expect(condition?.status == "False")
        #expect(
            condition?.message
                == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
        )
        #expect(
            await eventually { fake.events.contains { $0.reason == "FailedScheduling" && $0.regarding.name == "huge" } }
        )
        let failed = fake.events.first { $0.reason == "FailedScheduling" }
        #expect(failed?.type == "Warning")
        #expect(failed?.action == "Scheduling")
        #expect(failed?.note?.hasPrefix("0/1 nodes are available") == true)
        #expect(fake.bindings.isEmpty)

        // A node that fits arrives: the pod is requeued by the event and bound.
        fake.createNode(node("big", cpu: "16"))
        #expect(await eventually { allBound(fake, ["default/huge"]) })
        #expect(fake.pod("default/huge")?.nodeName == "big")
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func aNodeLabelUpdateRequeuesThePodItCanNowHost() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        var picky = pod("picky")
        picky.spec.nodeSelector = ["disk": "ssd"]
        fake.createPod(picky)
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        #expect(await eventually { runner.scheduler.queue.location(of: "default/picky") == .unschedulable })
        // The informer hands the old node along, so the event is NodeUpdate/UpdateNodeLabel, which NodeAffinity
        // registered: the pod is retried now, not at the 5-minute flush.
        var labelled = try #require(fake.objects(.node).first?.node)
        labelled.metadata.labels?["disk"] = "ssd"
        fake.update(.node(labelled))
        #expect(await eventually(timeout: .seconds(20)) { allBound(fake, ["default/picky"]) })
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func preemptionMarksDeletesAndReportsTheVictimThenBindsThePreemptor() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1", cpu: "1"))
        var victim = PodBuilder("low").schedulerName("default-scheduler").priority(1).container(["cpu": "800m"]).build()
        victim.spec.nodeName = "n1"
        fake.createPod(victim)
        fake.createPod(
            PodBuilder("high").schedulerName(testSchedulerName).priority(1000).container(["cpu": "500m"]).build()
        )
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        #expect(await eventually { fake.deletions == ["default/low"] })
        // DisruptionTarget was patched onto the victim before it was deleted.
        let victimPatch = fake.statusPatches.first { $0.pod == "default/low" }
        #expect(victimPatch?.body.contains("\"type\":\"DisruptionTarget\"") == true)
        #expect(victimPatch?.body.contains("PreemptionByScheduler") == true)
        #expect(await eventually { allBound(fake, ["default/high"]) })
        #expect(fake.pod("default/high")?.nodeName == "n1")
        #expect(await eventually { fake.events.contains { $0.reason == "Preempted" && $0.regarding.name == "low" } })
        let preempted = fake.events.first { $0.reason == "Preempted" }
        #expect(preempted?.note?.hasPrefix("Preempted by pod ") == true)
        #expect(preempted?.action == "Preempting")
        // The preemptor was nominated to n1 through a status patch while it waited.
        #expect(
            fake.statusPatches.contains { $0.pod == "default/high" && $0.body.contains("\"nominatedNodeName\":\"n1\"") }
        )
        #expect(fake.doublyBound.isEmpty)
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func aWatchDroppedMidStreamResumesFromTheLastResourceVersion() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("before"))
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/before"]) })
        let watchesBefore = fake.requests.filter { $0.path == "/api/v1/pods" && $0.query["watch"] == "true" }.count
        #expect(await eventually { fake.openWatchCount == watchedKindCount })

        fake.dropWatches()
        // Changes while the informers reconnect are not lost.
        let keys = (0..<5).map { "default/after\($0)" }
        for i in 0..<5 { fake.createPod(pod("after\(i)")) }
        #expect(await eventually { allBound(fake, keys) })
        #expect(fake.doublyBound.isEmpty)

        let podWatches = fake.requests.filter { $0.path == "/api/v1/pods" && $0.query["watch"] == "true" }
        #expect(podWatches.count > watchesBefore)
        // The reconnect resumed from a resource version after the initial list's, not from scratch or a relist.
        let first = Int(podWatches.first?.query["resourceVersion"] ?? "") ?? 0
        let resumed = Int(podWatches.last?.query["resourceVersion"] ?? "") ?? 0
        #expect(resumed > first)
        #expect(fake.requests.filter { $0.path == "/api/v1/pods" && $0.query["watch"] == nil }.count == 1)
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func goneRelistsWithoutLosingOrDuplicatingPods() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1", cpu: "100"))
        fake.createPod(pod("early"))
        // A pod that cannot fit yet, so it waits in the queue; it will be deleted while the watches are down.
        fake.createPod(pod("doomed", cpu: "500"))
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/early"]) })
        #expect(await eventually { runner.scheduler.queue.location(of: "default/doomed") != nil })

        fake.setWatchUnavailable(true)
        fake.dropWatches()
        let keys = (0..<6).map { "default/new\($0)" }
        for i in 0..<6 { fake.createPod(pod("new\(i)")) }
        fake.delete(.pod, key: "default/doomed")
        fake.createNode(node("n2", cpu: "100"))
        fake.compactHistory()
        fake.setWatchUnavailable(false)

        #expect(await eventually { allBound(fake, keys) })
        // The relist delivered the deletion: the pod left the queue and was never bound.
        #expect(await eventually { runner.scheduler.queue.location(of: "default/doomed") == nil })
        #expect(fake.bindAttempts("default/doomed") == 0)
        #expect(fake.doublyBound.isEmpty)
        #expect(Set(fake.bindings.map(\.pod)) == Set(keys + ["default/early"]))
        #expect(fake.requests.filter { $0.path == "/api/v1/pods" && $0.query["watch"] == nil }.count >= 2)
        // The node added during the gap reached the cache.
        #expect(await eventually { runner.scheduler.cache.nodeCount == 2 })
        #expect(await eventually { runner.scheduler.cache.assumedPodCount == 0 })
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func aBindingConflictForgetsTheAssumedPodAndRequeuesIt() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("contested"))
        fake.conflictOnNextBind("default/contested")
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        // First attempt: 409, the pod is forgotten and backs off (1 s), then bound by the retry.
        #expect(await eventually { allBound(fake, ["default/contested"]) })
        #expect(fake.bindAttempts("default/contested") == 2)
        #expect(fake.bindings.filter { $0.pod == "default/contested" }.count == 1)
        #expect(await eventually { runner.scheduler.cache.assumedPodCount == 0 })
        #expect(runner.scheduler.cache.podCount == 1)
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func aPodBoundBySomeoneElseIsNotBoundAgain() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createNode(node("n2"))
        // Every binding of this pod conflicts until someone else binds it.
        fake.createPod(pod("raced"))
        fake.conflictOnNextBind("default/raced")
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        #expect(await eventually { fake.bindAttempts("default/raced") >= 1 })
        fake.bindExternally("default/raced", node: "n2")
        #expect(
            await eventually {
                runner.scheduler.queue.location(of: "default/raced") == nil && runner.scheduler.cache.podCount == 1
            }
        )
        try await Task.sleep(for: .seconds(2))  // longer than the backoff: a requeued pod would be retried
        #expect(fake.bindings.isEmpty)
        #expect(fake.pod("default/raced")?.nodeName == "n2")
        #expect(runner.scheduler.cache.assumedPodCount == 0)
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func malformedJSONFromTheServerIsLoggedNotFatal() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("ok1"))
        fake.addMalformedListItem(
            .pod,
            #"{"metadata":{"name":"mangled","namespace":"default"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"lots"}}}]}}"#
        )
        fake.addMalformedListItem(.node, #"{"metadata":17}"#)
        let logs = LogCapture()
        let runner = try makeRunner(fake, identity: "sched-a", logs: logs)
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/ok1"]) })
        #expect(await eventually { fake.openWatchCount == watchedKindCount })
        fake.injectRawWatchBytes(.pod, "{\"type\":\"ADDED\",\"object\":{\"metadata\":")
        fake.injectRawWatchBytes(.pod, "}}}} <html>502 Bad Gateway</html>")
        fake.injectRawWatchBytes(
            .node,
            #"{"type":"MODIFIED","object":{"metadata":{"name":"n1"},"spec":{"taints":"everywhere"}}}"#
        )
        fake.createPod(pod("ok2"))
        #expect(await eventually { allBound(fake, ["default/ok2"]) })
        #expect(logs.contains("Skipping an object that cannot be decoded"))
        #expect(logs.contains("mangled"))
        #expect(runner.client.skippedObjectCount >= 3)
        #expect(fake.doublyBound.isEmpty)
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func healthReadinessMetricsAndConfigz() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        for i in 0..<3 { fake.createPod(pod("m\(i)")) }
        fake.createPod(pod("never", cpu: "64"))
        let runner = try makeRunner(fake, identity: "sched-a", serve: true)
        let run = launch(runner)
        #expect(await eventually { runner.boundPort != nil })
        let port = try #require(runner.boundPort)
        #expect(await eventually { allBound(fake, (0..<3).map { "default/m\($0)" }) })
        #expect(await eventually { runner.scheduler.queue.location(of: "default/never") == .unschedulable })

        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        func get(_ path: String) async throws -> (Int, String) {
            let response = try await http.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"),
                timeout: .seconds(10)
            )
            let body = try await response.body.collect(upTo: 8 << 20)
            return (Int(response.status.code), String(buffer: body))
        }
        #expect(try await get("/healthz") == (200, "ok"))
        #expect(try await get("/livez") == (200, "ok"))
        #expect(try await get("/readyz") == (200, "ok"))
        let verbose = try await get("/readyz?verbose")
        #expect(verbose.1.contains("[+]sched-handler-sync ok"))
        let (status, metrics) = try await get("/metrics")
        #expect(status == 200)
        #expect(
            metrics.contains(
                "scheduler_schedule_attempts_total{result=\"scheduled\",profile=\"\(testSchedulerName)\"} 3"
            )
        )
        #expect(
            metrics.contains(
                "scheduler_schedule_attempts_total{result=\"unschedulable\",profile=\"\(testSchedulerName)\"}"
            )
        )
        #expect(
            metrics.contains(
                "scheduler_scheduling_attempt_duration_seconds_bucket{result=\"scheduled\",profile=\"\(testSchedulerName)\",le=\"0.001\"}"
            )
        )
        #expect(metrics.contains("scheduler_pod_scheduling_sli_duration_seconds_count{attempts=\"1\"} 3"))
        #expect(metrics.contains("scheduler_pending_pods{queue=\"unschedulable\"} 1"))
        #expect(metrics.contains("scheduler_pending_pods{queue=\"active\"} 0"))
        #expect(
            metrics.contains(
                "scheduler_framework_extension_point_duration_seconds_bucket{extension_point=\"Filter\",status=\"Success\",profile=\"\(testSchedulerName)\""
            )
        )
        #expect(metrics.contains("# TYPE scheduler_plugin_execution_duration_seconds histogram"))
        #expect(metrics.contains("# TYPE scheduler_preemption_attempts_total counter"))
        #expect(metrics.contains("# TYPE scheduler_preemption_victims histogram"))
        #expect(metrics.contains("scheduler_scheduler_cache_size{type=\"nodes\"} 1"))
        let (_, configz) = try await get("/configz")
        #expect(configz.hasPrefix("{\"componentconfig\":{\"apiVersion\":\"kubescheduler.config.k8s.io/v1\""))
        #expect(configz.contains("\"schedulerName\":\"\(testSchedulerName)\""))
        let (missing, _) = try await get("/nope")
        #expect(missing == 404)
        try await http.shutdown()

        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func readinessWaitsForTheCaches() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("waiting"))
        fake.setListUnavailable(.csiNode, true)
        let runner = try makeRunner(fake, identity: "sched-a", serve: true)
        let run = launch(runner)
        #expect(await eventually { fake.requests.filter { $0.path == "/apis/storage.k8s.io/v1/csinodes" }.count >= 3 })
        // Lists keep failing: not ready, and nothing is scheduled before the caches are synced.
        #expect(!runner.isReady)
        #expect(fake.bindings.isEmpty)
        fake.setListUnavailable(.csiNode, false)
        #expect(await eventually { runner.isReady })
        #expect(await eventually { allBound(fake, ["default/waiting"]) })
        runner.shutdown()
        #expect(await run.value == .shutdown)
        #expect(!runner.isReady)
        await fake.stop()
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct ServingTests {
    @Test func endpointsAreServedOverHTTPSWithTheGivenCertificate() async throws {
        let fake = try await FakeAPIServer.start()
        let dir = try scratchDirectory("tls")
        try write(testCertificatePEM, to: dir + "/tls.crt")
        try write(testPrivateKeyPEM, to: dir + "/tls.key")
        var options = RunOptions(
            configuration: try testConfiguration(),
            client: fakeClientConfiguration(fake),
            identity: "tls"
        )
        options.leaderElect = false
        options.port = 0
        options.bindAddress = "127.0.0.1"
        options.tlsCertificateFile = dir + "/tls.crt"
        options.tlsPrivateKeyFile = dir + "/tls.key"
        let runner = try SchedulerRunner(
            options: options,
            registry: makeInTreeRegistry(),
            logger: LogCapture().logger("tls")
        )
        let run = launch(runner)
        #expect(await eventually { runner.boundPort != nil && runner.isReady })
        let port = try #require(runner.boundPort)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(testCertificatePEM.utf8)))
        let http = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(tlsConfiguration: tls)
        )
        let response = try await http.execute(
            HTTPClientRequest(url: "https://localhost:\(port)/readyz"),
            timeout: .seconds(10)
        )
        #expect(response.status == .ok)
        #expect(String(buffer: try await response.body.collect(upTo: 1 << 16)) == "ok")
        let plain = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(2), read: .seconds(2)))
        )
        await #expect(throws: (any Error).self) {
            _ = try await plain.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(5))
        }
        try await http.shutdown()
        try await plain.shutdown()
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func delayCacheUntilActiveStartsInformersOnlyWhenLeading() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        // Someone else holds the lease for a long time.
        let client = try makeClient(fake)
        _ = try await client.createLease(
            Lease(
                metadata: ObjectMeta(name: "swift-kube-scheduler", namespace: "kube-system"),
                spec: LeaseSpec(holderIdentity: "other", leaseDurationSeconds: 3600)
            )
        )
        await client.shutdown()
        var configuration = try testConfiguration()
        configuration.delayCacheUntilActive = true
        var options = RunOptions(configuration: configuration, client: fakeClientConfiguration(fake), identity: "lazy")
        options.port = nil
        options.leaseDurations = (.seconds(3), .seconds(2), .milliseconds(250))
        let runner = try SchedulerRunner(
            options: options,
            registry: makeInTreeRegistry(),
            logger: LogCapture().logger("lazy")
        )
        let run = launch(runner)
        #expect(await eventually { fake.requests.filter { $0.path.contains("/leases/") }.count >= 3 })
        #expect(!fake.requests.contains { $0.path == "/api/v1/nodes" })
        #expect(!runner.isReady)
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }
}
