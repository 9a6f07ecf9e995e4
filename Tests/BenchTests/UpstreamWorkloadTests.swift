import Foundation
import InTreePlugins
import KubeAPI
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import Testing

@testable import Bench

/// Upstream scheduler_perf's remaining test cases, each run at its smallest variant on the embedded cluster:
/// the measured pods are scheduled, gated and deleted pods stay pending, and the run needs no missing plugin.
@Suite(.serialized, .timeLimit(.minutes(2))) struct UpstreamWorkloadTests {
    /// What one run left behind.
    struct Outcome {
        var result: BenchResult
        var pods: [Pod]
        var nodes: [Node]

        /// Pods of `namespace` (all when nil) that are not bound.
        func pending(in namespace: String? = nil) -> [Pod] {
            pods.filter { $0.nodeName.isEmpty && (namespace == nil || $0.namespace == namespace) }
        }

        func bound(in namespace: String) -> [Pod] {
            pods.filter { !$0.nodeName.isEmpty && $0.namespace == namespace }
        }
    }

    /// `stallTimeout`: how long the run may make no progress before it stops (a preemptor waits out backoff).
    private func run(_ name: String, variant: String, stallTimeout: Double = 2) async throws -> Outcome {
        let testCase = try #require(try WorkloadLibrary.testCases().first { $0.name == name })
        let workload = try #require(testCase.workload(named: variant))
        let resolved = try WorkloadFileParser.resolve(testCase, workload: workload)
        let registry = makeInTreeRegistry()
        var settings = RunSettings()
        settings.seed = 1
        settings.sampleInterval = 0.01
        settings.stallTimeout = stallTimeout
        let cluster = BenchCluster.embedded()
        let runner = WorkloadRunner(
            workload: resolved,
            configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
            registry: registry,
            cluster: cluster,
            settings: settings
        )
        let result = try await runner.run()
        let pods = await cluster.inventory(.pod).compactMap(\.pod)
        let nodes = await cluster.inventory(.node).compactMap(\.node)
        #expect(!result.notes.contains { $0.contains("missing plugins") }, "\(name): \(result.notes)")
        #expect(!result.leakedInFlight, "\(name): in-flight bookkeeping leaked")
        return Outcome(result: result, pods: pods, nodes: nodes)
    }

    @Test func everyCaseIsListedWithUpstreamsThresholds() throws {
        let cases = try WorkloadLibrary.testCases()
        let expected: [(name: String, variant: String, threshold: Double)] = [
            ("PreemptionAsync", "5000Nodes", 570),
            ("SchedulingWhileGated", "1Node_10000GatedPods", 910),
            ("SchedulingDeletedPodsWithFinalizers", "5000Node_5000DeletingPods", 830),
            ("SchedulingWithExtendedResource", "5000pods_5000nodes", 180),
            ("SchedulingPodMatchingAntiAffinity", "5000Nodes_5000Pods", 595),
            ("SchedulingRequiredPodAntiAffinityWithNSSelector", "5000Nodes_2000Pods", 24),
            ("SchedulingPreferredAntiAffinityWithNSSelector", "5000Nodes_2000Pods", 55),
            ("SchedulingRequiredPodAffinityWithNSSelector", "5000Nodes_2000Pods", 35),
            ("SchedulingPreferredAffinityWithNSSelector", "5000Nodes_5000Pods", 90),
            ("SchedulingGatedPodsWithPodAffinityImpactForThroughput", "1Node_10000GatedPods", 110),
            ("DefaultTopologySpreading", "5000Nodes_50000Pods", 160),
            ("SchedulingWithNodeInclusionPolicy", "5000Nodes", 270),
            ("SchedulingSecrets", "5000Nodes_10000Pods", 790),
            ("SchedulingInTreePVs", "5000Nodes_2000Pods", 290),
            ("SchedulingMigratedInTreePVs", "5000Nodes_5000Pods", 100),
            ("SchedulingPodAntiAffinity", "5000Nodes_2000Pods", 180),
            ("SchedulingPodAffinity", "5000Nodes_5000Pods", 70),
            ("SchedulingPreferredPodAntiAffinity", "5000Nodes_5000Pods", 190),
            ("SchedulingNodeAffinity", "5000Nodes_10000Pods", 540),
            ("MixedSchedulingBasePod", "5000Nodes_5000Pods", 540),
            ("PreferredTopologySpreading", "5000Nodes_5000Pods", 340),
        ]
        for entry in expected {
            let testCase = try #require(cases.first { $0.name == entry.name }, "\(entry.name) missing")
            #expect(testCase.workload(named: entry.variant)?.threshold == entry.threshold, "\(entry.name)")
        }
        #expect(cases.contains { $0.name == "PreemptionPVs" })
    }

    @Test func preemptionAsyncSchedulesTheMeasuredPodsBesideThePreemptors() async throws {
        let outcome = try await run("PreemptionAsync", variant: "5Nodes")
        #expect(outcome.result.measuredPods == 5)
        #expect(outcome.result.scheduled == 5)
        #expect(outcome.result.notes.contains { $0.contains("SchedulerAsyncAPICalls=false") })
    }

    /// Gated pods are never scheduled; the pods of namespace-3 are scheduled, then deleted at 50/s.
    @Test func schedulingWhileGatedLeavesTheGatedPodsPending() async throws {
        let outcome = try await run("SchedulingWhileGated", variant: "1Node_10GatedPods")
        #expect(outcome.result.scheduled == 10)
        let gated = outcome.pods.filter { !($0.spec.schedulingGates ?? []).isEmpty }
        #expect(gated.count == 10)
        #expect(gated.allSatisfy { $0.nodeName.isEmpty })
        #expect(outcome.pending().count == 10)
    }

    /// Pods with a finalizer are deleted before (or after) they are scheduled: they only get a deletionTimestamp
    /// and stay in the cluster, and nothing is left in flight.
    @Test func deletedPodsWithFinalizersStayTerminating() async throws {
        let outcome = try await run("SchedulingDeletedPodsWithFinalizers", variant: "10Node_100DeletingPods")
        #expect(outcome.result.scheduled == 10)
        let finalized = outcome.pods.filter { $0.namespace == "namespace-1" }
        #expect(finalized.count == 10)
        #expect(finalized.allSatisfy { $0.metadata.finalizers == ["test.k8s.io/finalizer"] })
        // Deletion runs in the background at 100/s and ends with the measured op; the pods it reached keep
        // their deletionTimestamp (there is no finalizer controller), the others are simply bound.
        #expect(finalized.contains { $0.metadata.deletionTimestamp != nil })
    }

    /// Node i offers one `foo.com/bar-i`; pod i asks for it, so it can only go to node i.
    @Test func extendedResourcesPinEachPodToItsNode() async throws {
        let outcome = try await run("SchedulingWithExtendedResource", variant: "fast")
        #expect(outcome.result.scheduled == 10)
        #expect(outcome.nodes.count == 11)
        let nodes = Dictionary(uniqueKeysWithValues: outcome.nodes.map { ($0.name, $0) })
        for pod in outcome.bound(in: "test") {
            let resource = try #require(pod.spec.containers.first?.resources?.requests?.keys.first)
            #expect(resource.hasPrefix("foo.com/bar-"))
            #expect(nodes[pod.nodeName]?.status.allocatable?[resource] != nil, "\(pod.name) on \(pod.nodeName)")
        }
        #expect(outcome.bound(in: "test").count == 10)
    }

    /// The measured pods carry no affinity but match the placed pod's anti-affinity: they avoid its node.
    @Test func podsMatchingAnExistingAntiAffinityAvoidItsNode() async throws {
        let outcome = try await run("SchedulingPodMatchingAntiAffinity", variant: "5Nodes")
        #expect(outcome.result.scheduled == 4)
        let anchor = try #require(outcome.bound(in: "sched-0").first)
        #expect(outcome.bound(in: "sched-1").count == 4)
        #expect(!outcome.bound(in: "sched-1").contains { $0.nodeName == anchor.nodeName })
    }

    /// Required anti-affinity across every namespace labelled team=devops: one pod per node, 10 on 10 nodes.
    @Test func requiredAntiAffinityWithANamespaceSelectorSpreadsOnePodPerNode() async throws {
        let outcome = try await run("SchedulingRequiredPodAntiAffinityWithNSSelector", variant: "10Nodes")
        #expect(outcome.result.scheduled == 6)
        let bound = outcome.pods.filter { !$0.nodeName.isEmpty }
        #expect(bound.count == 10)
        #expect(Set(bound.map(\.nodeName)).count == 10)
    }

    @Test func theOtherNamespaceSelectorCasesScheduleEveryPod() async throws {
        for name in [
            "SchedulingPreferredAntiAffinityWithNSSelector", "SchedulingRequiredPodAffinityWithNSSelector",
            "SchedulingPreferredAffinityWithNSSelector",
        ] {
            let outcome = try await run(name, variant: "10Nodes")
            #expect(outcome.result.scheduled == 10, "\(name)")
            #expect(outcome.pending().isEmpty, "\(name)")
            #expect(outcome.pods.count == 14, "\(name)")
        }
    }

    @Test func gatedPodsWithPodAffinityStayGatedWhileTheOthersSchedule() async throws {
        let outcome = try await run(
            "SchedulingGatedPodsWithPodAffinityImpactForThroughput",
            variant: "1Node_10GatedPods"
        )
        #expect(outcome.result.scheduled == 10)
        let pending = outcome.pending()
        #expect(pending.count == 10)
        #expect(pending.allSatisfy { $0.spec.schedulingGates?.map(\.name) == ["scheduling-gate-1"] })
    }

    /// The measured pods are selected by the Service in their namespace, so the system-default constraints
    /// spread them over the zones and nodes.
    @Test func defaultSpreadingUsesTheServiceSelector() async throws {
        let outcome = try await run("DefaultTopologySpreading", variant: "5Nodes")
        #expect(outcome.result.scheduled == 10)
        let zoneOf = Dictionary(
            uniqueKeysWithValues: outcome.nodes.map { ($0.name, $0.labels["topology.kubernetes.io/zone"] ?? "") }
        )
        let zones = Dictionary(grouping: outcome.bound(in: "service-ns"), by: { zoneOf[$0.nodeName] ?? "" })
        // Upstream's labelNodePrepareStrategy picks each node's zone at random (seeded here): cover every zone
        // that has a node, and the hostname default (maxSkew 3) spreads the 10 pods 2 per node.
        #expect(Set(zones.keys) == Set(zoneOf.values))
        let perNode = Dictionary(grouping: outcome.bound(in: "service-ns"), by: \.nodeName).mapValues(\.count)
        #expect(perNode.count == 5)
        #expect(perNode.values.allSatisfy { $0 == 2 })
    }

    /// Spreading on the hostname with the taint policy honoured: the tainted node is no domain, and each of the
    /// 4 normal nodes gets one pod.
    @Test func nodeInclusionPolicySpreadsOverTheUntaintedNodes() async throws {
        let outcome = try await run("SchedulingWithNodeInclusionPolicy", variant: "5Nodes")
        #expect(outcome.result.scheduled == 4)
        let bound = outcome.pods.filter { !$0.nodeName.isEmpty }
        #expect(Set(bound.map(\.nodeName)).count == 4)
        #expect(!bound.contains { $0.nodeName.hasPrefix("taint-node-") })
    }

    /// Upstream's template spells `NodeAffinityPolicy`/`NodeTaintsPolicy`; Go matches them case-insensitively.
    @Test func capitalisedSpreadFieldsTakeEffectAsInGo() throws {
        let root = try WorkloadLibrary.directory()
        let template = try ObjectTemplate(
            path: (root as NSString).appendingPathComponent("templates/pod-with-node-inclusion-policy.yaml")
        )
        let pod = try #require(try template.instantiate(index: 0, count: 1, params: [:]).object.pod)
        let constraint = try #require(pod.spec.topologySpreadConstraints?.first)
        #expect(constraint.nodeTaintsPolicy == "Honor")
        #expect(constraint.nodeAffinityPolicy == "Honor")
        #expect(constraint.maxSkew == 1)
    }

    @Test func secretAndInTreeVolumeCasesScheduleEveryPod() async throws {
        for name in ["SchedulingSecrets", "SchedulingInTreePVs", "SchedulingMigratedInTreePVs"] {
            let outcome = try await run(name, variant: "5Nodes")
            #expect(outcome.result.scheduled == 10, "\(name)")
            #expect(outcome.pending().isEmpty, "\(name)")
            #expect(!outcome.result.notes.contains { $0.contains("not applied") || $0.contains("VolumeBinding") })
        }
    }

    @Test func preemptionWithInTreeVolumesSchedulesEveryPreemptor() async throws {
        // A preemptor may back off twice (1 s, then 2 s) while its victims go. Under load a preemptor could also
        // preempt victims already deleted (its snapshot predates their deletion events) and stayed held at
        // PreEnqueue for good (3 or 4 of 5 scheduled); `DefaultPreemptionEvictionTests` covers the fix.
        let outcome = try await run("PreemptionPVs", variant: "5Nodes", stallTimeout: 12)
        #expect(outcome.result.scheduled == 5)
    }
}

/// The embedded cluster's deletion as the API server does it for objects with finalizers.
@Suite struct FinalizerDeletionTests {
    @Test func aPodWithFinalizersIsOnlyMarkedDeleted() async throws {
        let cluster = EmbeddedCluster()
        let creator = EmbeddedObjectCreator(cluster: cluster)
        var held = Pod(metadata: ObjectMeta(name: "held", namespace: "ns"))
        held.metadata.finalizers = ["test.k8s.io/finalizer"]
        try await creator.create(.pod(held))
        try await creator.create(.pod(Pod(metadata: ObjectMeta(name: "plain", namespace: "ns"))))

        try await creator.delete(.pod, key: "ns/held")
        try await creator.delete(.pod, key: "ns/plain")
        let marked = try #require(cluster.pod(namespace: "ns", name: "held"))
        let timestamp = try #require(marked.metadata.deletionTimestamp)
        #expect(marked.isTerminating)
        #expect(cluster.pod(namespace: "ns", name: "plain") == nil)
        // Deleting again changes nothing; binding a pod being deleted is refused.
        try await creator.delete(.pod, key: "ns/held")
        #expect(cluster.pod(namespace: "ns", name: "held")?.metadata.deletionTimestamp == timestamp)
        await #expect(throws: ClusterError.self) {
            try await cluster.bind(namespace: "ns", name: "held", uid: "", nodeName: "n")
        }
    }

    @Test func finalizersRoundTripThroughTheManifestDecoder() throws {
        let template = try ObjectTemplate(
            text:
                "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: p-\n  finalizers: [a/b]\nspec:\n  containers: [{name: c, image: i}]\n",
            source: "pod.yaml"
        )
        #expect(try template.instantiate(index: 0, count: 1, params: [:]).object.pod?.metadata.finalizers == ["a/b"])
    }
}
