/// The framework's extension points, in the order a pod meets them, and `multiPoint` (the configuration's
/// shorthand that enables a plugin at every point it implements). The raw value is the key in a profile's
/// `plugins` block; ``displayName`` is upstream's name in messages and metric labels.
public enum ExtensionPoint: String, Sendable, CaseIterable, Hashable {
    case preEnqueue, queueSort, preFilter, filter, postFilter, preScore, score, reserve, permit, preBind, bind,
        postBind, multiPoint

    /// Upstream's capitalised name, as in messages (`PreFilter`).
    public var displayName: String {
        switch self {
        case .preEnqueue: "PreEnqueue"
        case .queueSort: "QueueSort"
        case .preFilter: "PreFilter"
        case .filter: "Filter"
        case .postFilter: "PostFilter"
        case .preScore: "PreScore"
        case .score: "Score"
        case .reserve: "Reserve"
        case .permit: "Permit"
        case .preBind: "PreBind"
        case .bind: "Bind"
        case .postBind: "PostBind"
        case .multiPoint: "MultiPoint"
        }
    }
}
