import KubeAPI

/// Kubernetes name checks used by extender validation (`k8s.io/apimachinery/pkg/util/validation`).
enum ResourceNames {
    static func qualifiedNameErrors(_ value: String) -> [String] { NameValidation.qualifiedNameErrors(value) }

    /// `v1helper.IsExtendedResourceName`: not a native resource (no domain, or a `kubernetes.io/` one), not
    /// `requests.`-prefixed, and still a qualified name with `requests.` in front.
    static func isExtendedResourceName(_ name: String) -> Bool {
        let isNative = !name.contains("/") || name.contains("kubernetes.io/")
        if isNative || name.hasPrefix("requests.") { return false }
        return qualifiedNameErrors("requests." + name).isEmpty
    }
}
