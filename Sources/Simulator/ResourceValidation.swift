import KubeAPI

extension APIServerDefaults {
    /// What the API server's validation says of a pod's container resources (`ValidateResourceRequirements`, run
    /// after defaulting): names that are no container resource, negative quantities, extended resources that are
    /// fractional, lack a limit or differ from it, and requests above their limit. Each entry reads as upstream's
    /// field error (`path: Invalid value: "v": why`); the containers come first, then the init containers.
    static func resourceErrors(of pod: Pod) -> [String] {
        var errors: [String] = []
        for (index, container) in pod.spec.containers.enumerated() {
            errors += resourceErrors(of: container.resources, path: "spec.containers[\(index)].resources")
        }
        for (index, container) in (pod.spec.initContainers ?? []).enumerated() {
            errors += resourceErrors(of: container.resources, path: "spec.initContainers[\(index)].resources")
        }
        return errors
    }

    /// The message the API server refuses a pod with: `Pod "NAME" is invalid: ` then the one error, or the list.
    static func invalidPodMessage(_ pod: Pod, errors: [String]) -> String {
        let body = errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
        return "Pod \"\(pod.name)\" is invalid: \(body)"
    }

    private static func resourceErrors(of requirements: ResourceRequirements?, path: String) -> [String] {
        guard let requirements else { return [] }
        let limits = requirements.limits ?? [:]
        let requests = requirements.requests ?? [:]
        var errors: [String] = []
        // Go ranges over maps in random order; sorted names keep the message stable.
        for name in limits.keys.sorted() {
            guard let quantity = limits[name] else { continue }
            errors += quantityErrors(name: name, quantity: quantity, path: "\(path).limits[\(name)]")
        }
        for name in requests.keys.sorted() {
            guard let quantity = requests[name] else { continue }
            errors += quantityErrors(name: name, quantity: quantity, path: "\(path).requests[\(name)]")
            let overcommitAllowed = isNative(name) && !name.hasPrefix("hugepages-")
            if let limit = limits[name] {
                if !overcommitAllowed && quantity.nanoValue != limit.nanoValue {
                    errors.append(
                        "\(path).requests: Invalid value: \"\(quantity)\": must be equal to \(name) limit of \(limit)"
                    )
                } else if quantity.nanoValue > limit.nanoValue {
                    errors.append(
                        "\(path).requests: Invalid value: \"\(quantity)\": must be less than or equal to \(name) "
                            + "limit of \(limit)"
                    )
                }
            } else if !overcommitAllowed {
                errors.append("\(path).limits: Required value: Limit must be set for non overcommitable resources")
            }
        }
        return errors
    }

    /// `validateContainerResourceName` and `ValidateResourceQuantityValue` for one entry.
    private static func quantityErrors(name: String, quantity: Quantity, path: String) -> [String] {
        var errors = NameValidation.qualifiedNameErrors(name).map { "\(path): Invalid value: \"\(name)\": \($0)" }
        if !name.contains("/") {
            // `validateResourceName` first (any resource the API knows), then the container check.
            if errors.isEmpty && !standardResources.contains(name) && !name.hasPrefix("hugepages-") {
                errors.append(
                    "\(path): Invalid value: \"\(name)\": must be a standard resource type or fully qualified"
                )
            }
            let container: Set<String> = [ResourceName.cpu, ResourceName.memory, ResourceName.ephemeralStorage]
            if !container.contains(name) && !name.hasPrefix("hugepages-") {
                errors.append("\(path): Invalid value: \"\(name)\": must be a standard resource for containers")
            }
        } else if !isNative(name) && !isExtended(name) {
            errors.append("\(path): Invalid value: \"\(name)\": doesn't follow extended resource name standard")
        }
        if quantity.nanoValue < 0 {
            errors.append("\(path): Invalid value: \"\(quantity)\": must be greater than or equal to 0")
        }
        if isExtended(name) && quantity.milliValue % 1000 != 0 {
            errors.append("\(path): Invalid value: \"\(quantity)\": must be an integer")
        }
        return errors
    }

    /// `standardResources`: the resource names the API knows without a domain.
    private static let standardResources: Set<String> = [
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "quotas", "services",
        "replicationcontrollers", "secrets", "persistentvolumeclaims", "configmaps", "services.nodeports",
        "services.loadbalancers",
    ]

    /// `IsNativeResource`: no domain, or a `kubernetes.io` one.
    private static func isNative(_ name: String) -> Bool {
        !name.contains("/") || name.contains("kubernetes.io/")
    }

    /// `IsExtendedResourceName`: not native, not quota-prefixed, and a qualified name with `requests.` in front.
    private static func isExtended(_ name: String) -> Bool {
        guard !isNative(name), !name.hasPrefix("requests.") else { return false }
        return NameValidation.qualifiedNameErrors("requests." + name).isEmpty
    }
}
