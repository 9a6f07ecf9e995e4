import KubeAPI
import Synchronization

/// A set of node slots (``NodeInfo/indexSlot``) as a bitset, for intersecting label matches cheaply.
package struct SlotBitset: Sendable, Equatable {
    package private(set) var words: [UInt64]

    package init(words: [UInt64] = []) { self.words = words }

    /// An empty set sized for `wordCount` words.
    package init(wordCount: Int) { words = Array(repeating: 0, count: wordCount) }

    @inline(__always)
    package func contains(_ slot: Int32) -> Bool {
        let word = Int(slot) >> 6
        guard slot >= 0, word < words.count else { return false }
        return words[word] & (1 << UInt64(Int(slot) & 63)) != 0
    }

    package mutating func insert(_ slot: Int32) {
        guard slot >= 0 else { return }
        let word = Int(slot) >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word + 1 - words.count)) }
        words[word] |= 1 << UInt64(Int(slot) & 63)
    }

    package mutating func remove(_ slot: Int32) {
        let word = Int(slot) >> 6
        guard slot >= 0, word < words.count else { return }
        words[word] &= ~(1 << UInt64(Int(slot) & 63))
    }

    /// How many slots are in the set.
    package var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Keeps only the slots also in `other`.
    package mutating func formIntersection(_ other: SlotBitset) {
        let shared = min(words.count, other.words.count)
        for i in 0..<shared { words[i] &= other.words[i] }
        for i in shared..<words.count { words[i] = 0 }
    }

    /// Adds the slots of `other` (only those within this set's words).
    package mutating func formUnion(_ other: SlotBitset) {
        let shared = min(words.count, other.words.count)
        for i in 0..<shared { words[i] |= other.words[i] }
    }

    /// Drops the slots that are in `other`.
    package mutating func subtract(_ other: SlotBitset) {
        let shared = min(words.count, other.words.count)
        for i in 0..<shared { words[i] &= ~other.words[i] }
    }

    /// Adds the listed slots (only those within this set's words).
    package mutating func formUnion(slots: [Int32]) {
        let limit = words.count
        for slot in slots {
            let word = Int(slot) >> 6
            guard slot >= 0, word < limit else { continue }
            words[word] |= 1 << UInt64(Int(slot) & 63)
        }
    }
}

/// The cluster's nodes by label: key → value → node slots, plus the slots of every existing node.
///
/// The cache keeps it current on node add, label change and delete (only label changes touch it) and hands a
/// copy to every snapshot, so it always describes the snapshot's nodes. It answers which nodes a pod's
/// `nodeSelector` and required node affinity admit (``matchingSlots(_:slotOfNode:)``) without looking at
/// the nodes. Snapshots built without a cache have it disabled.
package struct NodeLabelIndex: Sendable {
    /// One label key: the nodes that have it, and per value the nodes with that value (ascending slots).
    package struct KeyEntry: Sendable {
        package var any = SlotBitset()
        package var values: [String: [Int32]] = [:]
    }

    package private(set) var isEnabled: Bool
    package private(set) var keys: [String: KeyEntry] = [:]
    /// Every existing node's slot.
    package private(set) var present = SlotBitset()
    package private(set) var nodeCount = 0
    /// Bumped by every change; with ``memo`` (shared by all copies) it identifies one state of the index.
    package private(set) var version: UInt64 = 0
    /// The last answer of ``matchingSlots(_:slotOfNode:)`` (the pods of a workload usually share their affinity,
    /// and PreFilter and the runtime ask the same question in one cycle).
    private let memo = MatchMemo()

    package init(enabled: Bool = false) { isEnabled = enabled }

    /// Records a node's labels changing from `old` to `new`; nil stands for "no such node" (before an add,
    /// after a delete), `[:]` for a node without labels.
    package mutating func update(slot: Int32, from old: [String: String]?, to new: [String: String]?) {
        guard isEnabled, slot >= 0 else { return }
        if old == nil && new == nil { return }
        version &+= 1
        if old == nil {
            present.insert(slot)
            nodeCount += 1
        } else if new == nil {
            present.remove(slot)
            nodeCount -= 1
        }
        let before = old ?? [:]
        let after = new ?? [:]
        for (key, value) in before where after[key] != value { remove(slot, key: key, value: value) }
        for (key, value) in after where before[key] != value { add(slot, key: key, value: value) }
    }

    private mutating func add(_ slot: Int32, key: String, value: String) {
        keys[key, default: KeyEntry()].any.insert(slot)
        keys[key, default: KeyEntry()].values[value, default: []].insertSorted(slot)
    }

    private mutating func remove(_ slot: Int32, key: String, value: String) {
        guard keys[key] != nil else { return }
        keys[key]?.any.remove(slot)
        keys[key]?.values[value]?.removeSorted(slot)
        if keys[key]?.values[value]?.isEmpty == true { keys[key]?.values[value] = nil }
        if keys[key]?.values.isEmpty == true { keys[key] = nil }
    }

    // MARK: Queries

    /// The slots of the existing nodes that satisfy both the pod's `nodeSelector` and its required node
    /// affinity (exactly ``RequiredNodeAffinity/matches(labels:name:)``); nil when the index is disabled.
    /// `slotOfNode` gives the slot of an existing node by name (for `matchFields metadata.name`).
    package func matchingSlots(
        _ required: RequiredNodeAffinity,
        slotOfNode: (String) -> Int32?
    ) -> SlotBitset? {
        guard isEnabled else { return nil }
        let key = MatchMemo.Key(
            version: version,
            labelSelector: required.labelSelector,
            nodeSelector: required.nodeSelector
        )
        if let known = memo.lookup(key) { return known }
        let result = computeMatchingSlots(required, slotOfNode: slotOfNode)
        memo.store(key, result)
        return result
    }

    private func computeMatchingSlots(
        _ required: RequiredNodeAffinity,
        slotOfNode: (String) -> Int32?
    ) -> SlotBitset {
        var result = present
        if let selector = required.labelSelector {
            if selector.matchesNothing { return SlotBitset(wordCount: present.words.count) }
            for requirement in selector.requirements { result.formIntersection(slots(requirement)) }
        }
        if let nodeSelector = required.nodeSelector {
            var union = SlotBitset(wordCount: present.words.count)
            for term in nodeSelector.terms { union.formUnion(slots(term, slotOfNode: slotOfNode)) }
            result.formIntersection(union)
        }
        return result
    }

    /// One term: its label requirements and `metadata.name` requirements ANDed; an invalid term matches nothing.
    private func slots(_ term: CompiledNodeSelectorTerm, slotOfNode: (String) -> Int32?) -> SlotBitset {
        guard term.isValid else { return SlotBitset(wordCount: present.words.count) }
        var result = present
        for requirement in term.labelRequirements { result.formIntersection(slots(requirement)) }
        for requirement in term.nameRequirements {
            var named = SlotBitset(wordCount: present.words.count)
            if let slot = slotOfNode(requirement.name) { named.insert(slot) }
            if requirement.mustEqual { result.formIntersection(named) } else { result.subtract(named) }
        }
        return result
    }

    /// The nodes one label requirement admits, following ``LabelRequirement/matches(_:)`` for a node with and
    /// without the key.
    private func slots(_ requirement: LabelRequirement) -> SlotBitset {
        let entry = keys[requirement.key]
        var result = SlotBitset(wordCount: present.words.count)
        switch requirement.op {
        case .in, .notIn:
            if let entry {
                for value in requirement.values {
                    if let slots = entry.values[value] { result.formUnion(slots: slots) }
                }
            }
            if requirement.op == .notIn {
                var complement = present
                complement.subtract(result)
                return complement
            }
            return result
        case .exists:
            if let entry { result.formUnion(entry.any) }
            return result
        case .doesNotExist:
            result = present
            if let entry { result.subtract(entry.any) }
            return result
        case .greaterThan, .lessThan:
            guard let entry else { return result }
            for (value, slots) in entry.values where requirement.matches([requirement.key: value]) {
                result.formUnion(slots: slots)
            }
            return result
        }
    }
}

/// One remembered answer of ``NodeLabelIndex/matchingSlots(_:slotOfNode:)``, shared by the copies of an index.
private final class MatchMemo: Sendable {
    struct Key: Equatable {
        let version: UInt64
        let labelSelector: Selector?
        let nodeSelector: CompiledNodeSelector?
    }
    private let last = Mutex<(key: Key, slots: SlotBitset)?>(nil)

    func lookup(_ key: Key) -> SlotBitset? {
        last.withLock { entry in entry.flatMap { $0.key == key ? $0.slots : nil } }
    }

    func store(_ key: Key, _ slots: SlotBitset) { last.withLock { $0 = (key, slots) } }
}

extension Array where Element == Int32 {
    /// Inserts `slot` keeping the array ascending (no duplicates); appending is the common case.
    fileprivate mutating func insertSorted(_ slot: Int32) {
        if let last, last < slot {
            append(slot)
            return
        }
        let position = lowerBound(slot)
        if position < count && self[position] == slot { return }
        insert(slot, at: position)
    }

    fileprivate mutating func removeSorted(_ slot: Int32) {
        let position = lowerBound(slot)
        if position < count && self[position] == slot { remove(at: position) }
    }

    private func lowerBound(_ slot: Int32) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < slot { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
