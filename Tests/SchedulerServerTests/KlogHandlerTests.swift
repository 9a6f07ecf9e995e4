import Foundation
import Logging
import SchedulerServer
import Testing

@Suite struct KlogHandlerTests {
    @Test func klogLines() {
        let line = KlogHandler.format(
            level: .info,
            message: "Successfully bound pod to node",
            metadata: ["pod": "default/a", "node": "n1"],
            file: "Sources/X/Scheduler.swift",
            line: 42,
            date: Date(timeIntervalSince1970: 1_700_000_000.5)
        )
        #expect(line.hasPrefix("I1114 22:13:20.500000 "))
        #expect(line.hasSuffix(" Scheduler.swift:42] \"Successfully bound pod to node\" node=\"n1\" pod=\"default/a\""))
        #expect(KlogHandler.level(verbosity: 0) == .info)
        #expect(KlogHandler.level(verbosity: 2) == .debug)
        #expect(KlogHandler.level(verbosity: 5) == .trace)
    }
}
