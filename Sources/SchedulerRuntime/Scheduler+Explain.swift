import PluginSupport
import SchedulerFramework
import Synchronization

/// What `explain` needs to replay the next scheduling cycle exactly, read without changing the scheduler: the
/// cycle's snapshot (brought up to date as the cycle itself would), where the next Filter scan starts, a copy of
/// the tie-breaking generator, and the nominations in force. Nothing here runs in a normal cycle.
package struct ExplainInputs: Sendable {
    package var snapshot: Snapshot
    package var nextStartNodeIndex: Int
    package var generator: SeededGenerator
    package var nominations: [String: [PodInfo]]

    package init(
        snapshot: Snapshot,
        nextStartNodeIndex: Int = 0,
        generator: SeededGenerator = SeededGenerator(seed: 1),
        nominations: [String: [PodInfo]] = [:]
    ) {
        self.snapshot = snapshot
        self.nextStartNodeIndex = nextStartNodeIndex
        self.generator = generator
        self.nominations = nominations
    }
}

extension Scheduler {
    /// The inputs of the next cycle. Updating the loop's snapshot here leaves the next cycle's update nothing to do.
    package func explainInputs() -> ExplainInputs {
        let (snapshot, start, generator) = loop.withLock { loop in
            cache.updateSnapshot(&loop.snapshot)
            return (loop.snapshot, loop.nextStartNodeIndex, loop.generator)
        }
        return ExplainInputs(
            snapshot: snapshot,
            nextStartNodeIndex: start,
            generator: generator,
            nominations: queue.nominatedPodsByNode()
        )
    }

    /// Puts the nominations into a fresh cycle state as a real cycle does (PostFilter's what-if filtering reads them).
    package static func prepareExplainState(_ state: CycleState, nominations: [String: [PodInfo]]) {
        state.write(CycleNominations(byNode: nominations), for: nominationsKey)
    }
}
