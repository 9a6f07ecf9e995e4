import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import SchedulerConfig
import PluginSupport
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// How a run is measured and reported.
public struct RunSettings: Sendable {
    /// Throughput sampling interval in seconds (upstream: 1 s).
    public var sampleInterval: Double = 1
    /// Seed for tie-breaking and for randomly assigned node labels.
    public var seed: UInt64 = 1
    /// Waiting for pods ends after this many seconds without progress while no pod is in the active queue.
    public var stallTimeout: Double = 5
    /// Receives progress while the run goes.
    public var progress: (any ProgressSink)?

    public init() {}
}
