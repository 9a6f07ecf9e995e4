import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Progress on stderr: a live bar on a terminal (pods scheduled, pods/s, ETA), plain lines otherwise.
package final class TerminalProgress: ProgressSink {
    private let isTerminal: Bool
    private let label: String
    private struct State {
        var lastLine: UInt64 = 0
        var barShown = false
    }
    private let state = Mutex(State())

    /// Progress for a run labelled `label`; a bar when stderr is a terminal.
    package init(label: String, isTerminal: Bool = isatty(2) == 1) {
        self.label = label
        self.isTerminal = isTerminal
    }

    package func phase(_ text: String) {
        write("\(label): \(text)\n", clearingBar: true)
    }

    package func measured(scheduled: Int, total: Int, elapsed: Double) {
        let rate = elapsed > 0 ? Double(scheduled) / elapsed : 0
        let remaining = rate > 0 ? Double(total - scheduled) / rate : 0
        if isTerminal {
            let width = 30
            let filled = total > 0 ? min(width, width * scheduled / total) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            let line = String(
                format: "\r  [%@] %d/%d pods  %.0f pods/s  ETA %.1f s   ",
                bar,
                scheduled,
                total,
                rate,
                max(remaining, 0)
            )
            state.withLock { $0.barShown = true }
            write(line, clearingBar: false)
        } else {
            let now = DispatchTime.now().uptimeNanoseconds
            let due = state.withLock { state -> Bool in
                guard now &- state.lastLine >= 1_000_000_000 else { return false }
                state.lastLine = now
                return true
            }
            if due {
                write(
                    String(format: "%@: measured %d/%d pods scheduled, %.0f pods/s\n", label, scheduled, total, rate),
                    clearingBar: false
                )
            }
        }
    }

    package func measuredDone() {
        let shown = state.withLock { state -> Bool in
            defer { state.barShown = false }
            return state.barShown
        }
        if shown { write("\n", clearingBar: false) }
    }

    private func write(_ text: String, clearingBar: Bool) {
        var output = text
        if clearingBar && isTerminal {
            let shown = state.withLock { state -> Bool in
                defer { state.barShown = false }
                return state.barShown
            }
            if shown { output = "\n" + output }
        }
        var bytes = Array(output.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Receives progress reports during a run.
package protocol ProgressSink: Sendable {
    /// A new phase began, such as `creating 5000 nodes`.
    func phase(_ text: String)
    /// The measured op has `scheduled` of `total` pods scheduled after `elapsed` seconds.
    func measured(scheduled: Int, total: Int, elapsed: Double)
    /// The measured op is over.
    func measuredDone()
}
