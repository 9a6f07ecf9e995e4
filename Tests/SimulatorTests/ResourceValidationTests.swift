import Simulator
import Testing

/// A pod whose container resources the API server would refuse is reported as rejected with the API server's
/// message, never scheduled with a negative, misspelled or fractional request.
@Suite struct ResourceValidationTests {
    /// A pod with one container given as `resources` (a YAML flow mapping).
    private func pod(_ name: String, resources: String, initContainer: String? = nil) -> String {
        let initContainers = initContainer.map {
            "  initContainers:\n  - {name: setup, image: example.com/setup:1, resources: \($0)}\n"
        }
        return """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name), namespace: default}
            spec:
            \(initContainers ?? "")  containers:
              - {name: main, image: example.com/app:1, resources: \(resources)}
            ---

            """
    }

    private func message(_ resources: String, initContainer: String? = nil) async throws -> String? {
        let result = try await simulate(node("n1") + pod("p", resources: resources, initContainer: initContainer))
        let entry = try #require(outcome(result, "p"))
        return entry.status == .rejected ? entry.message : nil
    }

    @Test func aNegativeRequestIsRefused() async throws {
        #expect(
            try await message(#"{requests: {cpu: "-1"}}"#)
                == #"Pod "p" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: "-1": "#
                + "must be greater than or equal to 0"
        )
    }

    @Test func aRequestAboveItsLimitIsRefused() async throws {
        #expect(
            try await message("{requests: {memory: 2Gi}, limits: {memory: 1Gi}}")
                == #"Pod "p" is invalid: spec.containers[0].resources.requests: Invalid value: "2Gi": "#
                + "must be less than or equal to memory limit of 1Gi"
        )
    }

    /// A misspelt name fails both of upstream's name checks; the errors are listed together.
    @Test func aMisspeltResourceIsRefusedTwice() async throws {
        let path = "spec.containers[0].resources.requests[cpuu]"
        #expect(
            try await message("{requests: {cpuu: 1}}")
                == "Pod \"p\" is invalid: [\(path): Invalid value: \"cpuu\": must be a standard resource type or "
                + "fully qualified, \(path): Invalid value: \"cpuu\": must be a standard resource for containers]"
        )
    }

    /// Extended resources cannot be overcommitted: whole numbers, with a limit, and requests equal to it.
    @Test func extendedResourcesFollowUpstreamsRules() async throws {
        let path = "spec.containers[0].resources"
        #expect(
            try await message("{requests: {example.com/gpu: 1}}")
                == "Pod \"p\" is invalid: \(path).limits: Required value: Limit must be set for non overcommitable "
                + "resources"
        )
        #expect(
            try await message("{requests: {example.com/gpu: 1}, limits: {example.com/gpu: 2}}")
                == "Pod \"p\" is invalid: \(path).requests: Invalid value: \"1\": must be equal to example.com/gpu "
                + "limit of 2"
        )
        #expect(
            try await message("{limits: {example.com/gpu: 500m}}")
                == "Pod \"p\" is invalid: [\(path).limits[example.com/gpu]: Invalid value: \"500m\": must be an "
                + "integer, \(path).requests[example.com/gpu]: Invalid value: \"500m\": must be an integer]"
        )
    }

    @Test func initContainersAreCheckedToo() async throws {
        #expect(
            try await message("{requests: {cpu: 100m}}", initContainer: #"{limits: {memory: "-1Mi"}}"#)
                == #"Pod "p" is invalid: [spec.initContainers[0].resources.limits[memory]: Invalid value: "-1Mi": "#
                + #"must be greater than or equal to 0, spec.initContainers[0].resources.requests[memory]: "#
                + #"Invalid value: "-1Mi": must be greater than or equal to 0]"#
        )
    }

    /// What the API server accepts stays accepted: a limit alone (the request defaults to it), hugepages, extended
    /// resources given as limits, and requests at or below their limits.
    @Test func validResourcesAreScheduled() async throws {
        for resources in [
            "{limits: {cpu: 500m, memory: 1Gi}}", "{requests: {cpu: 250m}, limits: {cpu: 500m}}",
            "{limits: {hugepages-2Mi: 4Mi, memory: 1Gi}}", "{limits: {example.com/gpu: 1}}",
            "{requests: {ephemeral-storage: 1Gi}}",
        ] {
            let result = try await simulate(node("n1") + pod("p", resources: resources))
            #expect(outcome(result, "p")?.status != .rejected, "\(resources): \(outcome(result, "p")?.message ?? "")")
        }
    }
}
