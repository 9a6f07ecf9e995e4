import Foundation
import Histogram
import KubeAPI
import KubeDecoding
import PluginSupport
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Synchronization

/// Peak memory of this process.
package enum ProcessMemory {
    /// Peak resident set size in bytes (`VmHWM` from /proc/self/status, else `getrusage`).
    package static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.split(separator: " ").compactMap { Int($0) }
                if let kilobytes = digits.first { return kilobytes * 1024 }
            }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Resets the peak so the next run measures its own (Linux: `echo 5 > /proc/self/clear_refs`).
    package static func resetPeak() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            try? handle.write(contentsOf: Data("5".utf8))
            try? handle.close()
        }
    }
}
