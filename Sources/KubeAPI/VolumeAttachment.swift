/// `storage.k8s.io/v1` VolumeAttachment: the attach/detach controller's record that a volume is (being) attached
/// to a node. NodeVolumeLimits counts them, so a volume still detaching from a deleted pod keeps its slot.
public struct VolumeAttachment: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: VolumeAttachmentSpec
    public var status: VolumeAttachmentStatus?

    public init(name: String, spec: VolumeAttachmentSpec) {
        self.apiVersion = "storage.k8s.io/v1"
        self.kind = "VolumeAttachment"
        self.metadata = ObjectMeta(name: name)
        self.spec = spec
    }
}

public struct VolumeAttachmentSpec: Codable, Sendable, Hashable {
    /// The CSI driver that attaches the volume.
    public var attacher: String
    public var source: VolumeAttachmentSource
    public var nodeName: String

    public init(attacher: String, source: VolumeAttachmentSource, nodeName: String) {
        self.attacher = attacher
        self.source = source
        self.nodeName = nodeName
    }
}

/// What is attached: a PV by name, or an inline volume translated to a PV spec (CSI migration).
public struct VolumeAttachmentSource: Codable, Sendable, Hashable {
    public var persistentVolumeName: String?
    public var inlineVolumeSpec: PersistentVolumeSpec?

    public init(persistentVolumeName: String? = nil, inlineVolumeSpec: PersistentVolumeSpec? = nil) {
        self.persistentVolumeName = persistentVolumeName
        self.inlineVolumeSpec = inlineVolumeSpec
    }
}

public struct VolumeAttachmentStatus: Codable, Sendable, Hashable {
    public var attached: Bool?
    public var attachmentMetadata: [String: String]?

    public init(attached: Bool? = nil) { self.attached = attached }
}
