import KubeAPI
import KubeDecoding
import PluginSupport
import Testing

/// Random damage to valid input must give errors (or fewer objects), never a crash.
struct RobustnessTests {

    @Test(arguments: [Fixtures.podYAML, Fixtures.nodeJSON])
    func truncationsNeverCrash(_ text: String) {
        var generator = SeededGenerator(seed: 42)
        let scalars = Array(text.unicodeScalars)
        var failures = 0
        for _ in 0..<300 {
            let cut = Int.random(in: 0..<scalars.count, using: &generator)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[..<cut])
            do {
                _ = try ManifestLoader.load(contents: String(view), source: "cut.yaml")
            } catch {
                failures += 1
                #expect(!error.description.isEmpty)
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(failures > 0)
    }

    @Test func randomByteDamageNeverCrashes() {
        var generator = SeededGenerator(seed: 7)
        let bytes = Array(Fixtures.podYAML.utf8)
        let junk: [UInt8] = Array("{}[]:-,&*!|>'\"%@` \n\t#?0x".utf8)
        for _ in 0..<300 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let index = Int.random(in: 0..<damaged.count, using: &generator)
                damaged[index] = junk.randomElement(using: &generator) ?? 0
            }
            _ = try? ManifestLoader.load(contents: String(decoding: damaged, as: UTF8.self), source: "x.yaml")
        }
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        let flow = String(repeating: "[", count: 100_000)
        #expect(throws: DecodeError.self) { try DocumentParser.documents(in: flow, source: "deep") }
        let block = String(repeating: "- ", count: 100_000) + "x"
        #expect(throws: DecodeError.self) { try DocumentParser.documents(in: block, source: "deep") }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try DocumentParser.documents(in: fine, source: "ok") }
    }

    @Test func aliasBombsAreRefused() {
        let yaml = """
            a: &a [x, x, x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
            f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
            """
        #expect {
            try DocumentParser.documents(in: yaml, source: "bomb.yaml")
        } throws: { ($0 as? DecodeError)?.problem.contains("excessive aliasing") == true }
    }

    @Test(arguments: ["", "   \n", "---\n---\n", "# nothing\n", "null"])
    func emptyInputsGiveNoObjects(_ text: String) throws {
        let result = try ManifestLoader.load(contents: text, source: "e.yaml")
        #expect(result.objects.isEmpty)
        #expect(result.warnings.isEmpty)
    }

    @Test(arguments: ["42", "\"text\"", "- 1\n- 2\n", "[1, 2]", "\u{0}", "key: \u{7}value"])
    func nonObjectDocumentsAreErrors(_ text: String) {
        #expect(throws: DecodeError.self) { try ManifestLoader.load(contents: text, source: "e.yaml") }
    }
}
