import Synchronization

/// Per-cycle data a plugin stores in PreFilter/PreScore and reads in Filter/Score.
///
/// Class-bound so a read is a pointer load. ``clone()`` must deep-copy anything that
/// `PreFilterExtensions.addPod/removePod` mutates, because preemption dry-runs on clones.
public protocol StateData: AnyObject, Sendable {
    func clone() -> any StateData
}

/// A typed slot in ``CycleState``. Declare one per kind of state as a `static let`.
public struct StateKey<Value: StateData>: Sendable {
    public let index: Int
    public let name: String

    public init(_ name: String) {
        self.name = name
        self.index = stateKeyCounter.add(1, ordering: .relaxed).oldValue
    }
}

private let stateKeyCounter = Atomic<Int>(0)

/// Storage for one scheduling cycle of one pod. Written sequentially (PreFilter, PreScore, Reserve),
/// read concurrently from Filter and Score workers; never written while workers read.
public final class CycleState: @unchecked Sendable {
    // Slots indexed by `StateKey.index`: an array read, not a hash lookup, in the per-node loop.
    // Unchecked exclusivity: writes happen only between the parallel phases (see the type's comment), so the
    // per-node reads need no dynamic access check.
    @usableFromInline @exclusivity(unchecked) var slots: ContiguousArray<(any StateData)?> = []
    /// Plugins whose Filter is skipped this cycle (their PreFilter returned Skip).
    public var skipFilterPlugins: Set<String> = []
    /// The same set as bits of the profile's plugin indices (set by the runtime), so the per-node loop
    /// and preemption's dry runs test a bit instead of hashing plugin names.
    public var skipFilterMask: UInt64 = 0
    /// Whether this cycle records per-plugin durations (upstream samples one cycle in ten).
    public var recordPluginMetrics = false
    /// Plugins whose Score is skipped this cycle (their PreScore returned Skip).
    public var skipScorePlugins: Set<String> = []

    public init() {}

    public func write<Value>(_ value: Value, for key: StateKey<Value>) {
        if key.index >= slots.count {
            slots.append(contentsOf: repeatElement(nil, count: key.index - slots.count + 1))
        }
        slots[key.index] = value
    }

    @inlinable @inline(__always)
    public func read<Value>(_ key: StateKey<Value>) -> Value? {
        guard key.index < slots.count, let value = slots[key.index] else { return nil }
        return unsafeDowncast(value, to: Value.self)
    }

    public func delete<Value>(_ key: StateKey<Value>) {
        if key.index < slots.count { slots[key.index] = nil }
    }

    /// A copy whose state data are clones (for preemption dry runs and nominated-pod passes).
    public func clone() -> CycleState {
        let copy = CycleState()
        copy.slots = ContiguousArray(slots.map { $0?.clone() })
        copy.skipFilterPlugins = skipFilterPlugins
        copy.skipFilterMask = skipFilterMask
        copy.recordPluginMetrics = recordPluginMetrics
        copy.skipScorePlugins = skipScorePlugins
        return copy
    }
}
