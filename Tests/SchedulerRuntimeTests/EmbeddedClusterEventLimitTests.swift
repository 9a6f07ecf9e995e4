import SchedulerFramework
import SchedulerRuntime
import Testing

/// The embedded cluster's event log is bounded when asked (bench), so a long run does not grow by one event per
/// binding; unbounded by default (simulate reports every event).
struct EmbeddedClusterEventLimitTests {
    func event(_ index: Int) -> SchedulingEvent {
        SchedulingEvent(
            namespace: "default",
            podName: "p\(index)",
            type: "Normal",
            reason: "Scheduled",
            action: "Binding",
            note: "Successfully assigned default/p\(index) to n1",
            reportingController: "default-scheduler"
        )
    }

    @Test(.timeLimit(.minutes(1))) func aLimitKeepsTheNewestEvents() async {
        let cluster = EmbeddedCluster()
        cluster.limitRecordedEvents(to: 10)
        for i in 0..<1000 { await cluster.recordEvent(event(i)) }
        let events = cluster.recordedEvents
        #expect(events.count >= 10 && events.count <= 20)
        #expect(events.last?.podName == "p999")
        #expect(events.map(\.podName) == (1000 - events.count..<1000).map { "p\($0)" })
    }

    @Test(.timeLimit(.minutes(1))) func withoutALimitEveryEventIsKept() async {
        let cluster = EmbeddedCluster()
        for i in 0..<1000 { await cluster.recordEvent(event(i)) }
        #expect(cluster.recordedEvents.count == 1000)
    }
}
