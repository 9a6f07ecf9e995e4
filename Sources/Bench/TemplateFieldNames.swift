import KubeDecoding

/// Go's `encoding/json` (which scheduler_perf's `yaml.UnmarshalStrict` goes through) matches a JSON key to a
/// struct field case-insensitively when no exact match exists, so upstream templates may spell a field
/// `NodeTaintsPolicy` and still set `nodeTaintsPolicy` (SchedulingWithNodeInclusionPolicy's pod does). This
/// decoder is exact, so the bench rewrites such keys to their canonical spelling before decoding, where
/// upstream's own templates need it.
enum TemplateFieldNames {
    /// `v1.TopologySpreadConstraint`'s JSON field names.
    static let topologySpreadConstraint = [
        "maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector", "minDomains", "nodeAffinityPolicy",
        "nodeTaintsPolicy", "matchLabelKeys",
    ]

    /// `document` with the keys of `spec.topologySpreadConstraints[*]` respelled as Go would match them; nil when
    /// nothing changes.
    static func canonicalized(_ document: PositionedValue) -> PositionedValue? {
        guard let spec = document["spec"], let constraints = spec["topologySpreadConstraints"],
            let elements = constraints.elements
        else { return nil }
        var changed = false
        let respelled = elements.map { element -> PositionedValue in
            guard let entries = element.entries else { return element }
            let renamed = entries.map { entry -> PositionedValue.Entry in
                guard !topologySpreadConstraint.contains(entry.key),
                    let canonical = topologySpreadConstraint.first(where: {
                        $0.lowercased() == entry.key.lowercased()
                    }),
                    !entries.contains(where: { $0.key == canonical })
                else { return entry }
                changed = true
                var copy = entry
                copy.key = canonical
                return copy
            }
            return PositionedValue(.mapping(renamed), position: element.position)
        }
        guard changed else { return nil }
        let newSpec = ObjectTemplate.replacing(
            spec,
            key: "topologySpreadConstraints",
            with: PositionedValue(.sequence(respelled), position: constraints.position)
        )
        return ObjectTemplate.replacing(document, key: "spec", with: newSpec)
    }
}
