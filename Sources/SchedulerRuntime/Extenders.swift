import HTTPExtender
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import Synchronization

/// Where the scheduling and binding cycles consult HTTP extenders (upstream `schedule_one.go`:
/// `findNodesThatPassExtenders`, the extender part of `prioritizeNodes`, `extendersBinding`).
extension Scheduler {
    /// The extenders of `configuration`, in order.
    static func makeExtenders(_ configuration: SchedulerConfiguration) throws(ConfigurationError) -> [any Extender] {
        var extenders: [any Extender] = []
        for config in configuration.extenders { extenders.append(try HTTPExtender(config)) }
        return extenders
    }

    /// Whether an extender filters (then the cycle looks for more than one feasible node even without scoring).
    var hasExtenderFilters: Bool { extenders.contains { $0.isFilter } }

    /// Whether the cycle scores: Score plugins or a prioritizing extender.
    func hasScoring(_ framework: ProfileFramework) -> Bool {
        framework.hasScorePlugins || extenders.contains { $0.isPrioritizer }
    }

    /// `findNodesThatPassExtenders`: each interested extender, in order, narrows the feasible nodes; its rejections
    /// are recorded (FailedAndUnresolvableNodes win over FailedNodes). An error fails the cycle unless the extender
    /// is ignorable. When nodes were removed, the pseudo-plugin `Extender` joins the rejectors, so any cluster
    /// event requeues the pod.
    func findNodesThatPassExtenders(
        pod: Pod,
        feasible: [Int],
        snapshot: Snapshot,
        diagnosis: inout Diagnosis
    ) -> Result<[Int], StatusFailure> {
        guard !extenders.isEmpty else { return .success(feasible) }
        var nodes = feasible
        for extender in extenders {
            if nodes.isEmpty { break }
            guard extender.isInterested(pod) else { continue }
            let outcome: ExtenderFilterOutcome
            do {
                outcome = try extender.filter(pod: pod, nodes: nodes.map { snapshot.nodes[$0] })
            } catch {
                if extender.isIgnorable { continue }
                return .failure(StatusFailure(.error(error.description)))
            }
            for (node, message) in outcome.failedAndUnresolvable {
                diagnosis.nodeToStatus.set(Status(.unschedulableAndUnresolvable, message), for: node)
            }
            for (node, message) in outcome.failed where outcome.failedAndUnresolvable[node] == nil {
                diagnosis.nodeToStatus.set(Status(.unschedulable, message), for: node)
            }
            nodes = outcome.nodeNames.compactMap { snapshot.indexByName[$0] }
        }
        if nodes.count != feasible.count { diagnosis.unschedulablePlugins.insert(ExtenderName.value) }
        return .success(nodes)
    }

    /// Each interested extender's scores, scaled from 0…10 to 0…100 and weighted, summed per node (extenders are
    /// asked in parallel; one that fails simply adds nothing). nil when no extender is interested.
    func extenderScores(pod: Pod, nodes: NodeList) -> [Int64]? {
        let interested = extenders.filter { $0.isInterested(pod) }
        guard !interested.isEmpty else { return nil }
        let infos = Array(nodes)
        let position = Dictionary(infos.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        let totals = Mutex([Int64](repeating: 0, count: infos.count))
        let scale = NodeScoreRange.max / ExtenderPriority.max
        Parallel.forEachChunk(count: interested.count, parallelism: interested.count) { range in
            for index in range {
                guard let (scores, weight) = try? interested[index].prioritize(pod: pod, nodes: infos) else {
                    continue
                }
                totals.withLock { totals in
                    for entry in scores {
                        guard let slot = position[entry.host] else { continue }
                        totals[slot] += entry.score * weight * scale
                    }
                }
            }
        }
        return totals.withLock { $0 }
    }

    /// `extendersBinding`: the first interested binder extender binds the pod (an ignorable one that fails passes
    /// the turn to the next). nil when no extender bound it, so the Bind plugins run.
    func bindThroughExtender(pod: Pod, nodeName: String) async -> Status? {
        for extender in extenders where extender.isBinder && extender.isInterested(pod) {
            do {
                try await extender.bind(pod: pod, nodeName: nodeName)
                return .success
            } catch {
                if extender.isIgnorable { continue }
                return .error(error.description)
            }
        }
        return nil
    }
}
