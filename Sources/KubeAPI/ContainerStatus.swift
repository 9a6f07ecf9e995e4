/// The part of `v1.ContainerStatus` the scheduler reads: the resources the kubelet allocated to a
/// container and the ones it actuated (in-place pod resize, GA in v1.35).
public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    /// `allocatedResources`: the requests the node has admitted.
    public var allocatedResources: ResourceList?
    /// `resources`: the requests and limits the runtime reports as configured.
    public var resources: ResourceRequirements?

    public init(name: String, allocatedResources: ResourceList? = nil, resources: ResourceRequirements? = nil) {
        self.name = name
        self.allocatedResources = allocatedResources
        self.resources = resources
    }

    enum CodingKeys: String, CodingKey { case name, allocatedResources, resources }

    /// Lenient: a status without a name (hand-written manifests) matches no container.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        allocatedResources = try c.decodeIfPresent(ResourceList.self, forKey: .allocatedResources)
        resources = try c.decodeIfPresent(ResourceRequirements.self, forKey: .resources)
    }
}

extension Pod {
    /// The status of the container called `name`, app containers first (`findContainerStatus`).
    public func containerStatus(named name: String) -> ContainerStatus? {
        if let status = status?.containerStatuses?.first(where: { $0.name == name }) { return status }
        return status?.initContainerStatuses?.first(where: { $0.name == name })
    }

    /// A resize the kubelet found infeasible (`PodResizePending` with reason `Infeasible`).
    public var isResizeInfeasible: Bool {
        guard let condition = status?.conditions?.first(where: { $0.type == "PodResizePending" }) else { return false }
        return condition.reason == "Infeasible"
    }

    /// Whether any container reports allocated or actuated resources.
    public var hasContainerResourceStatus: Bool {
        guard let status else { return false }
        let reports: (ContainerStatus) -> Bool = { $0.allocatedResources != nil || $0.resources?.requests != nil }
        return status.containerStatuses?.contains(where: reports) == true
            || status.initContainerStatuses?.contains(where: reports) == true
    }
}
