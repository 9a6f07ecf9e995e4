import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// How a run is measured and reported.
package struct RunSettings: Sendable {
    /// Throughput sampling interval in seconds (upstream: 1 s).
    package var sampleInterval: Double = 1
    /// Seed for tie-breaking and for randomly assigned node labels.
    package var seed: UInt64 = 1
    /// Waiting for pods ends after this many seconds without progress while no pod is in the active queue.
    package var stallTimeout: Double = 5
    /// Receives progress while the run goes.
    package var progress: (any ProgressSink)?

    package init() {}
}
