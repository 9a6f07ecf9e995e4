import KubeAPI
import SchedulerFramework

/// Prefers nodes that already hold the pod's container images, weighing each image by its size and by
/// how widely it is spread over the cluster. Upstream's `imagelocality.ImageLocality` (v1.35).
///
/// For every init and regular container whose (normalized) image is on the node, the node earns
/// `size × nodesWithImage / totalNodes`; the sum is clamped to `[23 MiB, 1000 MiB × containers]` and
/// scaled linearly to `0...100`. There is no normalization step.
///
/// Upstream reads the cluster's node count from the snapshot inside Score; here PreScore records it (and the
/// normalized image names) in the cycle state, which changes nothing observable.
package final class ImageLocality: PreScorePlugin, ScorePlugin {
    /// The registry and configuration name.
    package static let name = PluginName.imageLocality
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    /// One mebibyte.
    package static let mb: Int64 = 1024 * 1024
    /// Sums below this score 0.
    package static let minThreshold: Int64 = 23 * mb
    /// Per container: sums at or above `maxContainerThreshold × containers` score 100.
    package static let maxContainerThreshold: Int64 = 1000 * mb

    static let preScoreKey = StateKey<PreScoreState>("PreScore" + ImageLocality.name)

    /// Creates the plugin; it takes no arguments.
    package init(handle: any FrameworkHandle) {}

    /// The pod's normalized image names (init containers first) and the cluster's node count.
    final class PreScoreState: StateData {
        let images: [String]
        let totalNodes: Int
        init(images: [String], totalNodes: Int) {
            self.images = images
            self.totalNodes = totalNodes
        }
        func clone() -> any StateData { self }
    }

    /// The image reference as the container runtime reports it: `:latest` is appended when the name has
    /// no tag (the last `:` does not come after the last `/`). Digests are left alone.
    package static func normalizedImageName(_ name: String) -> String {
        let lastColon = name.lastIndex(of: ":")
        let lastSlash = name.lastIndex(of: "/")
        switch (lastColon, lastSlash) {
        case (nil, _): return name + ":latest"
        case (let colon?, let slash?) where colon <= slash: return name + ":latest"
        default: return name
        }
    }

    /// The images of the pod's init and regular containers, normalized, in upstream's order.
    static func images(of pod: Pod) -> [String] {
        (pod.spec.initContainers ?? []).map { normalizedImageName($0.image ?? "") }
            + pod.spec.containers.map { normalizedImageName($0.image ?? "") }
    }

    /// Upstream's `calculatePriority`: the clamped sum scaled to `0...100` with integer division.
    package static func calculatePriority(sumScores: Int64, numContainers: Int) -> Int64 {
        let maxThreshold = maxContainerThreshold &* Int64(numContainers)
        var sum = sumScores
        if sum < minThreshold {
            sum = minThreshold
        } else if sum > maxThreshold {
            sum = maxThreshold
        }
        let range = maxThreshold &- minThreshold
        guard range != 0 else { return 0 }
        return NodeScoreRange.max &* (sum &- minThreshold) / range
    }

    /// Upstream's `scaledImageScore`: `int64(float64(size) × numNodes / totalNodes)`.
    static func scaledImageScore(_ state: ImageStateSummary, totalNodes: Int) -> Int64 {
        guard totalNodes > 0 else { return 0 }
        let spread = Double(state.numNodes) / Double(totalNodes)
        let value = Double(state.size) * spread
        // Go converts out-of-range floats without trapping; sizes and spreads here stay far inside Int64.
        guard value.isFinite, value < 9.2e18, value > -9.2e18 else { return 0 }
        return Int64(value)
    }

    static func sumImageScores(_ images: [String], node: NodeInfo, totalNodes: Int) -> Int64 {
        var sum: Int64 = 0
        let states = node.imageStates
        if states.isEmpty { return 0 }
        for image in images {
            if let state = states[image] { sum &+= scaledImageScore(state, totalNodes: totalNodes) }
        }
        return sum
    }
}

extension ImageLocality {
    /// Records the pod's normalized image names and the number of nodes in the cluster.
    package func preScore(state: CycleState, pod: PodInfo, nodes: NodeList) -> Status {
        state.write(
            PreScoreState(images: Self.images(of: pod.pod), totalNodes: nodes.snapshot.count),
            for: Self.preScoreKey
        )
        return .success
    }

    /// The image-locality score of the node, already in `0...100`.
    package func score(state: CycleState, pod: PodInfo, node: NodeInfo) -> (score: Int64, status: Status) {
        guard let prepared = state.read(Self.preScoreKey) else {
            return (0, .error("reading \"\(Self.preScoreKey.name)\" from cycleState: not found"))
        }
        let sum = Self.sumImageScores(prepared.images, node: node, totalNodes: prepared.totalNodes)
        return (Self.calculatePriority(sumScores: sum, numContainers: prepared.images.count), .success)
    }

    /// Batch Score: the prepared images are read once per batch, and a node without any image state (the
    /// common case when node status lists no images) costs one emptiness check.
    package func score(
        state: CycleState,
        pod: PodInfo,
        nodes: NodeBatch,
        scores: UnsafeMutableBufferPointer<Int64>
    ) -> Status {
        guard let prepared = state.read(Self.preScoreKey) else {
            return .error("reading \"\(Self.preScoreKey.name)\" from cycleState: not found")
        }
        let empty = Self.calculatePriority(sumScores: 0, numContainers: prepared.images.count)
        for k in 0..<nodes.count {
            if nodes[k].imageStates.isEmpty {
                scores[k] = empty
            } else {
                let sum = Self.sumImageScores(prepared.images, node: nodes[k], totalNodes: prepared.totalNodes)
                scores[k] = Self.calculatePriority(sumScores: sum, numContainers: prepared.images.count)
            }
        }
        return Status(.success)
    }
}
