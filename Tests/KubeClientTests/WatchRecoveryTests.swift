import Foundation
import KubeAPI
import KubeClient
import SchedulerFramework
import SchedulerServer
import Synchronization
import Testing

@testable import KubeTestSupport

/// A client over the fake server with its own tunables.
private func client(
    _ fake: FakeAPIServer,
    logs: LogCapture = LogCapture(),
    configure: (inout KubernetesClient.Options) -> Void = { _ in }
) throws -> KubernetesClient {
    var configuration = fakeClientConfiguration(fake)
    configuration.userAgent = "swift-kube-scheduler/test (watch-test)"
    var options = KubernetesClient.Options()
    configure(&options)
    return KubernetesClient(
        rest: try RESTClient(configuration: configuration, logger: logs.logger("client")),
        logger: logs.logger("client"),
        options: options
    )
}

/// Collects one watch stream: its events and how it ended.
private final class WatchLog: Sendable {
    let events = Mutex<[WatchEvent]>([])
    let ending = Mutex<String?>(nil)

    func run(_ stream: AsyncThrowingStream<WatchEvent, any Error>) -> Task<Void, Never> {
        Task {
            do {
                for try await event in stream { events.withLock { $0.append(event) } }
                ending.withLock { $0 = "finished" }
            } catch let error as ClusterError {
                ending.withLock { $0 = "\(error.code): \(error.message)" }
            } catch {
                ending.withLock { $0 = "\(error)" }
            }
        }
    }

    var names: [String] { events.withLock { $0.compactMap { $0.object?.metadata.name } } }
    var ended: String? { ending.withLock { $0 } }
}

/// Watch streams against hostile input (issue 14, point 1).
@Suite(.timeLimit(.minutes(2))) struct WatchRecoveryTests {
    /// A value the server never finished, a raw line break inside a string, and plain garbage.
    static let corruptFrames = [
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":",
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"line\nbreak\",\"namespace\":\"default\"}}}",
        "<html>502 Bad Gateway</html>",
    ]

    @Test(arguments: corruptFrames)
    func aMalformedFrameEndsTheWatch(frame: String) async throws {
        let fake = try await FakeAPIServer.start()
        let logs = LogCapture()
        let client = try client(fake, logs: logs)
        let list = try await client.list(.pod)
        let log = WatchLog()
        let task = log.run(client.watch(.pod, resourceVersion: list.resourceVersion))
        #expect(await eventually { fake.openWatchCount == 1 })
        fake.createPod(pod("before"))
        #expect(await eventually { log.names == ["before"] })
        fake.injectRawWatchBytes(.pod, frame)
        fake.createPod(pod("after"))
        // The stream ends at the bad frame (the informer re-watches from "before"), it does not swallow "after"
        // into the broken value nor skip the frame and carry on.
        #expect(await eventually { log.ended != nil })
        #expect(log.ended?.hasPrefix("Unavailable") == true)
        #expect(log.names == ["before"])
        #expect(logs.contains("malformed frame"))
        task.cancel()
        await client.shutdown()
        await fake.stop()
    }

    @Test func aValueCutShortIsReturnedAtTheLineBreak() {
        var splitter = JSONStreamSplitter(newlineDelimited: true)
        let text = "{\"a\":{\"b\":\n{\"c\":1}\n"
        let values = splitter.append(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(values == ["{\"a\":{\"b\":", "{\"c\":1}"])
        // Without line framing the cut value swallows the next one (pretty-printed JSON stays supported).
        var plain = JSONStreamSplitter()
        #expect(plain.append(Array(text.utf8)).isEmpty)
    }

    @Test func silentWatchIsEndedAfterTheIdleDeadline() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try client(fake) { $0.watchIdleTimeout = .milliseconds(400) }
        let list = try await client.list(.pod)
        let log = WatchLog()
        let task = log.run(client.watch(.pod, resourceVersion: list.resourceVersion))
        #expect(await eventually { fake.openWatchCount == 1 })
        fake.silenceWatches()
        fake.createPod(pod("unseen"))
        #expect(await eventually { log.ended != nil })
        #expect(log.ended?.contains("no data") == true)
        #expect(log.names.isEmpty)
        task.cancel()
        await client.shutdown()
        await fake.stop()
    }

    @Test func watchesAskForARandomTimeoutAsClientGoDoes() async throws {
        let fake = try await FakeAPIServer.start()
        let client = try client(fake)
        func watchRequests() -> Int { fake.requests.filter { $0.query["watch"] == "true" }.count }
        for i in 0..<12 {
            let log = WatchLog()
            let task = log.run(client.watch(.node, resourceVersion: "0"))
            #expect(await eventually { watchRequests() == i + 1 })
            task.cancel()
            await task.value
        }
        let timeouts = fake.requests.filter { $0.query["watch"] == "true" }.compactMap {
            Int($0.query["timeoutSeconds"] ?? "")
        }
        #expect(timeouts.count == 12)
        // client-go: minWatchTimeout (5 min) × (1 + rand[0,1)).
        #expect(timeouts.allSatisfy { (300..<600).contains($0) })
        #expect(Set(timeouts).count > 1)
        await client.shutdown()
        await fake.stop()
    }

    // MARK: Through the scheduler

    @Test(arguments: corruptFrames)
    func schedulingContinuesAfterAMalformedFrame(frame: String) async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("first"))
        let runner = try makeRunner(fake, identity: "sched-a")
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/first"]) })
        #expect(await eventually { fake.openWatchCount == watchedKindCount })
        fake.injectRawWatchBytes(.pod, frame)
        // Created right after the bad frame: the old splitter folded their frames into the broken value.
        let keys = (0..<5).map { "default/next\($0)" }
        for i in 0..<5 { fake.createPod(pod("next\(i)")) }
        #expect(await eventually(timeout: .seconds(20)) { allBound(fake, keys) })
        #expect(fake.doublyBound.isEmpty)
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test func schedulingResumesWhenAWatchGoesSilent() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("first"))
        let runner = try makeRunner(fake, identity: "sched-a") { $0.clientOptions.watchIdleTimeout = .seconds(1) }
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/first"]) })
        #expect(await eventually { fake.openWatchCount == watchedKindCount })
        fake.silenceWatches()
        fake.createPod(pod("second"))
        #expect(await eventually(timeout: .seconds(20)) { allBound(fake, ["default/second"]) })
        #expect(fake.doublyBound.isEmpty)
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }
}
