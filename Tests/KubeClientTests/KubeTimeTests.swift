import Foundation
import KubeClient
import Testing

@Suite struct KubeTimeTests {
    @Test func microTime() {
        #expect(KubeTime.micro(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(KubeTime.micro(Date(timeIntervalSince1970: 1_700_000_000.25)) == "2023-11-14T22:13:20.250000Z")
        #expect(KubeTime.seconds(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
    }
}
