import KubeAPI

/// Pod request aggregation, as upstream's `resourcehelper.PodRequests` with in-place resize on (GA in
/// v1.35) and pod-level resources on.
///
/// Quantities are summed exactly (in billionths, as apimachinery's `Quantity.Add`) and rounded once when
/// the total becomes a ``Resource``: cpu up to a millicore, the rest up to a unit. Two containers asking
/// for `0.5m` cpu request 1m between them, not 2m.
public enum PodRequests {
    /// Upstream's defaults for containers that do not request cpu or memory (scoring only).
    public static let defaultMilliCPURequest: Int64 = 100
    public static let defaultMemoryRequest: Int64 = 200 * 1024 * 1024

    /// The effective request of `pod`: the larger of (app containers + sidecars) and, for each init
    /// container, its request plus the sidecars started before it — taken per resource as the maximum of
    /// the spec, the kubelet's allocated and its actuated resources (only the last two when a resize is
    /// `Infeasible`); then pod-level requests for cpu, memory and `hugepages-*` if set; plus `overhead`.
    ///
    /// With `nonMissingDefaults`, containers that omit cpu or memory count upstream's defaults
    /// (100m, 200Mi) for that resource, as the node's `NonZeroRequested` does; when pod-level requests are
    /// set, only for a resource that neither the pod level nor any container names.
    public static func compute(_ pod: Pod, nonMissingDefaults: Bool = false) -> Resource {
        if let resource = roundedSum(pod, nonMissingDefaults: nonMissingDefaults) { return resource }
        let requests = list(pod)
        guard nonMissingDefaults else { return requests.resource }
        var defaults = ExactResources()
        if !isPodLevelRequestsSet(pod) || requests.values[ResourceName.cpu] == nil {
            defaults.values[ResourceName.cpu] = Int128(defaultMilliCPURequest) * 1_000_000
        }
        if !isPodLevelRequestsSet(pod) || requests.values[ResourceName.memory] == nil {
            defaults.values[ResourceName.memory] = Int128(defaultMemoryRequest) * Quantity.nanosPerUnit
        }
        if defaults.values.isEmpty { return requests.resource }
        return list(pod, nonMissing: defaults).resource
    }

    /// Whether the update from `old` to `new` lowers or drops any resource request (`extractPodScaleDown`,
    /// compared at millis as upstream does).
    public static func isScaledDown(old: Pod, new: Pod) -> Bool {
        let before = list(old)
        let after = list(new)
        for (name, amount) in before.values {
            guard let now = after.values[name] else { return true }
            if Quantity.millis(fromNanos: amount) > Quantity.millis(fromNanos: now) { return true }
        }
        return false
    }

    /// Resources that pod-level `spec.resources` may set (`IsSupportedPodLevelResource`).
    public static func isSupportedPodLevelResource(_ name: String) -> Bool {
        name == ResourceName.cpu || name == ResourceName.memory || name.hasPrefix("hugepages-")
    }

    /// `spec.resources.requests` names a supported resource (`IsPodLevelRequestsSet`).
    public static func isPodLevelRequestsSet(_ pod: Pod) -> Bool {
        guard let requests = pod.spec.resources?.requests else { return false }
        return requests.keys.contains(where: isSupportedPodLevelResource)
    }

    // MARK: - Fast path

    /// The common case without dictionaries: no status resources, no pod-level requests, and every quantity a
    /// whole number of its unit (millicores for cpu, units otherwise), so summing rounded values is summing
    /// exactly. nil when any of that does not hold.
    private static func roundedSum(_ pod: Pod, nonMissingDefaults: Bool) -> Resource? {
        guard !isPodLevelRequestsSet(pod), !pod.hasContainerResourceStatus, !pod.isResizeInfeasible else { return nil }
        func exact(_ list: ResourceList?) -> Bool {
            guard let list else { return true }
            for (name, quantity) in list {
                let unit: Int128 = name == ResourceName.cpu ? 1_000_000 : Quantity.nanosPerUnit
                if quantity.nanoValue % unit != 0 { return false }
            }
            return true
        }
        for container in pod.spec.containers where !exact(container.resources?.requests) { return nil }
        for container in pod.spec.initContainers ?? [] where !exact(container.resources?.requests) { return nil }
        guard exact(pod.spec.overhead) else { return nil }

        func containerRequest(_ container: Container) -> Resource {
            var resource = Resource(container.resources?.requests)
            if nonMissingDefaults {
                let requests = container.resources?.requests
                if requests?[ResourceName.cpu] == nil { resource.milliCPU = defaultMilliCPURequest }
                if requests?[ResourceName.memory] == nil { resource.memory = defaultMemoryRequest }
            }
            return resource
        }
        var regular = Resource()
        for container in pod.spec.containers { regular.add(containerRequest(container)) }
        if let initContainers = pod.spec.initContainers, !initContainers.isEmpty {
            var sidecars = Resource()
            var initMax = Resource()
            for container in initContainers {
                let request = containerRequest(container)
                if container.isSidecar {
                    sidecars.add(request)
                    regular.add(request)
                    initMax.setMax(sidecars)
                } else {
                    var inUse = request
                    inUse.add(sidecars)
                    initMax.setMax(inUse)
                }
            }
            regular.setMax(initMax)
        }
        if let overhead = pod.spec.overhead { regular.add(Resource(overhead)) }
        regular.allowedPodNumber = 0
        return regular
    }

    // MARK: - Exact aggregation

    /// The request as a resource list of exact amounts (upstream's `v1.ResourceList`): a resource is
    /// present when any container, the pod level or the overhead names it.
    static func list(_ pod: Pod, nonMissing: ExactResources = ExactResources()) -> ExactResources {
        let infeasible = pod.isResizeInfeasible
        var result = aggregate(pod, nonMissing: nonMissing) { container, _ in container.resources?.requests }
        if infeasible || pod.hasContainerResourceStatus {
            let allocated = aggregate(pod, nonMissing: nonMissing) { container, status in
                if let allocated = status?.allocatedResources { return allocated }
                return infeasible ? nil : container.resources?.requests
            }
            let actuated = aggregate(pod, nonMissing: nonMissing) { container, status in
                if let actuated = status?.resources?.requests { return actuated }
                if let allocated = status?.allocatedResources { return allocated }
                return infeasible ? nil : container.resources?.requests
            }
            if infeasible { result = ExactResources() }
            result.setMax(actuated)
            result.setMax(allocated)
        }
        if isPodLevelRequestsSet(pod), let podLevel = pod.spec.resources?.requests {
            for (name, quantity) in podLevel where isSupportedPodLevelResource(name) {
                result.values[name] = quantity.nanoValue
            }
        }
        if let overhead = pod.spec.overhead { result.add(overhead) }
        return result
    }

    /// Regular containers plus sidecars, against each init container's in-use amount; `source` picks a
    /// container's list (spec, allocated or actuated).
    private static func aggregate(
        _ pod: Pod,
        nonMissing: ExactResources,
        source: (Container, ContainerStatus?) -> ResourceList?
    ) -> ExactResources {
        let withStatus = pod.hasContainerResourceStatus
        func containerList(_ container: Container) -> ExactResources {
            var list = ExactResources(source(container, withStatus ? pod.containerStatus(named: container.name) : nil))
            for (name, amount) in nonMissing.values where list.values[name] == nil { list.values[name] = amount }
            return list
        }
        var regular = ExactResources()
        for container in pod.spec.containers { regular.add(containerList(container)) }
        var sidecars = ExactResources()
        var initMax = ExactResources()
        for container in pod.spec.initContainers ?? [] {
            let request = containerList(container)
            if container.isSidecar {
                regular.add(request)
                sidecars.add(request)
                initMax.setMax(sidecars)
            } else {
                var inUse = request
                inUse.add(sidecars)
                initMax.setMax(inUse)
            }
        }
        regular.setMax(initMax)
        return regular
    }
}

/// A resource list of exact amounts in billionths.
struct ExactResources {
    var values: [String: Int128] = [:]

    init() {}

    init(_ list: ResourceList?) {
        guard let list else { return }
        values.reserveCapacity(list.count)
        for (name, quantity) in list { values[name] = quantity.nanoValue }
    }

    mutating func add(_ other: ExactResources) {
        for (name, amount) in other.values { values[name, default: 0] += amount }
    }

    mutating func add(_ list: ResourceList) {
        for (name, quantity) in list { values[name, default: 0] += quantity.nanoValue }
    }

    /// Per-resource maximum over the union of names (`maxResourceList`).
    mutating func setMax(_ other: ExactResources) {
        for (name, amount) in other.values {
            if let current = values[name], current >= amount { continue }
            values[name] = amount
        }
    }

    /// Rounded once: cpu by `MilliValue`, memory, storage and scalar resources by `Value`; `pods` and
    /// unknown names ignored (`framework.Resource.Add`).
    var resource: Resource {
        var resource = Resource()
        for (name, amount) in values {
            switch name {
            case ResourceName.cpu: resource.milliCPU = Quantity.millis(fromNanos: amount)
            case ResourceName.memory: resource.memory = Quantity.units(fromNanos: amount)
            case ResourceName.ephemeralStorage: resource.ephemeralStorage = Quantity.units(fromNanos: amount)
            default:
                if Resource.isScalarResourceName(name) {
                    resource.scalarResources[name] = Quantity.units(fromNanos: amount)
                }
            }
        }
        return resource
    }
}
