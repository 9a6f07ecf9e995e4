import KubeAPI
import KubeDecoding
import Testing
import Yams

struct ScalarTypingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let yaml: String
        let expected: String
        var testDescription: String { yaml }
    }

    /// How plain scalars are typed, as go-yaml v2 (`sigs.k8s.io/yaml`) types them.
    @Test(arguments: [
        Case(yaml: "2", expected: "2"),
        Case(yaml: "-7", expected: "-7"),
        Case(yaml: "0755", expected: "493"),
        Case(yaml: "0x1F", expected: "31"),
        Case(yaml: "0b101", expected: "5"),
        Case(yaml: "1_000", expected: "1000"),
        Case(yaml: "1e3", expected: "1000.0"),
        Case(yaml: "0.5", expected: "0.5"),
        Case(yaml: ".5", expected: "0.5"),
        Case(yaml: "08", expected: "8.0"),
        Case(yaml: "true", expected: "true"),
        Case(yaml: "yes", expected: "true"),
        Case(yaml: "Off", expected: "false"),
        Case(yaml: "~", expected: "null"),
        Case(yaml: "null", expected: "null"),
        Case(yaml: "\"2\"", expected: "\"2\""),
        Case(yaml: "'true'", expected: "\"true\""),
        Case(yaml: "!!str 5", expected: "\"5\""),
        Case(yaml: "2025-01-14", expected: "\"2025-01-14\""),
        Case(yaml: "1.2.3", expected: "\"1.2.3\""),
        Case(yaml: "500m", expected: "\"500m\""),
        Case(yaml: "web", expected: "\"web\""),
    ])
    func plainScalarsAreTypedLikeGoYAML(_ c: Case) throws {
        let value = try DocumentParser.document(in: "v: \(c.yaml)", source: "t")
        #expect(value["v"]?.description == c.expected)
    }

    struct Widths: Decodable {
        var small: Int32?
        var big: Int64?
        var ratio: Double?
        var flag: Bool?
        var name: String?
    }

    @Test func integersTakeWholeNumbersOnly() throws {
        let decoder = PositionedDecoder(source: "t.yaml")
        let widths = try decoder.decode(
            Widths.self,
            from: DocumentParser.document(in: "small: 1e3\nbig: 0x10\nratio: 3", source: "t.yaml")
        )
        #expect(widths.small == 1000)
        #expect(widths.big == 16)
        #expect(widths.ratio == 3)
        #expect {
            try decoder.decode(Widths.self, from: DocumentParser.document(in: "small: 1.5", source: "t.yaml"))
        } throws: { ($0 as? DecodeError)?.description == "t.yaml:1:8: small: expected an integer, got number 1.5" }
        #expect {
            try decoder.decode(Widths.self, from: DocumentParser.document(in: "small: 3000000000", source: "t.yaml"))
        } throws: { ($0 as? DecodeError)?.description == "t.yaml:1:8: small: number 3000000000 does not fit in Int32" }
        #expect {
            try decoder.decode(Widths.self, from: DocumentParser.document(in: "flag: 1", source: "t.yaml"))
        } throws: { ($0 as? DecodeError)?.description == "t.yaml:1:7: flag: expected a boolean, got number 1" }
        #expect {
            try decoder.decode(Widths.self, from: DocumentParser.document(in: "name: 2", source: "t.yaml"))
        } throws: {
            ($0 as? DecodeError)?.description
                == #"t.yaml:1:7: name: expected a string, got number 2 (quote it to make it a string: "2")"#
        }
    }

    struct Outer: Decodable {
        var name: String?
        var inner: Inner?
        var items: [Inner]?
        var labels: [String: String]?
    }

    struct Inner: Decodable {
        var value: Int?
    }

    @Test func strictDecodingRefusesUnknownFieldsWithTheirPosition() throws {
        let yaml = """
            name: x
            labels:
              anything: goes
            items:
            - value: 1
            - value: 2
              valeu: 3
            """
        let document = try DocumentParser.document(in: yaml, source: "s.yaml")
        // Lenient by default: manifests carry many fields the scheduler does not read.
        #expect(throws: Never.self) { try PositionedDecoder(source: "s.yaml").decode(Outer.self, from: document) }
        #expect {
            try PositionedDecoder(source: "s.yaml", isStrict: true).decode(Outer.self, from: document)
        } throws: { error in
            (error as? DecodeError)?.description
                == #"s.yaml:7:3: items[1]: unknown field "valeu" (did you mean "value"?)"#
        }
        let topLevel = try DocumentParser.document(in: "name: x\nkind: Foo\n", source: "s.yaml")
        #expect {
            try PositionedDecoder(source: "s.yaml", isStrict: true).decode(Outer.self, from: topLevel)
        } throws: { ($0 as? DecodeError)?.description == #"s.yaml:2:1: unknown field "kind""# }
        #expect(throws: Never.self) {
            try PositionedDecoder(source: "s.yaml", isStrict: true, ignoredTopLevelKeys: ["kind"]).decode(
                Outer.self,
                from: topLevel
            )
        }
    }

    @Test func basePathAndObjectPrefixMessages() throws {
        let value = try DocumentParser.document(in: "a: 1\nvalue: x\n", source: "c.yaml")
        let decoder = PositionedDecoder(
            source: "c.yaml",
            object: "Thing t",
            basePath: [.key("profiles"), .index(0), .key("args")]
        )
        #expect {
            try decoder.decode(Inner.self, from: value)
        } throws: {
            ($0 as? DecodeError)?.description
                == #"c.yaml:2:8: Thing t: profiles[0].args.value: expected an integer, got string "x""#
        }
    }

    @Test func capturesRawValuesWithPositions() throws {
        struct Holder: Decodable { var args: PositionedValue? }
        let value = try DocumentParser.document(in: "args:\n  x: [1, two]\n", source: "h.yaml")
        let holder = try PositionedDecoder(source: "h.yaml", isStrict: true).decode(Holder.self, from: value)
        let args = try #require(holder.args)
        #expect(args.position == SourcePosition(line: 2, column: 3))
        #expect(args["x"]?.elements?.last?.position == SourcePosition(line: 2, column: 10))
        #expect(args == (try DocumentParser.document(in: "{x: [1.0, \"two\"]}", source: "o")))
    }

    @Test func decodesFromAYamsNode() throws {
        let node = try #require(try Yams.compose(yaml: "value: 7\n"))
        #expect(try PositionedDecoder(source: "n").decode(Inner.self, from: node).value == 7)
    }
}
