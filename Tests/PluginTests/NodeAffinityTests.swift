import KubeAPI
import NodeAffinityPlugin
import SchedulerFramework
import SchedulerTesting
import Testing

private typealias Plugin = NodeAffinityPlugin.NodeAffinity

private func req(_ key: String, _ op: String, _ values: [String]? = nil) -> NodeSelectorRequirement {
    NodeSelectorRequirement(key: key, operator: op, values: values)
}

private func term(
    _ expressions: [NodeSelectorRequirement]? = nil,
    fields: [NodeSelectorRequirement]? = nil
) -> NodeSelectorTerm {
    NodeSelectorTerm(matchExpressions: expressions, matchFields: fields)
}

/// A pod whose required node affinity is exactly `terms`.
private func podRequiring(_ terms: [NodeSelectorTerm], nodeSelector: [String: String]? = nil) -> PodBuilder {
    var builder = PodBuilder("p")
    builder.pod.spec.affinity = Affinity(
        nodeAffinity: KubeAPI.NodeAffinity(required: NodeSelector(nodeSelectorTerms: terms))
    )
    builder.pod.spec.nodeSelector = nodeSelector
    return builder
}

private func plugin(_ args: NodeAffinityArgs = .defaults) throws -> Plugin {
    try Plugin(args: args, handle: FakeHandle())
}

struct AffinityCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    var labels: [String: String] = [:]
    var nodeName = "node1"
    var args = NodeAffinityArgs.defaults
    var preFilterCode: Status.Code = .success
    var preFilterNodes: Set<String>?
    var code: Status.Code = .success
    var reason: String?
    var testDescription: String { name }
}

private let added = NodeAffinityArgs(
    addedAffinity: KubeAPI.NodeAffinity(
        required: NodeSelector(nodeSelectorTerms: [term([req("zone", "In", ["foo"])])])
    )
)

/// Upstream's `TestNodeAffinity` (nodeaffinity/node_affinity_test.go), PreFilter then Filter.
private let affinityCases: [AffinityCase] = [
    AffinityCase(
        name: "missing labels",
        pod: PodBuilder("p").nodeSelector(["foo": "bar"]),
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(name: "no selector", pod: PodBuilder("p"), preFilterCode: .skip),
    AffinityCase(name: "same labels", pod: PodBuilder("p").nodeSelector(["foo": "bar"]), labels: ["foo": "bar"]),
    AffinityCase(
        name: "node labels are superset",
        pod: PodBuilder("p").nodeSelector(["foo": "bar"]),
        labels: ["foo": "bar", "baz": "blah"]
    ),
    AffinityCase(
        name: "node labels are subset",
        pod: PodBuilder("p").nodeSelector(["foo": "bar", "baz": "blah"]),
        labels: ["foo": "bar"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(name: "empty nodeSelector map still runs Filter and matches", pod: PodBuilder("p").nodeSelector([:])),
    AffinityCase(
        name: "Pod with matchExpressions using In operator that matches the existing node",
        pod: podRequiring([term([req("foo", "In", ["bar", "value2"])])]),
        labels: ["foo": "bar"]
    ),
    AffinityCase(
        name: "Pod with matchExpressions using In operator that doesn't match the existing node",
        pod: podRequiring([term([req("foo", "In", ["value1", "value2"])])]),
        labels: ["foo": "bar"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with matchExpressions using Gt operator that matches the existing node",
        pod: podRequiring([term([req("kernel-version", "Gt", ["0204"])])]),
        labels: ["kernel-version": "0206"]
    ),
    AffinityCase(
        name: "Pod with matchExpressions using Gt operator that doesn't match the existing node",
        pod: podRequiring([term([req("kernel-version", "Gt", ["0206"])])]),
        labels: ["kernel-version": "0206"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with matchExpressions using Lt operator that matches the existing node",
        pod: podRequiring([term([req("kernel-version", "Lt", ["0207"])])]),
        labels: ["kernel-version": "0206"]
    ),
    AffinityCase(
        name: "Pod with matchExpressions using Gt operator on a non-integer label doesn't match",
        pod: podRequiring([term([req("kernel-version", "Gt", ["1"])])]),
        labels: ["kernel-version": "v2"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with matchExpressions using Gt operator on a missing label doesn't match",
        pod: podRequiring([term([req("kernel-version", "Gt", ["1"])])]),
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with matchExpressions using NotIn operator that matches the existing node",
        pod: podRequiring([term([req("mem-type", "NotIn", ["DDR", "DDR2"])])]),
        labels: ["mem-type": "DDR3"]
    ),
    AffinityCase(
        name: "Pod with matchExpressions using NotIn operator matches a node without the label",
        pod: podRequiring([term([req("mem-type", "NotIn", ["DDR", "DDR2"])])])
    ),
    AffinityCase(
        name: "Pod with matchExpressions using NotIn operator that doesn't match the existing node",
        pod: podRequiring([term([req("mem-type", "NotIn", ["DDR", "DDR2"])])]),
        labels: ["mem-type": "DDR2"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with matchExpressions using Exists operator that matches the existing node",
        pod: podRequiring([term([req("GPU", "Exists")])]),
        labels: ["GPU": "NVIDIA-GRID-K1"]
    ),
    AffinityCase(
        name: "Pod with matchExpressions using DoesNotExist operator that matches the existing node",
        pod: podRequiring([term([req("GPU", "DoesNotExist")])]),
        labels: ["foo": "bar"]
    ),
    AffinityCase(
        name: "Pod with matchExpressions using DoesNotExist operator that doesn't match the existing node",
        pod: podRequiring([term([req("GPU", "DoesNotExist")])]),
        labels: ["GPU": "NVIDIA-GRID-K1"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with affinity that don't match node's labels won't schedule onto the node",
        pod: podRequiring([term([req("foo", "In", ["value1", "value2"])])]),
        labels: ["foo": "bar"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with empty NodeSelectorTerms won't schedule onto the node",
        pod: podRequiring([]),
        labels: ["foo": "bar"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name:
            "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
        pod: podRequiring([term([])]),
        labels: ["foo": "bar"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with no Affinity will schedule onto a node",
        pod: PodBuilder("p"),
        labels: ["foo": "bar"],
        preFilterCode: .skip
    ),
    AffinityCase(
        name: "Pod with multiple matchExpressions ANDed that matches the existing node",
        pod: podRequiring([term([req("GPU", "Exists"), req("GPU", "NotIn", ["AMD", "INTER"])])]),
        labels: ["GPU": "NVIDIA-GRID-K1"]
    ),
    AffinityCase(
        name: "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
        pod: podRequiring([term([req("GPU", "Exists"), req("GPU", "In", ["AMD", "INTER"])])]),
        labels: ["GPU": "NVIDIA-GRID-K1"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name:
            "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
        pod: podRequiring([
            term([req("foo", "In", ["bar", "value2"])]), term([req("diffkey", "In", ["wrong", "value2"])]),
        ]),
        labels: ["foo": "bar"]
    ),
    AffinityCase(
        name:
            "Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, will schedule onto the node",
        pod: podRequiring([term([req("foo", "Exists")])], nodeSelector: ["foo": "bar"]),
        labels: ["foo": "bar"]
    ),
    AffinityCase(
        name:
            "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are deprecating) is not satisfied, won't schedule onto the node",
        pod: podRequiring([term([req("foo", "Exists")])], nodeSelector: ["foo": "bar"]),
        labels: ["foo": "barrrrrr"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with an invalid value in Affinity term won't be scheduled onto the node",
        pod: podRequiring([term([req("foo", "NotIn", [])])]),
        labels: ["foo": "bar"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with an invalid term still schedules through a valid one",
        pod: podRequiring([term([req("foo", "Gt", ["x"])]), term([req("foo", "In", ["bar"])])]),
        labels: ["foo": "bar"]
    ),
    AffinityCase(
        name: "Pod with matchFields using In operator that matches the existing node",
        pod: podRequiring([term(fields: [req("metadata.name", "In", ["node1"])])]),
        preFilterNodes: ["node1"]
    ),
    AffinityCase(
        name: "Pod with matchFields using In operator that does not match the existing node",
        pod: podRequiring([term(fields: [req("metadata.name", "In", ["node1"])])]),
        nodeName: "node2",
        preFilterNodes: ["node1"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with matchFields using NotIn operator excludes the named node",
        pod: podRequiring([term(fields: [req("metadata.name", "NotIn", ["node1"])])]),
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with two terms: matchFields does not match, but matchExpressions matches",
        pod: podRequiring([term(fields: [req("metadata.name", "In", ["node1"])]), term([req("foo", "In", ["bar"])])]),
        labels: ["foo": "bar"],
        nodeName: "node2"
    ),
    AffinityCase(
        name: "Pod with one term: matchFields does not match, but matchExpressions matches",
        pod: podRequiring([term([req("foo", "In", ["bar"])], fields: [req("metadata.name", "In", ["node1"])])]),
        labels: ["foo": "bar"],
        nodeName: "node2",
        preFilterNodes: ["node1"],
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with one term: both matchFields and matchExpressions match",
        pod: podRequiring([term([req("foo", "In", ["bar"])], fields: [req("metadata.name", "In", ["node1"])])]),
        labels: ["foo": "bar"],
        preFilterNodes: ["node1"]
    ),
    AffinityCase(
        name: "Pod with two terms: both matchFields and matchExpressions do not match",
        pod: podRequiring([
            term(fields: [req("metadata.name", "In", ["node1"])]), term([req("foo", "In", ["not-match-to-bar"])]),
        ]),
        labels: ["foo": "bar"],
        nodeName: "node2",
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Pod with two terms of node.Name affinity",
        pod: podRequiring([
            term(fields: [req("metadata.name", "In", ["node1"])]),
            term(fields: [req("metadata.name", "In", ["node2"])]),
        ]),
        nodeName: "node2",
        preFilterNodes: ["node1", "node2"]
    ),
    AffinityCase(
        name: "Pod with two conflicting mach field requirements",
        pod: podRequiring([
            term(fields: [req("metadata.name", "In", ["node1"]), req("metadata.name", "In", ["node2"])])
        ]),
        preFilterCode: .unschedulableAndUnresolvable
    ),
    AffinityCase(
        name: "Matches added affinity and Pod's node affinity",
        pod: podRequiring([term([req("zone", "In", ["foo"])])]),
        labels: ["zone": "foo"],
        args: added
    ),
    AffinityCase(
        name: "Matches added affinity but not Pod's node affinity",
        pod: podRequiring([term([req("zone", "In", ["bar"])])]),
        labels: ["zone": "foo"],
        args: added,
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonPod
    ),
    AffinityCase(
        name: "Doesn't match added affinity",
        pod: PodBuilder("p"),
        labels: ["zone": "bar"],
        args: added,
        code: .unschedulableAndUnresolvable,
        reason: Plugin.reasonEnforced
    ),
]

@Test(arguments: affinityCases)
func nodeAffinityPreFilterAndFilter(_ c: AffinityCase) throws {
    let affinity = try plugin(c.args)
    let pod = c.pod.info()
    let node = nodeInfo(c.nodeName, labels: c.labels)
    let state = CycleState()
    let (result, preStatus) = affinity.preFilter(state: state, pod: pod, snapshot: Snapshot(nodes: [node]))
    #expect(preStatus.code == c.preFilterCode)
    #expect(result?.nodeNames == c.preFilterNodes)
    if preStatus.code == .unschedulableAndUnresolvable {
        #expect(preStatus.reasons == [Plugin.reasonConflict])
        return
    }
    guard preStatus.code != .skip else { return }
    let status = affinity.filter(state: state, pod: pod, node: node)
    #expect(status.code == c.code)
    #expect(status.reasons == (c.reason.map { [$0] } ?? []))
}

@Test func nodeAffinityPreFilterDoesNotSkipWithAddedAffinity() throws {
    let (_, status) = try plugin(added).preFilter(
        state: CycleState(),
        pod: PodBuilder("p").info(),
        snapshot: Snapshot()
    )
    #expect(status.isSuccess)
}

private func preferring(_ terms: [PreferredSchedulingTerm]?) -> PodBuilder {
    var builder = PodBuilder("p")
    builder.pod.spec.affinity = Affinity(nodeAffinity: KubeAPI.NodeAffinity(preferred: terms))
    return builder
}

/// Upstream's `TestNodeAffinityPriority`: raw weights, then `score × 100 / max`.
@Test func nodeAffinityScoresMatchingPreferredTermsAndNormalizes() throws {
    let pod = preferring([
        PreferredSchedulingTerm(weight: 2, preference: term([req("foo", "In", ["bar"])])),
        PreferredSchedulingTerm(weight: 4, preference: term([req("key", "In", ["value"])])),
        PreferredSchedulingTerm(
            weight: 5,
            preference: term([req("foo", "In", ["bar"]), req("key", "In", ["value"]), req("az", "In", ["az1"])])
        ),
        PreferredSchedulingTerm(weight: 0, preference: term([req("foo", "In", ["bar"])])),
        PreferredSchedulingTerm(weight: 7, preference: term()),
    ]).info()
    let nodes = [
        nodeInfo("node1", labels: ["foo": "bar"]),
        nodeInfo("node5", labels: ["foo": "bar", "key": "value", "az": "az1"]),
        nodeInfo("node2", labels: ["key": "value"]),
        nodeInfo("node3", labels: ["other": "x"]),
    ]
    let affinity = try plugin()
    let state = CycleState()
    #expect(affinity.preScore(state: state, pod: pod, nodes: nodeList(nodes)).isSuccess)
    var scores = nodes.map { affinity.score(state: state, pod: pod, node: $0).score }
    #expect(scores == [2, 11, 4, 0])
    #expect(affinity.normalizeScores(state: state, pod: pod, nodes: nodeList(nodes), scores: &scores).isSuccess)
    #expect(scores == [18, 100, 36, 0])
}

@Test func nodeAffinityScoresAddedPreferredTerms() throws {
    let args = NodeAffinityArgs(
        addedAffinity: KubeAPI.NodeAffinity(preferred: [
            PreferredSchedulingTerm(weight: 5, preference: term([req("zone", "In", ["a"])]))
        ])
    )
    let affinity = try plugin(args)
    let nodes = [nodeInfo("node1", labels: ["zone": "a", "foo": "bar"]), nodeInfo("node2", labels: ["zone": "b"])]
    let pod = preferring([PreferredSchedulingTerm(weight: 2, preference: term([req("foo", "In", ["bar"])]))]).info()
    #expect(rawScores(affinity, pod: pod, nodes: nodes) == [7, 0])
    // Without own preferences the pod is still scored by the added terms.
    let plain = PodBuilder("p").info()
    let state = CycleState()
    #expect(affinity.preScore(state: state, pod: plain, nodes: nodeList(nodes)).isSuccess)
    #expect(nodes.map { affinity.score(state: state, pod: plain, node: $0).score } == [5, 0])
}

@Test func nodeAffinityPreScoreSkipsWithoutPreferredTerms() throws {
    let affinity = try plugin()
    #expect(affinity.preScore(state: CycleState(), pod: PodBuilder("p").info(), nodes: nodeList([])) == .skip)
    // An empty (non-nil) preferred list is not skipped; every node scores 0.
    #expect(affinity.preScore(state: CycleState(), pod: preferring([]).info(), nodes: nodeList([])).isSuccess)
}

@Test func nodeAffinityPreScoreRejectsInvalidPreferredTerms() throws {
    let pod = preferring([PreferredSchedulingTerm(weight: 1, preference: term([req("foo", "Gt", ["x"])]))]).info()
    let status = try plugin().preScore(state: CycleState(), pod: pod, nodes: nodeList([]))
    #expect(status.code == .error)
    #expect(
        status.reasons == [
            #"[0].preference.matchExpressions[0].values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer"#
        ]
    )
}

@Test func nodeAffinityScoresMetadataNameFields() throws {
    let pod = preferring([
        PreferredSchedulingTerm(weight: 3, preference: term(fields: [req("metadata.name", "In", ["node2"])]))
    ]).info()
    #expect(rawScores(try plugin(), pod: pod, nodes: [nodeInfo("node1"), nodeInfo("node2")]) == [0, 3])
}

@Test func nodeAffinityNormalizeLeavesAllZeroScores() throws {
    var scores: [Int64] = [0, 0, 0]
    #expect(
        try plugin().normalizeScores(
            state: CycleState(),
            pod: PodBuilder("p").info(),
            nodes: nodeList([]),
            scores: &scores
        ).isSuccess
    )
    #expect(scores == [0, 0, 0])
}

@Test func nodeAffinityArgsDecoding() throws {
    #expect(try decodeArgs(NodeAffinityArgs.self, "{}") == .defaults)
    #expect(NodeAffinityArgs.defaults.addedAffinity == nil)
    let args = try decodeArgs(
        NodeAffinityArgs.self,
        """
        {"addedAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["foo"]}]}]}}}
        """
    )
    #expect(args == added)
    try args.validate()
}

@Test(arguments: [
    (
        term([req("zone", "In", [])]),
        "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
        "Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
    ),
    (
        term([req("zone", "Exists", ["a"])]),
        "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
        #"Invalid value: []string{"a"}: values set must be empty for exists and does not exist"#
    ),
    (
        term([req("zone", "Gt", ["1", "2"])]),
        "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
        #"Invalid value: []string{"1", "2"}: for 'Gt', 'Lt' operators, exactly one value is required"#
    ),
    (
        term([req("zone", "Foo", ["a"])]),
        "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator",
        #"Unsupported value: "Foo": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt""#
    ),
    (
        term(fields: [req("metadata.name", "Exists")]),
        "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].operator",
        #"Unsupported value: "Exists": supported values: "In", "NotIn""#
    ),
    (
        term(fields: [req("metadata.name", "In", ["a", "b"])]),
        "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values",
        #"Invalid value: []string{"a", "b"}: must have one element"#
    ),
])
func nodeAffinityArgsValidationRefusesInvalidRequiredTerms(_ bad: NodeSelectorTerm, _ field: String, _ message: String)
{
    let args = NodeAffinityArgs(addedAffinity: KubeAPI.NodeAffinity(required: NodeSelector(nodeSelectorTerms: [bad])))
    #expect(throws: PluginArgsError(field: field, message)) { try args.validate() }
    #expect(throws: PluginArgsError.self) { try Plugin(args: args, handle: FakeHandle()) }
}

@Test func nodeAffinityArgsValidationChecksPreferredTerms() {
    let args = NodeAffinityArgs(
        addedAffinity: KubeAPI.NodeAffinity(preferred: [
            PreferredSchedulingTerm(weight: 1, preference: term([req("zone", "Lt", ["x"])]))
        ])
    )
    #expect(
        throws: PluginArgsError(
            field:
                "addedAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].values[0]",
            #"Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer"#
        )
    ) { try args.validate() }
}

@Test func nodeAffinityRequeuesWhenANodeStartsToMatch() throws {
    let events = try plugin(added).eventsToRegister()
    #expect(events.map(\.event.resource) == [.node])
    #expect(events[0].event.action == [.add, .updateNodeLabel])
    let pod = PodBuilder("p").nodeSelector(["disk": "ssd"]).build()
    let matching = NodeBuilder("n").labels(["disk": "ssd", "zone": "foo"]).build()
    let wrongZone = NodeBuilder("n").labels(["disk": "ssd", "zone": "bar"]).build()
    let noDisk = NodeBuilder("n").labels(["zone": "foo"]).build()
    #expect(events[0].hint?(pod, nil, .node(matching)) == .queue)
    #expect(events[0].hint?(pod, nil, .node(wrongZone)) == .skip)
    #expect(events[0].hint?(pod, .node(noDisk), .node(matching)) == .queue)
    #expect(events[0].hint?(pod, .node(matching), .node(matching)) == .skip)
}
