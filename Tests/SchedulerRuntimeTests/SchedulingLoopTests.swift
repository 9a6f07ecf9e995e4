import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerTesting
import Synchronization
import Testing

@testable import SchedulerRuntime

/// `Scheduler.run()`, the loop `run` and `bench` share: cycles run on the loop's own thread, never on Swift's
/// cooperative pool, and the loop ends when its task is cancelled or the queue closes (issue 11, point 4).
@Suite(.timeLimit(.minutes(1))) struct SchedulingLoopTests {
    /// Records, for each PreFilter, whether it ran inside a Swift task (on the cooperative pool) or on a plain
    /// thread. (Thread names are no help: Foundation on Linux can report a pool thread's name for another thread.)
    final class ThreadRecorder: SchedulerInstrumentation {
        let insideTask = Mutex<[Bool]>([])
        func extensionPointFinished(_ point: ExtensionPoint, profile: String, status: Status.Code, duration: Duration) {
            guard point == .preFilter else { return }
            let inTask = withUnsafeCurrentTask { $0 != nil }
            insideTask.withLock { $0.append(inTask) }
        }
    }

    private func setUp(
        instrumentation: any SchedulerInstrumentation = NoInstrumentation()
    ) async throws -> (Scheduler, EmbeddedCluster, Informers) {
        let registry = makeInTreeRegistry()
        let configuration = try ConfigurationLoader.load(
            contents: "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n",
            source: "test.yaml",
            registry: registry
        )
        let cluster = EmbeddedCluster()
        let scheduler = try Scheduler(
            configuration: configuration,
            registry: registry,
            client: cluster,
            instrumentation: instrumentation
        )
        try cluster.create(.node(NodeBuilder("n1").capacity(["cpu": "8", "memory": "8Gi", "pods": "110"]).build()))
        let informers = Informers(client: cluster, scheduler: scheduler)
        try await informers.start()
        return (scheduler, cluster, informers)
    }

    private func bound(_ cluster: EmbeddedCluster, _ names: [String]) -> Bool {
        names.allSatisfy { !(cluster.pod(namespace: "default", name: $0)?.nodeName ?? "").isEmpty }
    }

    private func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<1500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func cyclesRunOnTheLoopsOwnThreadOutsideAnyTask() async throws {
        let recorder = ThreadRecorder()
        let (scheduler, cluster, informers) = try await setUp(instrumentation: recorder)
        let run = Task { await scheduler.run() }
        let names = (0..<5).map { "p\($0)" }
        for name in names { try cluster.create(.pod(PodBuilder(name).container(["cpu": "100m"]).build())) }
        #expect(await eventually { bound(cluster, names) })
        let cycles = recorder.insideTask.withLock { $0 }
        #expect(cycles.count == names.count)
        #expect(cycles.allSatisfy { !$0 }, "cycles run inside a task: \(cycles)")
        #expect(scheduler.cycles.load(ordering: .relaxed) == names.count)
        scheduler.queue.close()
        await run.value
        informers.stop()
    }

    @Test func theRunFiresTheQueueFlushTimersOnRealTime() async throws {
        let (scheduler, _, informers) = try await setUp()
        let run = Task { await scheduler.run() }
        #expect(await eventually { scheduler.queueTimers.ticks.backoff >= 2 })
        run.cancel()
        await run.value
        informers.stop()
    }

    @Test func cancellingTheRunEndsAnIdleLoopAndLeavesTheQueueOpen() async throws {
        let (scheduler, cluster, informers) = try await setUp()
        let run = Task { await scheduler.run() }
        try cluster.create(.pod(PodBuilder("first").container(["cpu": "100m"]).build()))
        #expect(await eventually { bound(cluster, ["first"]) })
        // The loop is now blocked waiting for a pod; cancelling must wake and end it.
        let ended = Mutex(false)
        Task {
            run.cancel()
            await run.value
            ended.withLock { $0 = true }
        }
        #expect(await eventually { ended.withLock { $0 } })
        #expect(!scheduler.queue.isClosed)
        // A new run picks up where the old one stopped.
        let again = Task { await scheduler.run() }
        try cluster.create(.pod(PodBuilder("second").container(["cpu": "100m"]).build()))
        #expect(await eventually { bound(cluster, ["second"]) })
        scheduler.queue.close()
        await again.value
        informers.stop()
    }
}
