import CoschedulingPlugin
import DefaultBinderPlugin
import DefaultPreemptionPlugin
import ImageLocalityPlugin
import InterPodAffinityPlugin
import NodeAffinityPlugin
import NodeNamePlugin
import NodePortsPlugin
import NodeResourcesBalancedAllocationPlugin
import NodeResourcesFitPlugin
import NodeUnschedulablePlugin
import NodeVolumeLimitsPlugin
import PodTopologySpreadPlugin
import PrioritySortPlugin
import SchedulerFramework
import SchedulingGatesPlugin
import TaintTolerationPlugin
import VolumeBindingPlugin
import VolumeRestrictionsPlugin
import VolumeZonePlugin

/// A registry of every in-tree plugin (upstream's `plugins.NewInTreeRegistry`), registered in upstream's
/// default-profile order. Merge out-of-tree
/// plugins into it with ``PluginRegistry/merge(_:)``.
public func makeInTreeRegistry() -> PluginRegistry {
    var registry = PluginRegistry()
    do {
        try registry.register(SchedulingGates.name) { SchedulingGates(handle: $0) }
        try registry.register(PrioritySort.name) { PrioritySort(handle: $0) }
        try registry.register(NodeUnschedulable.name) { NodeUnschedulable(handle: $0) }
        try registry.register(NodeName.name) { NodeName(handle: $0) }
        try registry.register(TaintToleration.name) { TaintToleration(handle: $0) }
        try registry.register(NodeAffinity.name, args: NodeAffinityArgs.self) { try NodeAffinity(args: $0, handle: $1) }
        try registry.register(NodePorts.name) { NodePorts(handle: $0) }
        try registry.register(NodeResourcesFit.name, args: NodeResourcesFitArgs.self) {
            try NodeResourcesFit(args: $0, handle: $1)
        }
        try registry.register(VolumeBinding.name, args: VolumeBindingArgs.self) {
            try VolumeBinding(args: $0, handle: $1)
        }
        try registry.register(PodTopologySpread.name, args: PodTopologySpreadArgs.self) {
            try PodTopologySpread(args: $0, handle: $1)
        }
        try registry.register(InterPodAffinity.name, args: InterPodAffinityArgs.self) {
            try InterPodAffinity(args: $0, handle: $1)
        }
        try registry.register(NodeResourcesBalancedAllocation.name, args: NodeResourcesBalancedAllocationArgs.self) {
            try NodeResourcesBalancedAllocation(args: $0, handle: $1)
        }
        try registry.register(ImageLocality.name) { ImageLocality(handle: $0) }
        try registry.register(DefaultBinder.name) { DefaultBinder(handle: $0) }
        try registry.register(DefaultPreemption.name, args: DefaultPreemptionArgs.self) {
            try DefaultPreemption(args: $0, handle: $1)
        }
        try registry.register(VolumeRestrictions.name) { VolumeRestrictions(handle: $0) }
        try registry.register(NodeVolumeLimits.name) { NodeVolumeLimits(handle: $0) }
        try registry.register(VolumeZone.name) { VolumeZone(handle: $0) }
        // Out of upstream's tree (kubernetes-sigs/scheduler-plugins); registered, never enabled by default.
        try registry.register(Coscheduling.name, args: CoschedulingArgs.self) {
            try Coscheduling(args: $0, handle: $1)
        }
    } catch {
        // The names above are distinct constants: a clash is a programming error, not bad input.
        preconditionFailure("registering in-tree plugins: \(error)")
    }
    return registry
}
