import KubeClient
import Testing

@Suite struct JSONStreamSplitterTests {
    @Test func splitsValuesAcrossArbitraryChunkBoundaries() {
        let text = #"{"type":"ADDED","object":{"a":"}{\"x"}}"# + "\n" + #"{"b":[1,{"c":"]"}]}"# + #"{"d":"\\"}"# + "\n"
        let bytes = Array(text.utf8)
        for chunkSize in [1, 2, 3, 7, 64] {
            var splitter = JSONStreamSplitter()
            var values: [String] = []
            var index = 0
            while index < bytes.count {
                let end = min(index + chunkSize, bytes.count)
                values += splitter.append(bytes[index..<end]).map { String(decoding: $0, as: UTF8.self) }
                index = end
            }
            #expect(
                values == [#"{"type":"ADDED","object":{"a":"}{\"x"}}"#, #"{"b":[1,{"c":"]"}]}"#, #"{"d":"\\"}"#],
                "chunk size \(chunkSize)"
            )
            #expect(splitter.pendingByteCount == 0)
        }
    }

    @Test func bareGarbageIsReturnedAsItsOwnValue() {
        var splitter = JSONStreamSplitter()
        let values = splitter.append(Array("not json at all\n{\"ok\":1}\nsome garbage {\"ok\":2}\nmore".utf8)).map {
            String(decoding: $0, as: UTF8.self)
        }
        #expect(values == ["not json at all", "{\"ok\":1}", "some garbage", "{\"ok\":2}"])
        #expect(splitter.finish().map { String(decoding: $0, as: UTF8.self) } == "more")
    }

    @Test func oversizedValuesAreDropped() {
        var splitter = JSONStreamSplitter(maximumValueSize: 16)
        let values = splitter.append(Array("{\"a\":\"0123456789012345678901234\"}{\"b\":1}".utf8))
        #expect(values.first == [])
    }
}
