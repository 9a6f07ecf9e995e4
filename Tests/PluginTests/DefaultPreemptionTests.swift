import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import DefaultPreemptionPlugin

private func plugin(_ args: DefaultPreemptionArgs = DefaultPreemptionArgs()) throws -> DefaultPreemption {
    try DefaultPreemption(args: args, handle: FakeHandle())
}

private func victim(
    _ name: String,
    priority: Int32,
    start: String? = "2024-01-01T00:00:00Z",
    labels: [String: String] = [:],
    namespace: String = "default"
) -> PodInfo {
    var pod = PodBuilder(name, namespace: namespace).priority(priority).labels(labels).build()
    pod.status = PodStatus(phase: "Running", startTime: start)
    return PodInfo(pod)
}

private func candidate(_ node: String, _ victims: [PodInfo], violations: Int = 0) -> DefaultPreemption.Candidate {
    DefaultPreemption.Candidate(nodeName: node, victims: victims, pdbViolations: violations)
}

@Suite struct DefaultPreemptionTests {
    @Test func argsDefaultAndValidateLikeUpstream() throws {
        let defaults = try decodeArgs(DefaultPreemptionArgs.self, "{}")
        #expect(defaults == DefaultPreemptionArgs(minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100))
        #expect(
            throws: PluginArgsError(
                field: "minCandidateNodesPercentage",
                "Invalid value: 101: not in valid range [0, 100]"
            )
        ) {
            try DefaultPreemptionArgs(minCandidateNodesPercentage: 101).validate()
        }
        #expect(
            throws: PluginArgsError(
                field: "minCandidateNodesAbsolute",
                "Invalid value: -1: not in valid range [0, inf)"
            )
        ) {
            try DefaultPreemptionArgs(minCandidateNodesAbsolute: -1).validate()
        }
        #expect(
            throws: PluginArgsError(
                field: "minCandidateNodesPercentage",
                "Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute"
            )
        ) {
            try DefaultPreemptionArgs(minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0).validate()
        }
    }

    @Test(arguments: [(10, 100, 50, 50), (10, 100, 1000, 100), (10, 100, 5000, 500), (0, 5, 1000, 5), (40, 0, 10, 4)])
    func candidateCountIsPercentageWithAnAbsoluteFloorCappedAtNodes(
        percentage: Int32,
        absolute: Int32,
        nodes: Int,
        expected: Int
    ) throws {
        let preemption = try plugin(
            DefaultPreemptionArgs(minCandidateNodesPercentage: percentage, minCandidateNodesAbsolute: absolute)
        )
        #expect(preemption.candidateCount(numNodes: nodes) == expected)
    }

    @Test func moreImportantMeansHigherPriorityThenLongerRunning() {
        let older = victim("older", priority: 5, start: "2024-01-01T00:00:00Z")
        let newer = victim("newer", priority: 5, start: "2024-06-01T00:00:00Z")
        let notStarted = victim("pending", priority: 5, start: nil)
        let higher = victim("higher", priority: 6, start: "2025-01-01T00:00:00Z")
        let sorted = [notStarted, newer, higher, older].sorted(by: DefaultPreemption.moreImportant).map(\.name)
        #expect(sorted == ["higher", "older", "newer", "pending"])
    }

    // pickOneNodeForPreemption: each criterion decides only when the earlier ones tie.

    @Test func fewestPDBViolationsWinsFirst() throws {
        let chosen = try plugin().select([
            candidate("violating", [victim("a", priority: 1)], violations: 1),
            candidate("clean", [victim("b", priority: 9), victim("c", priority: 9)], violations: 0),
        ])
        #expect(chosen?.nodeName == "clean")
    }

    @Test func thenLowestHighestVictimPriority() throws {
        let chosen = try plugin().select([
            candidate("high", [victim("a", priority: 9)]),
            candidate("low", [victim("b", priority: 3), victim("c", priority: 3), victim("d", priority: 3)]),
        ])
        #expect(chosen?.nodeName == "low")
    }

    @Test func thenSmallestSumOfPriorities() throws {
        let chosen = try plugin().select([
            candidate("more", [victim("a", priority: 5), victim("b", priority: 4)]),
            candidate("less", [victim("c", priority: 5), victim("d", priority: 1)]),
        ])
        #expect(chosen?.nodeName == "less")
    }

    @Test func sumCountsNegativePrioritiesSoFewerPodsWin() throws {
        // Σ(priority + 2^31): two pods at -10 weigh more than one pod at -10.
        let chosen = try plugin().select([
            candidate("two", [victim("a", priority: -10), victim("b", priority: -10)]),
            candidate("one", [victim("c", priority: -10)]),
        ])
        #expect(chosen?.nodeName == "one")
    }

    @Test func thenFewestVictims() throws {
        // Same highest priority and same sum: 4 = 4, but one victim beats two.
        let chosen = try plugin().select([
            candidate("two", [victim("a", priority: 2), victim("b", priority: 2)]),
            candidate("one", [victim("c", priority: 2)]),
        ])
        #expect(chosen?.nodeName == "one")
    }

    @Test func thenLatestStartOfTheHighestPriorityVictims() throws {
        let chosen = try plugin().select([
            candidate("old", [victim("a", priority: 2, start: "2023-01-01T00:00:00Z")]),
            candidate("young", [victim("b", priority: 2, start: "2024-03-01T10:00:00Z")]),
        ])
        #expect(chosen?.nodeName == "young")
    }

    @Test func thenTheFirstCandidate() throws {
        let chosen = try plugin().select([
            candidate("first", [victim("a", priority: 2)]), candidate("second", [victim("b", priority: 2)]),
        ])
        #expect(chosen?.nodeName == "first")
    }

    @Test func budgetsSplitVictimsInOrder() throws {
        let budget = DefaultPreemption.Budget(
            namespace: "default",
            selector: try Selector(LabelSelector(matchLabels: ["app": "db"])),
            allowed: 1,
            disrupted: ["db-2"]
        )
        let pods = [
            victim("db-0", priority: 1, labels: ["app": "db"]),  // uses the one allowed disruption
            victim("db-1", priority: 1, labels: ["app": "db"]),  // would exceed it
            victim("db-2", priority: 1, labels: ["app": "db"]),  // already being disrupted: not counted
            victim("web", priority: 1, labels: ["app": "web"]),  // not selected
            victim("bare", priority: 1),  // no labels never violate
            victim("db-other", priority: 1, labels: ["app": "db"], namespace: "other"),  // other namespace
        ]
        let (violating, nonViolating) = DefaultPreemption.splitByBudgetViolation(pods, budgets: [budget])
        #expect(violating.map(\.name) == ["db-1"])
        #expect(nonViolating.map(\.name) == ["db-0", "db-2", "web", "bare", "db-other"])
    }

    @Test func emptyBudgetSelectorMatchesNothing() {
        let budget = DefaultPreemption.Budget(namespace: "default", selector: .everything, allowed: 0, disrupted: [])
        let (violating, _) = DefaultPreemption.splitByBudgetViolation(
            [victim("a", priority: 1, labels: ["x": "y"])],
            budgets: [budget]
        )
        #expect(violating.isEmpty)
    }

    @Test func preEnqueueHoldsNothingByDefault() throws {
        #expect(try plugin().preEnqueue(PodBuilder("p").info()).isSuccess)
    }
}

extension Pod {
    func with(_ change: (inout Pod) -> Void) -> Pod {
        var copy = self
        change(&copy)
        return copy
    }
}
