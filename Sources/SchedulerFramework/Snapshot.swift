/// The cluster as one scheduling cycle sees it: node infos in zone-interleaved order.
///
/// Produced by the cache at the start of every cycle, updated in place: only nodes whose generation
/// changed are copied.
public struct Snapshot: Sendable {
    public package(set) var nodes: ContiguousArray<NodeInfo> = []
    public package(set) var indexByName: [String: Int] = [:]
    /// Indices of nodes that hold at least one pod with (anti-)affinity.
    public package(set) var nodesWithAffinityPods: [Int] = []
    /// Indices of nodes that hold at least one pod with required anti-affinity.
    public package(set) var nodesWithRequiredAntiAffinityPods: [Int] = []
    /// ``NodeInfo/indexSlot`` of each node, in node order (contiguous, for loops over every node).
    public package(set) var nodeSlots: ContiguousArray<Int32> = []
    /// Per-node counts of the pods plugins asked about, as of this snapshot (disabled without a cache).
    public package(set) var podIndex = PodIndex()
    /// Nodes by label, as of this snapshot (disabled without a cache); see ``NodeLabelIndex``.
    package var labelIndex = NodeLabelIndex()
    /// The cache generation this snapshot reflects.
    public package(set) var generation: Int64 = 0

    public init() {}

    /// Builds a snapshot from node infos in the given order (tests, simple tools).
    public init(nodes: [NodeInfo]) {
        self.nodes = ContiguousArray(nodes)
        package_rebuildIndexes()
    }

    public var count: Int { nodes.count }

    public func nodeInfo(named name: String) -> NodeInfo? {
        indexByName[name].map { nodes[$0] }
    }

    /// Recomputes name index and affinity lists from ``nodes``.
    package mutating func package_rebuildIndexes() {
        indexByName = Dictionary(minimumCapacity: nodes.count)
        nodesWithAffinityPods = []
        nodesWithRequiredAntiAffinityPods = []
        nodeSlots = ContiguousArray(nodes.map(\.indexSlot))
        for (index, node) in nodes.enumerated() {
            indexByName[node.name] = index
            if !node.podsWithAffinity.isEmpty { nodesWithAffinityPods.append(index) }
            if !node.podsWithRequiredAntiAffinity.isEmpty { nodesWithRequiredAntiAffinityPods.append(index) }
        }
    }
}

/// A subset of a snapshot's nodes (the feasible nodes of a cycle) without copying node infos.
public struct NodeList: RandomAccessCollection, Sendable {
    public let snapshot: Snapshot
    public let nodeIndices: [Int]

    public init(snapshot: Snapshot, indices: [Int]) {
        self.snapshot = snapshot
        self.nodeIndices = indices
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { nodeIndices.count }
    @inline(__always)
    public subscript(position: Int) -> NodeInfo { snapshot.nodes[nodeIndices[position]] }
}
