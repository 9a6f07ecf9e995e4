import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import WasmPlugin

@Suite struct ExtensionPointTests {
    let pod = PodBuilder("p").uid("uid-p").info()
    let nodes = [NodeBuilder("a1").info(), NodeBuilder("b2").info(), NodeBuilder("a22").info()]

    func snapshot() -> Snapshot { Snapshot(nodes: nodes) }

    @Test func pointsFollowTheGuestsExports() throws {
        let all = try TestGuests.plugin(TestGuests.allPoints)
        for point: ExtensionPoint in [.preFilter, .filter, .preScore, .score, .reserve, .permit, .bind, .postBind] {
            #expect(all.implements(point), "\(point)")
        }
        #expect(!all.implements(.postFilter))
        #expect(!all.implements(.preBind))
        #expect(!all.implementsNormalizeScore)
        let filterOnly = try TestGuests.plugin(TestGuests.filterOnly)
        #expect(filterOnly.implements(.filter))
        #expect(!filterOnly.implements(.score))
        #expect(!filterOnly.implements(.bind))
    }

    @Test func filterRejectsWithTheGuestsReason() throws {
        let plugin = try TestGuests.plugin(TestGuests.allPoints)
        let state = CycleState()
        let (result, status) = plugin.preFilter(state: state, pod: pod, snapshot: snapshot())
        #expect(status.isSuccess)
        #expect(result == nil)
        #expect(plugin.filter(state: state, pod: pod, node: nodes[0]).isSuccess)
        let rejected = plugin.filter(state: state, pod: pod, node: nodes[1])
        #expect(rejected.code == .unschedulable)
        #expect(rejected.reasons == ["node b rejected"])
    }

    @Test func preFilterCanNarrowTheNodes() throws {
        let plugin = try TestGuests.plugin(TestGuests.allPoints, config: "narrow")
        let (result, status) = plugin.preFilter(state: CycleState(), pod: pod, snapshot: snapshot())
        #expect(status.isSuccess)
        #expect(result?.nodeNames == ["a1", "a2"])
    }

    /// The guest keeps its PreFilter state in its own memory: an instance that did not run PreFilter must have
    /// it replayed before it serves Filter.
    @Test func preFilterIsReplayedOnEveryInstanceThatServesTheCycle() throws {
        let plugin = try TestGuests.plugin(TestGuests.allPoints)
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: snapshot())
        let held = try plugin.pool.lease()  // the instance that ran PreFilter is busy
        defer { plugin.pool.giveBack(held) }
        #expect(held.stage == 1)
        let status = plugin.filter(state: state, pod: pod, node: nodes[0])
        #expect(status.isSuccess, "a fresh instance answered \(status)")
    }

    @Test func scoreSeesPreScoreStateOnEveryInstance() throws {
        let plugin = try TestGuests.plugin(TestGuests.allPoints)
        let state = CycleState()
        let snapshot = snapshot()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: snapshot)
        #expect(
            plugin.preScore(state: state, pod: pod, nodes: NodeList(snapshot: snapshot, indices: [0, 2])).isSuccess
        )
        // ["a1","a22"] is 12 bytes; the score is that plus the node name's length.
        let first = plugin.score(state: state, pod: pod, node: nodes[0])
        #expect(first.status.isSuccess)
        #expect(first.score == 14)
        let held = try plugin.pool.lease()
        defer { plugin.pool.giveBack(held) }
        let replayed = plugin.score(state: state, pod: pod, node: nodes[2])
        #expect(replayed.status.isSuccess)
        #expect(replayed.score == 15)
    }

    @Test func parallelFilterCallsUseSeveralInstances() async throws {
        let plugin = try TestGuests.plugin(TestGuests.allPoints)
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: snapshot())
        let pod = self.pod
        let nodes = self.nodes
        let rejected = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<50 {
                        for node in nodes where !plugin.filter(state: state, pod: pod, node: node).isSuccess {
                            count += 1
                        }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(rejected == 8 * 50)
    }

    @Test func permitUnpacksStatusAndTimeout() throws {
        let plugin = try TestGuests.plugin(TestGuests.allPoints)
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: snapshot())
        let (status, timeout) = plugin.permit(state: state, pod: pod, nodeName: "a1")
        #expect(status.code == .wait)
        #expect(timeout == .milliseconds(1500))
        #expect(plugin.reserve(state: state, pod: pod, nodeName: "a1").isSuccess)
    }

    @Test func bindAndPostBind() async throws {
        let log = LogLines()
        let plugin = try TestGuests.plugin(TestGuests.allPoints, log: log)
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pod, snapshot: snapshot())
        let status = await plugin.bind(state: state, pod: pod, nodeName: "a1")
        #expect(status.code == .skip)
        #expect(status.reasons == ["bound"])
        await plugin.postBind(state: state, pod: pod, nodeName: "a1")
        #expect(log.all == ["wasm plugin Guest [info]: postbind a1"])
    }

    @Test func eventsComeFromEnqueue() throws {
        let plugin = try TestGuests.plugin(TestGuests.allPoints)
        let events = plugin.eventsToRegister().map(\.event)
        #expect(events == [ClusterEvent(resource: .node, action: .add), ClusterEvent(resource: .pod, action: .delete)])
        let filterOnly = try TestGuests.plugin(TestGuests.filterOnly)
        #expect(filterOnly.eventsToRegister().count == 6)
    }
}
