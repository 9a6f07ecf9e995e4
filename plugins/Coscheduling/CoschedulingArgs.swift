import SchedulerFramework

/// `CoschedulingArgs` as kubernetes-sigs/scheduler-plugins defines them (`apis/config`), with its defaults.
package struct CoschedulingArgs: PluginArgs, Equatable {
    /// How long assumed members wait at Permit for the rest of their group, unless the PodGroup sets
    /// `scheduleTimeoutSeconds`. Default 60.
    package var permitWaitingTimeSeconds: Int64
    /// How long a group that failed is kept out (PreFilter rejects its pods). Default 0: no backoff.
    package var podGroupBackoffSeconds: Int64
    /// PostFilter leaves the group's waiting pods alone while the share of members still missing is at most
    /// this percentage of `minMember`. Default 10.
    package var podGroupRejectPercentage: Int32

    package init(
        permitWaitingTimeSeconds: Int64 = 60,
        podGroupBackoffSeconds: Int64 = 0,
        podGroupRejectPercentage: Int32 = 10
    ) {
        self.permitWaitingTimeSeconds = permitWaitingTimeSeconds
        self.podGroupBackoffSeconds = podGroupBackoffSeconds
        self.podGroupRejectPercentage = podGroupRejectPercentage
    }

    package static var defaults: CoschedulingArgs { CoschedulingArgs() }

    enum CodingKeys: String, CodingKey {
        case permitWaitingTimeSeconds, podGroupBackoffSeconds, podGroupRejectPercentage
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        permitWaitingTimeSeconds = try c.decodeIfPresent(Int64.self, forKey: .permitWaitingTimeSeconds) ?? 60
        podGroupBackoffSeconds = try c.decodeIfPresent(Int64.self, forKey: .podGroupBackoffSeconds) ?? 0
        podGroupRejectPercentage = try c.decodeIfPresent(Int32.self, forKey: .podGroupRejectPercentage) ?? 10
    }

    /// scheduler-plugins' `ValidateCoschedulingArgs` (its messages, first problem only).
    package func validate() throws(PluginArgsError) {
        if permitWaitingTimeSeconds < 0 {
            throw PluginArgsError(
                field: "permitWaitingTimeSeconds",
                "Invalid value: \(permitWaitingTimeSeconds): must be greater than 0"
            )
        }
        if podGroupBackoffSeconds < 0 {
            throw PluginArgsError(
                field: "podGroupBackoffSeconds",
                "Invalid value: \(podGroupBackoffSeconds): must be greater than 0"
            )
        }
        if podGroupRejectPercentage < 0 || podGroupRejectPercentage > 100 {
            throw PluginArgsError(
                field: "podGroupRejectPercentage",
                "Invalid value: \(podGroupRejectPercentage): must be between 0 and 100"
            )
        }
    }
}
