import Foundation
import KubeAPI
import KubeClient
import Logging
import NIOHTTP1
import NIOSSL
import SchedulerFramework
import SchedulerServer
import SchedulerTesting
import Synchronization
import Testing

@testable import KubeTestSupport

@Suite(.timeLimit(.minutes(3))) struct ClientTests {
    @Test func listPagesThroughACollectionAndSkipsWhatCannotBeDecoded() async throws {
        let fake = try await FakeAPIServer.start()
        let logs = LogCapture()
        let client = try makeClient(fake, logs: logs, pageSize: 2)
        for i in 0..<5 { fake.createNode(node("n\(i)")) }
        fake.addMalformedListItem(
            .node,
            #"{"metadata":{"name":"broken"},"status":{"allocatable":{"cpu":"not-a-quantity"}}}"#
        )
        let list = try await client.list(.node)
        #expect(list.items.map(\.metadata.name).sorted() == ["n0", "n1", "n2", "n3", "n4"])
        #expect(!list.resourceVersion.isEmpty)
        #expect(client.skippedObjectCount == 1)
        #expect(logs.contains("Skipping an object that cannot be decoded") && logs.contains("broken"))
        let pages = fake.requests.filter { $0.path == "/api/v1/nodes" }
        #expect(pages.count == 3)
        #expect(pages.allSatisfy { $0.query["limit"] == "2" })
        await client.shutdown()
        await fake.stop()
    }

    @Test func anExpiredContinueTokenRestartsTheListUnpaged() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try makeClient(fake, pageSize: 2)
        for i in 0..<5 { fake.createPod(pod("p\(i)")) }
        fake.expireContinueTokens()
        let list = try await client.list(.pod)
        #expect(list.items.count == 5)
        let last = fake.requests.last { $0.path == "/api/v1/pods" }
        #expect(last?.query["limit"] == nil)
        #expect(last?.query["fieldSelector"] == "status.phase!=Succeeded,status.phase!=Failed")
        await client.shutdown()
        await fake.stop()
    }

    /// Well-formed JSON that does not decode as a pod is skipped; text that is not JSON at all ends the watch
    /// (``WatchRecoveryTests``).
    @Test func watchStreamsEventsBookmarksAndSkipsUndecodableObjects() async throws {
        let fake = try await FakeAPIServer.start()
        let logs = LogCapture()
        let client = try makeClient(fake, logs: logs)
        let list = try await client.list(.pod)
        let events = Mutex<[WatchEvent]>([])
        let task = Task {
            for try await event in client.watch(.pod, resourceVersion: list.resourceVersion) {
                events.withLock { $0.append(event) }
            }
        }
        #expect(await eventually { fake.openWatchCount == 1 })
        fake.createPod(pod("a"))
        fake.injectRawWatchBytes(
            .pod,
            #"{"type":"ADDED","object":{"metadata":{"name":"bad","namespace":"default","resourceVersion":"9999"},"spec":{"containers":"nope"}}}"#
        )
        fake.createPod(pod("b"))
        fake.sendBookmarks()
        #expect(await eventually { events.withLock { $0.count } >= 4 })
        let seen = events.withLock { $0 }
        #expect(seen.compactMap { $0.object?.metadata.name } == ["a", "b"])
        // The undecodable pod advanced the resource version (as a bookmark) without being applied.
        #expect(seen.contains { $0.type == .bookmark && $0.resourceVersion == "9999" })
        #expect(seen.last?.type == .bookmark)
        #expect(logs.contains("default/bad"))
        let watchRequest = fake.requests.first { $0.query["watch"] == "true" }
        #expect(watchRequest?.query["allowWatchBookmarks"] == "true")
        #expect(watchRequest?.query["resourceVersion"] == list.resourceVersion)
        #expect(Int(watchRequest?.query["timeoutSeconds"] ?? "") != nil)
        task.cancel()
        await client.shutdown()
        await fake.stop()
    }

    @Test func aWatchFromACompactedVersionFailsWithGone() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try makeClient(fake)
        let list = try await client.list(.pod)
        fake.createPod(pod("a"))
        fake.compactHistory()
        var failure: ClusterError?
        do {
            for try await _ in client.watch(.pod, resourceVersion: list.resourceVersion) {}
        } catch let error as ClusterError {
            failure = error
        }
        #expect(failure?.code == .gone)
        #expect(failure?.message.contains("too old resource version") == true)
        await client.shutdown()
        await fake.stop()
    }

    @Test func bindingConflictsAndNotFoundMapToCodes() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try makeClient(fake)
        fake.createNode(node("n1"))
        fake.createPod(pod("a"))
        let uid = fake.pod("default/a")?.metadata.uid ?? ""
        try await client.bind(namespace: "default", name: "a", uid: uid, nodeName: "n1")
        #expect(fake.pod("default/a")?.nodeName == "n1")
        await #expect(
            throws: ClusterError(
                .conflict,
                "Operation cannot be fulfilled on pods/binding \"a\": pod a is already assigned to node \"n1\""
            )
        ) {
            try await client.bind(namespace: "default", name: "a", uid: uid, nodeName: "n1")
        }
        do {
            try await client.bind(namespace: "default", name: "missing", uid: "", nodeName: "n1")
            Issue.record("binding a missing pod succeeded")
        } catch {
            #expect(error.code == .notFound)
        }
        #expect(fake.bindings.count == 1)
        // This test binds `a` twice on purpose: the fake records the refused second attempt and flags it.
        #expect(fake.doublyBound == ["default/a"])
        let bindRequest = fake.requests.first { $0.path.hasSuffix("/binding") }
        #expect(bindRequest?.method == .POST)
        #expect(bindRequest?.path == "/api/v1/namespaces/default/pods/a/binding")
        #expect(bindRequest?.userAgent == "swift-kube-scheduler/test (client-test)")
        await client.shutdown()
        await fake.stop()
    }

    @Test func statusPatchesAreStrategicMergeAndSkippedWhenNothingChanges() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try makeClient(fake)
        fake.createPod(pod("a"))
        // The client learns the pod's status from list/watch.
        _ = try await client.list(.pod)
        let condition = PodCondition(
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/1 nodes are available: 1 Insufficient cpu."
        )
        try await client.patchPodStatus(
            namespace: "default",
            name: "a",
            patch: PodStatusPatch(condition: condition, nominatedNodeName: .set("n1"))
        )
        #expect(fake.statusPatches.count == 1)
        let stored = fake.pod("default/a")?.status
        #expect(stored?.nominatedNodeName == "n1")
        let written = stored?.conditions?.first { $0.type == "PodScheduled" }
        #expect(written?.reason == "Unschedulable")
        #expect(written?.lastTransitionTime != nil)
        // The same patch again changes nothing and is not sent.
        try await client.patchPodStatus(
            namespace: "default",
            name: "a",
            patch: PodStatusPatch(condition: condition, nominatedNodeName: .set("n1"))
        )
        #expect(fake.statusPatches.count == 1)
        // Clearing the nominated node sends an explicit null.
        try await client.patchPodStatus(
            namespace: "default",
            name: "a",
            patch: PodStatusPatch(nominatedNodeName: .clear)
        )
        #expect(fake.statusPatches.count == 2)
        #expect(fake.statusPatches.last?.body == #"{"status":{"nominatedNodeName":null}}"#)
        #expect(fake.pod("default/a")?.status?.nominatedNodeName == nil)
        await client.shutdown()
        await fake.stop()
    }

    @Test func eventsAreEventsV1AndRepeatsBecomeASeries() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try makeClient(fake)
        let event = SchedulingEvent(
            namespace: "default",
            podName: "a",
            type: "Warning",
            reason: "FailedScheduling",
            action: "Scheduling",
            note: "0/3 nodes are available: 3 Insufficient cpu.",
            reportingController: "swift-kube-scheduler"
        )
        await client.recordEvent(event)
        await client.recordEvent(event)
        await client.recordEvent(event)
        #expect(await eventually { fake.events.count == 1 && fake.eventPatchCount == 1 })
        let created = try #require(fake.events.first)
        #expect(created.apiVersion == "events.k8s.io/v1")
        #expect(created.reason == "FailedScheduling")
        #expect(created.action == "Scheduling")
        #expect(created.type == "Warning")
        #expect(created.note == "0/3 nodes are available: 3 Insufficient cpu.")
        #expect(created.reportingController == "swift-kube-scheduler")
        #expect(created.reportingInstance == "swift-kube-scheduler-test-host")
        #expect(
            created.regarding.kind == "Pod" && created.regarding.name == "a" && created.regarding.namespace == "default"
        )
        #expect(created.metadata.name.hasPrefix("a."))
        #expect(created.eventTime.hasSuffix("Z") && created.eventTime.count == 27)
        await client.shutdown()
        await fake.stop()
    }

    @Test func leasesUseOptimisticConcurrency() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try makeClient(fake)
        do {
            _ = try await client.getLease(namespace: "kube-system", name: "l")
            Issue.record("expected not found")
        } catch {
            #expect(error.code == .notFound)
        }
        let created = try await client.createLease(
            Lease(
                metadata: ObjectMeta(name: "l", namespace: "kube-system"),
                spec: LeaseSpec(holderIdentity: "me", leaseDurationSeconds: 15)
            )
        )
        var stale = created
        var fresh = created
        fresh.spec?.holderIdentity = "other"
        _ = try await client.updateLease(fresh)
        stale.spec?.holderIdentity = "me-again"
        do {
            _ = try await client.updateLease(stale)
            Issue.record("a stale update succeeded")
        } catch {
            #expect(error.code == .conflict)
        }
        #expect(fake.lease(namespace: "kube-system", name: "l")?.spec?.holderIdentity == "other")
        await client.shutdown()
        await fake.stop()
    }

    @Test func theRateLimitIsHonoured() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try makeClient(fake, qps: 5, burst: 2)
        let start = ContinuousClock.now
        for _ in 0..<7 { _ = try await client.list(.namespace) }
        let elapsed = ContinuousClock.now - start
        // Two at once, then one per 200 ms: at least 5 × 200 ms for seven requests.
        #expect(elapsed >= .milliseconds(950), "7 requests at 5 qps / burst 2 took \(elapsed)")
        let times = fake.requests.filter { $0.path == "/api/v1/namespaces" }.map(\.time)
        #expect(times.count == 7)
        if times.count == 7 {
            // As the server saw them: spread out too (1 s in theory; the first request may arrive late while
            // its connection is set up on a loaded machine, so allow generous jitter — unlimited would be ~ms).
            #expect(times[6] - times[0] >= .milliseconds(600))
        }
        await client.shutdown()
        await fake.stop()
    }

    @Test func tlsIsVerifiedAgainstTheConfiguredCA() async throws {
        let certificates = try NIOSSLCertificate.fromPEMBytes(Array(testCertificatePEM.utf8)).map {
            NIOSSLCertificateSource.certificate($0)
        }
        let key = try NIOSSLPrivateKey(bytes: Array(testPrivateKeyPEM.utf8), format: .pem)
        let context = try NIOSSLContext(
            configuration: .makeServerConfiguration(certificateChain: certificates, privateKey: .privateKey(key))
        )
        var quiet = Logger(label: "tls")
        quiet.logLevel = .critical
        let server = HTTPServer(host: "127.0.0.1", port: 0, tls: context, logger: quiet) { request in
            let auth = request.headers.first(name: "Authorization") ?? ""
            return .text(
                .ok,
                #"{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"\#(auth)"}}]}"#
            )
        }
        let port = try await server.start()
        func client(_ change: (inout ClientConfiguration) -> Void) throws -> KubernetesClient {
            var configuration = ClientConfiguration(server: "https://localhost:\(port)")
            configuration.bearerToken = "t0ken"
            // Generous: the TLS handshake is served once the test server's task runs, which a parallel test run
            // on two cores can hold up for seconds; the refusals below are TLS errors, not timeouts.
            configuration.connectTimeout = .seconds(15)
            change(&configuration)
            return KubernetesClient(rest: try RESTClient(configuration: configuration, logger: quiet), logger: quiet)
        }
        let trusted = try client { $0.certificateAuthorityPEM = Array(testCertificatePEM.utf8) }
        let list = try await trusted.list(.namespace)
        #expect(list.items.first?.metadata.name == "Bearer t0ken")
        await trusted.shutdown()

        let untrusted = try client { _ in }
        await #expect(throws: ClusterError.self) { _ = try await untrusted.list(.namespace) }
        await untrusted.shutdown()

        let insecure = try client { $0.insecureSkipTLSVerify = true }
        #expect(try await insecure.list(.namespace).resourceVersion == "7")
        await insecure.shutdown()

        let byIP = try client {
            $0.server = "https://127.0.0.1:\(port)"
            $0.certificateAuthorityPEM = Array(testCertificatePEM.utf8)
        }
        #expect(try await byIP.list(.namespace).resourceVersion == "7")
        await byIP.shutdown()
        await server.stop()
    }
}
