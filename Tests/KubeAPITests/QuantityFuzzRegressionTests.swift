import KubeAPI
import Testing

/// Inputs the quantity fuzzer (`scripts/fuzz.sh quantity`) found, kept as regular tests. A quantity is outside
/// input — any pod's `resources` — so a crash here would take the scheduler down.
struct QuantityFuzzRegressionTests {
    /// `.2e+64` overflowed 128-bit arithmetic while scaling to whole units (the check came after the multiply)
    /// and trapped; a value above 2^63-1 is capped, as apimachinery does.
    @Test(arguments: [".2e+64", "9e+40", "1e999", "123456789012345678901234567890e+9", "99999999999999999999Ei"])
    func hugeValuesAreCappedNotTrapped(_ text: String) throws {
        let quantity = try #require(Quantity(parsing: text))
        #expect(quantity.value == Int64.max)
        #expect(quantity.milliValue == Int64.max)
        let negative = try #require(Quantity(parsing: "-" + text))
        #expect(negative.value == Int64.min)
        #expect(negative.milliValue == Int64.min)
    }

    /// A long fraction times a binary suffix was capped too: its intermediate (`10^30 × 2^60`) passed the
    /// overflow guard although the value (`2^60`) fits.
    @Test func aLongFractionWithABinarySuffixIsExact() throws {
        let exact = try #require(Quantity(parsing: "1." + String(repeating: "0", count: 30) + "Ei"))
        #expect(exact.value == 1 << 60)
        #expect(exact.milliValue == Int64.max)
        let half = try #require(Quantity(parsing: "0.5" + String(repeating: "0", count: 29) + "Ki"))
        #expect(half.value == 512)
        #expect(half.milliValue == 512_000)
        let rounded = try #require(Quantity(parsing: "1." + String(repeating: "0", count: 28) + "1Ki"))
        #expect(rounded.value == 1025)
    }
}
