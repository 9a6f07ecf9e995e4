import KubeAPI

/// Requested or allocatable resources as integers: CPU in millicores, the rest in bytes or units.
///
/// Parsed once from quantities so that Filter and Score never touch strings.
public struct Resource: Sendable, Equatable {
    public var milliCPU: Int64 = 0
    public var memory: Int64 = 0
    public var ephemeralStorage: Int64 = 0
    /// Node side only: `allocatable.pods`.
    public var allowedPodNumber: Int64 = 0
    /// Extended resources, hugepages and other scalar resources. Usually empty.
    public var scalarResources: [String: Int64] = [:]

    public init() {}

    public init(
        milliCPU: Int64 = 0,
        memory: Int64 = 0,
        ephemeralStorage: Int64 = 0,
        allowedPodNumber: Int64 = 0,
        scalarResources: [String: Int64] = [:]
    ) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
        self.allowedPodNumber = allowedPodNumber
        self.scalarResources = scalarResources
    }

    /// Builds a resource from a resource list (`framework.NewResource`): cpu by `MilliValue`, the
    /// others by `Value`, `pods` into ``allowedPodNumber``, scalar resources kept, the rest ignored.
    public init(_ list: ResourceList?) {
        guard let list else { return }
        for (name, quantity) in list {
            switch name {
            case ResourceName.cpu: milliCPU = quantity.milliValue
            case ResourceName.memory: memory = quantity.value
            case ResourceName.ephemeralStorage: ephemeralStorage = quantity.value
            case ResourceName.pods: allowedPodNumber = quantity.value
            default:
                if Resource.isScalarResourceName(name) { scalarResources[name] = quantity.value }
            }
        }
    }

    /// Extended resources (`domain/name` outside `kubernetes.io/`), hugepages, native prefixed and
    /// attachable-volumes resources (`schedutil.IsScalarResourceName`).
    public static func isScalarResourceName(_ name: String) -> Bool {
        isExtendedResourceName(name) || name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-")
            || (name.contains("kubernetes.io/") && !name.hasPrefix("requests."))
    }

    /// `domain/name` outside the `kubernetes.io` domain and not quota-prefixed.
    public static func isExtendedResourceName(_ name: String) -> Bool {
        guard !name.contains("kubernetes.io/"), !name.hasPrefix("requests."), let slash = name.firstIndex(of: "/")
        else { return false }
        return slash != name.startIndex && name.index(after: slash) != name.endIndex
    }

    public mutating func add(_ other: Resource) {
        milliCPU += other.milliCPU
        memory += other.memory
        ephemeralStorage += other.ephemeralStorage
        allowedPodNumber += other.allowedPodNumber
        for (name, value) in other.scalarResources { scalarResources[name, default: 0] += value }
    }

    public mutating func subtract(_ other: Resource) {
        milliCPU -= other.milliCPU
        memory -= other.memory
        ephemeralStorage -= other.ephemeralStorage
        allowedPodNumber -= other.allowedPodNumber
        for (name, value) in other.scalarResources { scalarResources[name, default: 0] -= value }
    }

    /// Per-resource maximum (`SetMaxResource`).
    public mutating func setMax(_ other: Resource) {
        milliCPU = max(milliCPU, other.milliCPU)
        memory = max(memory, other.memory)
        ephemeralStorage = max(ephemeralStorage, other.ephemeralStorage)
        allowedPodNumber = max(allowedPodNumber, other.allowedPodNumber)
        for (name, value) in other.scalarResources { scalarResources[name] = max(scalarResources[name] ?? 0, value) }
    }

    /// The amount of `name` (a resource name such as `cpu` or `nvidia.com/gpu`).
    public func amount(of name: String) -> Int64 {
        switch name {
        case ResourceName.cpu: milliCPU
        case ResourceName.memory: memory
        case ResourceName.ephemeralStorage: ephemeralStorage
        case ResourceName.pods: allowedPodNumber
        default: scalarResources[name] ?? 0
        }
    }

    /// True when nothing at all is requested.
    public var isZero: Bool {
        milliCPU == 0 && memory == 0 && ephemeralStorage == 0 && scalarResources.isEmpty
    }
}
