import KubeAPI
import Testing

struct QuantityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let value: Int64
        let milli: Int64
        var testDescription: String { text }
    }

    @Test(arguments: [
        Case(text: "0", value: 0, milli: 0),
        Case(text: "2", value: 2, milli: 2000),
        Case(text: "500m", value: 1, milli: 500),
        Case(text: "1500m", value: 2, milli: 1500),
        Case(text: "100n", value: 1, milli: 1),
        Case(text: "1u", value: 1, milli: 1),
        Case(text: "1k", value: 1000, milli: 1_000_000),
        Case(text: "1M", value: 1_000_000, milli: 1_000_000_000),
        Case(text: "1G", value: 1_000_000_000, milli: 1_000_000_000_000),
        Case(text: "1T", value: 1_000_000_000_000, milli: 1_000_000_000_000_000),
        Case(text: "1P", value: 1_000_000_000_000_000, milli: 1_000_000_000_000_000_000),
        Case(text: "2E", value: 2_000_000_000_000_000_000, milli: Int64.max),
        Case(text: "1Ki", value: 1024, milli: 1_024_000),
        Case(text: "1Mi", value: 1 << 20, milli: 1000 << 20),
        Case(text: "1Gi", value: 1 << 30, milli: 1000 << 30),
        Case(text: "1Ti", value: 1 << 40, milli: 1000 << 40),
        Case(text: "1Pi", value: 1 << 50, milli: 1_125_899_906_842_624_000),
        Case(text: "1Ei", value: 1 << 60, milli: Int64.max),
        Case(text: "1.5Gi", value: 1_610_612_736, milli: 1_610_612_736_000),
        Case(text: "1e3", value: 1000, milli: 1_000_000),
        Case(text: "1E3", value: 1000, milli: 1_000_000),
        Case(text: "5E-3", value: 1, milli: 5),
        Case(text: "5e-3", value: 1, milli: 5),
        Case(text: ".5", value: 1, milli: 500),
        Case(text: "1.", value: 1, milli: 1000),
        Case(text: "0.1m", value: 1, milli: 1),  // a tenth of a millicore rounds up to one
        Case(text: "100m", value: 1, milli: 100),  // 100m of memory rounds up to one byte
        Case(text: "+3", value: 3, milli: 3000),
        Case(text: "-1", value: -1, milli: -1000),
        Case(text: "9999999999999999999999", value: Int64.max, milli: Int64.max),
    ])
    func parsesValidQuantities(_ c: Case) throws {
        let quantity = try #require(Quantity(parsing: c.text))
        #expect(quantity.value == c.value)
        #expect(quantity.milliValue == c.milli)
        #expect(quantity.description == c.text)
    }

    @Test(arguments: ["", "K", "1K", "abc", "1.5.5", "m", "1mm", "1 Gi", "1Gb", "e3", "1e", "--1", "0x10", "1,5"])
    func refusesInvalidQuantities(_ text: String) {
        #expect(Quantity(parsing: text) == nil)
        #expect {
            try Quantity(validating: text)
        } throws: { ($0 as? QuantityError)?.text == text }
    }

    @Test func errorQuotesTheTextWithUpstreamsRegex() {
        #expect {
            try Quantity(validating: "abc")
        } throws: {
            ($0 as? QuantityError)?.description
                == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"abc\""
        }
    }

    @Test func equalValuesCompareEqualAcrossSpellings() throws {
        let oneK = try #require(Quantity(parsing: "1k"))
        #expect(oneK == Quantity(parsing: "1000"))
        #expect(Quantity(parsing: "0.5") == Quantity(parsing: "500m"))
        #expect(Quantity(parsing: "1Ki") != oneK)
        #expect(Quantity(milli: 250).milliValue == 250)
        #expect(Quantity(milli: 250).value == 1)
        #expect(Quantity(4).milliValue == 4000)
    }
}
