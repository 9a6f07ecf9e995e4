import KubeAPI
import NodePortsPlugin
import SchedulerFramework
import SchedulerTesting
import Testing

/// Upstream's `newPod(host, "PROTO/IP/PORT"...)`: one container with those host ports.
private func portsPod(_ specs: String...) -> PodBuilder {
    var builder = PodBuilder("p")
    var container = Container(name: "c")
    container.ports = specs.map { spec in
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let port = Int32(parts[2]) ?? 0
        return ContainerPort(containerPort: port, hostPort: port, hostIP: parts[1], protocol: parts[0])
    }
    builder.pod.spec.containers.append(container)
    return builder
}

private func nodeWith(_ pods: PodBuilder...) -> NodeInfo {
    NodeBuilder("m1").info(pods: pods.map { $0.build() })
}

struct PortsCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    let node: NodeInfo
    var preFilter: Status = .success
    var fits = true
    var testDescription: String { name }
}

/// Upstream's `TestNodePorts` (nodeports/node_ports_test.go), plus sidecar and default-protocol cases.
private let portsCases: [PortsCase] = [
    PortsCase(name: "skip filter", pod: PodBuilder("p"), node: nodeWith(), preFilter: .skip),
    PortsCase(name: "other port", pod: portsPod("UDP/127.0.0.1/8080"), node: nodeWith(portsPod("UDP/127.0.0.1/9090"))),
    PortsCase(
        name: "same udp port",
        pod: portsPod("UDP/127.0.0.1/8080"),
        node: nodeWith(portsPod("UDP/127.0.0.1/8080")),
        fits: false
    ),
    PortsCase(
        name: "same tcp port",
        pod: portsPod("TCP/127.0.0.1/8080"),
        node: nodeWith(portsPod("TCP/127.0.0.1/8080")),
        fits: false
    ),
    PortsCase(
        name: "different host ip",
        pod: portsPod("TCP/127.0.0.1/8080"),
        node: nodeWith(portsPod("TCP/127.0.0.2/8080"))
    ),
    PortsCase(
        name: "different protocol",
        pod: portsPod("UDP/127.0.0.1/8080"),
        node: nodeWith(portsPod("TCP/127.0.0.1/8080"))
    ),
    PortsCase(
        name: "second udp port conflict",
        pod: portsPod("UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"),
        node: nodeWith(portsPod("UDP/127.0.0.1/8080")),
        fits: false
    ),
    PortsCase(
        name: "first tcp port conflict",
        pod: portsPod("TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"),
        node: nodeWith(portsPod("TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081")),
        fits: false
    ),
    PortsCase(
        name: "first tcp port conflict due to 0.0.0.0 hostIP",
        pod: portsPod("TCP/0.0.0.0/8001"),
        node: nodeWith(portsPod("TCP/127.0.0.1/8001")),
        fits: false
    ),
    PortsCase(
        name: "TCP hostPort conflict due to 0.0.0.0 hostIP",
        pod: portsPod("TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"),
        node: nodeWith(portsPod("TCP/127.0.0.1/8001")),
        fits: false
    ),
    PortsCase(
        name: "second tcp port conflict to 0.0.0.0 hostIP",
        pod: portsPod("TCP/127.0.0.1/8001"),
        node: nodeWith(portsPod("TCP/0.0.0.0/8001")),
        fits: false
    ),
    PortsCase(
        name: "second different protocol",
        pod: portsPod("UDP/127.0.0.1/8001"),
        node: nodeWith(portsPod("TCP/0.0.0.0/8001"))
    ),
    PortsCase(
        name: "UDP hostPort conflict due to 0.0.0.0 hostIP",
        pod: portsPod("UDP/127.0.0.1/8001"),
        node: nodeWith(portsPod("TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001")),
        fits: false
    ),
    // Empty hostIP is 0.0.0.0 and empty protocol is TCP.
    PortsCase(
        name: "empty hostIP and protocol mean 0.0.0.0 and TCP",
        pod: portsPod("//8080"),
        node: nodeWith(portsPod("TCP/10.0.0.1/8080")),
        fits: false
    ),
    PortsCase(
        name: "empty protocol does not clash with UDP",
        pod: portsPod("//8080"),
        node: nodeWith(portsPod("UDP/10.0.0.1/8080"))
    ),
    PortsCase(
        name: "a port the pod uses twice itself is not a conflict",
        pod: portsPod("TCP/0.0.0.0/8080", "TCP/0.0.0.0/8080"),
        node: nodeWith()
    ),
]

@Suite struct NodePortsTests {
    @Test(arguments: portsCases)
    func preFilterAndFilter(_ c: PortsCase) {
        let plugin = NodePorts(handle: FakeHandle())
        let state = CycleState()
        let (_, preFilter) = plugin.preFilter(state: state, pod: c.pod.info(), snapshot: Snapshot(nodes: [c.node]))
        #expect(preFilter == c.preFilter)
        guard preFilter.isSuccess else { return }
        let status = plugin.filter(state: state, pod: c.pod.info(), node: c.node)
        #expect(
            status
                == (c.fits
                    ? .success : Status(.unschedulable, "node(s) didn't have free ports for the requested pod ports"))
        )
    }

    /// Upstream's `TestPreFilterDisabled`.
    @Test func filterWithoutPreFilterIsAnError() {
        let status = NodePorts(handle: FakeHandle()).filter(
            state: CycleState(),
            pod: portsPod("TCP/0.0.0.0/80").info(),
            node: nodeWith()
        )
        #expect(status == .error(#"reading "PreFilterNodePorts" from cycleState: not found"#))
    }

    @Test func sidecarPortsCountButPlainInitContainerPortsDoNot() {
        var sidecar = Container(name: "proxy", restartPolicy: "Always")
        sidecar.ports = [ContainerPort(containerPort: 15001, hostPort: 15001)]
        var initOnly = Container(name: "init")
        initOnly.ports = [ContainerPort(containerPort: 9000, hostPort: 9000)]
        var builder = PodBuilder("p")
        builder.pod.spec.initContainers = [sidecar, initOnly]
        builder.pod.spec.containers = [Container(name: "app")]
        #expect(builder.info().hostPorts == [HostPort(ip: "", protocol: "", port: 15001)])
        let plugin = NodePorts(handle: FakeHandle())
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: builder.info(), snapshot: Snapshot())
        #expect(
            plugin.filter(state: state, pod: builder.info(), node: nodeWith(portsPod("TCP/0.0.0.0/15001"))).code
                == .unschedulable
        )
        #expect(
            plugin.filter(state: state, pod: builder.info(), node: nodeWith(portsPod("TCP/0.0.0.0/9000"))) == .success
        )
    }

    @Test func removingTheHoldingPodFreesThePort() {
        var node = nodeWith(portsPod("TCP/0.0.0.0/8080").uid("holder"))
        let wanted = portsPod("TCP/127.0.0.1/8080").info()
        let plugin = NodePorts(handle: FakeHandle())
        let state = CycleState()
        _ = plugin.preFilter(state: state, pod: wanted, snapshot: Snapshot())
        #expect(plugin.filter(state: state, pod: wanted, node: node).code == .unschedulable)
        node.removePod(uid: "holder")
        #expect(plugin.filter(state: state, pod: wanted, node: node) == .success)
    }

    @Test func eventsAreNodeAddAndPodDelete() {
        let events = NodePorts(handle: FakeHandle()).eventsToRegister()
        #expect(events.map(\.event.resource) == [.pod, .node])
        #expect(events[0].event.action == .delete)
        #expect(events[1].event.action == .add)
        #expect(events[1].hint == nil)
    }

    /// Upstream's `Test_isSchedulableAfterPodDeleted`.
    @Test func podDeletedHint() throws {
        let target = PodBuilder("target").hostPort(8080).build()
        let hint = try #require(NodePorts(handle: FakeHandle()).eventsToRegister()[0].hint)
        #expect(hint(target, .pod(PodBuilder("unscheduled").hostPort(8080).build()), nil) == .skip)
        #expect(hint(target, .pod(PodBuilder("no-ports").node("fake-node").build()), nil) == .skip)
        #expect(hint(target, .pod(PodBuilder("other").node("fake-node").hostPort(8081).build()), nil) == .skip)
        #expect(hint(target, .pod(PodBuilder("released").node("fake-node").hostPort(8080).build()), nil) == .queue)
        #expect(hint(target, .pod(PodBuilder("nominated").nominatedNode("n1").hostPort(8080).build()), nil) == .queue)
        #expect(hint(target, .node(NodeBuilder("n").build()), nil) == .queue)
    }
}
