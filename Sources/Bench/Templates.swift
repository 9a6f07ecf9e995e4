import Foundation
import KubeAPI
import KubeDecoding
import Synchronization

/// An object template file (scheduler_perf's `*TemplatePath`): decoded once when it has no template actions,
/// rendered per object when it uses `{{.Index}}`, `{{.Count}}` or a `templateParams` value.
///
/// Only simple field references (`{{.Name}}`, `{{ .Name }}`) and upstream's one function, integer division
/// (`{{div .Index 8}}`), are supported from Go's text/template; any other action is an error naming the file.
package struct ObjectTemplate: Sendable {
    /// The file the template came from.
    package var path: String
    /// The raw text.
    package var text: String
    /// Decoded once when the text has no actions.
    var decoded: DecodedTemplate?
    /// For a text with actions: the parsed tree that instances substitute into (TemplateSubstitution.swift).
    var substitution: TemplateSubstitution?

    /// A decoded object and the name it asks for.
    struct DecodedTemplate: Sendable, Equatable {
        var object: KubeObject
        /// `metadata.name`, when the template fixes it.
        var name: String?
        /// `metadata.generateName`, when the template asks for a generated name.
        var generateName: String?
    }

    /// Loads and, when it has no actions, decodes the template at `path`.
    package init(path: String) throws(BenchError) {
        do {
            text = try ManifestLoader.readText(path: path)
        } catch {
            throw BenchError(error.description)
        }
        self.path = path
        if !text.contains("{{") {
            decoded = try Self.decode(text, source: path)
        } else {
            substitution = TemplateSubstitution(text: text, source: path)
        }
    }

    /// A template from text (built-in defaults and tests).
    init(text: String, source: String) throws(BenchError) {
        self.text = text
        self.path = source
        if !text.contains("{{") {
            decoded = try Self.decode(text, source: source)
        } else {
            substitution = TemplateSubstitution(text: text, source: source)
        }
    }

    /// The object for index `index` of `count`, with `params` available to the template.
    func instantiate(index: Int, count: Int, params: [String: ParamValue]) throws(BenchError) -> DecodedTemplate {
        if let decoded { return decoded }
        var env = params
        env["Index"] = .int(index)
        env["Count"] = .int(count)
        let slow = { [text, path] () throws(BenchError) -> DecodedTemplate in
            try Self.decode(try Self.render(text, env: env, source: path), source: path)
        }
        if let substitution, let fast = try substitution.instantiate(env: env, path: path, slow: slow) {
            return fast
        }
        return try slow()
    }

    /// Substitutes `{{.Name}}` references.
    static func render(_ text: String, env: [String: ParamValue], source: String) throws(BenchError) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            result += rest[rest.startIndex..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw BenchError("\(source): unclosed template action")
            }
            var action = rest[open.upperBound..<close.lowerBound]
            if action.hasPrefix("-") { action = action.dropFirst() }
            if action.hasSuffix("-") { action = action.dropLast() }
            let trimmed = action.trimmingCharacters(in: .whitespaces)
            if let quotient = try division(trimmed, env: env, source: source) {
                result += String(quotient)
                rest = rest[close.upperBound...]
                continue
            }
            guard trimmed.hasPrefix("."), let value = env[String(trimmed.dropFirst())] else {
                throw BenchError(
                    "\(source): unsupported template action {{\(action)}} (only {{.Name}} references to Index, Count and templateParams are supported)"
                )
            }
            result += value.description
            rest = rest[close.upperBound...]
        }
        result += rest
        return result
    }

    /// `div A B` (scheduler_perf's template function) with integer operands given as literals or `.Name`
    /// references; nil when `action` is not a `div`.
    private static func division(
        _ action: String,
        env: [String: ParamValue],
        source: String
    ) throws(BenchError)
        -> Int?
    {
        let words = action.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.first == "div" else { return nil }
        func operand(_ word: Substring) -> Int? {
            word.hasPrefix(".") ? env[String(word.dropFirst())]?.intValue : Int(word)
        }
        guard words.count == 3, let dividend = operand(words[1]), let divisor = operand(words[2]), divisor != 0 else {
            throw BenchError("\(source): {{\(action)}}: div needs two integers, the second not zero")
        }
        return dividend / divisor
    }

    static func decode(_ text: String, source: String) throws(BenchError) -> DecodedTemplate {
        let document: PositionedValue
        do {
            document = try DocumentParser.document(in: text, source: source)
        } catch {
            throw BenchError(error.description)
        }
        return try decode(document: document, text: text, source: source)
    }

    /// Decodes a parsed template document. `text` is the document's text when it was parsed from one (then
    /// the manifest loader reads that text, as it always has); nil for a document built by substitution.
    static func decode(document: PositionedValue, text: String?, source: String) throws(BenchError) -> DecodedTemplate {
        let metadata = document["metadata"]
        let name = metadata?["name"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let generateName = metadata?["generateName"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let object: KubeObject
        if document["kind"]?.string == "PersistentVolume" {
            object = try decodePersistentVolume(document, source: source)
        } else {
            // Templates may leave the name to the bench (PVCs get `pvc-N`); give the decoder one.
            // Go spells some keys case-insensitively (`NodeAffinityPolicy`); the canonical spelling, when it differs.
            let canonical = TemplateFieldNames.canonicalized(document)
            let base = canonical ?? document
            let unnamed = name == nil && generateName == nil
            var contents = text
            if text != nil {
                if unnamed {
                    contents = try Self.text(of: Self.withName(base, "template"), source: source)
                } else if canonical != nil {
                    contents = try Self.text(of: base, source: source)
                }
            }
            let loaded: ManifestLoadResult
            do {
                if let contents {
                    loaded = try ManifestLoader.load(contents: contents, source: source)
                } else {
                    loaded = try ManifestLoader.load(
                        document: unnamed ? Self.withName(base, "template") : base,
                        source: source
                    )
                }
            } catch {
                throw BenchError(error.description)
            }
            if let warning = loaded.warnings.first {
                throw BenchError(
                    "\(warning.replacingOccurrences(of: "skipping", with: "cannot create")) in the embedded cluster"
                )
            }
            guard loaded.entries.count == 1, let first = loaded.objects.first else {
                throw BenchError("\(source): expected exactly one object, found \(loaded.entries.count)")
            }
            object = first
        }
        return DecodedTemplate(object: object, name: name, generateName: generateName)
    }

    /// PVs from scheduler_perf templates omit `csi.volumeHandle` (the bench sets it per volume).
    static func decodePersistentVolume(_ document: PositionedValue, source: String) throws(BenchError) -> KubeObject {
        var value = document
        if document["metadata"]?["name"] == nil && document["metadata"]?["generateName"] == nil {
            value = withName(value, "pv")
        }
        if let csi = document["spec"]?["csi"], csi["volumeHandle"] == nil, var spec = value["spec"]?.entries,
            let csiIndex = spec.firstIndex(where: { $0.key == "csi" }), var csiEntries = csi.entries
        {
            csiEntries.append(.init(key: "volumeHandle", value: PositionedValue(.string("placeholder"))))
            spec[csiIndex].value = PositionedValue(.mapping(csiEntries), position: csi.position)
            value = replacing(
                value,
                key: "spec",
                with: PositionedValue(.mapping(spec), position: document["spec"]?.position)
            )
        }
        if value["apiVersion"] == nil {
            value = replacing(value, key: "apiVersion", with: PositionedValue(.string("v1")))
        }
        do {
            return .persistentVolume(
                try PositionedDecoder(source: source, object: "PersistentVolume").decode(
                    PersistentVolume.self,
                    from: value
                )
            )
        } catch {
            throw BenchError(error.description)
        }
    }

    static func withName(_ document: PositionedValue, _ name: String) -> PositionedValue {
        var metadata = document["metadata"]?.entries ?? []
        metadata.append(.init(key: "name", value: PositionedValue(.string(name))))
        return replacing(
            document,
            key: "metadata",
            with: PositionedValue(.mapping(metadata), position: document["metadata"]?.position)
        )
    }

    static func replacing(_ document: PositionedValue, key: String, with value: PositionedValue) -> PositionedValue {
        var entries = document.entries ?? []
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].value = value
        } else {
            entries.append(.init(key: key, value: value))
        }
        return PositionedValue(.mapping(entries), position: document.position)
    }

    /// JSON text of a value (so a patched tree can go through the manifest loader).
    static func text(of value: PositionedValue, source: String) throws(BenchError) -> String {
        func json(_ value: PositionedValue) -> String {
            switch value.content {
            case .null: return "null"
            case .bool(let flag): return flag ? "true" : "false"
            case .int(let number): return String(number)
            case .float(let number): return number.isFinite ? String(number) : "null"
            case .string(let text): return jsonString(text)
            case .sequence(let elements): return "[" + elements.map(json).joined(separator: ",") + "]"
            case .mapping(let entries):
                return "{" + entries.map { jsonString($0.key) + ":" + json($0.value) }.joined(separator: ",") + "}"
            }
        }
        return json(value)
    }
}

/// Escapes a string for JSON.
func jsonString(_ text: String) -> String { jsonQuoted(text) }

/// Loads each template file once per run.
final class TemplateCache: Sendable {
    private let templates = Mutex<[String: ObjectTemplate]>([:])

    func template(_ path: String) throws(BenchError) -> ObjectTemplate {
        if let cached = templates.withLock({ $0[path] }) { return cached }
        let loaded = try ObjectTemplate(path: path)
        templates.withLock { $0[path] = loaded }
        return loaded
    }

    /// scheduler_perf's node when `nodeTemplatePath` is unset (`makeBaseNode`): 4 CPU, 32Gi, 110 pods, Ready.
    static let defaultNodeText = """
        apiVersion: v1
        kind: Node
        metadata:
          generateName: node-
        status:
          capacity:
            pods: "110"
            cpu: "4"
            memory: 32Gi
          conditions:
          - type: Ready
            status: "True"
          phase: Running
        """

    /// scheduler_perf's pod when no template is given (`makeBasePod`): one pause container, 100m CPU and
    /// 500Mi requested (and limited).
    static let defaultPodText = """
        apiVersion: v1
        kind: Pod
        metadata:
          generateName: pod-
        spec:
          containers:
          - name: pause
            image: registry.k8s.io/pause:3.10.1
            ports:
            - containerPort: 80
            resources:
              requests:
                cpu: 100m
                memory: 500Mi
              limits:
                cpu: 100m
                memory: 500Mi
        """

    static let csiNodeText = """
        apiVersion: storage.k8s.io/v1
        kind: CSINode
        metadata:
          name: template
        spec:
          drivers:
          - name: template
            nodeID: template
            allocatable:
              count: 0
        """
}
