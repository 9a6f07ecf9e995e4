import Foundation
import SchedulerRuntime
import Simulator
import Testing

@testable import KubeTestSupport

/// `simulate` schedules through the loop and queue flush timers `run` and `bench` use (issue 11, point 4): the
/// scheduler's own counters show every cycle and every timer tick the simulated clock passed.
@Suite(.timeLimit(.minutes(3))) struct SimulateLoopTests {
    @Test func everyAttemptIsACycleOfTheSharedLoop() async throws {
        let manifests = node("n1", cpu: "1") + pod("a", cpu: "600m") + pod("b", cpu: "600m")
        let result = try await simulate(manifests)
        #expect(result.pods.map(\.status) == [.scheduled, .unschedulable], "\(result.pods)")
        // a and b once each; b's rejection is stale (nothing changed), so nothing retries it and no time passes.
        #expect(result.cycles == 2)
        #expect(result.queueTimerTicks == .init(backoff: 0, leftover: 0))
    }

    @Test func aPermitWaitPassesTheSharedTimersTicks() async throws {
        let config = try String(
            contentsOf: repositoryRoot.appendingPathComponent("profiles/gang.yaml"),
            encoding: .utf8
        ).replacingOccurrences(of: "podGroupRejectPercentage: 10", with: "podGroupRejectPercentage: 100")
        var manifests = node("n1", cpu: "1") + node("n2", cpu: "1")
        manifests += """
            apiVersion: scheduling.x-k8s.io/v1alpha1
            kind: PodGroup
            metadata: {name: job}
            spec: {minMember: 3, scheduleTimeoutSeconds: 45}
            ---

            """
        for index in 0..<3 {
            manifests += pod("job-\(index)", cpu: "1").replacingOccurrences(
                of: "  namespace: default",
                with: "  namespace: default\n  labels: {scheduling.x-k8s.io/pod-group: job}"
            )
        }
        let result = try await simulate(manifests, config: config)
        #expect(result.pods.allSatisfy { $0.status == .unschedulable }, "\(result.pods)")
        // Each pod tried twice: two members wait at Permit while the third finds no room, all time out at 45 s,
        // retry, and time out again at 90 s with nothing changed. The clock got there through every 1 s and 30 s
        // tick of the scheduler's own timers.
        #expect(result.cycles == 6)
        #expect(result.queueTimerTicks == .init(backoff: 90, leftover: 3), "\(result.queueTimerTicks)")
        let again = try await simulate(manifests, config: config)
        #expect(again.pods == result.pods)
        #expect(again.cycles == result.cycles && again.queueTimerTicks == result.queueTimerTicks)
    }
}
