import Foundation
import KubeDecoding
import SchedulerConfig

/// Typed access to a mapping's fields, with errors naming the position.
struct Fields {
    let value: PositionedValue
    let source: String
    let what: String

    init(_ value: PositionedValue, source: String, what: String) {
        self.value = value
        self.source = source
        self.what = what
    }

    func fail(_ field: String, _ message: String) -> BenchError {
        BenchError(source: source, position: value[field]?.position ?? value.position, "\(what): \(field): \(message)")
    }

    func checkKnown(_ known: Set<String>) throws(BenchError) {
        guard let entries = value.entries else {
            throw BenchError(
                source: source,
                position: value.position,
                "\(what): expected a mapping, got \(value.kindDescription)"
            )
        }
        for entry in entries where !known.contains(entry.key) {
            throw BenchError(
                source: source,
                position: entry.keyPosition ?? entry.value.position,
                "\(what): unknown field \"\(entry.key)\""
            )
        }
    }

    func requiredString(_ field: String) throws(BenchError) -> String {
        guard let text = try optionalString(field), !text.isEmpty else {
            throw BenchError(
                source: source,
                position: value[field]?.position ?? value.position,
                "\(what): \(field) is required"
            )
        }
        return text
    }

    func optionalString(_ field: String) throws(BenchError) -> String? {
        guard let field_ = value[field], !field_.isNull else { return nil }
        guard let text = field_.string else { throw fail(field, "expected a string, got \(field_.kindDescription)") }
        return text
    }

    func optionalInt(_ field: String) throws(BenchError) -> Int? {
        guard let field_ = value[field], !field_.isNull else { return nil }
        switch field_.content {
        case .int(let number): return Int(number)
        case .float(let number) where number.rounded() == number && abs(number) < 1e15: return Int(number)
        default: throw fail(field, "expected an integer, got \(field_.kindDescription)")
        }
    }

    func bool(_ field: String) throws(BenchError) -> Bool {
        guard let field_ = value[field], !field_.isNull else { return false }
        guard case .bool(let flag) = field_.content else {
            throw fail(field, "expected a boolean, got \(field_.kindDescription)")
        }
        return flag
    }

    func stringList(_ field: String) throws(BenchError) -> [String] {
        guard let field_ = value[field], !field_.isNull else { return [] }
        guard let elements = field_.elements else {
            throw fail(field, "expected a list of strings, got \(field_.kindDescription)")
        }
        var result: [String] = []
        for element in elements {
            guard let text = element.string else {
                throw BenchError(
                    source: source,
                    position: element.position,
                    "\(what): \(field): expected a string, got \(element.kindDescription)"
                )
            }
            result.append(text)
        }
        return result
    }

    func stringMap(_ field: String) throws(BenchError) -> [String: String] {
        guard let field_ = value[field], !field_.isNull else { return [:] }
        guard let entries = field_.entries else {
            throw fail(field, "expected a mapping, got \(field_.kindDescription)")
        }
        var result: [String: String] = [:]
        for entry in entries {
            switch entry.value.content {
            case .string(let text): result[entry.key] = text
            case .int, .float, .bool: result[entry.key] = entry.value.text
            default:
                throw BenchError(
                    source: source,
                    position: entry.value.position,
                    "\(what): \(field).\(entry.key): expected a string, got \(entry.value.kindDescription)"
                )
            }
        }
        return result
    }

    func boolMap(_ field: String) throws(BenchError) -> [String: Bool] {
        guard let field_ = value[field], !field_.isNull else { return [:] }
        guard let entries = field_.entries else {
            throw fail(field, "expected a mapping, got \(field_.kindDescription)")
        }
        var result: [String: Bool] = [:]
        for entry in entries {
            guard case .bool(let flag) = entry.value.content else {
                throw BenchError(
                    source: source,
                    position: entry.value.position,
                    "\(what): \(field).\(entry.key): expected a boolean, got \(entry.value.kindDescription)"
                )
            }
            result[entry.key] = flag
        }
        return result
    }
}
