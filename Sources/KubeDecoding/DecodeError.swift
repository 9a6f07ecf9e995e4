/// A manifest or configuration that cannot be read, as one line:
/// `FILE:LINE:COLUMN: KIND NAMESPACE/NAME: FIELD.PATH: problem`.
///
/// Parts that are unknown are left out: a syntax error has no object or field
/// (`cluster.yaml:3:7: YAML syntax error: …`), an unreadable file has no position.
package struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name (or other source label) the text came from.
    package var source: String
    /// Where the problem is, when known.
    package var position: SourcePosition?
    /// The object being decoded, such as `Pod default/web` or `Node n1`.
    package var object: String?
    /// The field path inside the object, such as `spec.containers[0].resources.requests.cpu`.
    package var fieldPath: String
    /// What is wrong.
    package var problem: String

    /// Creates an error.
    package init(
        source: String,
        position: SourcePosition? = nil,
        object: String? = nil,
        fieldPath: String = "",
        problem: String
    ) {
        self.source = source
        self.position = position
        self.object = object
        self.fieldPath = fieldPath
        self.problem = problem
    }

    /// The line, when known.
    package var line: Int? { position?.line }
    /// The column, when known.
    package var column: Int? { position?.column }

    /// The whole message on one line.
    package var description: String {
        var parts: [String] = []
        parts.append(position.map { "\(source):\($0.line):\($0.column)" } ?? source)
        if let object, !object.isEmpty { parts.append(object) }
        if !fieldPath.isEmpty { parts.append(fieldPath) }
        parts.append(problem.replacingLineBreaks())
        return parts.joined(separator: ": ")
    }

    /// The message without the leading `FILE:LINE:COLUMN: `.
    package var detail: String {
        var parts: [String] = []
        if let object, !object.isEmpty { parts.append(object) }
        if !fieldPath.isEmpty { parts.append(fieldPath) }
        parts.append(problem.replacingLineBreaks())
        return parts.joined(separator: ": ")
    }
}

extension String {
    func replacingLineBreaks() -> String {
        guard contains(where: \.isNewline) else { return self }
        return split(whereSeparator: \.isNewline).map { $0.trimmingLeadingSpaces() }.joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimmingLeadingSpaces() -> Substring {
        drop(while: { $0 == " " || $0 == "\t" })
    }
}
