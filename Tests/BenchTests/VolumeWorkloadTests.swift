import Foundation
import Testing

@testable import Bench

/// The built-in volume workloads run with VolumeBinding.
@Suite(.serialized) struct VolumeWorkloadTests {
    private func builtIn(_ name: String, variant: String) throws -> ResolvedWorkload {
        let testCase = try #require(try WorkloadLibrary.testCases().first { $0.name == name })
        let workload = try #require(testCase.workloads.first { $0.name == variant })
        return try WorkloadFileParser.resolve(testCase, workload: workload)
    }

    /// Every pod has one WaitForFirstConsumer claim and each node 4 local PVs: VolumeBinding places the pods,
    /// PreBind binds each claim to a PV on the pod's node.
    @Test(.timeLimit(.minutes(2))) func localVolumesWorkload() async throws {
        let result = try await runQuietly(try builtIn("SchedulingLocalPVs", variant: "5Nodes"))
        #expect(result.measuredPods == 10)
        #expect(result.scheduled == 10)
        #expect(result.unschedulable == 0)
        #expect(result.extensionPoints.contains { $0.name == "PreBind" && $0.seconds > 0 })
        #expect(!result.notes.contains { $0.contains("VolumeBinding") })
    }

    @Test(.timeLimit(.minutes(2))) func csiVolumesWorkload() async throws {
        let result = try await runQuietly(try builtIn("SchedulingCSIPVs", variant: "5Nodes"))
        #expect(result.scheduled == 10)
        #expect(!result.notes.contains { $0.contains("VolumeBinding") })
    }
}
