import KubeAPI
import NodeResourcesFitPlugin
import SchedulerFramework
import SchedulerTesting
import Testing

private let extendedA = "example.com/aaa"
private let extendedB = "example.com/bbb"
private let kubernetesIOA = "kubernetes.io/something"
private let kubernetesIOB = "subdomain.kubernetes.io/something"
private let hugePageA = "hugepages-2Mi"

/// Upstream's `makeAllocatableResources(10, 20, 32, 5, 20, 5)`.
private let enoughNodeCapacity = [
    "cpu": "10m", "memory": "20", "pods": "32", extendedA: "5", "ephemeral-storage": "20", hugePageA: "5",
]

private func fit(_ args: NodeResourcesFitArgs = .defaults) throws -> NodeResourcesFit {
    try NodeResourcesFit(args: args, handle: FakeHandle())
}

private func runFilter(_ plugin: NodeResourcesFit, pod: PodBuilder, node: NodeInfo) -> Status {
    let state = CycleState()
    let info = pod.info()
    let (result, status) = plugin.preFilter(state: state, pod: info, snapshot: Snapshot(nodes: [node]))
    #expect(result == nil)
    #expect(status.isSuccess)
    return plugin.filter(state: state, pod: info, node: node)
}

struct FitFilterCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    let existing: Usage
    var args = NodeResourcesFitArgs.defaults
    var code: Status.Code = .success
    var reasons: [String] = []
    var testDescription: String { name }
}

/// Upstream's `TestEnoughRequests`, with v1.34+ codes: a request above the whole allocatable is UU.
private let enoughRequestsCases: [FitFilterCase] = [
    FitFilterCase(
        name: "no resources requested always fits",
        pod: PodBuilder("p"),
        existing: Usage(milliCPU: 10, memory: 20)
    ),
    FitFilterCase(
        name: "too many resources fails",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1)),
        existing: Usage(milliCPU: 10, memory: 20),
        code: .unschedulable,
        reasons: ["Insufficient cpu", "Insufficient memory"]
    ),
    FitFilterCase(
        name: "too many resources fails due to init container cpu",
        pod: withInitContainers(resourcePod("p", Usage(milliCPU: 1, memory: 1)), Usage(milliCPU: 3, memory: 1)),
        existing: Usage(milliCPU: 8, memory: 19),
        code: .unschedulable,
        reasons: ["Insufficient cpu"]
    ),
    FitFilterCase(
        name: "too many resources fails due to highest init container cpu",
        pod: withInitContainers(
            resourcePod("p", Usage(milliCPU: 1, memory: 1)),
            Usage(milliCPU: 3, memory: 1),
            Usage(milliCPU: 2, memory: 1)
        ),
        existing: Usage(milliCPU: 8, memory: 19),
        code: .unschedulable,
        reasons: ["Insufficient cpu"]
    ),
    FitFilterCase(
        name: "too many resources fails due to init container memory",
        pod: withInitContainers(resourcePod("p", Usage(milliCPU: 1, memory: 1)), Usage(milliCPU: 1, memory: 3)),
        existing: Usage(milliCPU: 9, memory: 19),
        code: .unschedulable,
        reasons: ["Insufficient memory"]
    ),
    FitFilterCase(
        name: "init container fits because it's the max, not sum, of containers and init containers",
        pod: withInitContainers(resourcePod("p", Usage(milliCPU: 1, memory: 1)), Usage(milliCPU: 1, memory: 1)),
        existing: Usage(milliCPU: 9, memory: 19)
    ),
    FitFilterCase(
        name: "multiple init containers fit because it's the max, not sum, of containers and init containers",
        pod: withInitContainers(
            resourcePod("p", Usage(milliCPU: 1, memory: 1)),
            Usage(milliCPU: 1, memory: 1),
            Usage(milliCPU: 1, memory: 1)
        ),
        existing: Usage(milliCPU: 9, memory: 19)
    ),
    FitFilterCase(
        name: "both resources fit",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1)),
        existing: Usage(milliCPU: 5, memory: 5)
    ),
    FitFilterCase(
        name: "one resource memory fits",
        pod: resourcePod("p", Usage(milliCPU: 2, memory: 1)),
        existing: Usage(milliCPU: 9, memory: 5),
        code: .unschedulable,
        reasons: ["Insufficient cpu"]
    ),
    FitFilterCase(
        name: "one resource cpu fits",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 2)),
        existing: Usage(milliCPU: 5, memory: 19),
        code: .unschedulable,
        reasons: ["Insufficient memory"]
    ),
    FitFilterCase(
        name: "equal edge case",
        pod: resourcePod("p", Usage(milliCPU: 5, memory: 1)),
        existing: Usage(milliCPU: 5, memory: 19)
    ),
    FitFilterCase(
        name: "equal edge case for init container",
        pod: withInitContainers(resourcePod("p", Usage(milliCPU: 4, memory: 1)), Usage(milliCPU: 5, memory: 1)),
        existing: Usage(milliCPU: 5, memory: 19)
    ),
    FitFilterCase(
        name: "extended resource fits",
        pod: resourcePod("p", Usage(scalars: [extendedA: 1])),
        existing: Usage()
    ),
    FitFilterCase(
        name: "extended resource fits for init container",
        pod: withInitContainers(resourcePod("p", Usage()), Usage(scalars: [extendedA: 1])),
        existing: Usage()
    ),
    FitFilterCase(
        name: "extended resource capacity enforced",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 10])),
        existing: Usage(scalars: [extendedA: 0]),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient example.com/aaa"]
    ),
    FitFilterCase(
        name: "extended resource capacity enforced for init container",
        pod: withInitContainers(resourcePod("p", Usage()), Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 10])),
        existing: Usage(scalars: [extendedA: 0]),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient example.com/aaa"]
    ),
    FitFilterCase(
        name: "extended resource allocatable enforced",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 1])),
        existing: Usage(scalars: [extendedA: 5]),
        code: .unschedulable,
        reasons: ["Insufficient example.com/aaa"]
    ),
    FitFilterCase(
        name: "extended resource allocatable enforced for multiple containers",
        pod: resourcePod(
            "p",
            Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 3]),
            Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 3])
        ),
        existing: Usage(scalars: [extendedA: 2]),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient example.com/aaa"]
    ),
    FitFilterCase(
        name: "extended resource allocatable admits multiple init containers",
        pod: withInitContainers(
            resourcePod("p", Usage()),
            Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 3]),
            Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 3])
        ),
        existing: Usage(scalars: [extendedA: 2])
    ),
    FitFilterCase(
        name: "extended resource allocatable enforced for multiple init containers",
        pod: withInitContainers(
            resourcePod("p", Usage()),
            Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 6]),
            Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 3])
        ),
        existing: Usage(scalars: [extendedA: 2]),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient example.com/aaa"]
    ),
    FitFilterCase(
        name: "extended resource allocatable enforced for unknown resource",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1, scalars: [extendedB: 1])),
        existing: Usage(),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient example.com/bbb"]
    ),
    FitFilterCase(
        name: "kubernetes.io resource capacity enforced",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1, scalars: [kubernetesIOA: 10])),
        existing: Usage(),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient kubernetes.io/something"]
    ),
    FitFilterCase(
        name: "kubernetes.io resource capacity enforced for init container",
        pod: withInitContainers(resourcePod("p", Usage()), Usage(milliCPU: 1, memory: 1, scalars: [kubernetesIOB: 10])),
        existing: Usage(),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient subdomain.kubernetes.io/something"]
    ),
    FitFilterCase(
        name: "hugepages resource capacity enforced",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1, scalars: [hugePageA: 10])),
        existing: Usage(scalars: [hugePageA: 0]),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient hugepages-2Mi"]
    ),
    FitFilterCase(
        name: "hugepages resource allocatable enforced for multiple containers",
        pod: resourcePod(
            "p",
            Usage(milliCPU: 1, memory: 1, scalars: [hugePageA: 3]),
            Usage(milliCPU: 1, memory: 1, scalars: [hugePageA: 3])
        ),
        existing: Usage(scalars: [hugePageA: 2]),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient hugepages-2Mi"]
    ),
    FitFilterCase(
        name: "skip checking ignored extended resource",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1, scalars: [extendedB: 1])),
        existing: Usage(),
        args: NodeResourcesFitArgs(ignoredResources: ["example.com/bbb"])
    ),
    FitFilterCase(
        name: "resources + pod overhead fits",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1)).overhead(["cpu": "3m", "memory": "13"]),
        existing: Usage(milliCPU: 5, memory: 5)
    ),
    FitFilterCase(
        name: "requests + overhead does not fit for memory",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1)).overhead(["cpu": "1m", "memory": "15"]),
        existing: Usage(milliCPU: 5, memory: 5),
        code: .unschedulable,
        reasons: ["Insufficient memory"]
    ),
    FitFilterCase(
        name: "skip checking ignored extended resource via resource groups",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1, scalars: [extendedB: 1, kubernetesIOA: 1])),
        existing: Usage(),
        args: NodeResourcesFitArgs(ignoredResourceGroups: ["example.com"]),
        code: .unschedulableAndUnresolvable,
        reasons: ["Insufficient kubernetes.io/something"]
    ),
    FitFilterCase(
        name: "skip checking extended resource request with quantity zero via resource groups",
        pod: resourcePod("p", Usage(milliCPU: 1, memory: 1, scalars: [extendedA: 0])),
        existing: Usage(scalars: [extendedA: 6])
    ),
    FitFilterCase(
        name: "skip checking resource request with quantity zero",
        pod: resourcePod("p", Usage(scalars: [extendedA: 1])),
        existing: Usage(milliCPU: 20, memory: 30, scalars: [extendedA: 1])
    ),
]

@Test(arguments: enoughRequestsCases)
func fitFilterEnoughRequests(_ c: FitFilterCase) throws {
    let node = nodeInfo("node", enoughNodeCapacity, pods: [resourcePod("existing", c.existing)])
    let status = runFilter(try fit(c.args), pod: c.pod, node: node)
    #expect(status.code == c.code)
    #expect(status.reasons == c.reasons)
}

/// Upstream's `TestNotEnoughRequests`: a node with room for one pod that already holds one.
@Test(arguments: [
    ("even without specified resources, predicate fails when there's no space for additional pod", PodBuilder("p")),
    (
        "even if both resources fit, predicate fails when there's no space for additional pod",
        resourcePod("p", Usage(milliCPU: 1, memory: 1))
    ),
    (
        "even for equal edge case, predicate fails when there's no space for additional pod",
        resourcePod("p", Usage(milliCPU: 5, memory: 1))
    ),
    (
        "even for equal edge case, predicate fails when there's no space for additional pod due to init container",
        withInitContainers(resourcePod("p", Usage(milliCPU: 5, memory: 1)), Usage(milliCPU: 5, memory: 1))
    ),
])
func fitFilterTooManyPods(_ name: String, _ pod: PodBuilder) throws {
    let node = nodeInfo(
        "node",
        ["cpu": "10m", "memory": "20", "pods": "1"],
        pods: [resourcePod("existing", Usage(milliCPU: 5, memory: 5))]
    )
    let status = runFilter(try fit(), pod: pod, node: node)
    #expect(status.code == .unschedulable)
    #expect(status.reasons == ["Too many pods"])
}

@Test func fitFilterTooManyPodsIsListedFirstAndNeverUnresolvableByItself() throws {
    let node = nodeInfo("node", ["cpu": "1", "memory": "1Gi", "pods": "1"], pods: [PodBuilder("existing")])
    let overCapacity = runFilter(try fit(), pod: PodBuilder("p").requests(cpu: "2", memory: "100Mi"), node: node)
    #expect(overCapacity.code == .unschedulableAndUnresolvable)
    #expect(overCapacity.reasons == ["Too many pods", "Insufficient cpu"])
    let withinCapacity = runFilter(try fit(), pod: PodBuilder("p").requests(cpu: "500m"), node: node)
    #expect(withinCapacity.code == .unschedulable)
    #expect(withinCapacity.reasons == ["Too many pods"])
}

@Test func fitFilterNodeWithoutAllocatablePodsFitsNothing() throws {
    let node = nodeInfo("node", ["cpu": "4", "memory": "8Gi"])
    let status = runFilter(try fit(), pod: PodBuilder("p"), node: node)
    #expect(status.code == .unschedulable)
    #expect(status.reasons == ["Too many pods"])
}

/// Upstream's `TestStorageRequests`.
@Test(arguments: [
    (
        "empty storage requested, and pod fits", resourcePod("p", Usage(milliCPU: 1, memory: 1)),
        Usage(milliCPU: 2, memory: 10), Status.Code.success, [String]()
    ),
    (
        "storage ephemeral local storage request exceeds allocatable", resourcePod("p", Usage(ephemeralStorage: 25)),
        Usage(milliCPU: 2, memory: 2),
        .unschedulableAndUnresolvable, ["Insufficient ephemeral-storage"]
    ),
    (
        "ephemeral local storage is sufficient", resourcePod("p", Usage(ephemeralStorage: 5)),
        Usage(milliCPU: 2, memory: 2, ephemeralStorage: 10),
        .success, []
    ),
    (
        "ephemeral local storage is insufficient on a used node", resourcePod("p", Usage(ephemeralStorage: 11)),
        Usage(milliCPU: 2, memory: 2, ephemeralStorage: 10),
        .unschedulable, ["Insufficient ephemeral-storage"]
    ),
    ("pod fits", resourcePod("p", Usage(ephemeralStorage: 10)), Usage(milliCPU: 2, memory: 2), .success, []),
])
func fitFilterStorageRequests(
    _ name: String,
    _ pod: PodBuilder,
    _ existing: Usage,
    _ code: Status.Code,
    _ reasons: [String]
) throws {
    let node = nodeInfo("node", enoughNodeCapacity, pods: [resourcePod("existing", existing)])
    let status = runFilter(try fit(), pod: pod, node: node)
    #expect(status.code == code)
    #expect(status.reasons == reasons)
}

@Test func fitFilterCollectsEveryInsufficientResourceInOrder() throws {
    let node = nodeInfo(
        "node",
        ["cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi", "example.com/gpu": "1", "pods": "10"],
        pods: [
            PodBuilder("existing").container([
                "cpu": "500m", "memory": "512Mi", "ephemeral-storage": "512Mi", "example.com/gpu": "1",
            ])
        ]
    )
    let pod = PodBuilder("p").container([
        "cpu": "600m", "memory": "600Mi", "ephemeral-storage": "600Mi", "example.com/gpu": "1",
    ])
    let status = runFilter(try fit(), pod: pod, node: node)
    #expect(status.code == .unschedulable)
    #expect(
        status.reasons == [
            "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage", "Insufficient example.com/gpu",
        ]
    )
}

@Test func fitFilterScalarReasonsAreSortedByName() throws {
    let node = nodeInfo("node", ["cpu": "1", "pods": "10"])
    let pod = PodBuilder("p").container(["example.com/zeta": "1", "example.com/alpha": "1"])
    let status = runFilter(try fit(), pod: pod, node: node)
    #expect(status.reasons == ["Insufficient example.com/alpha", "Insufficient example.com/zeta"])
}

@Test func fitFilterIgnoresOnlyExtendedResources() throws {
    // Hugepages are never ignored, even when named in ignoredResources.
    let node = nodeInfo("node", ["cpu": "1", "pods": "10"])
    let plugin = try fit(NodeResourcesFitArgs(ignoredResources: ["hugepages-2Mi", "example.com/foo"]))
    let status = runFilter(
        plugin,
        pod: PodBuilder("p").container(["hugepages-2Mi": "2Mi", "example.com/foo": "1"]),
        node: node
    )
    #expect(status.code == .unschedulableAndUnresolvable)
    #expect(status.reasons == ["Insufficient hugepages-2Mi"])
}

@Test func fitFilterSidecarAddsToEveryLaterInitContainer() throws {
    // Sidecar cpu 1, init cpu 2, container cpu 1: regular+sidecar = 2, init in use = 1 + 2 = 3 → 3.
    let pod = PodBuilder("p").initContainer(["cpu": "1"], sidecar: true).initContainer(["cpu": "2"]).container([
        "cpu": "1"
    ])
    #expect(pod.info().request.milliCPU == 3000)
    let fits = runFilter(try fit(), pod: pod, node: nodeInfo("node", ["cpu": "3", "pods": "10"]))
    #expect(fits.isSuccess)
    let tooSmall = runFilter(try fit(), pod: pod, node: nodeInfo("node", ["cpu": "2999m", "pods": "10"]))
    #expect(tooSmall.code == .unschedulableAndUnresolvable)
    #expect(tooSmall.reasons == ["Insufficient cpu"])
}

@Test func fitFilterWithoutPreFilterIsAnError() throws {
    let plugin = try fit()
    let status = plugin.filter(state: CycleState(), pod: PodBuilder("p").info(), node: nodeInfo("node", ["pods": "1"]))
    #expect(status.code == .error)
    #expect(status.reasons == ["error reading \"PreFilterNodeResourcesFit\" from cycleState: not found"])
}

@Test func fitInsufficientResourcesHelperMatchesUpstreamFits() {
    let node = nodeInfo("node", ["cpu": "2", "memory": "1Gi", "pods": "5"])
    #expect(
        NodeResourcesFit.insufficientResources(PodBuilder("p").requests(cpu: "3").build(), node: node) == [
            "Insufficient cpu"
        ]
    )
    #expect(NodeResourcesFit.insufficientResources(PodBuilder("p").requests(cpu: "1").build(), node: node).isEmpty)
}

@Test func fitEventsAndHints() throws {
    let events = try fit().eventsToRegister()
    #expect(events.map(\.event.resource) == [.pod, .node])
    #expect(events[0].event.action == [.delete, .updatePodScaleDown])
    #expect(events[1].event.action == [.add, .updateNodeAllocatable])
    let pod = PodBuilder("p").requests(cpu: "2").build()
    // Deleting an unscheduled pod frees nothing; deleting a scheduled one may.
    #expect(events[0].hint?(pod, .pod(PodBuilder("other").build()), nil) == .skip)
    #expect(events[0].hint?(pod, .pod(PodBuilder("other").node("n").build()), nil) == .queue)
    // A scheduled pod shrinking its cpu helps a pod that requests cpu.
    let before = PodBuilder("other").node("n").requests(cpu: "3").build()
    let after = PodBuilder("other").node("n").requests(cpu: "1").build()
    #expect(events[0].hint?(pod, .pod(before), .pod(after)) == .queue)
    #expect(events[0].hint?(pod, .pod(after), .pod(before)) == .skip)
    // A node that still cannot fit the pod is skipped; a new fitting node, or more cpu, requeues.
    let small = NodeBuilder("n").capacity(["cpu": "1", "pods": "10"]).build()
    let large = NodeBuilder("n").capacity(["cpu": "4", "pods": "10"]).build()
    #expect(events[1].hint?(pod, nil, .node(small)) == .skip)
    #expect(events[1].hint?(pod, nil, .node(large)) == .queue)
    #expect(events[1].hint?(pod, .node(small), .node(large)) == .queue)
    #expect(events[1].hint?(pod, .node(large), .node(large)) == .skip)
}
