/// A plugin whose extension points are decided when it is loaded, not by its type — a WebAssembly guest
/// implements the points its module exports. The framework enables such a plugin only at the points it
/// claims, even though its type conforms to more protocols.
public protocol SelectiveExtensionPoints: Plugin {
    /// Whether the plugin serves `point`.
    func implements(_ point: ExtensionPoint) -> Bool
    /// Whether its Score results go through ``NormalizeScorePlugin/normalizeScores(state:pod:nodes:scores:)``.
    var implementsNormalizeScore: Bool { get }
}
