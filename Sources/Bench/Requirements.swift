import KubeAPI
import SchedulerConfig
import SchedulerFramework

/// Which plugins a workload's pods need for upstream's behaviour, compared with the plugins that exist.
package enum Requirements {
    /// A plugin a workload needs, and why.
    package struct Need: Sendable, Equatable {
        package var plugin: String
        package var reason: String
    }

    /// The plugins `workload`'s pods need: pod (anti-)affinity, topology spread, host ports, volumes, priorities.
    static func needs(for workload: ResolvedWorkload, templates: TemplateCache) -> [Need] {
        var pods: [Pod] = []
        var usesClaims = false
        func add(_ path: String?) {
            let template: ObjectTemplate?
            if let path = path ?? workload.testCase.defaultPodTemplatePath {
                template = try? templates.template(path)
            } else {
                template = nil
            }
            if let object = try? template?.instantiate(index: 0, count: 1, params: [:]).object,
                case .pod(let pod) = object
            {
                pods.append(pod)
            }
        }
        for operation in workload.operations {
            switch operation {
            case .createPods(let op):
                add(op.podTemplatePath)
                if op.persistentVolumeClaimTemplatePath != nil { usesClaims = true }
            case .createPodSets(let op):
                add(op.createPods.podTemplatePath)
                if op.createPods.persistentVolumeClaimTemplatePath != nil { usesClaims = true }
            case .churn(let op):
                for path in op.templatePaths {
                    if let object = try? templates.template(path).instantiate(index: 0, count: 1, params: [:]).object,
                        case .pod(let pod) = object
                    {
                        pods.append(pod)
                    }
                }
            default:
                break
            }
        }
        var needs: [Need] = []
        func need(_ plugin: String, _ reason: String) {
            if !needs.contains(where: { $0.plugin == plugin }) { needs.append(Need(plugin: plugin, reason: reason)) }
        }
        for pod in pods {
            let affinity = pod.spec.affinity
            if affinity?.podAffinity != nil || affinity?.podAntiAffinity != nil {
                need(PluginName.interPodAffinity, "pod affinity/anti-affinity")
            }
            if !(pod.spec.topologySpreadConstraints ?? []).isEmpty {
                need(PluginName.podTopologySpread, "topology spread constraints")
            }
            if !HostPort.ports(of: pod).isEmpty { need(PluginName.nodePorts, "host ports") }
            if (pod.spec.volumes ?? []).contains(where: { $0.persistentVolumeClaim != nil }) { usesClaims = true }
            if (pod.spec.priority ?? 0) > 0 || pod.spec.priorityClassName != nil {
                need(PluginName.defaultPreemption, "preemption of lower-priority pods")
            }
        }
        if usesClaims {
            need(PluginName.volumeBinding, "persistent volume claims")
            need(PluginName.volumeRestrictions, "volume restrictions")
            need(PluginName.nodeVolumeLimits, "attachable volume limits")
            need(PluginName.volumeZone, "volume zones")
        }
        return needs
    }

    /// Notes on what the run could not honour: plugins the workload needs that the registry lacks, and the
    /// feature gates the test case or workload names (this scheduler has no feature gates: it always behaves as
    /// upstream v1.35 does with its defaults).
    static func notes(
        for workload: ResolvedWorkload,
        templates: TemplateCache,
        registry: PluginRegistry,
        configuration: SchedulerConfiguration
    ) throws(BenchError) -> [String] {
        var notes: [String] = []
        let missing = needs(for: workload, templates: templates).filter { !registry.contains($0.plugin) }
        if !missing.isEmpty {
            let list = missing.map { "\($0.plugin) (\($0.reason))" }.joined(separator: ", ")
            notes.append(
                "missing plugins: \(list) — not implemented yet, so pods were scheduled without those rules; compare with upstream's figures with care"
            )
        }
        if let gates = featureGateNote(workload) { notes.append(gates) }
        return notes
    }

    /// One note listing the feature gates the workload sets, which have no effect here; nil when it sets none.
    static func featureGateNote(_ workload: ResolvedWorkload) -> String? {
        let gates = workload.testCase.featureGates.merging(workload.workload.featureGates) { _, workloadValue in
            workloadValue
        }
        guard !gates.isEmpty else { return nil }
        let list = gates.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "feature gates have no effect here (it always runs upstream v1.35's defaults): \(list)"
    }

    /// The names of plugins `workload` needs that `registry` does not have.
    package static func missingPlugins(for workload: ResolvedWorkload, registry: PluginRegistry) -> [String] {
        needs(for: workload, templates: TemplateCache()).filter { !registry.contains($0.plugin) }.map(\.plugin)
    }
}
