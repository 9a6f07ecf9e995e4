import KubeAPI
import SchedulerFramework
import Synchronization

/// The CSINodes' attach limits laid out by node slot (``NodeInfo/indexSlot``), so the batch Filter reads a
/// node's limit for a driver from a flat array instead of hashing the node's name into the CSINode map.
///
/// Built in PreFilter from the snapshot and the lister's CSINode map, and kept while the lister's
/// ``ClusterObjectLister/csiNodesGeneration()`` and the snapshot's node count stay the same. A node whose slot
/// does not hold its name (added since, or a reused slot) is looked up by name as before, so a table that
/// lags the snapshot only costs speed, never a different outcome.
final class CSILimitTable: Sendable {
    /// A node without a CSINode, or whose CSINode sets no limit at all: it passes whatever the pod's volumes.
    static let passes = Int64.min
    /// A node whose CSINode limits other drivers but not this one.
    static let unlimited = Int64.max

    let generation: UInt64
    let nodeCount: Int
    /// Node name by slot ("" for slots no node of the snapshot holds).
    let names: [String]
    /// The CSINode of the node in each slot.
    private let csiNodes: [IndexedCSINode?]
    /// Driver → limit by slot (``passes``, ``unlimited`` or the count), built on first use.
    private let limitsByDriver = Mutex<[String: [Int64]]>([:])

    init(generation: UInt64, snapshot: Snapshot, csiNodesByName: [String: IndexedCSINode]) {
        self.generation = generation
        self.nodeCount = snapshot.count
        var slots = 0
        for node in snapshot.nodes { slots = max(slots, Int(node.indexSlot) + 1) }
        var names = [String](repeating: "", count: slots)
        var csiNodes = [IndexedCSINode?](repeating: nil, count: slots)
        for node in snapshot.nodes where node.indexSlot >= 0 {
            names[Int(node.indexSlot)] = node.name
            csiNodes[Int(node.indexSlot)] = csiNodesByName[node.name]
        }
        self.names = names
        self.csiNodes = csiNodes
    }

    /// Whether `node`'s slot holds its entry.
    @inline(__always) func covers(_ node: NodeInfo) -> Bool {
        let slot = Int(node.indexSlot)
        return slot >= 0 && slot < names.count && names[slot] == node.name
    }

    /// `driver`'s limit by slot.
    func limits(of driver: String) -> [Int64] {
        limitsByDriver.withLock { built in
            if let limits = built[driver] { return limits }
            let limits = csiNodes.map { csiNode -> Int64 in
                guard let csiNode, !csiNode.attachLimits.isEmpty else { return Self.passes }
                return csiNode.limit(of: driver).map(Int64.init) ?? Self.unlimited
            }
            built[driver] = limits
            return limits
        }
    }
}

extension NodeVolumeLimits {
    /// The table for this cycle: the last one while the CSINodes and the node count are unchanged, else a new
    /// one. Nil when the lister does not track CSINode changes or keeps no map.
    /// - Parameter generation: ``ClusterObjectLister/csiNodesGeneration()`` read before `csiNodesByName` was.
    func limitTable(
        generation: UInt64?,
        snapshot: Snapshot,
        csiNodesByName: [String: IndexedCSINode]?
    ) -> CSILimitTable? {
        guard let generation, let csiNodesByName else { return nil }
        return lastLimitTable.withLock { last in
            if let table = last, table.generation == generation, table.nodeCount == snapshot.count { return table }
            let table = CSILimitTable(generation: generation, snapshot: snapshot, csiNodesByName: csiNodesByName)
            last = table
            return table
        }
    }
}
