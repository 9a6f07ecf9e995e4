import SchedulerFramework

/// `VolumeBindingArgs` (kubescheduler.config.k8s.io/v1).
package struct VolumeBindingArgs: PluginArgs, Equatable {
    /// One point of the capacity-score function: utilization (0–100) → score (0–10).
    package struct UtilizationShapePoint: Codable, Sendable, Equatable {
        package var utilization: Int32
        package var score: Int32
        package init(utilization: Int32, score: Int32) {
            self.utilization = utilization
            self.score = score
        }
    }

    /// How long PreBind waits for the PV controller to bind every claim. Default 600.
    package var bindTimeoutSeconds: Int64
    /// The capacity-score function; only with the StorageCapacityScoring feature (off by default in v1.35),
    /// so upstream rejects it otherwise.
    package var shape: [UtilizationShapePoint]?

    package init(bindTimeoutSeconds: Int64 = 600, shape: [UtilizationShapePoint]? = nil) {
        self.bindTimeoutSeconds = bindTimeoutSeconds
        self.shape = shape
    }

    package static var defaults: VolumeBindingArgs { VolumeBindingArgs() }

    enum CodingKeys: String, CodingKey { case bindTimeoutSeconds, shape }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bindTimeoutSeconds = try c.decodeIfPresent(Int64.self, forKey: .bindTimeoutSeconds) ?? 600
        shape = try c.decodeIfPresent([UtilizationShapePoint].self, forKey: .shape)
    }

    /// Upstream's `ValidateVolumeBindingArgsWithOptions` with StorageCapacityScoring off (its v1.35 default).
    package func validate() throws(PluginArgsError) {
        try validate(storageCapacityScoring: false)
    }

    /// The validation with the feature gate given.
    package func validate(storageCapacityScoring: Bool) throws(PluginArgsError) {
        if bindTimeoutSeconds < 0 {
            throw PluginArgsError(
                field: "bindTimeoutSeconds",
                "Invalid value: \(bindTimeoutSeconds): invalid BindTimeoutSeconds, should not be a negative value"
            )
        }
        guard let shape else { return }
        guard storageCapacityScoring else {
            throw PluginArgsError(field: "shape", "Invalid value: \(Self.describe(shape)): unsupported shape parameter")
        }
        guard !shape.isEmpty else {
            throw PluginArgsError(field: "shape", "Required value: at least one point must be specified")
        }
        for (i, point) in shape.enumerated() {
            if i > 0, point.utilization <= shape[i - 1].utilization {
                throw PluginArgsError(
                    field: "shape[\(i)].utilization",
                    "Invalid value: \(point.utilization): Invalid value: \(point.utilization): utilization values must be sorted in strictly increasing order"
                )
            }
            if point.utilization < 0 || point.utilization > 100 {
                throw PluginArgsError(
                    field: "shape[\(i)].utilization",
                    "Invalid value: \(point.utilization): not in valid range [0, 100]"
                )
            }
            if point.score < 0 || point.score > 10 {
                throw PluginArgsError(
                    field: "shape[\(i)].score",
                    "Invalid value: \(point.score): not in valid range [0, 10]"
                )
            }
        }
    }

    private static func describe(_ shape: [UtilizationShapePoint]) -> String {
        "[]config.UtilizationShapePoint{"
            + shape.map { "config.UtilizationShapePoint{Utilization:\($0.utilization), Score:\($0.score)}" }.joined(
                separator: ", "
            ) + "}"
    }
}
