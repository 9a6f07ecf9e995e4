import DefaultBinderPlugin
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@Test(.timeLimit(.minutes(1))) func defaultBinderBindsThroughTheClient() async {
    let handle = FakeHandle()
    let binder = DefaultBinder(handle: handle)
    let status = await binder.bind(
        state: CycleState(),
        pod: PodBuilder("web", namespace: "prod").info(),
        nodeName: "node-7"
    )
    #expect(status == .success)
    let bindings = handle.recordingClient.bindings
    #expect(bindings.count == 1)
    #expect(bindings.first?.namespace == "prod")
    #expect(bindings.first?.name == "web")
    #expect(bindings.first?.nodeName == "node-7")
}

@Test(.timeLimit(.minutes(1))) func defaultBinderTurnsAClusterErrorIntoAnErrorStatus() async {
    let handle = FakeHandle()
    handle.recordingClient.failBinding(
        with: ClusterError(.conflict, "pods \"web\" is already assigned to node \"node-1\"")
    )
    let status = await DefaultBinder(handle: handle).bind(
        state: CycleState(),
        pod: PodBuilder("web").info(),
        nodeName: "node-7"
    )
    #expect(status.code == .error)
    #expect(status.reasons == ["pods \"web\" is already assigned to node \"node-1\""])
    #expect(handle.recordingClient.bindings.isEmpty)
}
