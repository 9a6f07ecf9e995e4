import Yams

// MARK: - Strict-mode bookkeeping

/// Per-call state: which keys of which mappings the decoded types asked for.
final class DecodingContext {
    let isStrict: Bool
    let ignoredTopLevelKeys: Set<String>
    private var mappings: [String: VisitedMapping] = [:]
    private var order: [VisitedMapping] = []

    init(isStrict: Bool, ignoredTopLevelKeys: Set<String>) {
        self.isStrict = isStrict
        self.ignoredTopLevelKeys = ignoredTopLevelKeys
    }

    /// The record for the mapping at `path`, shared by every container opened on it.
    func visit(path: [any CodingKey], entries: [PositionedValue.Entry]) -> VisitedMapping? {
        guard isStrict else { return nil }
        let components = path.pathComponents
        let key = components.fieldPath
        if let existing = mappings[key] { return existing }
        let visited = VisitedMapping(path: components, entries: entries)
        if components.isEmpty { visited.accessed.formUnion(ignoredTopLevelKeys) }
        mappings[key] = visited
        order.append(visited)
        return visited
    }

    /// The first key (in document order) that no type asked for.
    func firstUnknownField() -> (position: SourcePosition?, mappingPath: [PathComponent], message: String)? {
        var best: (position: SourcePosition?, mappingPath: [PathComponent], message: String)?
        for mapping in order {
            for entry in mapping.entries where !mapping.accessed.contains(entry.key) {
                var message = "unknown field \(quoted(entry.key))"
                if let suggestion = mapping.suggestion(for: entry.key) {
                    message += " (did you mean \(quoted(suggestion))?)"
                }
                let candidate = (position: entry.keyPosition, mappingPath: mapping.path, message: message)
                if let current = best {
                    if let new = candidate.position, let old = current.position, new < old { best = candidate }
                } else {
                    best = candidate
                }
                break
            }
        }
        return best
    }
}

final class VisitedMapping {
    let path: [PathComponent]
    let entries: [PositionedValue.Entry]
    var accessed: Set<String> = []

    init(path: [PathComponent], entries: [PositionedValue.Entry]) {
        self.path = path
        self.entries = entries
    }

    /// A known key that differs from `key` only in case or by one or two edits.
    func suggestion(for key: String) -> String? {
        let lowered = key.lowercased()
        var best: (name: String, distance: Int)?
        for known in accessed.sorted() {
            let knownLowered = known.lowercased()
            let distance = knownLowered == lowered ? 0 : editDistance(Array(knownLowered), Array(lowered))
            if distance <= 2, distance < (best?.distance ?? .max) { best = (known, distance) }
        }
        if let best { return best.name }
        // `leaseDurationSeconds` for `leaseDuration`: one name extends the other.
        return accessed.sorted().first { known in
            let knownLowered = known.lowercased()
            return knownLowered.count >= 4
                && (lowered.hasPrefix(knownLowered) || knownLowered.hasPrefix(lowered) && lowered.count >= 4)
        }
    }

    private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if abs(a.count - b.count) > 2 { return 3 }
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = Swift.min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                )
            }
            previous = current
        }
        return previous[b.count]
    }
}
