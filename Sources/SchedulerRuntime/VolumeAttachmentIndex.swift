import KubeAPI

/// VolumeAttachments by `spec.nodeName` (upstream's informer index for NodeVolumeLimits), with where each one
/// is filed so that an update that changes its node moves it.
struct VolumeAttachmentIndex {
    private(set) var byNode: [String: [String: VolumeAttachment]] = [:]
    private var nodeOf: [String: String] = [:]

    mutating func upsert(_ attachment: VolumeAttachment) {
        let name = attachment.metadata.name
        if let old = nodeOf[name], old != attachment.spec.nodeName { remove(named: name) }
        byNode[attachment.spec.nodeName, default: [:]][name] = attachment
        nodeOf[name] = attachment.spec.nodeName
    }

    mutating func remove(named name: String) {
        guard let node = nodeOf.removeValue(forKey: name) else { return }
        byNode[node]?[name] = nil
        if byNode[node]?.isEmpty == true { byNode[node] = nil }
    }
}
