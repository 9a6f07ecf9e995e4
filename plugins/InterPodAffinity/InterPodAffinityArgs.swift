import KubeAPI
import SchedulerFramework

/// `InterPodAffinityArgs` (kubescheduler.config.k8s.io/v1).
///
/// Decoding applies upstream's v1 defaulting: a missing `hardPodAffinityWeight` is 1 and a missing
/// `ignorePreferredTermsOfExistingPods` is false.
package struct InterPodAffinityArgs: PluginArgs, Equatable {
    /// The score an existing pod's *required* affinity term adds when the incoming pod matches it, `0...100`.
    package var hardPodAffinityWeight: Int32
    /// Score only by the incoming pod's preferred terms: existing pods' terms are not looked at when the
    /// incoming pod has no preferred (anti-)affinity.
    package var ignorePreferredTermsOfExistingPods: Bool

    /// Args with the given values, taken as given.
    package init(hardPodAffinityWeight: Int32 = 1, ignorePreferredTermsOfExistingPods: Bool = false) {
        self.hardPodAffinityWeight = hardPodAffinityWeight
        self.ignorePreferredTermsOfExistingPods = ignorePreferredTermsOfExistingPods
    }

    /// `hardPodAffinityWeight: 1`, `ignorePreferredTermsOfExistingPods: false`.
    package static var defaults: InterPodAffinityArgs { InterPodAffinityArgs() }

    enum CodingKeys: String, CodingKey { case hardPodAffinityWeight, ignorePreferredTermsOfExistingPods }

    /// Decodes the args, filling missing fields with their defaults.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hardPodAffinityWeight = try c.decodeIfPresent(Int32.self, forKey: .hardPodAffinityWeight) ?? 1
        ignorePreferredTermsOfExistingPods =
            try c.decodeIfPresent(Bool.self, forKey: .ignorePreferredTermsOfExistingPods) ?? false
    }

    /// Upstream's `ValidateInterPodAffinityArgs`: the weight must lie in `[0, 100]`.
    package func validate() throws(PluginArgsError) {
        if hardPodAffinityWeight < 0 || hardPodAffinityWeight > 100 {
            throw PluginArgsError(
                field: "hardPodAffinityWeight",
                "Invalid value: \(hardPodAffinityWeight): not in valid range [0, 100]"
            )
        }
    }
}
