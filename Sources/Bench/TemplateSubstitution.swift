import Foundation
import KubeAPI
import KubeDecoding
import Synchronization

/// Instantiates a template with actions without parsing YAML per object: the text is parsed once with each
/// action replaced by a marker, and each object substitutes the actions' values into that tree's scalars
/// before decoding it. A scalar that is one action and nothing else is typed as the plain scalar of its value
/// would be (`count: {{.Index}}` is a number).
///
/// The first instances of each set of parameters are also rendered and parsed the slow way and compared; if
/// they differ (a quoted action, a template that is not valid YAML before rendering, an action in a key), or
/// substitution fails, the template keeps to rendering and parsing every object. So the fast path never
/// changes what an object decodes to.
final class TemplateSubstitution: Sendable {
    /// How many instances per parameter set are checked against the slow path.
    static let checkedInstances = 2

    /// The parsed tree with markers, or nil when the text does not parse that way.
    private let document: PositionedValue?
    /// The actions in text order (the text between `{{` and `}}`).
    private let actions: [Substring]

    private struct Verdicts {
        /// Parameter set (`Count` and `templateParams`) → instances checked so far, or nil once failed.
        var checked: [String: Int?] = [:]
    }
    private let verdicts = Mutex(Verdicts())

    init(text: String, source: String) {
        var actions: [Substring] = []
        var marked = ""
        var rest = Substring(text)
        var ok = true
        while let open = rest.range(of: "{{") {
            marked += rest[rest.startIndex..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                ok = false
                break
            }
            marked += Self.marker(actions.count)
            actions.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        marked += rest
        self.actions = actions
        self.document = ok ? (try? DocumentParser.document(in: marked, source: source)) : nil
    }

    static let markerStart: Character = "\u{E000}"

    /// Whether `text` holds a marker: its UTF-8 lead byte first (a byte scan), the Character search only then
    /// (grapheme by grapheme, which would otherwise be most of the cost of instantiating an object).
    static func holdsMarker(_ text: String) -> Bool {
        text.utf8.contains(0xEE) && text.contains(markerStart)
    }
    static let markerEnd: Character = "\u{E001}"

    static func marker(_ index: Int) -> String { "\(markerStart)\(index)\(markerEnd)" }

    /// The object for `env` through substitution, or nil when the slow path must be taken (also for an error,
    /// which the slow path then reports as it always has).
    func instantiate(
        env: [String: ParamValue],
        path: String,
        slow: () throws(BenchError) -> ObjectTemplate.DecodedTemplate
    ) throws(BenchError) -> ObjectTemplate.DecodedTemplate? {
        guard let document else { return nil }
        let key = Self.parameterKey(env)
        let checked = verdicts.withLock { $0.checked[key] }
        if case .some(.none) = checked { return nil }  // failed before
        let instancesChecked = checked.flatMap { $0 } ?? 0
        var values: [String] = []
        values.reserveCapacity(actions.count)
        for action in actions {
            do {
                values.append(try ObjectTemplate.render("{{" + action + "}}", env: env, source: path))
            } catch {
                return nil
            }
        }
        let fast: ObjectTemplate.DecodedTemplate?
        if let substituted = Self.substitute(document, values: values) {
            fast = try? ObjectTemplate.decode(document: substituted, text: nil, source: path)
        } else {
            fast = nil
        }
        if instancesChecked >= Self.checkedInstances, let fast { return fast }
        // Checking: the slow path decides, and a difference turns the fast path off for these parameters.
        let reference = try slow()
        let same = fast.map { $0 == reference } ?? false
        verdicts.withLock { $0.checked[key] = same ? .some(instancesChecked + 1) : .some(nil) }
        return reference
    }

    /// Whether instances for `env`'s parameters take the fast path now (checked often enough, never differed).
    func isSubstituting(env: [String: ParamValue]) -> Bool {
        guard document != nil else { return false }
        let checked = verdicts.withLock { $0.checked[Self.parameterKey(env)] }
        guard case .some(.some(let count)) = checked else { return false }
        return count >= Self.checkedInstances
    }

    static func parameterKey(_ env: [String: ParamValue]) -> String {
        env.filter { $0.key != "Index" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: "\u{0}")
    }

    /// The tree with every marker replaced by its value; nil when a marker is in a key.
    static func substitute(_ value: PositionedValue, values: [String]) -> PositionedValue? {
        switch value.content {
        case .string(let text):
            guard holdsMarker(text) else { return value }
            guard let replaced = replacingMarkers(text, values: values) else { return nil }
            // A scalar that is a single action is typed as written plain; a quoted one would not be, which the
            // check against the slow path catches.
            let whole = replaced.single
            let content: PositionedValue.Content =
                whole ? PositionedValue.plainScalarContent(replaced.text) : .string(replaced.text)
            let written = replacingMarkers(value.text, values: values)?.text ?? replaced.text
            return PositionedValue(content, position: value.position, text: written)
        case .sequence(let elements):
            var result: [PositionedValue] = []
            result.reserveCapacity(elements.count)
            for element in elements {
                guard let substituted = substitute(element, values: values) else { return nil }
                result.append(substituted)
            }
            return PositionedValue(.sequence(result), position: value.position, text: value.text)
        case .mapping(let entries):
            var result: [PositionedValue.Entry] = []
            result.reserveCapacity(entries.count)
            for entry in entries {
                if holdsMarker(entry.key) { return nil }
                guard let substituted = substitute(entry.value, values: values) else { return nil }
                result.append(.init(key: entry.key, keyPosition: entry.keyPosition, value: substituted))
            }
            return PositionedValue(.mapping(result), position: value.position, text: value.text)
        case .null, .bool, .int, .float:
            return value
        }
    }

    /// `text` with its markers replaced; `single` when the text was one marker and nothing else.
    static func replacingMarkers(_ text: String, values: [String]) -> (text: String, single: Bool)? {
        var result = ""
        var rest = Substring(text)
        var markers = 0
        var other = false
        while let start = rest.firstIndex(of: markerStart) {
            if start != rest.startIndex { other = true }
            result += rest[rest.startIndex..<start]
            let afterStart = rest.index(after: start)
            guard let end = rest[afterStart...].firstIndex(of: markerEnd),
                let index = Int(rest[afterStart..<end]), values.indices.contains(index)
            else { return nil }
            result += values[index]
            markers += 1
            rest = rest[rest.index(after: end)...]
        }
        if !rest.isEmpty { other = true }
        result += rest
        return (result, markers == 1 && !other)
    }
}
