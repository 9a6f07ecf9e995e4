import Foundation
import KubeClient
import Logging
import Synchronization

/// Log lines in klog's text format, as kube-scheduler writes them to stderr:
/// `I0102 15:04:05.123456   12345 file.swift:42] "Message" key="value"`.
///
/// `-v` maps to swift-log levels: 0–1 → info, 2–3 → debug, 4 and above → trace.
package struct KlogHandler: LogHandler {
    /// The lowest level written.
    package var logLevel: Logger.Level
    /// Metadata added to every line.
    package var metadata: Logger.Metadata = [:]
    private let write: @Sendable (String) -> Void

    /// - Parameter write: where complete lines go (stderr by default).
    package init(level: Logger.Level, write: @escaping @Sendable (String) -> Void = KlogHandler.standardError) {
        self.logLevel = level
        self.write = write
    }

    /// The swift-log level for klog's `-v N`.
    package static func level(verbosity: Int) -> Logger.Level {
        switch verbosity {
        case ..<2: .info
        case 2...3: .debug
        default: .trace
        }
    }

    /// One metadata value.
    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line.
    package func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        write(
            Self.format(
                level: event.level,
                message: "\(event.message)",
                metadata: merged,
                file: event.file,
                line: event.line,
                date: Date()
            )
        )
    }

    /// One formatted line (without the newline).
    package static func format(
        level: Logger.Level,
        message: String,
        metadata: Logger.Metadata,
        file: String,
        line: UInt,
        date: Date
    ) -> String {
        let letter: String
        switch level {
        case .trace, .debug, .info, .notice: letter = "I"
        case .warning: letter = "W"
        case .error, .critical: letter = "E"
        }
        // 2025-01-02T03:04:05.123456Z → 0102 03:04:05.123456
        let stamp = Array(KubeTime.micro(date))
        let monthDay = String(stamp[5...6]) + String(stamp[8...9])
        let time = String(stamp[11...25])
        let base = file.split(separator: "/").last.map(String.init) ?? file
        let pid = String(ProcessInfo.processInfo.processIdentifier)
        var text =
            "\(letter)\(monthDay) \(time) \(String(repeating: " ", count: max(0, 7 - pid.count)))\(pid) \(base):\(line)] \(quote(message))"
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            text += " \(key)=\(quote("\(value)"))"
        }
        return text
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    private static let lock = Mutex(())

    /// Writes a line to stderr, whole.
    package static let standardError: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        lock.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}
