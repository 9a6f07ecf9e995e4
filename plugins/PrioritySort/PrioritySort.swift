import SchedulerFramework

/// Orders the active queue by pod priority, highest first; pods of equal priority keep their queue
/// order (earlier timestamp first). Upstream's `queuesort.PrioritySort`.
package final class PrioritySort: QueueSortPlugin {
    /// The registry and configuration name.
    package static let name = PluginName.prioritySort
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {}
}

extension PrioritySort {
    /// Whether `lhs` should be popped before `rhs`.
    package func less(_ lhs: QueuedPodInfo, _ rhs: QueuedPodInfo) -> Bool {
        let left = lhs.podInfo.priority
        let right = rhs.podInfo.priority
        return left > right || (left == right && lhs.timestamp < rhs.timestamp)
    }
}
