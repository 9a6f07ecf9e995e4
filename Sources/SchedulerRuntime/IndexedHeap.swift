/// A binary heap keyed by string with O(log n) update and removal by key, ordered by a comparator
/// supplied at runtime (the QueueSort plugin's `less`).
struct IndexedHeap<Element> {
    private var items: [Element] = []
    private var keys: [String] = []
    private var positions: [String: Int] = [:]
    private let less: (Element, Element) -> Bool

    init(less: @escaping (Element, Element) -> Bool) { self.less = less }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var peek: Element? { items.first }
    var elements: [Element] { items }

    func contains(_ key: String) -> Bool { positions[key] != nil }
    subscript(key: String) -> Element? { positions[key].map { items[$0] } }

    /// Inserts or replaces the element for `key`.
    mutating func upsert(_ element: Element, key: String) {
        if let index = positions[key] {
            items[index] = element
            siftUp(siftDown(index))
            return
        }
        items.append(element)
        keys.append(key)
        positions[key] = items.count - 1
        siftUp(items.count - 1)
    }

    @discardableResult
    mutating func remove(_ key: String) -> Element? {
        guard let index = positions[key] else { return nil }
        return remove(at: index)
    }

    mutating func popFirst() -> Element? {
        guard !items.isEmpty else { return nil }
        return remove(at: 0)
    }

    private mutating func remove(at index: Int) -> Element {
        let last = items.count - 1
        swapAt(index, last)
        let element = items.removeLast()
        positions[keys.removeLast()] = nil
        if index < items.count { siftUp(siftDown(index)) }
        return element
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        guard i != j else { return }
        items.swapAt(i, j)
        keys.swapAt(i, j)
        positions[keys[i]] = i
        positions[keys[j]] = j
    }

    @discardableResult
    private mutating func siftDown(_ start: Int) -> Int {
        var index = start
        while true {
            let left = 2 * index + 1
            let right = left + 1
            var best = index
            if left < items.count && less(items[left], items[best]) { best = left }
            if right < items.count && less(items[right], items[best]) { best = right }
            if best == index { return index }
            swapAt(index, best)
            index = best
        }
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard less(items[index], items[parent]) else { return }
            swapAt(index, parent)
            index = parent
        }
    }
}
