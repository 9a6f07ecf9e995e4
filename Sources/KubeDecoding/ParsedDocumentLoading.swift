extension ManifestLoader {
    /// Loads the manifests of a document that is already parsed (for example a template whose scalars were
    /// substituted after parsing), exactly as ``load(contents:source:)`` loads a parsed document.
    package static func load(document: PositionedValue, source: String) throws(DecodeError) -> ManifestLoadResult {
        var result = ManifestLoadResult()
        try collect(document, inherited: nil, depth: 0, source: source, into: &result)
        return result
    }
}

extension PositionedValue {
    /// The content a plain (unquoted, untagged) YAML scalar written as `text` has.
    package static func plainScalarContent(_ text: String) -> Content { ScalarResolver.resolvePlain(text) }
}
