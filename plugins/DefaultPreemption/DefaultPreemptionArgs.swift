import SchedulerFramework

/// `DefaultPreemptionArgs`: how many nodes a preemption dry run must shortlist.
package struct DefaultPreemptionArgs: PluginArgs, Equatable {
    /// Percentage of nodes to dry-run, at least ``minCandidateNodesAbsolute``. Default 10.
    package var minCandidateNodesPercentage: Int32
    /// Minimum number of candidate nodes. Default 100.
    package var minCandidateNodesAbsolute: Int32

    package init(minCandidateNodesPercentage: Int32 = 10, minCandidateNodesAbsolute: Int32 = 100) {
        self.minCandidateNodesPercentage = minCandidateNodesPercentage
        self.minCandidateNodesAbsolute = minCandidateNodesAbsolute
    }

    package static var defaults: DefaultPreemptionArgs { DefaultPreemptionArgs() }

    enum CodingKeys: String, CodingKey { case minCandidateNodesPercentage, minCandidateNodesAbsolute }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minCandidateNodesPercentage = try c.decodeIfPresent(Int32.self, forKey: .minCandidateNodesPercentage) ?? 10
        minCandidateNodesAbsolute = try c.decodeIfPresent(Int32.self, forKey: .minCandidateNodesAbsolute) ?? 100
    }

    /// Upstream's `ValidateDefaultPreemptionArgs`.
    package func validate() throws(PluginArgsError) {
        if minCandidateNodesPercentage < 0 || minCandidateNodesPercentage > 100 {
            throw PluginArgsError(
                field: "minCandidateNodesPercentage",
                "Invalid value: \(minCandidateNodesPercentage): not in valid range [0, 100]"
            )
        }
        if minCandidateNodesAbsolute < 0 {
            throw PluginArgsError(
                field: "minCandidateNodesAbsolute",
                "Invalid value: \(minCandidateNodesAbsolute): not in valid range [0, inf)"
            )
        }
        if minCandidateNodesPercentage == 0 && minCandidateNodesAbsolute == 0 {
            throw PluginArgsError(
                field: "minCandidateNodesPercentage",
                "Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute"
            )
        }
    }
}
