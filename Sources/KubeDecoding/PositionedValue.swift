import KubeAPI

/// A line and column in a source file, both counted from 1 (columns in Unicode scalars, as libyaml counts).
package struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The line, from 1.
    package var line: Int
    /// The column, from 1.
    package var column: Int

    /// Creates a position.
    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `LINE:COLUMN`.
    package var description: String { "\(line):\(column)" }

    /// Document order.
    package static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// One parsed YAML or JSON value with the position it was written at: the input of ``PositionedDecoder``.
///
/// Scalars are already typed the way Kubernetes' `sigs.k8s.io/yaml` types them (YAML 1.1 rules of go-yaml v2):
/// a plain `2` is a number, `true`/`yes`/`on` are booleans, `0755` is the octal number 493, `~` and `null` are
/// null, and only quoted or block scalars and plain text that is none of those are strings. A `Sendable` value
/// tree, so it can be kept (for example as a plugin's raw `args`) after the document is parsed.
package struct PositionedValue: Sendable, CustomStringConvertible {
    /// The value's content.
    package enum Content: Sendable {
        case null
        case bool(Bool)
        case int(Int64)
        case float(Double)
        case string(String)
        case sequence([PositionedValue])
        case mapping([Entry])
    }

    /// A key and value of a mapping. Keys are strings, as in JSON (`1: x` has the key `"1"`).
    package struct Entry: Sendable {
        /// The key.
        package var key: String
        /// Where the key was written.
        package var keyPosition: SourcePosition?
        /// The value.
        package var value: PositionedValue

        /// Creates an entry.
        package init(key: String, keyPosition: SourcePosition? = nil, value: PositionedValue) {
            self.key = key
            self.keyPosition = keyPosition
            self.value = value
        }
    }

    /// The typed value.
    package var content: Content
    /// Where the value starts, when it came from a parsed document.
    package var position: SourcePosition?
    /// The scalar as written (before resolution), for messages; empty for collections.
    package var text: String

    /// Creates a value; `text` defaults to the canonical spelling of a scalar.
    package init(_ content: Content, position: SourcePosition? = nil, text: String? = nil) {
        self.content = content
        self.position = position
        self.text = text ?? Self.canonicalText(content)
    }

    /// The entries when the value is a mapping.
    package var entries: [Entry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// The elements when the value is a sequence.
    package var elements: [PositionedValue]? {
        if case .sequence(let elements) = content { return elements }
        return nil
    }

    /// The string when the value is a string scalar.
    package var string: String? {
        if case .string(let string) = content { return string }
        return nil
    }

    /// Whether the value is null (`~`, `null`, or nothing at all).
    package var isNull: Bool {
        if case .null = content { return true }
        return false
    }

    /// The value of `key` when this is a mapping that has it.
    package subscript(key: String) -> PositionedValue? {
        entries?.first(where: { $0.key == key })?.value
    }

    /// The entry for `key` when this is a mapping that has it.
    package func entry(_ key: String) -> Entry? {
        entries?.first(where: { $0.key == key })
    }

    /// The value reached by following `path` (keys into mappings, indices into sequences).
    package func value(at path: some Sequence<PathComponent>) -> PositionedValue? {
        var current = self
        for component in path {
            switch component {
            case .key(let key):
                guard let next = current[key] else { return nil }
                current = next
            case .index(let index):
                guard let elements = current.elements, elements.indices.contains(index) else { return nil }
                current = elements[index]
            }
        }
        return current
    }

    /// The position of the deepest value along `path` that exists (a missing field points at its parent).
    package func nearestPosition(along path: some Sequence<PathComponent>) -> SourcePosition? {
        var current = self
        var best = position
        for component in path {
            switch component {
            case .key(let key):
                guard let entry = current.entry(key) else { return best }
                current = entry.value
                best = entry.value.position ?? entry.keyPosition ?? best
            case .index(let index):
                guard let elements = current.elements, elements.indices.contains(index) else { return best }
                current = elements[index]
                best = current.position ?? best
            }
        }
        return best
    }

    /// A short description for messages: `number 2`, `boolean true`, `string "x"`, `null`, `a mapping`, `a list`.
    package var kindDescription: String {
        switch content {
        case .null: "null"
        case .bool: "boolean \(text)"
        case .int, .float: "number \(text)"
        case .string(let string): "string \(quoted(string))"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// A compact flow-style rendering (`{a: 1, b: ["x"]}`), for messages.
    package var description: String {
        switch content {
        case .null: "null"
        case .bool(let value): String(value)
        case .int(let value): String(value)
        case .float(let value): String(value)
        case .string(let value): quoted(value)
        case .sequence(let elements): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .mapping(let entries):
            "{" + entries.map { "\($0.key): \($0.value.description)" }.joined(separator: ", ") + "}"
        }
    }

    static func canonicalText(_ content: Content) -> String {
        switch content {
        case .null: "null"
        case .bool(let value): String(value)
        case .int(let value): String(value)
        case .float(let value): String(value)
        case .string(let value): value
        case .sequence, .mapping: ""
        }
    }
}

extension PositionedValue: Equatable {
    /// Semantic equality: positions and the written form of scalars are ignored, mapping order is ignored,
    /// and `1` equals `1.0` (as upstream compares decoded objects).
    package static func == (lhs: PositionedValue, rhs: PositionedValue) -> Bool {
        switch (lhs.content, rhs.content) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        case (.int(let a), .float(let b)), (.float(let b), .int(let a)): return Double(a) == b
        case (.sequence(let a), .sequence(let b)): return a == b
        case (.mapping(let a), .mapping(let b)):
            guard a.count == b.count else { return false }
            for entry in a {
                guard let other = b.first(where: { $0.key == entry.key }), other.value == entry.value else {
                    return false
                }
            }
            return true
        default: return false
        }
    }
}

/// One step of a field path: a mapping key or a list index.
package enum PathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)
}

extension Array where Element == PathComponent {
    /// The Kubernetes field-path spelling: `spec.containers[0].resources.requests.cpu`.
    package var fieldPath: String {
        var result = ""
        for component in self {
            switch component {
            case .key(let key):
                if !result.isEmpty { result += "." }
                result += key
            case .index(let index):
                result += "[\(index)]"
            }
        }
        return result
    }

    /// Parses a field path such as `scoringStrategy.resources[0].weight` (keys containing dots cannot be
    /// told apart from nested keys; they are split).
    package init(parsingFieldPath path: String) {
        self = []
        var key = ""
        var index: String?
        for character in path {
            if var digits = index {
                if character == "]" {
                    if !key.isEmpty {
                        append(.key(key))
                        key = ""
                    }
                    if let value = Int(digits) { append(.index(value)) }
                    index = nil
                } else {
                    digits.append(character)
                    index = digits
                }
                continue
            }
            switch character {
            case ".":
                if !key.isEmpty { append(.key(key)) }
                key = ""
            case "[":
                if !key.isEmpty { append(.key(key)) }
                key = ""
                index = ""
            default:
                key.append(character)
            }
        }
        if !key.isEmpty { append(.key(key)) }
    }
}

/// `"text"` with Go's `%q` escaping.
func quoted(_ text: String) -> String { goQuoted(text) }
