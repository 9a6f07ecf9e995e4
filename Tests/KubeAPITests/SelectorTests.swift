import KubeAPI
import Testing

struct LabelSelectorTests {
    let labels = ["app": "web", "tier": "frontend", "version": "3"]

    @Test func nilSelectsNothingAndEmptySelectsEverything() throws {
        let nothing = try Selector(nil)
        #expect(nothing.matchesNothing)
        #expect(!nothing.matches(labels))
        #expect(!nothing.matches([:]))
        let everything = try Selector(LabelSelector())
        #expect(everything.isEmpty)
        #expect(everything.matches(labels))
        #expect(everything.matches([:]))
        #expect(try Selector(LabelSelector(matchLabels: [:], matchExpressions: [])).isEmpty)
    }

    @Test func matchLabelsRequiresEveryPair() throws {
        #expect(try Selector(LabelSelector(matchLabels: ["app": "web"])).matches(labels))
        #expect(try Selector(LabelSelector(matchLabels: ["app": "web", "tier": "frontend"])).matches(labels))
        #expect(try !Selector(LabelSelector(matchLabels: ["app": "web", "tier": "backend"])).matches(labels))
        #expect(try !Selector(LabelSelector(matchLabels: ["zone": "a"])).matches(labels))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let op: String
        let key: String
        let values: [String]
        let matchesPresent: Bool
        let matchesAbsent: Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(
            name: "In, value listed",
            op: "In",
            key: "app",
            values: ["web", "api"],
            matchesPresent: true,
            matchesAbsent: false
        ),
        Case(
            name: "In, value not listed",
            op: "In",
            key: "app",
            values: ["api"],
            matchesPresent: false,
            matchesAbsent: false
        ),
        Case(
            name: "NotIn, value listed",
            op: "NotIn",
            key: "app",
            values: ["web"],
            matchesPresent: false,
            matchesAbsent: true
        ),
        Case(
            name: "NotIn, value not listed",
            op: "NotIn",
            key: "app",
            values: ["api"],
            matchesPresent: true,
            matchesAbsent: true
        ),
        Case(name: "Exists", op: "Exists", key: "app", values: [], matchesPresent: true, matchesAbsent: false),
        Case(
            name: "DoesNotExist",
            op: "DoesNotExist",
            key: "app",
            values: [],
            matchesPresent: false,
            matchesAbsent: true
        ),
    ])
    func expressionOperators(_ c: Case) throws {
        let selector = try Selector(
            LabelSelector(matchExpressions: [
                LabelSelectorRequirement(key: c.key, operator: c.op, values: c.values)
            ])
        )
        #expect(selector.matches(labels) == c.matchesPresent)
        #expect(selector.matches(["other": "x"]) == c.matchesAbsent)
    }

    @Test func expressionsAndLabelsAreAnded() throws {
        let selector = try Selector(
            LabelSelector(
                matchLabels: ["app": "web"],
                matchExpressions: [LabelSelectorRequirement(key: "tier", operator: "NotIn", values: ["backend"])]
            )
        )
        #expect(selector.matches(labels))
        #expect(!selector.matches(["app": "web", "tier": "backend"]))
        #expect(selector.matches(["app": "web"]))
    }

    @Test func invalidRequirementsAreRefused() {
        #expect(throws: SelectorError.self) {
            try Selector(LabelSelector(matchExpressions: [.init(key: "app", operator: "In", values: [])]))
        }
        #expect(throws: SelectorError.self) {
            try Selector(LabelSelector(matchExpressions: [.init(key: "app", operator: "Exists", values: ["x"])]))
        }
        #expect(throws: SelectorError.self) {
            try Selector(LabelSelector(matchExpressions: [.init(key: "app", operator: "Equals", values: ["x"])]))
        }
        // Gt and Lt belong to node selectors only.
        #expect(throws: SelectorError.self) {
            try Selector(LabelSelector(matchExpressions: [.init(key: "version", operator: "Gt", values: ["1"])]))
        }
    }
}

struct NodeSelectorTests {
    func node(_ name: String, _ labels: [String: String]) -> Node {
        Node(metadata: ObjectMeta(name: name, labels: labels))
    }

    @Test func termsAreOredAndExpressionsAnded() {
        let selector = CompiledNodeSelector(
            NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [
                    .init(key: "zone", operator: "In", values: ["a"]),
                    .init(key: "disk", operator: "In", values: ["ssd"]),
                ]),
                NodeSelectorTerm(matchExpressions: [.init(key: "zone", operator: "In", values: ["b"])]),
            ])
        )
        #expect(selector.matches(node("n1", ["zone": "a", "disk": "ssd"])))
        #expect(!selector.matches(node("n2", ["zone": "a", "disk": "hdd"])))
        #expect(selector.matches(node("n3", ["zone": "b"])))
        #expect(!selector.matches(node("n4", ["zone": "c"])))
    }

    @Test func greaterAndLessThanCompareIntegers() {
        let gt = CompiledNodeSelector(
            NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [.init(key: "cores", operator: "Gt", values: ["8"])])
            ])
        )
        #expect(gt.matches(node("big", ["cores": "16"])))
        #expect(!gt.matches(node("equal", ["cores": "8"])))
        #expect(!gt.matches(node("text", ["cores": "many"])))
        #expect(!gt.matches(node("absent", [:])))
        let lt = CompiledNodeSelector(
            NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [.init(key: "cores", operator: "Lt", values: ["8"])])
            ])
        )
        #expect(lt.matches(node("small", ["cores": "4"])))
        #expect(!lt.matches(node("big", ["cores": "16"])))
        // Gt with a non-integer operand is an invalid term: it matches nothing.
        let invalid = CompiledNodeSelector(
            NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [.init(key: "cores", operator: "Gt", values: ["eight"])])
            ])
        )
        #expect(!invalid.matches(node("big", ["cores": "16"])))
    }

    @Test func matchFieldsSelectsByNodeName() {
        let selector = CompiledNodeSelector(
            NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchFields: [.init(key: "metadata.name", operator: "In", values: ["n1"])])
            ])
        )
        #expect(selector.matches(node("n1", [:])))
        #expect(!selector.matches(node("n2", [:])))
        let notIn = CompiledNodeSelector(
            NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchFields: [.init(key: "metadata.name", operator: "NotIn", values: ["n1"])])
            ])
        )
        #expect(!notIn.matches(node("n1", [:])))
        #expect(notIn.matches(node("n2", [:])))
        // Only metadata.name is a supported field.
        let otherField = CompiledNodeSelector(
            NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchFields: [.init(key: "spec.unschedulable", operator: "In", values: ["true"])])
            ])
        )
        #expect(!otherField.matches(node("n1", [:])))
    }

    @Test func emptyTermsMatchNothingButOtherTermsStillCan() {
        #expect(!CompiledNodeSelector(NodeSelector(nodeSelectorTerms: [])).matches(node("n1", ["a": "b"])))
        #expect(
            !CompiledNodeSelector(NodeSelector(nodeSelectorTerms: [NodeSelectorTerm()])).matches(node("n1", ["a": "b"]))
        )
        let mixed = CompiledNodeSelector(
            NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(),
                NodeSelectorTerm(matchExpressions: [.init(key: "a", operator: "Exists")]),
            ])
        )
        #expect(mixed.matches(node("n1", ["a": "b"])))
    }
}
