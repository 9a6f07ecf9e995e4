import InTreePlugins
import SchedulerConfig
import Testing

@testable import SchedulerRuntime

/// Shutdown waits for in-flight work within a grace period: the wait must give up when its task is cancelled,
/// or a binding that never ends would hold the process (and a task group around the wait) forever.
@Suite(.timeLimit(.minutes(1))) struct InFlightWorkTests {
    private func makeScheduler() throws -> Scheduler {
        let registry = makeInTreeRegistry()
        let configuration = try ConfigurationLoader.load(
            contents: "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n",
            source: "test.yaml",
            registry: registry
        )
        return try Scheduler(configuration: configuration, registry: registry, client: EmbeddedCluster())
    }

    @Test func aCancelledWaitReturnsWhileWorkIsStillRunning() async throws {
        let scheduler = try makeScheduler()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        scheduler.track {
            for await _ in release {}
        }
        #expect(scheduler.inFlightWorkCount == 1)
        let waiter = Task { await scheduler.waitForInFlightWork() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await waiter.value  // returns: the work is still running
        #expect(scheduler.inFlightWorkCount == 1)
        releaseContinuation.finish()
        await scheduler.waitForInFlightWork()
        #expect(scheduler.inFlightWorkCount == 0)
    }

    @Test func aWaitCancelledBeforeItStartsReturnsAtOnce() async throws {
        let scheduler = try makeScheduler()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        scheduler.track {
            for await _ in release {}
        }
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await scheduler.waitForInFlightWork()
        }
        await waiter.value
        releaseContinuation.finish()
    }
}
