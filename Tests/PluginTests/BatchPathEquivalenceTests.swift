import InTreePlugins
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

/// The runtime calls the batch entry points (`filter(state:pod:nodes:statuses:)`, `score(state:pod:nodes:scores:)`),
/// the plugin tables call the per-node ones: for every in-tree plugin (and the argument variants with their own
/// batch code) both must give the same answers on the same random cases, including nodes an earlier plugin
/// already rejected (their statuses must be left alone) and batches in any order.
@Suite struct BatchPathEquivalenceTests {
    /// Every in-tree Filter or Score plugin with default args, plus argument variants.
    static func plugins() throws -> [any Plugin] {
        let registry = makeInTreeRegistry()
        let handle = FakeHandle(
            objects: FakeObjectLister(namespaces: [Namespace(name: "default", labels: ["team": "a"])])
        )
        var plugins: [any Plugin] = []
        for name in registry.names {
            guard let plugin = try registry[name]?.make(nil, handle),
                plugin is any FilterPlugin || plugin is any ScorePlugin
            else { continue }
            plugins.append(plugin)
        }
        let variants: [(String, String)] = [
            (
                PluginName.nodeResourcesFit,
                #"{"scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 2}, {"name": "memory", "weight": 1}]}}"#
            ),
            (
                PluginName.nodeResourcesFit,
                #"{"scoringStrategy": {"type": "RequestedToCapacityRatio", "resources": [{"name": "cpu", "weight": 1}], "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]}}}"#
            ),
            (
                PluginName.nodeAffinity,
                #"{"addedAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z0", "z1"]}]}]}, "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 3, "preference": {"matchExpressions": [{"key": "disk", "operator": "Exists"}]}}]}}"#
            ),
            (
                PluginName.nodeResourcesBalancedAllocation,
                #"{"resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}, {"name": "example.com/gpu", "weight": 1}]}"#
            ),
        ]
        for (name, json) in variants {
            if let plugin = try registry[name]?.make(JSONArgs(json), handle) { plugins.append(plugin) }
        }
        return plugins
    }

    @Test(arguments: 1...60 as ClosedRange<UInt64>) func batchAndPerNodeAgree(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let snapshot = Snapshot(nodes: (0..<Int.random(in: 1...14, using: &random)).map { randomNode($0, &random) })
        let pod = PodInfo(randomPod(&random, nodeCount: snapshot.count))
        // A batch: some of the nodes, in any order.
        var indices = (0..<snapshot.count).filter { _ in Bool.random(using: &random) || snapshot.count < 3 }.shuffled(
            using: &random
        )
        // The runtime never runs an empty batch.
        if indices.isEmpty { indices = [0] }
        let plugins = try Self.plugins()
        #expect(plugins.count >= 12)
        for plugin in plugins {
            let state = CycleState()
            if let preFilter = plugin as? any PreFilterPlugin {
                _ = preFilter.preFilter(state: state, pod: pod, snapshot: snapshot)
            }
            if let filter = plugin as? any FilterPlugin {
                let perNode = indices.map { filter.filter(state: state, pod: pod, node: snapshot.nodes[$0]) }
                // Nodes an earlier plugin rejected keep their status.
                let earlier = Status(.unschedulable, "rejected earlier")
                let preset: [Status?] = indices.map { _ in Int.random(in: 0..<4, using: &random) == 0 ? earlier : nil }
                let batch = runBatchFilter(
                    filter,
                    state: state,
                    pod: pod,
                    snapshot: snapshot,
                    indices: indices,
                    preset: preset
                )
                for k in indices.indices {
                    let expected: Status? = preset[k] ?? (perNode[k].code == .success ? nil : perNode[k])
                    #expect(
                        batch[k] == expected,
                        "\(plugin.name) Filter on \(snapshot.nodes[indices[k]].name), seed \(seed)"
                    )
                }
            }
            if let score = plugin as? any ScorePlugin {
                let list = NodeList(snapshot: snapshot, indices: indices)
                if let preScore = plugin as? any PreScorePlugin {
                    _ = preScore.preScore(state: state, pod: pod, nodes: list)
                }
                let perNode = indices.map { score.score(state: state, pod: pod, node: snapshot.nodes[$0]) }
                let (batch, status) = runBatchScore(score, state: state, pod: pod, snapshot: snapshot, indices: indices)
                let firstFailure = perNode.first { $0.status.code != .success }?.status
                #expect(status == (firstFailure ?? Status(.success)), "\(plugin.name) Score status, seed \(seed)")
                if firstFailure == nil {
                    #expect(batch == perNode.map(\.score), "\(plugin.name) Score, seed \(seed)")
                }
            }
        }
    }

    func runBatchFilter(
        _ plugin: any FilterPlugin,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        indices: [Int],
        preset: [Status?]
    ) -> [Status?] {
        var statuses = preset
        snapshot.nodes.withUnsafeBufferPointer { nodes in
            indices.withUnsafeBufferPointer { indexBuffer in
                statuses.withUnsafeMutableBufferPointer { buffer in
                    plugin.filter(
                        state: state,
                        pod: pod,
                        nodes: NodeBatch(nodes: nodes, indices: indexBuffer),
                        statuses: buffer
                    )
                }
            }
        }
        return statuses
    }

    func runBatchScore(
        _ plugin: any ScorePlugin,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        indices: [Int]
    ) -> ([Int64], Status) {
        var scores = [Int64](repeating: 0, count: indices.count)
        let status = snapshot.nodes.withUnsafeBufferPointer { nodes in
            indices.withUnsafeBufferPointer { indexBuffer in
                scores.withUnsafeMutableBufferPointer { buffer in
                    plugin.score(
                        state: state,
                        pod: pod,
                        nodes: NodeBatch(nodes: nodes, indices: indexBuffer),
                        scores: buffer
                    )
                }
            }
        }
        return (scores, status)
    }

    // MARK: Random cases

    func randomNode(_ i: Int, _ random: inout SeededRandom) -> NodeInfo {
        let name = "n\(i)"
        var builder = NodeBuilder(name).capacity([
            "cpu": "\(Int.random(in: 1...8, using: &random))", "memory": "\(Int.random(in: 2...16, using: &random))Gi",
            "pods": "\(Int.random(in: 2...6, using: &random))",
            "example.com/gpu": "\(Int.random(in: 0...2, using: &random))",
        ])
        var labels = ["kubernetes.io/hostname": name]
        if Bool.random(using: &random) { labels["zone"] = ["z0", "z1", "z2"].randomElement(using: &random) }
        if Int.random(in: 0..<3, using: &random) == 0 { labels["disk"] = "ssd" }
        builder = builder.labels(labels)
        if Int.random(in: 0..<4, using: &random) == 0 {
            builder = builder.taint(
                key: "dedicated",
                value: "x",
                effect: ["NoSchedule", "NoExecute", "PreferNoSchedule"].randomElement(using: &random) ?? "NoSchedule"
            )
        }
        if Int.random(in: 0..<8, using: &random) == 0 { builder = builder.unschedulable() }
        if Bool.random(using: &random) {
            builder = builder.image(
                ["registry/app:1"],
                sizeBytes: Int64.random(in: 1...900, using: &random) * 1_000_000
            )
        }
        let pods = (0..<Int.random(in: 0...4, using: &random)).map { k in
            PodBuilder("\(name)-p\(k)").container(
                [
                    "cpu": "\(Int.random(in: 1...9, using: &random) * 100)m",
                    "memory": "\(Int.random(in: 1...9, using: &random) * 256)Mi",
                ],
                hostPorts: Bool.random(using: &random) ? [8080] : []
            ).node(name).build()
        }
        var info = builder.info(pods: pods)
        if Int.random(in: 0..<3, using: &random) == 0 {
            // Made from another version of the node, then updated (as the cache does on node events): what the
            // node info keeps beside the node object (unschedulable, has taints) must follow the update.
            let final = info.node
            let tainted = info.node.spec.taints?.isEmpty == false
            var earlier = NodeBuilder(name).labels(labels).unschedulable(final.spec.unschedulable != true)
            if !tainted { earlier = earlier.taint(key: "old", value: "x", effect: "NoSchedule") }
            info = earlier.info(pods: pods)
            info.setNode(final)
        }
        info.imageStates =
            Bool.random(using: &random) ? ["registry/app:1": ImageStateSummary(size: 300_000_000, numNodes: 2)] : [:]
        return info
    }

    func randomPod(_ random: inout SeededRandom, nodeCount: Int) -> Pod {
        var container: [String: String] = [:]
        if Bool.random(using: &random) { container["cpu"] = "\(Int.random(in: 1...20, using: &random) * 100)m" }
        if Bool.random(using: &random) { container["memory"] = "\(Int.random(in: 1...12, using: &random) * 512)Mi" }
        if Int.random(in: 0..<4, using: &random) == 0 { container["example.com/gpu"] = "1" }
        var builder = PodBuilder("incoming").container(
            container,
            image: Bool.random(using: &random) ? "registry/app:1" : nil,
            hostPorts: Int.random(in: 0..<3, using: &random) == 0 ? [8080] : []
        )
        if Int.random(in: 0..<3, using: &random) == 0 {
            builder = builder.nodeSelector(["zone": ["z0", "z1"].randomElement(using: &random) ?? "z0"])
        }
        if Int.random(in: 0..<3, using: &random) == 0 {
            builder = builder.requiredNodeAffinity([
                NodeSelectorRequirement(key: "disk", operator: Bool.random(using: &random) ? "Exists" : "DoesNotExist")
            ])
        }
        if Bool.random(using: &random) {
            builder = builder.preferredNodeAffinity(
                weight: Int32.random(in: 1...100, using: &random),
                [NodeSelectorRequirement(key: "zone", operator: "In", values: ["z1"])]
            )
        }
        if Bool.random(using: &random) {
            builder = builder.toleration(
                key: "dedicated",
                operator: "Exists",
                effect: Bool.random(using: &random) ? "NoSchedule" : nil
            )
        }
        if Int.random(in: 0..<6, using: &random) == 0 {
            builder = builder.node("n\(Int.random(in: 0..<max(1, nodeCount), using: &random))")
        }
        return builder.build()
    }
}

/// SplitMix64, so a failing seed reproduces.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
