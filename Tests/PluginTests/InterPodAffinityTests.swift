import InTreePlugins
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import InterPodAffinityPlugin

private typealias Plugin = InterPodAffinity

private let affinityFails = Status(.unschedulableAndUnresolvable, Plugin.reasonAffinityRulesNotMatch)
private let antiAffinityFails = Status(.unschedulable, Plugin.reasonAntiAffinityRulesNotMatch)
private let existingAntiAffinityFails = Status(.unschedulable, Plugin.reasonExistingAntiAffinityRulesNotMatch)

/// Upstream's test namespaces (`namespaces` in scoring_test.go) plus `NS1`.
private let namespaceObjects = FakeObjectLister(namespaces: [
    Namespace(name: "subteam1.team1", labels: ["team": "team1"]),
    Namespace(name: "subteam2.team1", labels: ["team": "team1"]),
    Namespace(name: "subteam1.team2", labels: ["team": "team2"]),
    Namespace(name: "subteam2.team2", labels: ["team": "team2"]),
    Namespace(name: "NS1"),
])

private func plugin(_ args: InterPodAffinityArgs = .defaults) throws -> Plugin {
    try Plugin(args: args, handle: FakeHandle(objects: namespaceObjects))
}

private let podLabel = ["service": "securityscan"]
private let podLabel2 = ["security": "S1"]
private let node1 = labeledNode("node1", ["region": "r1", "zone": "z11"])
private let teamSelector = expressions(requirement("team", "In", ["team1"]))

private func pod(_ name: String = "p", labels: [String: String] = [:]) -> PodBuilder {
    PodBuilder(name).labels(labels)
}

private func existing(_ name: String, on node: String, labels: [String: String] = [:]) -> PodBuilder {
    PodBuilder(name).labels(labels).node(node)
}

struct AffinityFilterCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    var pods: [PodBuilder] = []
    var nodes: [Node] = [node1]
    var preFilter: Status = .success
    /// One status per node; empty means every node passes.
    var filter: [Status] = []
    var testDescription: String { name }
}

/// Upstream's `TestRequiredAffinitySingleNode` (interpodaffinity/filtering_test.go).
private let singleNodeCases: [AffinityFilterCase] = [
    AffinityFilterCase(
        name: "A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
        pod: pod(),
        preFilter: .skip
    ),
    AffinityFilterCase(
        name:
            "satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod",
        pod: pod(labels: podLabel2).podAffinity(
            affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "region")
        ),
        pods: [existing("e", on: "node1", labels: podLabel)]
    ),
    AffinityFilterCase(
        name:
            "satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod",
        pod: pod(labels: podLabel2).podAffinity(
            affinityTerm("service", "NotIn", ["securityscan3", "value3"], topologyKey: "region")
        ),
        pods: [existing("e", on: "node1", labels: podLabel)]
    ),
    AffinityFilterCase(
        name: "Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
        pod: pod(labels: podLabel2).podAffinity(
            affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "", namespaces: ["DiffNameSpace"])
        ),
        pods: [existing("e", on: "node1", labels: podLabel).inNamespace("ns")],
        filter: [affinityFails]
    ),
    AffinityFilterCase(
        name: "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
        pod: pod(labels: podLabel).podAffinity(
            affinityTerm("service", "In", ["antivirusscan", "value2"], topologyKey: "")
        ),
        pods: [existing("e", on: "node1", labels: podLabel)],
        filter: [affinityFails]
    ),
    AffinityFilterCase(
        name:
            "satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution ",
        pod: pod(labels: podLabel2)
            .podAffinity(
                PodAffinityTerm(
                    labelSelector: expressions(
                        requirement("service", "Exists"),
                        requirement("wrongkey", "DoesNotExist")
                    ),
                    topologyKey: "region"
                )
            )
            .podAffinity(
                PodAffinityTerm(
                    labelSelector: expressions(
                        requirement("service", "In", ["securityscan"]),
                        requirement("service", "NotIn", ["WrongValue"])
                    ),
                    topologyKey: "region"
                )
            ),
        pods: [existing("e", on: "node1", labels: podLabel)]
    ),
    AffinityFilterCase(
        name:
            "The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node because one of the matchExpression item don't match.",
        pod: pod(labels: podLabel2)
            .podAffinity(
                PodAffinityTerm(
                    labelSelector: expressions(
                        requirement("service", "Exists"),
                        requirement("wrongkey", "DoesNotExist")
                    ),
                    topologyKey: "region"
                )
            )
            .podAffinity(
                PodAffinityTerm(
                    labelSelector: expressions(
                        requirement("service", "In", ["securityscan2"]),
                        requirement("service", "NotIn", ["WrongValue"])
                    ),
                    topologyKey: "region"
                )
            ),
        pods: [existing("e", on: "node1", labels: podLabel)],
        filter: [affinityFails]
    ),
    AffinityFilterCase(
        name: "satisfies the PodAffinity and PodAntiAffinity with the existing pod",
        pod: pod(labels: podLabel2)
            .podAffinity(affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "region"))
            .podAntiAffinity(affinityTerm("service", "In", ["antivirusscan", "value2"], topologyKey: "node")),
        pods: [existing("e", on: "node1", labels: podLabel)]
    ),
    AffinityFilterCase(
        name: "satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod",
        pod: pod(labels: podLabel2)
            .podAffinity(affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "region"))
            .podAntiAffinity(affinityTerm("service", "In", ["antivirusscan", "value2"], topologyKey: "node")),
        pods: [
            existing("e", on: "node1", labels: podLabel).podAntiAffinity(
                affinityTerm("service", "In", ["antivirusscan", "value2"], topologyKey: "node")
            )
        ]
    ),
    AffinityFilterCase(
        name: "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
        pod: pod(labels: podLabel2)
            .podAffinity(affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "region"))
            .podAntiAffinity(affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "zone")),
        pods: [existing("e", on: "node1", labels: podLabel)],
        filter: [antiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
        pod: pod(labels: podLabel)
            .podAffinity(affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "region"))
            .podAntiAffinity(affinityTerm("service", "In", ["antivirusscan", "value2"], topologyKey: "node")),
        pods: [
            existing("e", on: "node1", labels: podLabel).podAntiAffinity(
                affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "zone")
            )
        ],
        filter: [existingAntiAffinityFails]
    ),
    AffinityFilterCase(
        name: "pod matches its own Label in PodAffinity and that matches the existing pod Labels",
        pod: pod(labels: podLabel).podAffinity(
            affinityTerm("service", "NotIn", ["securityscan", "value2"], topologyKey: "region")
        ),
        pods: [existing("e", on: "node2", labels: ["service": "securityscan"])],
        filter: [affinityFails]
    ),
    AffinityFilterCase(
        name:
            "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
        pod: pod(labels: podLabel),
        pods: [
            existing("e", on: "node1", labels: podLabel).podAntiAffinity(
                affinityTerm("service", "In", ["securityscan", "value2"], topologyKey: "zone")
            )
        ],
        filter: [existingAntiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod",
        pod: pod(labels: podLabel),
        pods: [
            existing("e", on: "node1", labels: podLabel).podAntiAffinity(
                affinityTerm("service", "NotIn", ["securityscan", "value2"], topologyKey: "zone")
            )
        ],
        preFilter: .skip
    ),
    AffinityFilterCase(
        name:
            "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
        pod: pod(labels: podLabel)
            .podAntiAffinity(affinityTerm("service", "Exists", topologyKey: "region"))
            .podAntiAffinity(affinityTerm("security", "Exists", topologyKey: "region")),
        pods: [
            existing("e", on: "node1", labels: podLabel2).podAntiAffinity(
                affinityTerm("security", "Exists", topologyKey: "zone")
            )
        ],
        filter: [antiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms",
        pod: pod(labels: podLabel)
            .podAntiAffinity(affinityTerm("service", "Exists", topologyKey: "zone"))
            .podAntiAffinity(affinityTerm("security", "Exists", topologyKey: "zone")),
        pods: [
            existing("e", on: "node1", labels: podLabel2).podAntiAffinity(
                affinityTerm("security", "Exists", topologyKey: "zone")
            )
        ],
        filter: [antiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms",
        pod: pod(labels: podLabel2).podAntiAffinity(affinityTerm("security", "Exists", topologyKey: "zone")),
        pods: [
            existing("e", on: "node1", labels: podLabel)
                .podAntiAffinity(affinityTerm("service", "Exists", topologyKey: "zone"))
                .podAntiAffinity(affinityTerm("security", "Exists", topologyKey: "zone"))
        ],
        filter: [existingAntiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms",
        pod: pod(labels: ["abc": "", "xyz": ""])
            .podAntiAffinity(affinityTerm("abc", "Exists", topologyKey: "zone"))
            .podAntiAffinity(affinityTerm("def", "Exists", topologyKey: "zone")),
        pods: [
            existing("e", on: "node1", labels: ["def": "", "xyz": ""])
                .podAntiAffinity(affinityTerm("abc", "Exists", topologyKey: "zone"))
                .podAntiAffinity(affinityTerm("def", "Exists", topologyKey: "zone"))
        ],
        filter: [antiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on AffinityTerms",
        pod: pod(labels: ["def": "", "xyz": ""])
            .podAntiAffinity(affinityTerm("abc", "Exists", topologyKey: "zone"))
            .podAntiAffinity(affinityTerm("def", "Exists", topologyKey: "zone")),
        pods: [
            existing("e", on: "node1", labels: ["abc": "", "xyz": ""])
                .podAntiAffinity(affinityTerm("abc", "Exists", topologyKey: "zone"))
                .podAntiAffinity(affinityTerm("def", "Exists", topologyKey: "zone"))
        ],
        filter: [antiAffinityFails]
    ),
    AffinityFilterCase(
        name: "PodAffinity fails PreFilter with an invalid affinity label syntax",
        pod: pod(labels: podLabel)
            .podAffinity(affinityTerm("service", "In", ["{{.bad-value.}}"], topologyKey: "region"))
            .podAffinity(affinityTerm("service", "In", ["antivirusscan", "value2"], topologyKey: "node")),
        preFilter: Status(
            .unschedulableAndUnresolvable,
            #"parsing pod: requiredAffinityTerms: values[0][service]: Invalid value: "{{.bad-value.}}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#
        )
    ),
    AffinityFilterCase(
        name: "PodAntiAffinity fails PreFilter with an invalid antiaffinity label syntax",
        pod: pod(labels: podLabel)
            .podAntiAffinity(affinityTerm("service", "In", ["foo"], topologyKey: "region"))
            .podAntiAffinity(affinityTerm("service", "In", ["{{.bad-value.}}"], topologyKey: "node")),
        preFilter: Status(
            .unschedulableAndUnresolvable,
            #"parsing pod: requiredAntiAffinityTerms: values[0][service]: Invalid value: "{{.bad-value.}}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#
        )
    ),
    AffinityFilterCase(
        name: "affinity with NamespaceSelector",
        pod: pod(labels: podLabel2).podAffinity(
            affinityTerm(
                "service",
                "In",
                ["securityscan", "value2"],
                topologyKey: "region",
                namespaceSelector: teamSelector
            )
        ),
        pods: [existing("e", on: "node1", labels: podLabel).inNamespace("subteam1.team1")]
    ),
    AffinityFilterCase(
        name: "affinity with non-matching NamespaceSelector",
        pod: pod(labels: podLabel2).podAffinity(
            affinityTerm(
                "service",
                "In",
                ["securityscan", "value2"],
                topologyKey: "region",
                namespaceSelector: teamSelector
            )
        ),
        pods: [existing("e", on: "node1", labels: podLabel).inNamespace("subteam1.team2")],
        filter: [affinityFails]
    ),
    AffinityFilterCase(
        name: "anti-affinity with matching NamespaceSelector",
        pod: pod(labels: podLabel2).inNamespace("subteam1.team1")
            .podAntiAffinity(
                affinityTerm(
                    "service",
                    "In",
                    ["securityscan", "value2"],
                    topologyKey: "zone",
                    namespaceSelector: teamSelector
                )
            ),
        pods: [existing("e", on: "node1", labels: podLabel).inNamespace("subteam2.team1")],
        filter: [antiAffinityFails]
    ),
    AffinityFilterCase(
        name: "anti-affinity with matching all NamespaceSelector",
        pod: pod(labels: podLabel2).inNamespace("subteam1.team1")
            .podAntiAffinity(
                affinityTerm(
                    "service",
                    "In",
                    ["securityscan", "value2"],
                    topologyKey: "zone",
                    namespaceSelector: LabelSelector()
                )
            ),
        pods: [existing("e", on: "node1", labels: podLabel).inNamespace("subteam2.team1")],
        filter: [antiAffinityFails]
    ),
    AffinityFilterCase(
        name: "anti-affinity with non-matching NamespaceSelector",
        pod: pod(labels: podLabel2).inNamespace("subteam1.team1")
            .podAntiAffinity(
                affinityTerm(
                    "service",
                    "In",
                    ["securityscan", "value2"],
                    topologyKey: "zone",
                    namespaceSelector: teamSelector
                )
            ),
        pods: [existing("e", on: "node1", labels: podLabel).inNamespace("subteam1.team2")]
    ),
    // Not in upstream's table: a namespace selector only selects namespaces whose object exists.
    AffinityFilterCase(
        name: "affinity with NamespaceSelector does not select a namespace without a Namespace object",
        pod: pod(labels: podLabel2).podAffinity(
            affinityTerm(
                "service",
                "In",
                ["securityscan"],
                topologyKey: "region",
                namespaceSelector: expressions(requirement("team", "DoesNotExist"))
            )
        ),
        pods: [existing("e", on: "node1", labels: podLabel).inNamespace("no-such-namespace")],
        filter: [affinityFails]
    ),
    AffinityFilterCase(
        name: "existing pod's anti-affinity namespaceSelector is matched against the incoming pod's namespace labels",
        pod: pod(labels: podLabel).inNamespace("subteam2.team1"),
        pods: [
            existing("e", on: "node1").inNamespace("subteam1.team2")
                .podAntiAffinity(
                    affinityTerm("service", "Exists", topologyKey: "region", namespaceSelector: teamSelector)
                )
        ],
        filter: [existingAntiAffinityFails]
    ),
]

private let labelRgChina = ["region": "China"]
private let labelRgChinaAzAz1 = ["region": "China", "az": "az1"]
private let labelRgIndia = ["region": "India"]

/// Upstream's `TestRequiredAffinityMultipleNodes` (interpodaffinity/filtering_test.go).
private let multipleNodeCases: [AffinityFilterCase] = [
    AffinityFilterCase(
        name:
            "A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them has an existing pod that matches the affinity rules",
        pod: pod().podAffinity(affinityTerm("foo", "In", ["bar"], topologyKey: "region")),
        pods: [existing("p1", on: "node1", labels: ["foo": "bar"])],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgChinaAzAz1),
            labeledNode("node3", labelRgIndia),
        ],
        filter: [.success, .success, affinityFails]
    ),
    AffinityFilterCase(
        name:
            "The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the collection should not be blocked from being scheduled onto any node, even there's no existing pod that matches the rule anywhere.",
        pod: pod(labels: ["foo": "bar", "service": "securityscan"])
            .podAffinity(affinityTerm("foo", "In", ["bar"], topologyKey: "zone"))
            .podAffinity(affinityTerm("service", "In", ["securityscan"], topologyKey: "zone")),
        pods: [existing("p1", on: "nodeA", labels: ["foo": "bar"])],
        nodes: [
            labeledNode("nodeA", ["zone": "az1", "hostname": "h1"]),
            labeledNode("nodeB", ["zone": "az2", "hostname": "h2"]),
        ],
        filter: [.success, .success]
    ),
    AffinityFilterCase(
        name:
            "The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys",
        pod: pod(labels: ["foo": "bar", "service": "securityscan"])
            .podAffinity(affinityTerm("foo", "In", ["bar"], topologyKey: "zone"))
            .podAffinity(affinityTerm("service", "In", ["securityscan"], topologyKey: "zone")),
        pods: [existing("p1", on: "nodeA", labels: ["foo": "bar"])],
        nodes: [
            labeledNode("nodeA", ["zoneLabel": "az1", "hostname": "h1"]),
            labeledNode("nodeB", ["zoneLabel": "az2", "hostname": "h2"]),
        ],
        filter: [affinityFails, affinityFails]
    ),
    AffinityFilterCase(
        name:
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB.",
        pod: pod().podAntiAffinity(affinityTerm("foo", "In", ["abc"], topologyKey: "region")),
        pods: [existing("p1", on: "nodeA", labels: ["foo": "abc"])],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "hostname": "nodeB"]),
        ],
        filter: [antiAffinityFails, antiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod.",
        pod: pod()
            .podAntiAffinity(affinityTerm("foo", "In", ["abc"], topologyKey: "region"))
            .podAntiAffinity(affinityTerm("service", "In", ["securityscan"], topologyKey: "zone")),
        pods: [existing("p1", on: "nodeA", labels: ["foo": "abc", "service": "securityscan"])],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z2", "hostname": "nodeB"]),
        ],
        filter: [antiAffinityFails, antiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC",
        pod: pod().podAntiAffinity(affinityTerm("foo", "In", ["abc"], topologyKey: "region")),
        pods: [existing("p1", on: "nodeA", labels: ["foo": "abc"])],
        nodes: [
            labeledNode("nodeA", labelRgChina), labeledNode("nodeB", labelRgChinaAzAz1),
            labeledNode("nodeC", labelRgIndia),
        ],
        filter: [antiAffinityFails, antiAffinityFails, .success]
    ),
    AffinityFilterCase(
        name:
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has an existing pod that match the inter pod affinity rule but in different namespace)",
        pod: pod(labels: ["foo": "123"]).inNamespace("NS1").podAntiAffinity(
            affinityTerm("foo", "In", ["bar"], topologyKey: "region")
        ),
        pods: [
            existing("p1", on: "nodeA", labels: ["foo": "bar"]).inNamespace("NS1"),
            existing("p2", on: "nodeC").inNamespace("NS2").podAntiAffinity(
                affinityTerm("foo", "In", ["123"], topologyKey: "region")
            ),
        ],
        nodes: [
            labeledNode("nodeA", labelRgChina), labeledNode("nodeB", labelRgChinaAzAz1),
            labeledNode("nodeC", labelRgIndia),
        ],
        filter: [antiAffinityFails, antiAffinityFails, .success]
    ),
    AffinityFilterCase(
        name:
            "Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of the term is firstly checked, and then topologyKey of the term is also checked",
        pod: pod(labels: ["foo": ""]),
        pods: [
            existing("p1", on: "nodeA").podAntiAffinity(
                affinityTerm("foo", "Exists", topologyKey: "invalid-node-label")
            )
        ],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z1", "hostname": "nodeB"]),
        ],
        preFilter: .skip
    ),
    AffinityFilterCase(
        name: "Test incoming pod's anti-affinity: even if labelSelector matches, we still check if topologyKey matches",
        pod: pod().podAntiAffinity(affinityTerm("foo", "Exists", topologyKey: "invalid-node-label")),
        pods: [existing("p1", on: "nodeA", labels: ["foo": ""])],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z1", "hostname": "nodeB"]),
        ],
        filter: [.success, .success]
    ),
    AffinityFilterCase(
        name:
            "Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each existingPod's terms on all nodes",
        pod: pod(labels: ["foo": "", "bar": ""]),
        pods: [
            existing("p1", on: "nodeA").podAntiAffinity(affinityTerm("foo", "Exists", topologyKey: "zone")),
            existing("p2", on: "nodeA").podAntiAffinity(affinityTerm("bar", "Exists", topologyKey: "region")),
        ],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z2", "hostname": "nodeB"]),
        ],
        filter: [existingAntiAffinityFails, existingAntiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one anti-affinity rule of existingPod",
        pod: pod()
            .podAntiAffinity(affinityTerm("foo", "Exists", topologyKey: "zone"))
            .podAntiAffinity(affinityTerm("bar", "Exists", topologyKey: "region")),
        pods: [existing("p1", on: "nodeA", labels: ["foo": ""]), existing("p2", on: "nodeB", labels: ["bar": ""])],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z2", "hostname": "nodeB"]),
        ],
        filter: [antiAffinityFails, antiAffinityFails]
    ),
    AffinityFilterCase(
        name:
            "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
        pod: pod(labels: ["foo": "", "bar": ""]),
        pods: [
            existing("p1", on: "nodeA")
                .podAntiAffinity(affinityTerm("foo", "Exists", topologyKey: "invalid-node-label"))
                .podAntiAffinity(affinityTerm("bar", "Exists", topologyKey: "zone"))
        ],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z2", "hostname": "nodeB"]),
        ],
        filter: [existingAntiAffinityFails, .success]
    ),
    AffinityFilterCase(
        name:
            "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
        pod: pod()
            .podAntiAffinity(affinityTerm("foo", "Exists", topologyKey: "invalid-node-label"))
            .podAntiAffinity(affinityTerm("bar", "Exists", topologyKey: "zone")),
        pods: [existing("podA", on: "nodeA", labels: ["foo": "", "bar": ""])],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z2", "hostname": "nodeB"]),
        ],
        filter: [antiAffinityFails, .success]
    ),
    AffinityFilterCase(
        name:
            "Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one anti-affinity term matches incoming pod, so incoming pod can only be scheduled to nodeC",
        pod: pod(labels: ["foo": "", "bar": ""]),
        pods: [
            existing("p1", on: "nodeA")
                .podAntiAffinity(affinityTerm("foo", "Exists", topologyKey: "zone"))
                .podAntiAffinity(affinityTerm("labelA", "Exists", topologyKey: "zone")),
            existing("p2", on: "nodeB")
                .podAntiAffinity(affinityTerm("bar", "Exists", topologyKey: "zone"))
                .podAntiAffinity(affinityTerm("labelB", "Exists", topologyKey: "zone")),
        ],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z2", "hostname": "nodeB"]),
            labeledNode("nodeC", ["region": "r1", "zone": "z3", "hostname": "nodeC"]),
        ],
        filter: [existingAntiAffinityFails, existingAntiAffinityFails, .success]
    ),
    AffinityFilterCase(
        name:
            "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match",
        pod: pod()
            .podAffinity(affinityTerm("foo", "Exists", topologyKey: "region"))
            .podAffinity(affinityTerm("bar", "Exists", topologyKey: "zone")),
        pods: [existing("pod1", on: "nodeA", labels: ["foo": "", "bar": ""])],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z1", "hostname": "nodeB"]),
        ],
        filter: [.success, .success]
    ),
    AffinityFilterCase(
        name:
            "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match, and the match logic should be satisfied on the same pod",
        pod: pod()
            .podAffinity(affinityTerm("foo", "Exists", topologyKey: "region"))
            .podAffinity(affinityTerm("bar", "Exists", topologyKey: "zone")),
        pods: [existing("pod1", on: "nodeA", labels: ["foo": ""]), existing("pod2", on: "nodeB", labels: ["bar": ""])],
        nodes: [
            labeledNode("nodeA", ["region": "r1", "zone": "z1", "hostname": "nodeA"]),
            labeledNode("nodeB", ["region": "r1", "zone": "z2", "hostname": "nodeB"]),
        ],
        filter: [affinityFails, affinityFails]
    ),
]

@Suite struct InterPodAffinityFilterTests {
    @Test(arguments: singleNodeCases + multipleNodeCases)
    func preFilterAndFilter(_ c: AffinityFilterCase) throws {
        let snapshot = makeSnapshot(c.nodes, pods: c.pods)
        let (preFilter, statuses) = runPreFilterAndFilter(try plugin(), pod: c.pod.info(), snapshot: snapshot)
        #expect(preFilter == c.preFilter)
        guard preFilter.isSuccess else { return }
        let expected = c.filter.isEmpty ? Array(repeating: Status.success, count: c.nodes.count) : c.filter
        #expect(statuses == expected)
    }

    @Test func filterWithoutPreFilterIsAnError() throws {
        let status = try plugin().filter(state: CycleState(), pod: pod().info(), node: NodeInfo(node: node1))
        #expect(status == .error(#"error reading "PreFilterInterPodAffinity" from cycleState: not found"#))
    }

    @Test func affinityRejectionIsUnresolvableButAntiAffinityIsNot() {
        #expect(affinityFails.code == .unschedulableAndUnresolvable)
        #expect(antiAffinityFails.code == .unschedulable)
        #expect(existingAntiAffinityFails.code == .unschedulable)
        #expect(Plugin.reasonAffinityRulesNotMatch == "node(s) didn't match pod affinity rules")
        #expect(Plugin.reasonAntiAffinityRulesNotMatch == "node(s) didn't match pod anti-affinity rules")
        #expect(
            Plugin.reasonExistingAntiAffinityRulesNotMatch == "node(s) didn't satisfy existing pods anti-affinity rules"
        )
    }

    /// The first pod of a group passes only when no pod anywhere matches all of its terms: once one does,
    /// nodes outside that pod's domain fail even though the incoming pod matches its own terms.
    @Test func firstPodExceptionEndsOnceAMatchingPodExists() throws {
        let incoming = pod(labels: ["app": "db"]).podAffinity(affinityTerm("app", "In", ["db"], topologyKey: "zone"))
        let nodes = [labeledNode("a", ["zone": "z1"]), labeledNode("b", ["zone": "z2"])]
        let (_, alone) = runPreFilterAndFilter(try plugin(), pod: incoming.info(), snapshot: makeSnapshot(nodes))
        #expect(alone == [.success, .success])
        let (_, withPeer) = runPreFilterAndFilter(
            try plugin(),
            pod: incoming.info(),
            snapshot: makeSnapshot(nodes, pods: [existing("db-0", on: "a", labels: ["app": "db"])])
        )
        #expect(withPeer == [.success, affinityFails])
        // A pod that does not match its own term gets no exception.
        let outsider = pod(labels: ["app": "web"]).podAffinity(affinityTerm("app", "In", ["db"], topologyKey: "zone"))
        let (_, outsiderStatuses) = runPreFilterAndFilter(
            try plugin(),
            pod: outsider.info(),
            snapshot: makeSnapshot(nodes)
        )
        #expect(outsiderStatuses == [affinityFails, affinityFails])
    }
}

// MARK: - matchLabelKeys / mismatchLabelKeys

@Suite struct InterPodAffinityLabelKeysTests {
    let nodes = [labeledNode("a", ["zone": "z1"]), labeledNode("b", ["zone": "z2"])]

    @Test func matchLabelKeysRestrictAffinityToPodsWithTheSameValue() throws {
        let incoming = pod(labels: ["app": "web", "version": "v1"])
            .podAffinity(affinityTerm("app", "Exists", topologyKey: "zone", matchLabelKeys: ["version"]))
        let pods = [
            existing("v2", on: "a", labels: ["app": "web", "version": "v2"]),
            existing("v1", on: "b", labels: ["app": "web", "version": "v1"]),
        ]
        let (_, statuses) = runPreFilterAndFilter(
            try plugin(),
            pod: incoming.info(),
            snapshot: makeSnapshot(nodes, pods: pods)
        )
        #expect(statuses == [affinityFails, .success])
    }

    @Test func mismatchLabelKeysKeepTenantsApart() throws {
        let incoming = pod(labels: ["app": "web", "tenant": "t1"])
            .podAntiAffinity(affinityTerm("app", "Exists", topologyKey: "zone", mismatchLabelKeys: ["tenant"]))
        let pods = [
            existing("other", on: "a", labels: ["app": "web", "tenant": "t2"]),
            existing("same", on: "b", labels: ["app": "web", "tenant": "t1"]),
        ]
        let (_, statuses) = runPreFilterAndFilter(
            try plugin(),
            pod: incoming.info(),
            snapshot: makeSnapshot(nodes, pods: pods)
        )
        #expect(statuses == [antiAffinityFails, .success])
    }

    @Test func existingPodsTermsAreMergedWithTheirOwnLabels() throws {
        // The existing pod avoids other tenants: the incoming pod of tenant t2 is kept out of zone z1.
        let pods = [
            existing("t1", on: "a", labels: ["app": "web", "tenant": "t1"])
                .podAntiAffinity(affinityTerm("app", "Exists", topologyKey: "zone", mismatchLabelKeys: ["tenant"]))
        ]
        let other = pod(labels: ["app": "web", "tenant": "t2"])
        let (_, statuses) = runPreFilterAndFilter(
            try plugin(),
            pod: other.info(),
            snapshot: makeSnapshot(nodes, pods: pods)
        )
        #expect(statuses == [existingAntiAffinityFails, .success])
        let sameTenant = pod(labels: ["app": "web", "tenant": "t1"])
        let (preFilter, _) = runPreFilterAndFilter(
            try plugin(),
            pod: sameTenant.info(),
            snapshot: makeSnapshot(nodes, pods: pods)
        )
        #expect(preFilter == .skip)
    }

    @Test func mergeAddsOnlyKeysPresentInThePodAndNeverTwice() throws {
        let pod = pod(labels: ["app": "web", "version": "v1"])
        let alreadyMerged = PodAffinityTerm(
            labelSelector: expressions(requirement("app", "Exists"), requirement("version", "In", ["v1"])),
            topologyKey: "zone",
            matchLabelKeys: ["version", "missing"]
        )
        let compiled = try CompiledAffinityTerms.compile(alreadyMerged, of: pod.build())
        #expect(compiled.selector.requirements.count == 2)
        let fresh = PodAffinityTerm(
            labelSelector: expressions(requirement("app", "Exists")),
            topologyKey: "zone",
            matchLabelKeys: ["version", "missing"],
            mismatchLabelKeys: ["app"]
        )
        let merged = try CompiledAffinityTerms.compile(fresh, of: pod.build())
        #expect(merged.selector.requirements.map(\.key) == ["app", "version", "app"])
        #expect(merged.selector.matches(["app": "other", "version": "v1"]))
        #expect(!merged.selector.matches(["app": "web", "version": "v1"]))
        #expect(!merged.selector.matches(["app": "other", "version": "v2"]))
        // A nil selector stays nil (matches nothing): there is nothing to merge into.
        let noSelector = PodAffinityTerm(topologyKey: "zone", matchLabelKeys: ["version"])
        #expect(try CompiledAffinityTerms.compile(noSelector, of: pod.build()).selector.matchesNothing)
    }

    @Test func namespacesDefaultToTheOwnersNamespace() throws {
        let owner = PodBuilder("p", namespace: "team-a").build()
        let term = try CompiledAffinityTerms.compile(affinityTerm("app", "Exists", topologyKey: "zone"), of: owner)
        #expect(term.namespaces == ["team-a"])
        let selecting = try CompiledAffinityTerms.compile(
            affinityTerm("app", "Exists", topologyKey: "zone", namespaceSelector: LabelSelector()),
            of: owner
        )
        #expect(selecting.namespaces.isEmpty)
        #expect(selecting.namespaceSelector.isEmpty)
    }
}

// MARK: - AddPod / RemovePod

@Suite struct InterPodAffinityAddRemovePodTests {
    let nodes = [
        labeledNode("nodeA", ["region": "r1", "zone": "z11"]), labeledNode("nodeB", ["region": "r1", "zone": "z12"]),
        labeledNode("nodeC", ["region": "r2", "zone": "z21"]),
    ]
    let antiFooBar = affinityTerm("foo", "In", ["bar"], topologyKey: "region")

    /// Upstream's `TestPreFilterStateAddRemovePod`, first case: counts move with the added pod and come back after
    /// it is removed.
    @Test func preFilterStateAntiAffinityTermsAreUpdatedCorrectlyAfterAddingAndRemovingAPod() throws {
        let plugin = try plugin()
        let pending = pod("pending", labels: ["foo": "bar"]).podAntiAffinity(antiFooBar).info()
        let snapshot = makeSnapshot(
            nodes,
            pods: [
                existing("p1", on: "nodeA", labels: ["foo": "bar"]),
                existing("p2", on: "nodeC").podAntiAffinity(antiFooBar),
            ]
        )
        let state = CycleState()
        #expect(plugin.preFilter(state: state, pod: pending, snapshot: snapshot).1 == .success)
        let prepared = try #require(state.read(Plugin.preFilterKey))
        #expect(prepared.antiAffinityCounts.pairs == ["region": ["r1": 1]])
        #expect(prepared.existingAntiAffinityCounts.pairs == ["region": ["r2": 1]])

        let added = existing("added", on: "nodeB", labels: ["foo": "bar"]).podAntiAffinity(antiFooBar).info()
        let nodeB = snapshot.nodes[1]
        let cloned = state.clone()
        #expect(plugin.addPod(state: cloned, podToSchedule: pending, podToAdd: added, nodeInfo: nodeB) == .success)
        let afterAdd = try #require(cloned.read(Plugin.preFilterKey))
        #expect(afterAdd.antiAffinityCounts.pairs == ["region": ["r1": 2]])
        #expect(afterAdd.existingAntiAffinityCounts.pairs == ["region": ["r2": 1, "r1": 1]])
        // The original state is untouched by the clone's update.
        #expect(prepared.antiAffinityCounts.pairs == ["region": ["r1": 1]])

        #expect(
            plugin.removePod(state: cloned, podToSchedule: pending, podToRemove: added, nodeInfo: nodeB) == .success
        )
        let afterRemove = try #require(cloned.read(Plugin.preFilterKey))
        #expect(afterRemove.antiAffinityCounts.pairs == ["region": ["r1": 1]])
        #expect(afterRemove.existingAntiAffinityCounts.pairs == ["region": ["r2": 1]])
        // Filter sees the nominated pod's anti-affinity on the clone only.
        #expect(plugin.filter(state: state, pod: pending, node: snapshot.nodes[2]) == existingAntiAffinityFails)
    }

    @Test func affinityCountsFollowAddedPodsMatchingAllTerms() throws {
        let plugin = try plugin()
        let pending = pod("pending").podAffinity(affinityTerm("foo", "In", ["bar", "buzz"], topologyKey: "region"))
            .podAffinity(affinityTerm("service", "NotIn", ["bar", "security", "test"], topologyKey: "zone")).info()
        let snapshot = makeSnapshot(nodes, pods: [existing("p1", on: "nodeA", labels: ["foo": "bar"])])
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: pending, snapshot: snapshot)
        #expect(
            try #require(state.read(Plugin.preFilterKey)).affinityCounts.pairs == [
                "region": ["r1": 1], "zone": ["z11": 1],
            ]
        )
        let added = existing("added", on: "nodeC", labels: ["foo": "buzz"]).info()
        _ = plugin.addPod(state: state, podToSchedule: pending, podToAdd: added, nodeInfo: snapshot.nodes[2])
        #expect(
            try #require(state.read(Plugin.preFilterKey)).affinityCounts.pairs
                == ["region": ["r1": 1, "r2": 1], "zone": ["z11": 1, "z21": 1]]
        )
        _ = plugin.removePod(state: state, podToSchedule: pending, podToRemove: added, nodeInfo: snapshot.nodes[2])
        #expect(
            try #require(state.read(Plugin.preFilterKey)).affinityCounts.pairs == [
                "region": ["r1": 1], "zone": ["z11": 1],
            ]
        )
    }

    @Test func addPodWithoutPreFilterStateIsAnError() throws {
        let status = try plugin().addPod(
            state: CycleState(),
            podToSchedule: pod().info(),
            podToAdd: pod("x").info(),
            nodeInfo: NodeInfo(node: node1)
        )
        #expect(status.code == .error)
    }
}

// MARK: - Scoring

private let labelAzAz1 = ["az": "az1"]
private let labelAzAz2 = ["az": "az2"]
private let securityS1 = ["security": "S1"]
private let securityS2 = ["security": "S2"]

private func preferred(
    _ key: String,
    _ value: String,
    topologyKey: String,
    weight: Int32,
    anti: Bool = false
) -> Affinity {
    let term = WeightedPodAffinityTerm(
        weight: weight,
        podAffinityTerm: affinityTerm(key, "In", [value], topologyKey: topologyKey)
    )
    return anti
        ? Affinity(podAntiAffinity: PodAntiAffinity(preferred: [term]))
        : Affinity(podAffinity: PodAffinity(preferred: [term]))
}

private let stayWithS1InRegion = preferred("security", "S1", topologyKey: "region", weight: 5)
private let stayWithS2InRegion = preferred("security", "S2", topologyKey: "region", weight: 6)
private let awayFromS1InAz = preferred("security", "S1", topologyKey: "az", weight: 5, anti: true)
private let awayFromS2InAz = preferred("security", "S2", topologyKey: "az", weight: 5, anti: true)
private let affinity3 = Affinity(
    podAffinity: PodAffinity(preferred: [
        WeightedPodAffinityTerm(
            weight: 8,
            podAffinityTerm: PodAffinityTerm(
                labelSelector: expressions(
                    requirement("security", "NotIn", ["S1"]),
                    requirement("security", "In", ["S2"])
                ),
                topologyKey: "region"
            )
        ),
        WeightedPodAffinityTerm(
            weight: 2,
            podAffinityTerm: PodAffinityTerm(
                labelSelector: expressions(requirement("security", "Exists"), requirement("wrongkey", "DoesNotExist")),
                topologyKey: "region"
            )
        ),
    ])
)
private let hardAffinity = Affinity(
    podAffinity: PodAffinity(required: [
        affinityTerm("security", "In", ["S1", "value2"], topologyKey: "region"),
        PodAffinityTerm(
            labelSelector: expressions(requirement("security", "Exists"), requirement("wrongkey", "DoesNotExist")),
            topologyKey: "region"
        ),
    ])
)
private let stayWithS1InRegionAwayFromS2InAz = Affinity(
    podAffinity: PodAffinity(preferred: [
        WeightedPodAffinityTerm(
            weight: 8,
            podAffinityTerm: affinityTerm("security", "In", ["S1"], topologyKey: "region")
        )
    ]),
    podAntiAffinity: PodAntiAffinity(preferred: [
        WeightedPodAffinityTerm(weight: 5, podAffinityTerm: affinityTerm("security", "In", ["S2"], topologyKey: "az"))
    ])
)
private let affinityNamespaceSelector = Affinity(
    podAffinity: PodAffinity(preferred: [
        WeightedPodAffinityTerm(
            weight: 5,
            podAffinityTerm: affinityTerm(
                "security",
                "In",
                ["S1"],
                topologyKey: "region",
                namespaces: ["subteam2.team2"],
                namespaceSelector: teamSelector
            )
        )
    ])
)
private let antiAffinityNamespaceSelector = Affinity(
    podAntiAffinity: PodAntiAffinity(preferred: [
        WeightedPodAffinityTerm(
            weight: 5,
            podAffinityTerm: affinityTerm(
                "security",
                "In",
                ["S1"],
                topologyKey: "region",
                namespaces: ["subteam2.team2"],
                namespaceSelector: teamSelector
            )
        )
    ])
)

private func placed(
    _ name: String,
    on node: String,
    _ labels: [String: String] = [:],
    affinity: Affinity? = nil,
    namespace: String = "default"
)
    -> PodBuilder
{
    PodBuilder(name, namespace: namespace).labels(labels).node(node).affinity(affinity)
}

struct AffinityScoreCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    var pods: [PodBuilder] = []
    let nodes: [Node]
    var expected: [Int64] = []
    var args = InterPodAffinityArgs.defaults
    var status: Status.Code = .success
    var testDescription: String { name }
}

/// Upstream's `TestPreferredAffinity` and `TestPreferredAffinityWithHardPodAffinitySymmetricWeight`
/// (interpodaffinity/scoring_test.go); namespace "" there is "default" here.
private let scoreCases: [AffinityScoreCase] = [
    AffinityScoreCase(
        name: "all nodes are same priority as Affinity is nil",
        pod: pod(labels: securityS1),
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelAzAz1),
        ],
        status: .skip
    ),
    AffinityScoreCase(
        name:
            "Affinity: pod that matches topology key & pods in nodes will get high score comparing to otherswhich doesn't match either pods in nodes or in topology key",
        pod: pod(labels: securityS1).affinity(stayWithS1InRegion),
        pods: [
            placed("a", on: "node1", securityS1), placed("b", on: "node2", securityS2),
            placed("c", on: "node3", securityS1),
        ],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelAzAz1),
        ],
        expected: [100, 0, 0]
    ),
    AffinityScoreCase(
        name:
            "All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score",
        pod: pod().affinity(stayWithS1InRegion),
        pods: [placed("a", on: "node1", securityS1)],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgChinaAzAz1),
            labeledNode("node3", labelRgIndia),
        ],
        expected: [100, 100, 0]
    ),
    AffinityScoreCase(
        name:
            "Affinity: nodes in one region has more matching pods comparing to other region, so the region which has more matches will get high score",
        pod: pod(labels: securityS1).affinity(stayWithS2InRegion),
        pods: [
            placed("a", on: "node1", securityS2), placed("b", on: "node1", securityS2),
            placed("c", on: "node2", securityS2),
            placed("d", on: "node3", securityS2), placed("e", on: "node4", securityS2),
            placed("f", on: "node5", securityS2),
        ],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelRgChina),
            labeledNode("node4", labelRgChina), labeledNode("node5", labelRgIndia),
        ],
        expected: [100, 0, 100, 100, 0]
    ),
    AffinityScoreCase(
        name:
            "Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures ",
        pod: pod(labels: securityS1).affinity(affinity3),
        pods: [
            placed("a", on: "node1", securityS1), placed("b", on: "node2", securityS2),
            placed("c", on: "node3", securityS1),
        ],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelAzAz1),
        ],
        expected: [20, 100, 0]
    ),
    AffinityScoreCase(
        name:
            "Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
        pod: pod(labels: securityS2),
        pods: [
            placed("a", on: "node1", securityS1, affinity: stayWithS1InRegion),
            placed("b", on: "node2", securityS2, affinity: stayWithS2InRegion),
        ],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelAzAz1),
        ],
        expected: [0, 100, 0]
    ),
    AffinityScoreCase(
        name: "Affinity symmetry with namespace selector",
        pod: pod(labels: securityS1).inNamespace("subteam1.team1"),
        pods: [
            placed("a", on: "node1", securityS1, affinity: affinityNamespaceSelector),
            placed("b", on: "node2", securityS2, affinity: stayWithS2InRegion),
        ],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelAzAz1),
        ],
        expected: [100, 0, 0]
    ),
    AffinityScoreCase(
        name: "AntiAffinity symmetry with namespace selector",
        pod: pod(labels: securityS1).inNamespace("subteam1.team1"),
        pods: [
            placed("a", on: "node1", securityS1, affinity: antiAffinityNamespaceSelector),
            placed("b", on: "node2", securityS2, affinity: stayWithS2InRegion),
        ],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelAzAz1),
        ],
        expected: [0, 100, 100]
    ),
    AffinityScoreCase(
        name: "Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
        pod: pod(labels: securityS1),
        pods: [
            placed("a", on: "node1", securityS1, affinity: hardAffinity),
            placed("b", on: "node2", securityS2, affinity: hardAffinity),
        ],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelAzAz1),
        ],
        expected: [100, 100, 0]
    ),
    AffinityScoreCase(
        name: "Anti Affinity: pod that does not match existing pods in node will get high score ",
        pod: pod(labels: securityS1).affinity(awayFromS1InAz),
        pods: [placed("a", on: "node1", securityS1), placed("b", on: "node2", securityS2)],
        nodes: [labeledNode("node1", labelAzAz1), labeledNode("node2", labelRgChina)],
        expected: [0, 100]
    ),
    AffinityScoreCase(
        name:
            "Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score comparing to others ",
        pod: pod(labels: securityS1).affinity(awayFromS1InAz),
        pods: [placed("a", on: "node1", securityS1), placed("b", on: "node2", securityS1)],
        nodes: [labeledNode("node1", labelAzAz1), labeledNode("node2", labelRgChina)],
        expected: [0, 100]
    ),
    AffinityScoreCase(
        name:
            "Anti Affinity: one node has more matching pods comparing to other node, so the node which has more unmatches will get high score",
        pod: pod(labels: securityS1).affinity(awayFromS1InAz),
        pods: [
            placed("a", on: "node1", securityS1), placed("b", on: "node1", securityS1),
            placed("c", on: "node2", securityS2),
        ],
        nodes: [labeledNode("node1", labelAzAz1), labeledNode("node2", labelRgIndia)],
        expected: [0, 100]
    ),
    AffinityScoreCase(
        name: "Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score",
        pod: pod(labels: securityS2),
        pods: [
            placed("a", on: "node1", securityS1, affinity: awayFromS2InAz),
            placed("b", on: "node2", securityS2, affinity: awayFromS1InAz),
        ],
        nodes: [labeledNode("node1", labelAzAz1), labeledNode("node2", labelAzAz2)],
        expected: [0, 100]
    ),
    AffinityScoreCase(
        name:
            "Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity",
        pod: pod(labels: securityS1).affinity(stayWithS1InRegionAwayFromS2InAz),
        pods: [placed("a", on: "node1", securityS1), placed("b", on: "node2", securityS1)],
        nodes: [labeledNode("node1", labelRgChina), labeledNode("node2", labelAzAz1)],
        expected: [100, 0]
    ),
    AffinityScoreCase(
        name:
            "Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing pods have the same labels",
        pod: pod(labels: securityS1).affinity(stayWithS1InRegionAwayFromS2InAz),
        pods: [
            placed("a", on: "node1", securityS1), placed("b", on: "node1", securityS1),
            placed("c", on: "node2", securityS1),
            placed("d", on: "node3", securityS1), placed("e", on: "node3", securityS1),
            placed("f", on: "node4", securityS1),
            placed("g", on: "node5", securityS1),
        ],
        nodes: [
            labeledNode("node1", labelRgChinaAzAz1), labeledNode("node2", labelRgIndia),
            labeledNode("node3", labelRgChina),
            labeledNode("node4", labelRgChina), labeledNode("node5", labelRgIndia),
        ],
        expected: [100, 0, 100, 100, 0]
    ),
    AffinityScoreCase(
        name:
            "Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity & symmetry",
        pod: pod(labels: securityS1).affinity(stayWithS1InRegionAwayFromS2InAz),
        pods: [
            placed("a", on: "node1", securityS1), placed("b", on: "node2", securityS2),
            placed("c", on: "node3", affinity: stayWithS1InRegionAwayFromS2InAz),
            placed("d", on: "node4", affinity: awayFromS1InAz),
        ],
        nodes: [
            labeledNode("node1", labelRgChina), labeledNode("node2", labelAzAz1), labeledNode("node3", labelRgIndia),
            labeledNode("node4", labelAzAz2),
        ],
        expected: [100, 0, 100, 0]
    ),
    AffinityScoreCase(
        name: "Avoid panic when partial nodes in a topology don't have pods with affinity",
        pod: pod(labels: securityS1),
        pods: [
            placed("a", on: "node1", securityS1), placed("b", on: "node2", affinity: stayWithS1InRegionAwayFromS2InAz),
        ],
        nodes: [labeledNode("node1", labelRgChina), labeledNode("node2", labelRgChina)],
        expected: [0, 0]
    ),
    AffinityScoreCase(
        name: "invalid Affinity fails PreScore",
        pod: pod().affinity(
            Affinity(
                podAffinity: PodAffinity(preferred: [
                    WeightedPodAffinityTerm(
                        weight: 8,
                        podAffinityTerm: affinityTerm("security", "In", ["{{.bad-value.}}"], topologyKey: "region")
                    )
                ])
            )
        ),
        nodes: [labeledNode("node1", labelRgChina), labeledNode("node2", labelRgChina)],
        status: .error
    ),
    AffinityScoreCase(
        name: "Affinity with pods matching NamespaceSelector",
        pod: pod(labels: securityS1).inNamespace("subteam1.team1").affinity(affinityNamespaceSelector),
        pods: [
            placed("a", on: "node1", securityS1, namespace: "subteam1.team1"),
            placed("b", on: "node1", securityS1, namespace: "subteam1.team1"),
            placed("c", on: "node1", securityS1, namespace: "subteam1.team2"),
            placed("d", on: "node2", securityS1, namespace: "subteam2.team1"),
        ],
        nodes: [labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia)],
        expected: [100, 0]
    ),
    AffinityScoreCase(
        name: "Affinity with pods matching both NamespaceSelector and Namespaces fields",
        pod: pod(labels: securityS1).inNamespace("subteam1.team1").affinity(affinityNamespaceSelector),
        pods: [
            placed("a", on: "node1", securityS1, namespace: "subteam1.team1"),
            placed("b", on: "node1", securityS1, namespace: "subteam1.team1"),
            placed("c", on: "node1", securityS1, namespace: "subteam2.team2"),
            placed("d", on: "node2", securityS1, namespace: "subteam2.team1"),
        ],
        nodes: [labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia)],
        expected: [100, 0]
    ),
    AffinityScoreCase(
        name: "AntiAffinity with pods matching NamespaceSelector",
        pod: pod(labels: securityS1).inNamespace("subteam1.team1").affinity(antiAffinityNamespaceSelector),
        pods: [
            placed("a", on: "node1", securityS1, namespace: "subteam1.team1"),
            placed("b", on: "node1", securityS1, namespace: "subteam1.team1"),
            placed("c", on: "node1", securityS1, namespace: "subteam1.team2"),
            placed("d", on: "node2", securityS1, namespace: "subteam2.team1"),
        ],
        nodes: [labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia)],
        expected: [0, 100]
    ),
    AffinityScoreCase(
        name: "Ignore preferred terms of existing pods",
        pod: pod(labels: securityS2),
        pods: [
            placed("a", on: "node1", securityS1, affinity: stayWithS1InRegionAwayFromS2InAz),
            placed("b", on: "node2", securityS2, affinity: stayWithS2InRegion),
        ],
        nodes: [labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia)],
        args: InterPodAffinityArgs(ignorePreferredTermsOfExistingPods: true),
        status: .skip
    ),
    AffinityScoreCase(
        name: "Do not ignore preferred terms of existing pods",
        pod: pod(labels: securityS2),
        pods: [
            placed("a", on: "node1", securityS1, affinity: stayWithS1InRegionAwayFromS2InAz),
            placed("b", on: "node2", securityS2, affinity: stayWithS2InRegion),
        ],
        nodes: [labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia)],
        expected: [0, 100]
    ),
    AffinityScoreCase(name: "No nodes to score", pod: pod(labels: securityS2), nodes: [], status: .skip),
]

private let hardPodAffinity = Affinity(
    podAffinity: PodAffinity(required: [
        affinityTerm(
            "service",
            "In",
            ["S1"],
            topologyKey: "region",
            namespaces: ["default", "subteam2.team2"],
            namespaceSelector: teamSelector
        )
    ])
)
private let hardWeightNodes = [
    labeledNode("node1", labelRgChina), labeledNode("node2", labelRgIndia), labeledNode("node3", labelAzAz1),
]
private let hardWeightPods = [
    placed("a", on: "node1", affinity: hardPodAffinity), placed("b", on: "node2", affinity: hardPodAffinity),
]

private let hardWeightCases: [AffinityScoreCase] = [
    AffinityScoreCase(
        name: "with default weight",
        pod: pod(labels: ["service": "S1"]),
        pods: hardWeightPods,
        nodes: hardWeightNodes,
        expected: [100, 100, 0]
    ),
    AffinityScoreCase(
        name: "with zero weight",
        pod: pod(labels: ["service": "S1"]),
        pods: hardWeightPods,
        nodes: hardWeightNodes,
        args: InterPodAffinityArgs(hardPodAffinityWeight: 0),
        status: .skip
    ),
    AffinityScoreCase(
        name: "with no matching namespace",
        pod: pod(labels: ["service": "S1"]).inNamespace("subteam1.team2"),
        pods: hardWeightPods,
        nodes: hardWeightNodes,
        status: .skip
    ),
    AffinityScoreCase(
        name: "with matching NamespaceSelector",
        pod: pod(labels: ["service": "S1"]).inNamespace("subteam1.team1"),
        pods: hardWeightPods,
        nodes: hardWeightNodes,
        expected: [100, 100, 0]
    ),
    AffinityScoreCase(
        name: "with matching Namespaces",
        pod: pod(labels: ["service": "S1"]).inNamespace("subteam2.team2"),
        pods: hardWeightPods,
        nodes: hardWeightNodes,
        expected: [100, 100, 0]
    ),
]

@Suite struct InterPodAffinityScoreTests {
    @Test(arguments: scoreCases + hardWeightCases)
    func preScoreScoreNormalize(_ c: AffinityScoreCase) throws {
        let snapshot = makeSnapshot(c.nodes, pods: c.pods)
        let (status, scores) = runScoring(try plugin(c.args), pod: c.pod.info(), nodes: feasible(snapshot))
        #expect(status.code == c.status)
        if c.status == .success { #expect(scores == c.expected) }
        if c.status == .error { #expect(status.message.contains(#"Invalid value: "{{.bad-value.}}""#)) }
    }

    @Test func rawScoresAreSignedSumsOfWeightsPerTopologyPair() throws {
        // Preferred affinity +8 in China, preferred anti-affinity −5 in az1, and a required term of an existing pod
        // matched by the incoming pod adds hardPodAffinityWeight (3) in India.
        let plugin = try plugin(InterPodAffinityArgs(hardPodAffinityWeight: 3))
        let incoming = pod(labels: securityS1).affinity(stayWithS1InRegionAwayFromS2InAz).info()
        let nodes = [
            labeledNode("n1", labelRgChina), labeledNode("n2", labelAzAz1), labeledNode("n3", labelRgIndia),
            labeledNode("n4", [:]),
        ]
        let pods = [
            placed("a", on: "n1", securityS1), placed("b", on: "n2", securityS2),
            placed("c", on: "n3", affinity: hardAffinity),
        ]
        let snapshot = makeSnapshot(nodes, pods: pods)
        let state = CycleState()
        #expect(plugin.preScore(state: state, pod: incoming, nodes: feasible(snapshot)) == .success)
        #expect(snapshot.nodes.map { plugin.score(state: state, pod: incoming, node: $0).score } == [8, -5, 6, 0])
        var scores: [Int64] = [8, -5, 6, 0]
        #expect(
            plugin.normalizeScores(state: state, pod: incoming, nodes: feasible(snapshot), scores: &scores) == .success
        )
        // int64(100 × (s − min) / (max − min)), truncated: (0+5)/13 → 38, (6+5)/13 → 84.
        #expect(scores == [100, 0, 84, 38])
    }

    @Test func normalizeLeavesAllZeroWhenEveryScoreIsEqual() throws {
        let plugin = try plugin()
        let incoming = pod(labels: securityS1).affinity(stayWithS1InRegion).info()
        let snapshot = makeSnapshot(
            [labeledNode("n1", labelRgChina), labeledNode("n2", labelRgChina)],
            pods: [placed("a", on: "n1", securityS1)]
        )
        let (status, scores) = runScoring(plugin, pod: incoming, nodes: feasible(snapshot))
        #expect(status == .success)
        #expect(scores == [0, 0])
    }

    @Test func scoreWithoutPreScoreIsAnError() throws {
        let result = try plugin().score(state: CycleState(), pod: pod().info(), node: NodeInfo(node: node1))
        #expect(result.status == .error(#"failed to read "PreScoreInterPodAffinity" from cycleState: not found"#))
    }
}

// MARK: - Args and events

@Suite struct InterPodAffinityArgsTests {
    @Test func decodingFillsDefaults() throws {
        #expect(
            try decodeArgs(InterPodAffinityArgs.self, "{}")
                == InterPodAffinityArgs(hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false)
        )
        #expect(
            try decodeArgs(InterPodAffinityArgs.self, #"{"hardPodAffinityWeight": 5}"#)
                == InterPodAffinityArgs(hardPodAffinityWeight: 5)
        )
        #expect(
            try decodeArgs(InterPodAffinityArgs.self, #"{"ignorePreferredTermsOfExistingPods": true}"#)
                == InterPodAffinityArgs(hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: true)
        )
        #expect(InterPodAffinityArgs.defaults == InterPodAffinityArgs())
    }

    @Test(arguments: [Int32(-1), 101])
    func weightOutsideZeroToHundredIsRefused(_ weight: Int32) {
        #expect(
            throws: PluginArgsError(
                field: "hardPodAffinityWeight",
                "Invalid value: \(weight): not in valid range [0, 100]"
            )
        ) {
            try InterPodAffinityArgs(hardPodAffinityWeight: weight).validate()
        }
        #expect(throws: PluginArgsError.self) {
            try Plugin(args: InterPodAffinityArgs(hardPodAffinityWeight: weight), handle: FakeHandle())
        }
    }

    @Test(arguments: [Int32(0), 1, 100])
    func weightsInRangeAreAccepted(_ weight: Int32) throws {
        try InterPodAffinityArgs(hardPodAffinityWeight: weight).validate()
    }

    @Test func registryDecodesAndValidatesTheArgs() throws {
        let registry = makeInTreeRegistry()
        let made = try registry["InterPodAffinity"]?.make(JSONArgs(#"{"hardPodAffinityWeight": 7}"#), FakeHandle())
        #expect((made as? Plugin)?.args.hardPodAffinityWeight == 7)
        #expect(throws: PluginArgsError.self) {
            try registry["InterPodAffinity"]?.validateArgs(JSONArgs(#"{"hardPodAffinityWeight": 200}"#))
        }
    }
}

@Suite struct InterPodAffinityEventsTests {
    let target = PodBuilder("target", namespace: "default").labels(["app": "web"])
        .podAffinity(affinityTerm("app", "In", ["db"], topologyKey: "zone"))
        .podAntiAffinity(affinityTerm("app", "In", ["web"], topologyKey: "kubernetes.io/hostname")).build()

    @Test func registersPodAndNodeEvents() throws {
        let events = try plugin().eventsToRegister().map(\.event)
        #expect(events.map(\.resource) == [.pod, .node])
        #expect(events[0].action == [.add, .updatePodLabel, .delete])
        #expect(events[1].action == [.add, .updateNodeLabel, .updateNodeTaint])
    }

    @Test func podHints() {
        let db = PodBuilder("db").labels(["app": "db"]).node("n1").build()
        let web = PodBuilder("web").labels(["app": "web"]).node("n1").build()
        let unscheduled = PodBuilder("pending").labels(["app": "db"]).build()
        #expect(Plugin.hintAfterPodChange(target, old: nil, new: db) == .queue)
        #expect(Plugin.hintAfterPodChange(target, old: nil, new: web) == .skip)
        #expect(Plugin.hintAfterPodChange(target, old: nil, new: unscheduled) == .skip)
        #expect(Plugin.hintAfterPodChange(target, old: web, new: nil) == .queue)
        #expect(Plugin.hintAfterPodChange(target, old: db, new: nil) == .skip)
        var relabelled = web
        relabelled.metadata.labels = ["app": "db"]
        #expect(Plugin.hintAfterPodChange(target, old: web, new: relabelled) == .queue)
        #expect(Plugin.hintAfterPodChange(target, old: relabelled, new: web) == .skip)
    }

    @Test func deletedPodWhoseAntiAffinityRepelledTheTargetRequeuesIt() {
        let guardPod = PodBuilder("guard").node("n1").podAntiAffinity(
            affinityTerm("app", "In", ["web"], topologyKey: "zone")
        ).build()
        let unrelated = PodBuilder("other").node("n1").podAntiAffinity(
            affinityTerm("app", "In", ["batch"], topologyKey: "zone")
        ).build()
        #expect(Plugin.hintAfterPodChange(target, old: guardPod, new: nil) == .queue)
        #expect(Plugin.hintAfterPodChange(target, old: unrelated, new: nil) == .skip)
    }

    @Test func nodeHints() {
        let onlyAffinity = PodBuilder("a").podAffinity(affinityTerm("app", "In", ["db"], topologyKey: "zone")).build()
        // Added nodes: affinity needs the key; anti-affinity always requeues.
        #expect(Plugin.hintAfterNodeChange(onlyAffinity, old: nil, new: labeledNode("n", ["zone": "z1"])) == .queue)
        #expect(Plugin.hintAfterNodeChange(onlyAffinity, old: nil, new: labeledNode("n", ["rack": "r1"])) == .skip)
        #expect(Plugin.hintAfterNodeChange(target, old: nil, new: labeledNode("n", ["rack": "r1"])) == .queue)
        // Updated nodes: affinity gains the key or changes its value.
        #expect(
            Plugin.hintAfterNodeChange(onlyAffinity, old: labeledNode("n"), new: labeledNode("n", ["zone": "z1"]))
                == .queue
        )
        #expect(
            Plugin.hintAfterNodeChange(
                onlyAffinity,
                old: labeledNode("n", ["zone": "z1"]),
                new: labeledNode("n", ["zone": "z2"])
            ) == .queue
        )
        #expect(
            Plugin.hintAfterNodeChange(onlyAffinity, old: labeledNode("n", ["zone": "z1"]), new: labeledNode("n"))
                == .skip
        )
        #expect(
            Plugin.hintAfterNodeChange(
                onlyAffinity,
                old: labeledNode("n", ["zone": "z1"]),
                new: labeledNode("n", ["zone": "z1", "x": "y"])
            ) == .skip
        )
        // Anti-affinity: losing the key or changing its value.
        let hostname = "kubernetes.io/hostname"
        let onlyAnti = PodBuilder("b").podAntiAffinity(affinityTerm("app", "In", ["web"], topologyKey: hostname))
            .build()
        #expect(
            Plugin.hintAfterNodeChange(onlyAnti, old: labeledNode("n", [hostname: "n"]), new: labeledNode("n"))
                == .queue
        )
        #expect(
            Plugin.hintAfterNodeChange(
                onlyAnti,
                old: labeledNode("n", [hostname: "n"]),
                new: labeledNode("n", [hostname: "m"])
            ) == .queue
        )
        #expect(
            Plugin.hintAfterNodeChange(onlyAnti, old: labeledNode("n"), new: labeledNode("n", [hostname: "n"])) == .skip
        )
        #expect(
            Plugin.hintAfterNodeChange(
                onlyAnti,
                old: labeledNode("n", [hostname: "n"]),
                new: labeledNode("n", [hostname: "n"], taints: [Taint(key: "k", effect: "NoSchedule")])
            ) == .skip
        )
    }
}
