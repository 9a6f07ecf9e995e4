import KubeAPI
import PluginSupport
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

/// The pod index's per-domain totals, kept incrementally as pods come and go and nodes are relabelled, removed
/// (their pods staying as ghosts) and revived, must always equal the sums of the per-node counts over the
/// snapshot's nodes — for matchers and for groups.
@Suite struct DomainTotalsTests {
    static let zoneKey = "zone"

    /// Groups pods by their `app` label, summed over zones.
    final class AppGrouping: PodGrouping {
        func groupKeys(of pod: PodInfo) -> [String] { pod.pod.labels["app"].map { [$0] } ?? [] }
        func topologyKey(of key: String) -> String? { DomainTotalsTests.zoneKey }
    }

    @Test func totalsFollowPodsAndNodes() throws {
        for seed in UInt64(1)...20 {
            try run(seed: seed, steps: 400)
        }
    }

    func run(seed: UInt64, steps: Int) throws {
        var random = SeededGenerator(seed: seed)
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
        let cache = SchedulerCache()
        let grouping = AppGrouping()
        let matcher = PodMatcher(
            clauses: [.init(selector: try Selector(LabelSelector(matchLabels: ["tier": "x"])), namespaces: nil)],
            excludeTerminating: false
        )
        var nodes: [String] = []
        var pods: [Pod] = []
        var nextID = 0
        func labels(_ name: String) -> [String: String] {
            chance(0.8) ? [Self.zoneKey: ["z0", "z1", "z2", ""][Int.random(in: 0..<4, using: &random)]] : [:]
        }
        func addNode() {
            nextID += 1
            let name = "n\(nextID)"
            nodes.append(name)
            cache.addOrUpdateNode(NodeBuilder(name).labels(labels(name)).build())
        }
        for _ in 0..<4 { addNode() }
        var snapshot = Snapshot()
        var checked = 0
        for step in 0..<steps {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<40:
                guard let node = nodes.randomElement(using: &random) else { break }
                nextID += 1
                var podLabels: [String: String] = [:]
                if chance(0.6) { podLabels["tier"] = "x" }
                if chance(0.7) { podLabels["app"] = ["a", "b"][Int.random(in: 0..<2, using: &random)] }
                let pod = PodBuilder("p\(nextID)").uid("p\(nextID)").labels(podLabels).node(node).build()
                pods.append(pod)
                cache.addPod(pod)
            case 40..<55:
                guard !pods.isEmpty else { break }
                cache.removePod(pods.remove(at: Int.random(in: 0..<pods.count, using: &random)))
            case 55..<65:
                addNode()
            case 65..<80:
                guard let node = nodes.randomElement(using: &random) else { break }
                cache.addOrUpdateNode(NodeBuilder(node).labels(labels(node)).build())
            case 80..<88:
                // Removed with its pods still there (a ghost); sometimes it comes back.
                guard nodes.count > 1, let node = nodes.randomElement(using: &random) else { break }
                cache.removeNode(named: node)
                if chance(0.4) {
                    cache.addOrUpdateNode(NodeBuilder(node).labels(labels(node)).build())
                } else {
                    nodes.removeAll { $0 == node }
                }
            default:
                cache.updateSnapshot(&snapshot)
                let index = snapshot.podIndex
                // Asking registers what is missing; the next snapshot serves it.
                _ = index.domains(forKey: Self.zoneKey)
                let totals = index.totals(for: matcher, key: Self.zoneKey)
                let groups = index.groups(of: grouping)
                guard let domains = index.domains(forKey: Self.zoneKey), let counts = index.counts(for: matcher)
                else { break }
                var expected: [Int64] = .init(repeating: 0, count: domains.count)
                var expectedGroups: [String: [Int64]] = [:]
                for node in snapshot.nodes {
                    let id = domains.domain(ofSlot: node.indexSlot)
                    guard id >= 0 else { continue }
                    expected[Int(id)] += Int64(counts[node.indexSlot])
                    for (key, groupCounts, _) in groups ?? [] {
                        expectedGroups[key, default: .init(repeating: 0, count: domains.count)][Int(id)] +=
                            Int64(groupCounts[node.indexSlot])
                    }
                }
                #expect(
                    domains.labelledNodeCount == snapshot.nodes.count { $0.node.metadata.labels?[Self.zoneKey] != nil }
                )
                for id in 0..<Int32(domains.count) {
                    let nodesWithValue = snapshot.nodes.count {
                        $0.node.metadata.labels?[Self.zoneKey] == domains.values[Int(id)]
                    }
                    #expect(domains.nodeCount(ofDomain: id) == Int32(nodesWithValue), "seed \(seed) step \(step)")
                }
                if let totals {
                    for id in 0..<Int32(domains.count) {
                        #expect(totals[domain: id] == expected[Int(id)], "seed \(seed) step \(step) domain \(id)")
                    }
                    checked += 1
                }
                for (key, _, groupTotals) in groups ?? [] {
                    guard let groupTotals else { continue }
                    for id in 0..<Int32(domains.count) {
                        #expect(
                            groupTotals[domain: id] == expectedGroups[key]?[Int(id)] ?? 0,
                            "seed \(seed) step \(step) group \(key) domain \(id)"
                        )
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 5, "seed \(seed): the totals were never served")
    }
}
