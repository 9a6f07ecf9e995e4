import KubeAPI
import SchedulerFramework

extension DefaultPreemption {
    /// Upstream's `callExtenders`: every interested extender with a preempt verb narrows the candidates and may
    /// change their victims. An error fails preemption unless the extender is ignorable; a node left without
    /// victims is an error too (an ignorable extender's such node is dropped instead).
    func callExtenders(
        _ preemptor: Pod,
        _ candidates: [Candidate],
        snapshot: Snapshot,
        services: any FrameworkServices
    ) -> Result<[Candidate], PreemptionExtenderFailure> {
        let extenders = services.extenders
        guard !extenders.isEmpty, !candidates.isEmpty else { return .success(candidates) }
        var victims: [String: ExtenderVictims] = [:]
        for candidate in candidates {
            victims[candidate.nodeName] = ExtenderVictims(
                pods: candidate.victims.map(\.pod),
                numPDBViolations: Int64(candidate.pdbViolations)
            )
        }
        for extender in extenders where extender.supportsPreemption && extender.isInterested(preemptor) {
            var answer: [String: ExtenderVictims]
            do {
                answer = try extender.processPreemption(pod: preemptor, victims: victims, snapshot: snapshot)
            } catch {
                if extender.isIgnorable { continue }
                return .failure(PreemptionExtenderFailure(status: .error(error.description)))
            }
            for (nodeName, entry) in answer where entry.pods.isEmpty {
                if extender.isIgnorable {
                    answer[nodeName] = nil
                    continue
                }
                return .failure(
                    PreemptionExtenderFailure(
                        status: .error("expected at least one victim pod on node \(goQuoted(nodeName))")
                    )
                )
            }
            victims = answer
            if victims.isEmpty { break }
        }
        // The candidates keep their order (the extenders' answer is a map); victims as the extenders gave them,
        // most important first.
        var narrowed: [Candidate] = []
        for candidate in candidates {
            guard let entry = victims[candidate.nodeName] else { continue }
            narrowed.append(
                Candidate(
                    nodeName: candidate.nodeName,
                    victims: entry.pods.map(PodInfo.init).sorted(by: Self.moreImportant),
                    pdbViolations: Int(entry.numPDBViolations)
                )
            )
        }
        return .success(narrowed)
    }
}

/// An extender failure that ends preemption with its status.
struct PreemptionExtenderFailure: Error {
    let status: Status
}
