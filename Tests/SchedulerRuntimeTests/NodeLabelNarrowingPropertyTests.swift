import Foundation
import InTreePlugins
import KubeAPI
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Synchronization
import Testing

/// The Filter scan narrowed through the label index against the full scan (narrowing switched off) on random
/// clusters: nodes with labels over a few keys and zones, unschedulable and tainted nodes, nodes filled by
/// placed pods, label changes, deletions and additions; pods with nodeSelectors and required node affinity
/// terms of every operator (including `matchFields metadata.name`, invalid and empty terms) and random
/// `nextStartNodeIndex`. The feasible nodes (in order), the error, `nextStartNodeIndex` afterwards and, when no
/// node fits, every per-node status, the plugin sets and the FailedScheduling message must be equal; when
/// nodes fit, each status the narrowed scan recorded must equal the full scan's. The whole decision (Score and
/// selection with the same tie-break seed) must choose the same node, or fail with the same message.
///
/// `swift test` runs a few seconds' worth; `scripts/node-label-narrowing-property.sh SEED ROUNDS` runs longer.
@Suite struct NodeLabelNarrowingPropertyTests {
    @Test func narrowedScanGivesTheFullScansAnswers() throws {
        let environment = ProcessInfo.processInfo.environment
        let firstSeed = environment["NODE_LABEL_NARROWING_SEED"].flatMap(UInt64.init) ?? 1
        let rounds = environment["NODE_LABEL_NARROWING_ROUNDS"].flatMap(Int.init) ?? 16
        var tally = NarrowingRun.Tally()
        for seed in firstSeed..<(firstSeed + UInt64(rounds)) {
            var run = try NarrowingRun(seed: seed)
            run.run(steps: 60)
            tally.add(run.tally)
            if run.failed { break }
        }
        // Worth something only if narrowing ran, stopped early, found nothing, and left out rejected nodes.
        #expect(tally.narrowed > rounds * 10)
        #expect(tally.stoppedEarly > 0)
        #expect(tally.noNodeFits > 0)
        #expect(tally.leftOutStatuses > 0)
        #expect(tally.predecessorRejections > 0)
        #expect(tally.chosen > rounds)
    }

    /// The index follows label changes, deletions and re-additions (slots reused) and answers each operator.
    @Test func indexFollowsNodeChanges() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("a").labels(["zone": "z1", "n": "5"]).build())
        cache.addOrUpdateNode(NodeBuilder("b").labels(["zone": "z2", "n": "7"]).build())
        cache.addOrUpdateNode(NodeBuilder("c").labels(["zone": "z1"]).build())
        func admitted(_ pod: Pod) -> Set<String> {
            let snapshot = cache.snapshot()
            let slots = snapshot.labelIndex.matchingSlots(
                PodInfo(pod).requiredNodeAffinity,
                slotOfNode: { name in snapshot.indexByName[name].map { snapshot.nodeSlots[$0] } }
            )
            return Set(snapshot.nodes.filter { slots?.contains($0.indexSlot) == true }.map(\.name))
        }
        let inZ1 = PodBuilder("p").nodeSelector(["zone": "z1"]).build()
        #expect(admitted(inZ1) == ["a", "c"])
        let gt = PodBuilder("p").requiredNodeAffinity([NodeSelectorRequirement(key: "n", operator: "Gt", values: ["6"])]
        )
        .build()
        #expect(admitted(gt) == ["b"])
        let noN = PodBuilder("p").requiredNodeAffinity([NodeSelectorRequirement(key: "n", operator: "DoesNotExist")])
            .build()
        #expect(admitted(noN) == ["c"])
        cache.addOrUpdateNode(NodeBuilder("c").labels(["zone": "z2", "n": "9"]).build())
        #expect(admitted(inZ1) == ["a"])
        #expect(admitted(gt) == ["b", "c"])
        #expect(admitted(noN) == [])
        cache.removeNode(named: "a")
        #expect(admitted(inZ1) == [])
        cache.addOrUpdateNode(NodeBuilder("d").labels(["zone": "z1"]).build())
        #expect(admitted(inZ1) == ["d"])
        let notInZ2 = PodBuilder("p").requiredNodeAffinity([
            NodeSelectorRequirement(key: "zone", operator: "NotIn", values: ["z2"])
        ]).build()
        #expect(admitted(notInZ2) == ["d"])
        let named = PodBuilder("p").requiredNodeAffinity(
            [NodeSelectorRequirement(key: "zone", operator: "Exists")],
            fields: [NodeSelectorRequirement(key: "metadata.name", operator: "NotIn", values: ["b"])]
        ).build()
        #expect(admitted(named) == ["c", "d"])
    }
}

/// One random scenario on one scheduler: each pod is searched for twice from the same start, narrowed and not.
struct NarrowingRun {
    struct Tally {
        var narrowed = 0
        var stoppedEarly = 0
        var noNodeFits = 0
        var leftOutStatuses = 0
        var predecessorRejections = 0
        var chosen = 0

        mutating func add(_ other: Tally) {
            narrowed += other.narrowed
            stoppedEarly += other.stoppedEarly
            noNodeFits += other.noNodeFits
            leftOutStatuses += other.leftOutStatuses
            predecessorRejections += other.predecessorRejections
            chosen += other.chosen
        }
    }

    let seed: UInt64
    let scheduler: Scheduler
    var random: SeededGenerator
    var tally = Tally()
    var failed = false
    var nodeNames: [String] = []
    var nextNode = 0
    var nextPod = 0

    static let zones = ["z1", "z2", "z3", "z4"]
    static let tiers = ["a", "b", "c"]
    static let keys = ["topology.kubernetes.io/zone", "tier", "num", "gpu", "absent"]

    init(seed: UInt64) throws {
        self.seed = seed
        random = SeededGenerator(seed: seed &* 0x5851_F42D &+ 7)
        let registry = makeInTreeRegistry()
        // A low percentage makes the scan stop after 100 feasible nodes on the larger clusters.
        let configuration =
            seed % 2 == 0
            ? ConfigurationLoader.defaultConfiguration(registry: registry)
            : try ConfigurationLoader.load(
                contents: """
                    apiVersion: kubescheduler.config.k8s.io/v1
                    kind: KubeSchedulerConfiguration
                    percentageOfNodesToScore: 1
                    """,
                source: "config.yaml",
                registry: registry
            )
        scheduler = try Scheduler(
            configuration: configuration,
            registry: registry,
            client: EmbeddedCluster(),
            clock: SimulatedClock()
        )
        let count =
            Bool.random(using: &random)
            ? Int.random(in: 5...60, using: &random) : Int.random(in: 200...420, using: &random)
        for _ in 0..<count { addNode() }
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }

    mutating func labels(for name: String) -> [String: String] {
        var labels = ["kubernetes.io/hostname": name, "topology.kubernetes.io/zone": pick(Self.zones)]
        if chance(0.8) { labels["tier"] = pick(Self.tiers) }
        if chance(0.7) { labels["num"] = chance(0.9) ? String(Int.random(in: 0...12, using: &random)) : "x" }
        if chance(0.3) { labels["gpu"] = "true" }
        return labels
    }

    mutating func node(_ name: String) -> Node {
        var builder = NodeBuilder(name).labels(labels(for: name)).capacity([
            "cpu": pick(["1", "4", "8"]), "memory": "8Gi", "pods": "110",
        ])
        if chance(0.1) { builder = builder.unschedulable() }
        if chance(0.15) { builder = builder.taint(key: "dedicated", value: "x", effect: "NoSchedule") }
        return builder.build()
    }

    mutating func addNode() {
        let name = "node-\(nextNode)"
        nextNode += 1
        scheduler.cache.addOrUpdateNode(node(name))
        nodeNames.append(name)
    }

    /// A label change, a deletion, an addition or a placed pod.
    mutating func mutate() {
        guard !nodeNames.isEmpty else {
            addNode()
            return
        }
        let name = pick(nodeNames)
        switch Int.random(in: 0..<10, using: &random) {
        case 0...3: scheduler.cache.addOrUpdateNode(node(name))
        case 4:
            scheduler.cache.removeNode(named: name)
            nodeNames.removeAll { $0 == name }
        case 5: addNode()
        default:
            nextPod += 1
            scheduler.cache.addPod(
                PodBuilder("placed-\(nextPod)").uid("placed-\(nextPod)").requests(cpu: pick(["500m", "1"])).node(name)
                    .build()
            )
        }
    }

    mutating func requirement() -> NodeSelectorRequirement {
        let key = pick(Self.keys)
        let valuePool =
            switch key {
            case "topology.kubernetes.io/zone": Self.zones
            case "tier": Self.tiers
            case "num": ["1", "4", "7", "10", "x"]
            default: ["true", "z1"]
            }
        switch Int.random(in: 0..<16, using: &random) {
        case 0...5:
            return NodeSelectorRequirement(key: key, operator: "In", values: [pick(valuePool), pick(valuePool)])
        case 6...7: return NodeSelectorRequirement(key: key, operator: "NotIn", values: [pick(valuePool)])
        case 8: return NodeSelectorRequirement(key: key, operator: "Exists")
        case 9: return NodeSelectorRequirement(key: key, operator: "DoesNotExist")
        case 10:
            return NodeSelectorRequirement(
                key: "num",
                operator: "Gt",
                values: [String(Int.random(in: 0...12, using: &random))]
            )
        case 11:
            return NodeSelectorRequirement(
                key: "num",
                operator: "Lt",
                values: [String(Int.random(in: 0...12, using: &random))]
            )
        case 12: return NodeSelectorRequirement(key: key, operator: "In", values: [])  // invalid
        case 13: return NodeSelectorRequirement(key: "num", operator: "Gt", values: ["abc"])  // invalid
        default:
            return NodeSelectorRequirement(
                key: "topology.kubernetes.io/zone",
                operator: "In",
                values: [pick(Self.zones)]
            )
        }
    }

    mutating func pod() -> Pod {
        nextPod += 1
        var builder = PodBuilder("pod-\(nextPod)").uid("pod-\(nextPod)").requests(cpu: pick(["100m", "1", "2"]))
        if chance(0.25) {
            // About half of the zones: on the larger clusters the scan may stop after enough feasible nodes.
            let zones = [pick(Self.zones), pick(Self.zones)]
            builder = builder.requiredNodeAffinity([
                NodeSelectorRequirement(
                    key: "topology.kubernetes.io/zone",
                    operator: pick(["In", "NotIn"]),
                    values: zones
                )
            ])
            return builder.build()
        }
        if chance(0.4) {
            var selector = ["topology.kubernetes.io/zone": pick(Self.zones)]
            if chance(0.3) { selector["tier"] = pick(Self.tiers) }
            builder = builder.nodeSelector(selector)
        }
        if chance(0.8) {
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                var expressions: [NodeSelectorRequirement] = []
                for _ in 0..<Int.random(in: 0...2, using: &random) { expressions.append(requirement()) }
                var fields: [NodeSelectorRequirement]?
                if chance(0.15), !nodeNames.isEmpty {
                    let name = chance(0.8) ? pick(nodeNames) : "no-such-node"
                    fields = [
                        NodeSelectorRequirement(key: "metadata.name", operator: pick(["In", "NotIn"]), values: [name])
                    ]
                } else if chance(0.03) {
                    fields = [NodeSelectorRequirement(key: "metadata.uid", operator: "In", values: ["u"])]  // invalid
                }
                builder = builder.requiredNodeAffinity(expressions, fields: fields)
            }
        }
        if chance(0.3) { builder = builder.toleration(key: "dedicated", operator: "Exists") }
        return builder.build()
    }

    mutating func run(steps: Int) {
        for step in 0..<steps {
            for _ in 0..<Int.random(in: 0...3, using: &random) { mutate() }
            let pod = pod()
            let start = Int.random(in: 0..<1000, using: &random)
            scheduler.narrowsByNodeLabels.store(false, ordering: .relaxed)
            let before = scheduler.narrowedScans.load(ordering: .relaxed)
            guard let full = scheduler.package_filterPass(pod, nextStartNodeIndex: start) else { return }
            scheduler.narrowsByNodeLabels.store(true, ordering: .relaxed)
            guard let narrowed = scheduler.package_filterPass(pod, nextStartNodeIndex: start) else { return }
            let wasNarrowed = scheduler.narrowedScans.load(ordering: .relaxed) > before
            // The whole decision, scoring and tie-breaks included, narrowed and not.
            let tieBreakSeed = UInt64.random(in: 0..<1000, using: &random)
            let chosen = scheduler.package_selectNode(pod, nextStartNodeIndex: start, seed: tieBreakSeed)
            scheduler.narrowsByNodeLabels.store(false, ordering: .relaxed)
            let chosenFull = scheduler.package_selectNode(pod, nextStartNodeIndex: start, seed: tieBreakSeed)
            scheduler.narrowsByNodeLabels.store(true, ordering: .relaxed)
            let context = "seed \(seed) step \(step) start \(start) pod \(pod.spec)"
            #expect(narrowed.feasible == full.feasible, "\(context)")
            #expect(narrowed.error == full.error, "\(context)")
            #expect(narrowed.nextStartNodeIndex == full.nextStartNodeIndex, "\(context)")
            #expect(chosen?.node == chosenFull?.node, "\(context)")
            #expect(chosen?.message == chosenFull?.message, "\(context)")
            #expect(chosen?.nextStartNodeIndex == chosenFull?.nextStartNodeIndex, "\(context)")
            if chosen?.node != nil { tally.chosen += 1 }
            if full.feasible.isEmpty {
                #expect(narrowed.statuses == full.statuses, "\(context)")
                #expect(narrowed.absentStatus == full.absentStatus, "\(context)")
                #expect(narrowed.unschedulablePlugins == full.unschedulablePlugins, "\(context)")
                #expect(narrowed.pendingPlugins == full.pendingPlugins, "\(context)")
                #expect(narrowed.fitErrorMessage == full.fitErrorMessage, "\(context)")
            } else {
                for (node, status) in narrowed.statuses {
                    #expect(full.statuses[node] == status, "\(context) node \(node)")
                }
            }
            failed =
                narrowed.feasible != full.feasible || narrowed.nextStartNodeIndex != full.nextStartNodeIndex
                || (full.feasible.isEmpty && narrowed.statuses != full.statuses) || chosen?.node != chosenFull?.node
            if failed { return }
            guard wasNarrowed else { continue }
            tally.narrowed += 1
            let nodeCount = scheduler.cache.nodeCount
            if !full.feasible.isEmpty
                && (full.nextStartNodeIndex - start % max(nodeCount, 1) + nodeCount) % nodeCount != 0
            {
                tally.stoppedEarly += 1
            }
            if full.feasible.isEmpty {
                tally.noNodeFits += 1
                let leftOut = full.statuses.values.filter { $0.plugin == PluginName.nodeAffinity }.count
                tally.leftOutStatuses += leftOut
                tally.predecessorRejections +=
                    full.statuses.values.filter {
                        $0.plugin == PluginName.nodeUnschedulable || $0.plugin == PluginName.taintToleration
                    }.count
            }
        }
    }
}
