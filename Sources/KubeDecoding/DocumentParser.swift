import Foundation
import Yams

/// Parses YAML (one or more `---`-separated documents) or JSON text into ``PositionedValue`` trees.
///
/// YAML syntax errors carry libyaml's position. JSON (text whose first non-blank character is `{` or `[`) is
/// checked with Foundation's `JSONSerialization` and then read through the YAML parser, which accepts JSON and
/// yields positions; text that is not valid JSON but is valid YAML (a flow mapping such as `{kind: Pod}`) is
/// read as YAML.
package enum DocumentParser {
    /// Deeper nesting than this is refused (Kubernetes objects nest a few dozen levels at most).
    package static let maximumDepth = 512

    /// The documents in `text`, in order. Empty documents are returned as null values.
    ///
    /// - Parameters:
    ///   - text: The file contents.
    ///   - source: The file name used in error messages.
    /// - Throws: ``DecodeError`` for a syntax error, duplicate keys, or nesting or alias expansion beyond limits.
    package static func documents(in text: String, source: String) throws(DecodeError) -> [PositionedValue] {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        if let problem = nestingProblem(in: text) {
            throw DecodeError(source: source, position: problem.position, problem: problem.message)
        }
        let firstCharacter = text.unicodeScalars.first(where: { !$0.properties.isWhitespace })
        if firstCharacter == "{" || firstCharacter == "[" {
            return try parseJSON(text, source: source)
        }
        return try parseYAML(text, source: source)
    }

    /// The single document in `text` (an empty text gives null).
    ///
    /// - Throws: ``DecodeError`` as ``documents(in:source:)`` does, and when the text holds more than one
    ///   non-empty document.
    package static func document(in text: String, source: String) throws(DecodeError) -> PositionedValue {
        let all = try documents(in: text, source: source).filter { !$0.isNull }
        guard all.count <= 1 else {
            throw DecodeError(
                source: source,
                position: all[1].position,
                problem: "expected a single document, found \(all.count)"
            )
        }
        return all.first ?? PositionedValue(.null)
    }

    // MARK: - YAML

    static func parseYAML(_ text: String, source: String) throws(DecodeError) -> [PositionedValue] {
        do {
            let parser = try Yams.Parser(yaml: text)
            var converter = NodeConverter(source: source, budget: 4 * text.utf8.count + 10_000)
            var result: [PositionedValue] = []
            while let node = try parser.nextRoot() {
                result.append(try converter.convert(node, depth: 0))
            }
            return result
        } catch let error as DecodeError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error, source: source)
        } catch {
            throw DecodeError(source: source, problem: String(describing: error))
        }
    }

    static func yamlError(_ error: YamlError, source: String) -> DecodeError {
        func message(_ context: YamlError.Context?, _ problem: String) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at \(context.mark.line):\(context.mark.column))"
        }
        func syntax(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> DecodeError {
            DecodeError(
                source: source,
                position: SourcePosition(line: mark.line, column: mark.column),
                problem: "YAML syntax error: " + message(context, problem)
            )
        }
        switch error {
        case .scanner(let context, let problem, let mark, _):
            return syntax(context, problem, mark)
        case .parser(let context, let problem, let mark, _):
            return syntax(context, problem, mark)
        case .composer(let context, let problem, let mark, _):
            return syntax(context, problem, mark)
        case .reader(let problem, let offset, _, let yaml):
            let where_ = offset.map { DocumentParser.position(ofCharacterOffset: $0, in: yaml) }
            return DecodeError(source: source, position: where_, problem: "cannot read YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { quoted($0) }.joined(separator: ", ")
            return DecodeError(
                source: source,
                position: SourcePosition(line: context.mark.line, column: context.mark.column),
                problem: "mapping key \(keys) already defined"
            )
        default:
            return DecodeError(source: source, problem: "YAML error: \(error)")
        }
    }

    // MARK: - JSON

    static func parseJSON(_ text: String, source: String) throws(DecodeError) -> [PositionedValue] {
        let data = Data(text.utf8)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            // Not JSON; it may still be YAML written in flow style (`{kind: Pod, …}`). Text whose first key or
            // element is a double-quoted string is taken to be meant as JSON and gets the JSON error.
            if !looksLikeJSON(text), let documents = try? parseYAML(text, source: source) { return documents }
            let description =
                (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                ?? error.localizedDescription
            try jsonFailure(description, text: text, source: source)
        }
        // Valid JSON: read it again through libyaml for positions. Duplicate keys (which JSONSerialization
        // lets through, keeping the last) are refused as in YAML; anything else libyaml cannot read (rare
        // escapes) falls back to the unpositioned tree.
        do {
            let documents = try parseYAML(text, source: source)
            if documents.count == 1 { return documents }
        } catch {
            if error.problem.hasPrefix("mapping key ") { throw error }
        }
        var budget = 4 * text.utf8.count + 10_000
        return [try value(fromJSON: parsed, depth: 0, budget: &budget, source: source)]
    }

    private static func jsonFailure(_ description: String, text: String, source: String) throws(DecodeError) -> Never {
        // Foundation reports "… around character N." (or "line L, column C"); turn an offset into a position.
        var position: SourcePosition?
        if let range = description.range(of: "character ") {
            let digits = description[range.upperBound...].prefix(while: \.isNumber)
            if let offset = Int(digits) { position = DocumentParser.position(ofCharacterOffset: offset, in: text) }
        }
        throw DecodeError(source: source, position: position, problem: "invalid JSON: \(description)")
    }

    private static func value(
        fromJSON object: Any,
        depth: Int,
        budget: inout Int,
        source: String
    ) throws(DecodeError) -> PositionedValue {
        budget -= 1
        guard depth <= maximumDepth, budget > 0 else {
            throw DecodeError(source: source, problem: "document nests deeper than \(maximumDepth) levels")
        }
        switch object {
        case is NSNull:
            return PositionedValue(.null)
        case let string as String:
            return PositionedValue(.string(string))
        case let dictionary as [String: Any]:
            var entries: [PositionedValue.Entry] = []
            for (key, element) in dictionary.sorted(by: { $0.key < $1.key }) {
                entries.append(
                    .init(
                        key: key,
                        value: try value(fromJSON: element, depth: depth + 1, budget: &budget, source: source)
                    )
                )
            }
            return PositionedValue(.mapping(entries))
        case let array as [Any]:
            var elements: [PositionedValue] = []
            for element in array {
                elements.append(try value(fromJSON: element, depth: depth + 1, budget: &budget, source: source))
            }
            return PositionedValue(.sequence(elements))
        case let number as NSNumber:
            if String(describing: type(of: number)).contains("Boolean") {
                return PositionedValue(.bool(number.boolValue))
            }
            let text = number.stringValue
            if let integer = Int64(text) { return PositionedValue(.int(integer), text: text) }
            return PositionedValue(.float(number.doubleValue), text: text)
        default:
            return PositionedValue(.string(String(describing: object)))
        }
    }

    // MARK: - Helpers

    /// Whether the first scalar after the opening brackets is a double-quoted string (or the text is `{}`/`[]`).
    static func looksLikeJSON(_ text: String) -> Bool {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "{", "[", " ", "\t", "\n", "\r", "\u{FEFF}": continue
            case "\"", "}", "]": return true
            default: return false
            }
        }
        return false
    }

    /// The line and column of the `offset`-th character (counting Unicode scalars) of `text`.
    static func position(ofCharacterOffset offset: Int, in text: String) -> SourcePosition {
        var line = 1
        var column = 1
        var remaining = offset
        for scalar in text.unicodeScalars {
            if remaining <= 0 { break }
            remaining -= 1
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SourcePosition(line: line, column: column)
    }

    /// A cheap upper-bound check on nesting before the (recursive) YAML composer runs: flow brackets outside
    /// quoted strings, and block indicators (`- `, `? `) stacked at the start of a line.
    static func nestingProblem(in text: String) -> (position: SourcePosition, message: String)? {
        let limit = maximumDepth
        var flowDepth = 0
        var line = 1
        var column = 0
        var quote: UInt8?
        var escaped = false
        var atLineStart = true
        var lineIndicators = 0
        var inComment = false
        var previous: UInt8 = UInt8(ascii: " ")
        for byte in text.utf8 {
            column += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
                atLineStart = true
                lineIndicators = 0
                inComment = false
                previous = byte  // Quoted scalars may span lines: the quote state is kept.
                continue
            }
            if inComment { continue }
            if let open = quote {
                if escaped {
                    escaped = false
                } else if open == UInt8(ascii: "\"") && byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == open {
                    quote = nil
                }
                previous = byte
                continue
            }
            let previousIsSpace =
                previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t")
                || previous == UInt8(ascii: "\n")
            switch byte {
            case UInt8(ascii: "#") where previousIsSpace:
                inComment = true
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if previousIsSpace || previous == UInt8(ascii: "[") || previous == UInt8(ascii: "{")
                    || previous == UInt8(ascii: ",") || previous == UInt8(ascii: ":")
                {
                    quote = byte
                }
                atLineStart = false
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flowDepth += 1
                if flowDepth > limit {
                    return (SourcePosition(line: line, column: column), "document nests deeper than \(limit) levels")
                }
                atLineStart = false
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flowDepth = max(0, flowDepth - 1)
                atLineStart = false
            case UInt8(ascii: "-"), UInt8(ascii: "?"):
                if atLineStart {
                    lineIndicators += 1
                    if lineIndicators > limit {
                        return (
                            SourcePosition(line: line, column: column), "document nests deeper than \(limit) levels"
                        )
                    }
                }
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                break
            default:
                atLineStart = false
            }
            previous = byte
        }
        return nil
    }
}

/// Turns Yams nodes into ``PositionedValue``s: resolves scalars, applies `<<` merge keys, and bounds alias
/// expansion (a document may reuse anchors, but may not expand to more than a few times its size).
struct NodeConverter {
    let source: String
    var budget: Int

    init(source: String, budget: Int) {
        self.source = source
        self.budget = budget
    }

    mutating func convert(_ node: Yams.Node, depth: Int) throws(DecodeError) -> PositionedValue {
        budget -= 1
        let position = node.mark.map { SourcePosition(line: $0.line, column: $0.column) }
        guard budget > 0 else {
            throw DecodeError(
                source: source,
                position: position,
                problem: "document expands to too many values (excessive aliasing)"
            )
        }
        guard depth <= DocumentParser.maximumDepth else {
            throw DecodeError(
                source: source,
                position: position,
                problem: "document nests deeper than \(DocumentParser.maximumDepth) levels"
            )
        }
        switch node {
        case .scalar(let scalar):
            return PositionedValue(Self.content(of: scalar), position: position, text: scalar.string)
        case .alias(let alias):
            return PositionedValue(.null, position: position, text: alias.anchor.rawValue)
        case .sequence(let sequence):
            var elements: [PositionedValue] = []
            elements.reserveCapacity(sequence.count)
            for element in sequence {
                elements.append(try convert(element, depth: depth + 1))
            }
            return PositionedValue(.sequence(elements), position: position)
        case .mapping(let mapping):
            var entries: [PositionedValue.Entry] = []
            var seen: [String: Int] = [:]
            var merged: [PositionedValue.Entry] = []
            for (keyNode, valueNode) in mapping {
                let keyPosition = keyNode.mark.map { SourcePosition(line: $0.line, column: $0.column) }
                if case .scalar(let keyScalar) = keyNode, keyScalar.string == "<<",
                    keyScalar.style == .plain || keyScalar.style == .any,
                    keyScalar.tag.rawValue.isEmpty || keyScalar.tag.rawValue == "tag:yaml.org,2002:merge"
                {
                    merged += try mergeEntries(valueNode, at: keyPosition, depth: depth + 1)
                    continue
                }
                let key = try keyString(keyNode, position: keyPosition)
                if seen[key] != nil {
                    throw DecodeError(
                        source: source,
                        position: keyPosition,
                        problem: "mapping key \(quoted(key)) already defined"
                    )
                }
                seen[key] = entries.count
                entries.append(
                    .init(key: key, keyPosition: keyPosition, value: try convert(valueNode, depth: depth + 1))
                )
            }
            // Merged keys never override keys written in the mapping; earlier merges win over later ones.
            for entry in merged where seen[entry.key] == nil {
                seen[entry.key] = entries.count
                entries.append(entry)
            }
            return PositionedValue(.mapping(entries), position: position)
        }
    }

    private mutating func mergeEntries(
        _ node: Yams.Node,
        at position: SourcePosition?,
        depth: Int
    ) throws(DecodeError) -> [PositionedValue.Entry] {
        let value = try convert(node, depth: depth)
        var result: [PositionedValue.Entry] = []
        var seen: Set<String> = []
        let sources: [PositionedValue]
        switch value.content {
        case .mapping: sources = [value]
        case .sequence(let elements) where elements.allSatisfy({ $0.entries != nil }): sources = elements
        default:
            throw DecodeError(
                source: source,
                position: position,
                problem: "map merge requires map or sequence of maps as the value"
            )
        }
        for mapping in sources {
            for entry in mapping.entries ?? [] where !seen.contains(entry.key) {
                seen.insert(entry.key)
                result.append(entry)
            }
        }
        return result
    }

    private func keyString(_ node: Yams.Node, position: SourcePosition?) throws(DecodeError) -> String {
        guard case .scalar(let scalar) = node else {
            throw DecodeError(
                source: source,
                position: position,
                problem: "mapping keys must be strings, found a \(node.mapping != nil ? "mapping" : "list")"
            )
        }
        switch Self.content(of: scalar) {
        case .string(let string): return string
        case .int(let value): return String(value)
        case .bool(let value): return String(value)
        case .null: return "null"
        case .float: return scalar.string
        case .sequence, .mapping: return scalar.string
        }
    }

    static func content(of scalar: Yams.Node.Scalar) -> PositionedValue.Content {
        let tag = scalar.tag.rawValue
        if !tag.isEmpty {
            return ScalarResolver.resolveTagged(scalar.string, tag: tag)
        }
        switch scalar.style {
        case .plain, .any:
            return ScalarResolver.resolvePlain(scalar.string)
        case .singleQuoted, .doubleQuoted, .literal, .folded:
            return .string(scalar.string)
        }
    }
}
