import Foundation

/// Kubernetes timestamps: `metav1.Time` (RFC 3339, seconds) and `metav1.MicroTime` (RFC 3339 with six
/// fractional digits), always in UTC.
package enum KubeTime {
    /// Now as a `MicroTime` string, e.g. `2025-01-02T03:04:05.123456Z`.
    package static func microNow() -> String { micro(Date()) }

    /// Now as a `Time` string, e.g. `2025-01-02T03:04:05Z`.
    package static func now() -> String { seconds(Date()) }

    /// `date` as a `MicroTime` string.
    package static func micro(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var whole = Int64(interval.rounded(.down))
        var micros = Int64(((interval - Double(whole)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            whole += 1
            micros -= 1_000_000
        }
        return format(whole) + "." + pad(Int(micros), 6) + "Z"
    }

    /// `date` as a `Time` string (whole seconds).
    package static func seconds(_ date: Date) -> String {
        format(Int64(date.timeIntervalSince1970.rounded(.down))) + "Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS` for seconds since the epoch (proleptic Gregorian, UTC).
    static func format(_ epochSeconds: Int64) -> String {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondsOfDay = Int(epochSeconds - days * 86_400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        var year = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        if month <= 2 { year += 1 }
        return "\(pad(Int(year), 4))-\(pad(Int(month), 2))-\(pad(Int(day), 2))T"
            + "\(pad(secondsOfDay / 3600, 2)):\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
