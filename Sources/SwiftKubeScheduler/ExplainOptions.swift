import ArgumentParser
import SchedulerConfig
import Simulator

/// `simulate --explain [--pod NS/NAME] [--score-all-nodes]`.
struct ExplainOptions: ParsableArguments {
    @Flag(
        name: .long,
        help:
            "Explain each pending pod's scheduling: every node's Filter verdict, Score plugin scores, the selection, preemption, and verified changes that would make an unschedulable pod fit."
    )
    var explain = false

    @Option(name: .long, help: "With --explain: explain only this pod (NAMESPACE/NAME).")
    var pod: String?

    @Flag(
        name: .customLong("score-all-nodes"),
        help: "Score every feasible node (percentageOfNodesToScore 100 for the run, every profile)."
    )
    var scoreAllNodes = false

    @Option(name: .long, help: "With --explain: write a self-contained HTML page of the explanations to this file.")
    var html: String?

    func validate() throws {
        if pod != nil && !explain { throw ValidationError("--pod needs --explain") }
        if html != nil && !explain { throw ValidationError("--html needs --explain") }
        if let pod, pod.split(separator: "/", omittingEmptySubsequences: false).count != 2 {
            throw ValidationError("--pod takes NAMESPACE/NAME, got \"\(pod)\"")
        }
    }

    var request: ExplainRequest? { explain ? ExplainRequest(pod: pod) : nil }

    func apply(to configuration: inout SchedulerConfiguration) throws {
        guard scoreAllNodes else { return }
        configuration.percentageOfNodesToScore = 100
        for index in configuration.profiles.indices { configuration.profiles[index].percentageOfNodesToScore = nil }
    }

    func writeHTML(_ result: SimulationResult) throws {
        guard let html else { return }
        try ExplainHTML.write(result.explanations, order: result.pods.map { ($0.namespace, $0.name) }, to: html)
    }

    func text(_ result: SimulationResult) -> String {
        let table = SimulationReport.text(result)
        guard explain else { return table }
        let explained = ExplainText.render(result.explanations, order: result.pods)
        return explained.isEmpty ? table : table + "\n\n" + explained
    }
}
