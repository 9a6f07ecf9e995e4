import Foundation
import InTreePlugins
import KubeAPI
import PluginSupport
import SchedulerFramework
import SchedulerRuntime
import SchedulerTesting
import Testing

/// The indexed path of PodTopologySpread and InterPodAffinity (per-node counts kept by the cache's `PodIndex`)
/// against the scanning path (every pod matched, upstream's algorithm) on random clusters: random nodes, pods,
/// label changes, deletions, node changes, assumed pods; incoming pods with random spread constraints
/// (inclusion policies, `matchLabelKeys`, `minDomains`), affinity terms (namespaces, namespace selectors,
/// `matchLabelKeys`), system-default spreading (Services, ReplicaSets) and nominated pods. Every PreFilter and
/// Filter verdict, raw and normalized Score and the final placement must be equal.
///
/// `swift test` runs a few seconds' worth; `scripts/pod-index-property.sh SEED ROUNDS` runs as long as asked.
@Suite struct PodIndexPropertyTests {
    @Test func indexedCountsGiveTheScanningAnswers() throws {
        let environment = ProcessInfo.processInfo.environment
        let firstSeed = environment["POD_INDEX_PROPERTY_SEED"].flatMap(UInt64.init) ?? 1
        let rounds = environment["POD_INDEX_PROPERTY_ROUNDS"].flatMap(Int.init) ?? 12
        var totals = PropertyRun.Tally()
        for seed in firstSeed..<(firstSeed + UInt64(rounds)) {
            var run = try PropertyRun(seed: seed)
            try run.run(steps: 300)
            totals.add(run.tally)
        }
        // The comparison is only worth something if the indexed path ran and things were rejected and scored.
        #expect(totals.indexedCycles > rounds * 5)
        #expect(totals.filterRejections > 0)
        #expect(totals.scoredNodes > 0)
        #expect(totals.nominatedChecks > 0)
        #expect(totals.batchFilterChecks > 0)
        // Per-domain totals replace adding up nodes only when every node has the keys (half the seeds).
        #expect(totals.totalsCycles > rounds)
    }

    /// Index entries are reference-counted by what uses them: a group disappears with the last pod carrying its
    /// term.
    @Test func groupsGoWithTheirLastPod() throws {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(NodeBuilder("n1").labels(["zone": "z1", "kubernetes.io/hostname": "n1"]).build())
        let registry = makeInTreeRegistry()
        let handle = FakeHandle()
        let affinity = try #require(
            try registry[PluginName.interPodAffinity]?.make(nil, handle) as? any PreFilterPlugin
        )
        let anti = PodAffinityTerm(labelSelector: LabelSelector(matchLabels: ["app": "a"]), topologyKey: "zone")
        let holder = PodBuilder("holder").uid("holder").labels(["app": "a"]).node("n1").build()
        var withTerm = holder
        withTerm.spec.affinity = Affinity(podAntiAffinity: PodAntiAffinity(required: [anti]))
        cache.addPod(withTerm)
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        _ = affinity.preFilter(
            state: CycleState(),
            pod: PodInfo(PodBuilder("in").labels(["app": "a"]).build()),
            snapshot: snapshot
        )
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.podIndex.entryCounts.groups == 1)
        cache.removePod(withTerm)
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.podIndex.entryCounts.groups == 0)
    }
}

/// One random scenario.
struct PropertyRun {
    struct Tally {
        var indexedCycles = 0
        var filterRejections = 0
        var scoredNodes = 0
        var nominatedChecks = 0
        var batchFilterChecks = 0
        var totalsCycles = 0

        mutating func add(_ other: Tally) {
            indexedCycles += other.indexedCycles
            filterRejections += other.filterRejections
            scoredNodes += other.scoredNodes
            nominatedChecks += other.nominatedChecks
            totalsCycles += other.totalsCycles
            batchFilterChecks += other.batchFilterChecks
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let zoneKey = "topology.kubernetes.io/zone"
    static let hostKey = "kubernetes.io/hostname"
    static let rackKey = "rack"
    static let topologyKeys = [zoneKey, hostKey, rackKey]
    static let namespaceNames = ["default", "ns1", "ns2"]

    let seed: UInt64
    /// Every node has every topology key (so per-domain totals are exact and used).
    let fullyLabelled: Bool
    var random: SeededGenerator
    let cache = SchedulerCache()
    var snapshot = Snapshot()
    var nodes: [String: Node] = [:]
    /// Pods in the cache by uid, with whether they are assumed.
    var pods: [String: (pod: Pod, assumed: Bool)] = [:]
    var nextID = 0
    var tally = Tally()
    let spread: Plugin
    let affinity: Plugin

    typealias Plugin = any PreFilterPlugin & FilterPlugin & PreScorePlugin & NormalizeScorePlugin & PreFilterExtensions

    init(seed: UInt64) throws {
        self.seed = seed
        fullyLabelled = seed % 2 == 0
        random = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ 17)
        var objects = FakeObjectLister(namespaces: [
            Namespace(name: "default", labels: ["team": "a"]), Namespace(name: "ns1", labels: ["team": "b"]),
            Namespace(name: "ns2"),
        ])
        objects.serviceList = [Service(metadata: ObjectMeta(name: "svc", namespace: "default"), selector: ["app": "a"])]
        objects.replicaSetList = [
            ReplicaSet(
                metadata: ObjectMeta(name: "rs1", namespace: "default"),
                selector: LabelSelector(matchLabels: ["tier": "x"])
            ),
            ReplicaSet(
                metadata: ObjectMeta(name: "rs2", namespace: "ns1"),
                selector: LabelSelector(matchLabels: ["app": "b"])
            ),
        ]
        let handle = FakeHandle(objects: objects)
        let registry = makeInTreeRegistry()
        guard let spread = try registry[PluginName.podTopologySpread]?.make(nil, handle) as? Plugin,
            let affinity = try registry[PluginName.interPodAffinity]?.make(nil, handle) as? Plugin
        else { throw Failure(description: "plugins missing from the registry") }
        self.spread = spread
        self.affinity = affinity
    }

    // MARK: Random values

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }
    mutating func newID(_ prefix: String) -> String {
        nextID += 1
        return "\(prefix)\(nextID)"
    }

    mutating func nodeLabels(name: String) -> [String: String] {
        var labels: [String: String] = [:]
        if fullyLabelled || chance(0.9) { labels[Self.hostKey] = name }
        if fullyLabelled || chance(0.85) { labels[Self.zoneKey] = pick(["z0", "z1", "z2", ""]) }
        if fullyLabelled || chance(0.5) { labels[Self.rackKey] = pick(["r0", "r1", "r2", "r3"]) }
        if chance(0.3) { labels["disk"] = "ssd" }
        return labels
    }

    mutating func makeNode(_ name: String) -> Node {
        var builder = NodeBuilder(name).labels(nodeLabels(name: name))
        if chance(0.2) {
            builder = builder.taint(
                key: "dedicated",
                value: "x",
                effect: pick([Taint.noSchedule, Taint.noExecute, "PreferNoSchedule"])
            )
        }
        return builder.build()
    }

    mutating func podLabels() -> [String: String] {
        var labels: [String: String] = [:]
        if chance(0.8) { labels["app"] = pick(["a", "b", "c"]) }
        if chance(0.5) { labels["tier"] = pick(["x", "y"]) }
        if chance(0.5) { labels["pod-template-hash"] = pick(["h1", "h2"]) }
        return labels
    }

    mutating func selector() -> LabelSelector? {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: return nil
        case 1: return LabelSelector()
        case 2:
            return LabelSelector(matchExpressions: [
                LabelSelectorRequirement(key: "app", operator: "In", values: ["a", "b"])
            ])
        case 3: return LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "tier", operator: "Exists")])
        case 4:
            return LabelSelector(matchExpressions: [
                LabelSelectorRequirement(key: "app", operator: "NotIn", values: ["c"])
            ])
        case 5: return LabelSelector(matchLabels: ["app": pick(["a", "b"]), "tier": "x"])
        case 6:
            return LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "tier", operator: "DoesNotExist")])
        default: return LabelSelector(matchLabels: ["app": pick(["a", "b", "c"])])
        }
    }

    mutating func affinityTerm() -> PodAffinityTerm {
        var namespaces: [String]? = nil
        var namespaceSelector: LabelSelector? = nil
        switch Int.random(in: 0..<6, using: &random) {
        case 0: namespaces = [pick(Self.namespaceNames)]
        case 1: namespaceSelector = LabelSelector()
        case 2: namespaceSelector = LabelSelector(matchLabels: ["team": pick(["a", "b"])])
        case 3:
            namespaces = ["ns1"]
            namespaceSelector = LabelSelector(matchLabels: ["team": "a"])
        default: break
        }
        return PodAffinityTerm(
            labelSelector: selector(),
            namespaces: namespaces,
            topologyKey: pick(Self.topologyKeys),
            namespaceSelector: namespaceSelector,
            matchLabelKeys: chance(0.2) ? ["pod-template-hash"] : nil,
            mismatchLabelKeys: chance(0.1) ? ["tier"] : nil
        )
    }

    mutating func weighted() -> WeightedPodAffinityTerm {
        WeightedPodAffinityTerm(weight: Int32.random(in: 1...100, using: &random), podAffinityTerm: affinityTerm())
    }

    mutating func terms(_ p: Double, max: Int) -> [PodAffinityTerm]? {
        guard chance(p) else { return nil }
        return (0..<Int.random(in: 1...max, using: &random)).map { _ in affinityTerm() }
    }

    mutating func weightedTerms(_ p: Double) -> [WeightedPodAffinityTerm]? {
        guard chance(p) else { return nil }
        return (0..<Int.random(in: 1...2, using: &random)).map { _ in weighted() }
    }

    /// A pod with random labels, namespace, owner, spread constraints and (anti-)affinity.
    mutating func makePod(incoming: Bool) -> Pod {
        let name = newID("p")
        var builder = PodBuilder(name, namespace: chance(0.7) ? "default" : pick(["ns1", "ns2"])).uid(name).labels(
            podLabels()
        )
        if chance(0.3) { builder = builder.toleration(key: "dedicated", operator: "Exists") }
        if incoming && chance(0.2) { builder = builder.nodeSelector([Self.zoneKey: pick(["z0", "z1"])]) }
        if incoming && chance(0.15) {
            builder = builder.requiredNodeAffinity([
                NodeSelectorRequirement(key: Self.rackKey, operator: "In", values: ["r0", "r1"])
            ])
        }
        var pod = builder.build()
        if chance(0.3) {
            pod.metadata.ownerReferences = [
                OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: pick(["rs1", "rs2"]), controller: true)
            ]
        }
        if !incoming && chance(0.1) { pod.metadata.deletionTimestamp = "2025-01-01T00:00:00Z" }
        if chance(incoming ? 0.6 : 0.15) {
            pod.spec.topologySpreadConstraints = (0..<Int.random(in: 1...2, using: &random)).map { _ in
                let hard = chance(0.5)
                return TopologySpreadConstraint(
                    maxSkew: Int32.random(in: 1...3, using: &random),
                    topologyKey: pick(Self.topologyKeys),
                    whenUnsatisfiable: hard ? "DoNotSchedule" : "ScheduleAnyway",
                    labelSelector: selector(),
                    minDomains: hard && chance(0.3) ? Int32.random(in: 1...4, using: &random) : nil,
                    nodeAffinityPolicy: chance(0.3) ? pick(["Honor", "Ignore"]) : nil,
                    nodeTaintsPolicy: chance(0.3) ? pick(["Honor", "Ignore"]) : nil,
                    matchLabelKeys: chance(0.25) ? ["pod-template-hash"] : nil
                )
            }
        }
        let p = incoming ? 0.35 : 0.25
        let podAffinity = PodAffinity(required: terms(p * 0.6, max: 2), preferred: weightedTerms(p))
        let antiAffinity = PodAntiAffinity(required: terms(p * 0.8, max: 2), preferred: weightedTerms(p))
        if podAffinity.required.isEmpty && podAffinity.preferred.isEmpty && antiAffinity.required.isEmpty
            && antiAffinity.preferred.isEmpty
        {
            return pod
        }
        pod.spec.affinity = Affinity(podAffinity: podAffinity, podAntiAffinity: antiAffinity)
        return pod
    }

    // MARK: Operations

    mutating func run(steps: Int) throws {
        for _ in 0..<Int.random(in: 3...12, using: &random) { addNode() }
        for _ in 0..<Int.random(in: 0...20, using: &random) { addPod() }
        for _ in 0..<steps {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<30: addPod()
            case 30..<40: removePod()
            case 40..<48: relabelPod()
            case 48..<52: addNode()
            case 52..<58: relabelNode()
            case 58..<61: removeNode()
            case 61..<66: forgetAssumedPod()
            default: try cycle()
            }
        }
    }

    mutating func addNode() {
        let name = newID("n")
        let node = makeNode(name)
        nodes[name] = node
        cache.addOrUpdateNode(node)
    }

    mutating func relabelNode() {
        guard let name = nodes.keys.sorted().randomElement(using: &random) else { return }
        let node = makeNode(name)
        nodes[name] = node
        cache.addOrUpdateNode(node)
    }

    mutating func removeNode() {
        guard nodes.count > 1, let name = nodes.keys.sorted().randomElement(using: &random) else { return }
        nodes[name] = nil
        cache.removeNode(named: name)
        // Sometimes the node comes back (the cache revives its ghost with the pods still on it).
        if chance(0.3) {
            let node = makeNode(name)
            nodes[name] = node
            cache.addOrUpdateNode(node)
        }
    }

    mutating func addPod() {
        guard let nodeName = nodes.keys.sorted().randomElement(using: &random) else { return }
        var pod = makePod(incoming: false)
        pod.spec.nodeName = nodeName
        if chance(0.15) {
            pod.spec.nodeName = ""
            let info = PodInfo(pod)
            if (try? cache.assumePod(info, nodeName: nodeName)) != nil { pods[pod.uid] = (pod, true) }
            assumedInfos[pod.uid] = info
            return
        }
        cache.addPod(pod)
        pods[pod.uid] = (pod, false)
    }

    var assumedInfos: [String: PodInfo] = [:]

    mutating func forgetAssumedPod() {
        guard let uid = pods.filter(\.value.assumed).keys.sorted().randomElement(using: &random),
            let info = assumedInfos[uid]
        else { return }
        cache.forgetPod(info)
        pods[uid] = nil
        assumedInfos[uid] = nil
    }

    mutating func removePod() {
        guard let uid = pods.filter({ !$0.value.assumed }).keys.sorted().randomElement(using: &random),
            let entry = pods[uid]
        else { return }
        cache.removePod(entry.pod)
        pods[uid] = nil
    }

    mutating func relabelPod() {
        guard let uid = pods.filter({ !$0.value.assumed }).keys.sorted().randomElement(using: &random),
            let entry = pods[uid]
        else { return }
        var updated = entry.pod
        updated.metadata.labels = podLabels()
        if chance(0.2) { updated.metadata.deletionTimestamp = "2025-01-01T00:00:00Z" }
        cache.updatePod(old: entry.pod, new: updated)
        pods[uid] = (updated, false)
    }

    // MARK: One cycle, two ways

    mutating func cycle() throws {
        let incoming = PodInfo(makePod(incoming: true))
        cache.updateSnapshot(&snapshot)
        guard snapshot.count > 0 else { return }
        // A first pass asks the index for what this pod needs; the next snapshot has it.
        _ = spread.preFilter(state: CycleState(), pod: incoming, snapshot: snapshot)
        _ = affinity.preFilter(state: CycleState(), pod: incoming, snapshot: snapshot)
        let all = NodeList(snapshot: snapshot, indices: Array(0..<snapshot.count))
        _ = spread.preScore(state: CycleState(), pod: incoming, nodes: all)
        _ = affinity.preScore(state: CycleState(), pod: incoming, nodes: all)
        cache.updateSnapshot(&snapshot)
        if snapshot.podIndex.entryCounts.topologyKeys > 0 { tally.indexedCycles += 1 }
        if snapshot.podIndex.entryCounts.totals > 0 { tally.totalsCycles += 1 }
        let indexed = snapshot
        let scanned = Snapshot(nodes: Array(snapshot.nodes))
        let context = "seed \(seed), pod \(incoming.pod.spec), nodes \(snapshot.nodes.map(\.name))"

        var feasible = Array(0..<indexed.count)
        var sumA = [Int64](repeating: 0, count: indexed.count)
        var sumB = [Int64](repeating: 0, count: indexed.count)
        for plugin in [spread, affinity] {
            let stateA = CycleState()
            let stateB = CycleState()
            let (resultA, statusA) = plugin.preFilter(state: stateA, pod: incoming, snapshot: indexed)
            let (resultB, statusB) = plugin.preFilter(state: stateB, pod: incoming, snapshot: scanned)
            guard resultA == resultB, statusA == statusB else {
                throw Failure(description: "\(plugin.name) PreFilter \(statusA) vs \(statusB); \(context)")
            }
            if statusA.code == .success {
                for n in 0..<indexed.count {
                    let a = plugin.filter(state: stateA, pod: incoming, node: indexed.nodes[n])
                    let b = plugin.filter(state: stateB, pod: incoming, node: scanned.nodes[n])
                    guard a == b else {
                        throw Failure(
                            description: "\(plugin.name) Filter on \(indexed.nodes[n].name): \(a) vs \(b); \(context)"
                        )
                    }
                    if a.code != .success {
                        tally.filterRejections += 1
                        feasible.removeAll { $0 == n }
                    }
                }
                try checkBatchFilter(plugin, state: stateA, pod: incoming, snapshot: indexed, context: context)
                try checkNominated(
                    plugin,
                    incoming: incoming,
                    stateA: stateA,
                    stateB: stateB,
                    indexed: indexed,
                    scanned: scanned,
                    context: context
                )
            }
        }
        guard !feasible.isEmpty else { return }
        for plugin in [spread, affinity] {
            let stateA = CycleState()
            let stateB = CycleState()
            let listA = NodeList(snapshot: indexed, indices: feasible)
            let listB = NodeList(snapshot: scanned, indices: feasible)
            let statusA = plugin.preScore(state: stateA, pod: incoming, nodes: listA)
            let statusB = plugin.preScore(state: stateB, pod: incoming, nodes: listB)
            guard statusA == statusB else {
                throw Failure(description: "\(plugin.name) PreScore \(statusA) vs \(statusB); \(context)")
            }
            guard statusA.code == .success else { continue }
            var rawA: [Int64] = []
            var rawB: [Int64] = []
            for k in feasible.indices {
                let (a, sa) = plugin.score(state: stateA, pod: incoming, node: listA[k])
                let (b, sb) = plugin.score(state: stateB, pod: incoming, node: listB[k])
                guard a == b, sa == sb else {
                    throw Failure(description: "\(plugin.name) Score on \(listA[k].name): \(a) vs \(b); \(context)")
                }
                rawA.append(a)
                rawB.append(b)
                tally.scoredNodes += 1
            }
            let batch = try batchScores(plugin, state: stateA, pod: incoming, snapshot: indexed, indices: feasible)
            guard batch == rawA else {
                throw Failure(description: "\(plugin.name) batch Score \(batch) vs per-node \(rawA); \(context)")
            }
            _ = plugin.normalizeScores(state: stateA, pod: incoming, nodes: listA, scores: &rawA)
            _ = plugin.normalizeScores(state: stateB, pod: incoming, nodes: listB, scores: &rawB)
            guard rawA == rawB else {
                throw Failure(description: "\(plugin.name) NormalizeScore \(rawA) vs \(rawB); \(context)")
            }
            for k in feasible.indices {
                sumA[feasible[k]] += 2 * rawA[k]
                sumB[feasible[k]] += 2 * rawB[k]
            }
        }
        // The placement each way picks (highest weighted sum, first in node order on ties).
        let bestA = feasible.max { sumA[$0] < sumA[$1] || (sumA[$0] == sumA[$1] && $0 > $1) }
        let bestB = feasible.max { sumB[$0] < sumB[$1] || (sumB[$0] == sumB[$1] && $0 > $1) }
        guard bestA == bestB else {
            throw Failure(
                description: "placement \(String(describing: bestA)) vs \(String(describing: bestB)); \(context)"
            )
        }
    }

    /// Nominated pods and preemption's what-ifs: a pod added to and one removed from a node, on clones of both
    /// states, must leave every Filter verdict equal.
    mutating func checkNominated(
        _ plugin: Plugin,
        incoming: PodInfo,
        stateA: CycleState,
        stateB: CycleState,
        indexed: Snapshot,
        scanned: Snapshot,
        context: String
    ) throws {
        let n = Int.random(in: 0..<indexed.count, using: &random)
        let nominated = PodInfo(makePod(incoming: false))
        let cloneA = stateA.clone()
        let cloneB = stateB.clone()
        _ = plugin.addPod(state: cloneA, podToSchedule: incoming, podToAdd: nominated, nodeInfo: indexed.nodes[n])
        _ = plugin.addPod(state: cloneB, podToSchedule: incoming, podToAdd: nominated, nodeInfo: scanned.nodes[n])
        if let victim = indexed.nodes[n].pods.first {
            _ = plugin.removePod(
                state: cloneA,
                podToSchedule: incoming,
                podToRemove: victim,
                nodeInfo: indexed.nodes[n]
            )
            _ = plugin.removePod(
                state: cloneB,
                podToSchedule: incoming,
                podToRemove: victim,
                nodeInfo: scanned.nodes[n]
            )
        }
        try checkBatchFilter(plugin, state: cloneA, pod: incoming, snapshot: indexed, context: context)
        for m in 0..<indexed.count {
            let a = plugin.filter(state: cloneA, pod: incoming, node: indexed.nodes[m])
            let b = plugin.filter(state: cloneB, pod: incoming, node: scanned.nodes[m])
            guard a == b else {
                throw Failure(
                    description:
                        "\(plugin.name) Filter with nominated \(nominated.key) on \(indexed.nodes[m].name): \(a) vs \(b); \(context)"
                )
            }
            tally.nominatedChecks += 1
        }
    }

    /// The batch Filter (what the runtime calls) over every node, in a shuffled order with some nodes already
    /// rejected, against the per-node Filter.
    mutating func checkBatchFilter(
        _ plugin: Plugin,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        context: String
    ) throws {
        let indices = Array(0..<snapshot.count).shuffled(using: &random)
        let earlier = Status(.unschedulable, "rejected earlier")
        var statuses: [Status?] = indices.map { _ in Int.random(in: 0..<5, using: &random) == 0 ? earlier : nil }
        let preset = statuses
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
        for (k, n) in indices.enumerated() {
            let perNode = plugin.filter(state: state, pod: pod, node: snapshot.nodes[n])
            let expected = preset[k] ?? (perNode.code == .success ? nil : perNode)
            guard statuses[k] == expected else {
                throw Failure(
                    description:
                        "\(plugin.name) batch Filter on \(snapshot.nodes[n].name): \(String(describing: statuses[k])) vs per-node \(String(describing: expected)); \(context)"
                )
            }
        }
        tally.batchFilterChecks += 1
    }

    func batchScores(
        _ plugin: Plugin,
        state: CycleState,
        pod: PodInfo,
        snapshot: Snapshot,
        indices: [Int]
    ) throws -> [Int64] {
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
        guard status.code == .success else { throw Failure(description: "batch score failed: \(status)") }
        return scores
    }
}
