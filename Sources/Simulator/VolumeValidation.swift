import KubeAPI

extension APIServerDefaults {
    /// Why the API server would refuse each PersistentVolume and PersistentVolumeClaim among `objects`, in its
    /// words (`PersistentVolumeClaim "data" is invalid: spec.resources[storage]: Required value`): the fields
    /// scheduling reads — access modes, volume mode, the claim's storage request and the volume's capacity.
    /// A claim the API server never stored would leave its pods waiting for a claim that is not there, so
    /// `simulate` stops at the manifest instead.
    package static func volumeErrors(in objects: [KubeObject]) -> [String] {
        objects.compactMap { object in
            switch object {
            case .persistentVolumeClaim(let claim):
                let errors = claimErrors(claim.spec)
                return errors.isEmpty ? nil : invalidMessage("PersistentVolumeClaim", claim.metadata.name, errors)
            case .persistentVolume(let volume):
                let errors = persistentVolumeErrors(volume.spec)
                return errors.isEmpty ? nil : invalidMessage("PersistentVolume", volume.metadata.name, errors)
            default:
                return nil
            }
        }
    }

    private static func invalidMessage(_ kind: String, _ name: String, _ errors: [String]) -> String {
        let body = errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]"
        return "\(kind) \"\(name)\" is invalid: \(body)"
    }

    /// `ValidatePersistentVolumeClaimSpec`, the parts scheduling depends on.
    private static func claimErrors(_ spec: PersistentVolumeClaimSpec?) -> [String] {
        let modes = spec?.accessModes ?? []
        var errors = accessModeErrors(modes, required: "at least 1 access mode is required")
        errors += volumeModeErrors(spec?.volumeMode)
        if let storage = spec?.resources?.requests?[ResourceName.storage] {
            if storage.nanoValue <= 0 {
                errors.append("spec.resources[storage]: Invalid value: \"\(storage)\": must be greater than zero")
            }
        } else {
            errors.append("spec.resources[storage]: Required value")
        }
        return errors
    }

    /// `ValidatePersistentVolumeSpec`, the parts scheduling depends on.
    private static func persistentVolumeErrors(_ spec: PersistentVolumeSpec?) -> [String] {
        var errors = accessModeErrors(spec?.accessModes ?? [], required: nil)
        let capacity = spec?.capacity ?? [:]
        if capacity.isEmpty {
            errors.append("spec.capacity: Required value")
        } else if capacity[ResourceName.storage] == nil || capacity.count > 1 {
            errors.append(
                "spec.capacity: Unsupported value: \(capacity.keys.sorted()): supported values: \"storage\""
            )
        }
        for name in capacity.keys.sorted() {
            guard let quantity = capacity[name], quantity.nanoValue <= 0 else { continue }
            errors.append("spec.capacity[\(name)]: Invalid value: \"\(quantity)\": must be greater than zero")
        }
        errors += volumeModeErrors(spec?.volumeMode)
        return errors
    }

    private static let supportedAccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]

    /// Access modes: at least one (`required` is the detail, if any), each a supported one, and
    /// `ReadWriteOncePod` alone.
    private static func accessModeErrors(_ modes: [String], required: String?) -> [String] {
        if modes.isEmpty {
            return ["spec.accessModes: Required value" + (required.map { ": \($0)" } ?? "")]
        }
        let supported = supportedAccessModes.map { "\"\($0)\"" }.joined(separator: ", ")
        var errors = modes.filter { !supportedAccessModes.contains($0) }.map {
            "spec.accessModes: Unsupported value: \"\($0)\": supported values: \(supported)"
        }
        if modes.contains("ReadWriteOncePod") && modes.count > 1 {
            errors.append(
                "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"
            )
        }
        return errors
    }

    private static func volumeModeErrors(_ mode: String?) -> [String] {
        guard let mode, mode != "Block", mode != "Filesystem" else { return [] }
        return ["spec.volumeMode: Unsupported value: \"\(mode)\": supported values: \"Block\", \"Filesystem\""]
    }
}
