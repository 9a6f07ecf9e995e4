import KubeDecoding
import SchedulerFramework

/// Upstream's validation of a decoded configuration (`pkg/scheduler/apis/config/validation`).
extension ConfigurationBuilder {
    /// Upstream's `ValidateKubeSchedulerConfiguration`, in its order, plus the framework's profile checks.
    mutating func validate(_ configuration: SchedulerConfiguration, _ v1: V1Configuration) {
        let client = configuration.clientConnection
        if client.burst < 0 {
            invalid([.key("clientConnection"), .key("burst")], String(client.burst), "must be non-negative")
        }
        validateLeaderElection(configuration.leaderElection, v1.leaderElection)
        if configuration.parallelism <= 0 {
            invalid(
                [.key("parallelism")],
                String(configuration.parallelism),
                "should be an integer value greater than zero"
            )
        }

        var names: [String: Int] = [:]
        for (index, profile) in configuration.profiles.enumerated() {
            let path: [PathComponent] = [.key("profiles"), .index(index)]
            let v1Profile = (v1.profiles ?? []).indices.contains(index) ? v1.profiles?[index] : nil
            validateProfile(profile, v1Profile, path: path)
            if let first = names[profile.schedulerName] {
                fail(
                    path + [.key("schedulerName")],
                    "Duplicate value: \(quoted(profile.schedulerName)) (also the name of profiles[\(first)])"
                )
            } else {
                names[profile.schedulerName] = index
            }
        }
        validateCommonQueueSort(configuration.profiles)

        validatePercentage([.key("percentageOfNodesToScore")], configuration.percentageOfNodesToScore)
        if configuration.podInitialBackoffSeconds <= 0 {
            invalid(
                [.key("podInitialBackoffSeconds")],
                String(configuration.podInitialBackoffSeconds),
                "must be greater than 0"
            )
        }
        if configuration.podMaxBackoffSeconds < configuration.podInitialBackoffSeconds {
            invalid(
                [.key("podMaxBackoffSeconds")],
                String(configuration.podMaxBackoffSeconds),
                "must be greater than or equal to PodInitialBackoffSeconds"
            )
        }
        validateExtenders(configuration.extenders)
    }

    mutating func validateLeaderElection(_ election: SchedulerConfiguration.LeaderElection, _ v1: V1LeaderElection?) {
        let path: [PathComponent] = [.key("leaderElection")]
        guard election.leaderElect else { return }
        // Compare the durations as written (in nanoseconds), after the same zero-means-default rule.
        func effective(_ value: GoDuration?, _ fallbackSeconds: Int64) -> GoDuration {
            guard let value, value.nanoseconds != 0 else { return GoDuration(seconds: fallbackSeconds) }
            return value
        }
        let lease = effective(v1?.leaseDuration, 15)
        let renew = effective(v1?.renewDeadline, 10)
        let retry = effective(v1?.retryPeriod, 2)
        if lease.nanoseconds <= 0 {
            invalid(path + [.key("leaseDuration")], lease.description, "must be greater than zero")
        }
        if renew.nanoseconds <= 0 {
            invalid(path + [.key("renewDeadline")], renew.description, "must be greater than zero")
        }
        if retry.nanoseconds <= 0 {
            invalid(path + [.key("retryPeriod")], retry.description, "must be greater than zero")
        }
        if lease <= renew {
            // Upstream reports the renew deadline as the value here.
            invalid(path + [.key("leaseDuration")], renew.description, "must be greater than `RenewDeadline`")
        }
        if election.resourceLock != "leases" {
            invalid(
                path + [.key("resourceLock")],
                quoted(election.resourceLock),
                "resourceLock value must be \"leases\""
            )
        }
    }

    mutating func validatePercentage(_ path: [PathComponent], _ value: Int?) {
        guard let value, value < 0 || value > 100 else { return }
        invalid(path, String(value), "not in valid range [0-100]")
    }

    mutating func validateProfile(_ profile: SchedulerConfiguration.Profile, _ v1: V1Profile?, path: [PathComponent]) {
        if profile.schedulerName.isEmpty {
            fail(path + [.key("schedulerName")], "Required value")
        }
        validatePercentage(path + [.key("percentageOfNodesToScore")], profile.percentageOfNodesToScore)

        // Plugins named in the profile's own lists (indices as written).
        let custom = v1?.plugins.map(Self.plugins(from:)) ?? Plugins()
        for point in ExtensionPoint.allCases {
            let pointPath = path + [.key("plugins"), .key(point.rawValue)]
            var seen: Set<String> = []
            for (index, entry) in custom[point].enabled.enumerated() {
                let entryPath = pointPath + [.key("enabled"), .index(index)]
                if DefaultPlugins.removedPlugins.contains(entry.name) {
                    invalid(
                        entryPath,
                        quoted(entry.name),
                        "was invalid in version \(quoted(ConfigurationLoader.apiVersion)) (KubeSchedulerConfiguration is version \(quoted(ConfigurationLoader.apiVersion)))"
                    )
                } else if !registry.contains(entry.name) {
                    let kind = point == .multiPoint ? "plugin" : "\(point.displayName)Plugin"
                    var detail = "\(kind) \(quoted(entry.name)) does not exist"
                    if DefaultPlugins.upstreamInTreePlugins.contains(entry.name) {
                        detail += " (an upstream plugin that swift-kube-scheduler does not implement yet)"
                    }
                    invalid(entryPath, quoted(entry.name), detail)
                } else if seen.contains(entry.name) {
                    fail(
                        entryPath,
                        "Duplicate value: \(quoted(entry.name)) (a plugin can be enabled once per extension point)"
                    )
                }
                seen.insert(entry.name)
            }
        }

        // pluginConfig: duplicates, removed plugins, then each plugin's own args validation.
        var seenConfig: Set<String> = []
        for (index, entry) in (v1?.pluginConfig ?? []).enumerated() {
            let entryPath = path + [.key("pluginConfig"), .index(index)]
            let name = entry.name ?? ""
            if seenConfig.contains(name) {
                fail(entryPath, "Duplicate value: \(quoted(name))")
                continue
            }
            seenConfig.insert(name)
            if DefaultPlugins.removedPlugins.contains(name) {
                invalid(
                    entryPath,
                    quoted(name),
                    "was invalid in version \(quoted(ConfigurationLoader.apiVersion)) (KubeSchedulerConfiguration is version \(quoted(ConfigurationLoader.apiVersion)))"
                )
                continue
            }
            guard let registered = registry[name] else {
                let reason =
                    DefaultPlugins.upstreamInTreePlugins.contains(name)
                    ? "swift-kube-scheduler does not implement plugin \(quoted(name)) yet"
                    : "no plugin \(quoted(name)) is registered"
                warn(entryPath, "\(reason); its args are ignored")
                continue
            }
            guard registered.takesArgs else {
                if let args = entry.args, !args.isNull {
                    warn(entryPath + [.key("args")], "plugin \(quoted(name)) takes no args; they are ignored")
                }
                continue
            }
            guard let args = profile.pluginConfig[name] as? ConfigPluginArgs else { continue }
            validateArgs(args, entry: registered)
        }
    }

    /// Decodes and validates one plugin's args through its registry entry.
    mutating func validateArgs(_ args: ConfigPluginArgs, entry: PluginRegistry.Entry) {
        do {
            try entry.validateArgs(args)
        } catch let error as DecodeError {
            fail(error)
        } catch let error as PluginArgsError {
            let fieldPath = [PathComponent](parsingFieldPath: error.field)
            let path = args.path + fieldPath
            let position = args.value.nearestPosition(along: fieldPath) ?? root.nearestPosition(along: args.path)
            problems.append(ConfigurationProblem(position: position, text: "\(path.fieldPath): \(error.message)"))
        } catch {
            fail(args.path, String(describing: error))
        }
    }

    /// Upstream's `validateCommonQueueSort`: every profile must use profile 0's queueSort set and args.
    mutating func validateCommonQueueSort(_ profiles: [SchedulerConfiguration.Profile]) {
        guard let first = profiles.first else { return }
        let canon = first.plugins[.queueSort]
        if canon.enabled.count > 1 {
            invalid(
                [.key("profiles"), .index(0), .key("plugins"), .key("queueSort"), .key("Enabled")],
                String(canon.enabled.count),
                "only one queue sort plugin can be enabled"
            )
        }
        let queueSortName = canon.enabled.first?.name ?? ""
        let canonArgs = (first.pluginConfig[queueSortName] as? ConfigPluginArgs)?.value
        for (index, profile) in profiles.enumerated().dropFirst() {
            let current = profile.plugins[.queueSort]
            if current != canon {
                invalid(
                    [.key("profiles"), .index(index), .key("plugins"), .key("queueSort")],
                    Self.describe(current),
                    "must be the same for all profiles"
                )
            }
            // Upstream compares the args of every entry named like profile 0's queue sort plugin.
            if let args = profile.pluginConfig[queueSortName] as? ConfigPluginArgs, canonArgs != args.value {
                invalid(args.path, args.value.description, "queueSort must be the same for all profiles")
            }
        }
    }

    static func describe(_ set: PluginSet) -> String {
        let enabled = set.enabled.map { $0.weight == 0 ? $0.name : "\($0.name)(weight \($0.weight))" }
        return "{enabled: [\(enabled.joined(separator: ", "))], disabled: [\(set.disabled.joined(separator: ", "))]}"
    }

    /// Upstream's `validateExtenders`.
    mutating func validateExtenders(_ extenders: [SchedulerConfiguration.Extender]) {
        var binders = 0
        var managed: Set<String> = []
        for (index, extender) in extenders.enumerated() {
            let path: [PathComponent] = [.key("extenders"), .index(index)]
            if !extender.prioritizeVerb.isEmpty && extender.weight <= 0 {
                invalid(path + [.key("weight")], String(extender.weight), "must have a positive weight applied to it")
            }
            if !extender.bindVerb.isEmpty { binders += 1 }
            for (resourceIndex, resource) in extender.managedResources.enumerated() {
                let namePath = path + [.key("managedResources"), .index(resourceIndex), .key("name")]
                let nameErrors = ResourceNames.qualifiedNameErrors(resource.name)
                for message in nameErrors { invalid(namePath, quoted(resource.name), message) }
                if nameErrors.isEmpty && !ResourceNames.isExtendedResourceName(resource.name) {
                    invalid(namePath, quoted(resource.name), "is an invalid extended resource name")
                }
                if managed.contains(resource.name) {
                    invalid(namePath, quoted(resource.name), "duplicate extender managed resource name")
                }
                managed.insert(resource.name)
            }
        }
        if binders > 1 {
            invalid(
                [.key("extenders")],
                quoted("found \(binders) extenders implementing bind"),
                "only one extender can implement bind"
            )
        }
    }
}
