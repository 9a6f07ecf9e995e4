import Foundation
import Simulator
import Testing

@testable import KubeTestSupport

/// A pod manifest with labels; `spec` lines go under `spec:` (indented by two spaces), `nodeName` pre-places it.
private func labeledPod(
    _ name: String,
    labels: [String: String],
    cpu: String? = nil,
    spec: String = "",
    nodeName: String? = nil,
    image: String = "example.com/app:1",
    ports: String = ""
) -> String {
    let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ")
    let resources = cpu.map { "\n    resources:\n      requests: {cpu: \"\($0)\"}" } ?? ""
    let placement = nodeName.map { "\n  nodeName: \($0)" } ?? ""
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
          labels: {\(labelText)}
        spec:\(placement)
        \(spec)
          containers:
          - name: main
            image: \(image)\(resources)\(ports)
        ---

        """
}

private let zoneKey = "topology.kubernetes.io/zone"

private func zones(_ perZone: Int, cpu: String = "4") -> String {
    ["a", "b", "c"].flatMap { zone in
        (1...perZone).map { node("\(zone)\($0)", cpu: cpu, labels: [zoneKey: "zone-\(zone)"]) }
    }.joined()
}

private func zoneOf(_ node: String?) -> String? { node.map { String($0.prefix(1)) } }

/// Required anti-affinity against other `app: db` pods in the same zone.
private let dbAntiAffinity = """
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: db}}
            topologyKey: topology.kubernetes.io/zone
    """

@Suite(.timeLimit(.minutes(3))) struct TopologySimulateTests {
    /// Required anti-affinity on the zone key: one replica per zone; the fourth cannot land anywhere. (Pods of equal
    /// priority are not necessarily tried in file order, so the test does not depend on which one is left over.)
    @Test func antiAffinityAcrossZones() async throws {
        let manifests =
            zones(2)
            + (0..<4).map { labeledPod("db-\($0)", labels: ["app": "db"], cpu: "500m", spec: dbAntiAffinity) }.joined()
        let result = try await simulate(manifests)
        let outcomes = (0..<4).compactMap { outcome(result, "db-\($0)") }
        let placed = outcomes.filter { $0.status == .scheduled }
        #expect(placed.count == 3)
        #expect(Set(placed.map { zoneOf($0.node) }) == ["a", "b", "c"])
        let refused = outcomes.filter { $0.status == .unschedulable }
        #expect(refused.count == 1)
        #expect(
            refused.first?.message
                == "0/6 nodes are available: 6 node(s) didn't match pod anti-affinity rules. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod."
        )
    }

    /// Symmetry: a pod without any affinity of its own is kept out of every zone whose replica's anti-affinity it
    /// matches; a pod they do not match lands.
    @Test func existingPodsAntiAffinityIsEnforcedOnNewcomers() async throws {
        let manifests =
            zones(2)
            + ["a1", "b1", "c1"].enumerated().map {
                labeledPod("db-\($0.offset)", labels: ["app": "db"], spec: dbAntiAffinity, nodeName: $0.element)
            }.joined()
            + labeledPod("db-intruder", labels: ["app": "db"], cpu: "500m")
            + labeledPod("web", labels: ["app": "web"], cpu: "500m")
        let result = try await simulate(manifests)
        #expect(outcome(result, "db-intruder")?.status == .unschedulable)
        #expect(
            outcome(result, "db-intruder")?.message
                == "0/6 nodes are available: 6 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod."
        )
        #expect(outcome(result, "web")?.status == .scheduled)
    }

    /// Required pod affinity: a cache pod must share a zone with a db pod; the first db-less group member may land
    /// anywhere only when it matches its own term.
    @Test func affinityFollowsTheTargetZone() async throws {
        let followDB = """
              affinity:
                podAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                  - labelSelector: {matchLabels: {app: db}}
                    topologyKey: topology.kubernetes.io/zone
            """
        let manifests =
            zones(2)
            + labeledPod("db", labels: ["app": "db"], nodeName: "b2")
            + (0..<3).map { labeledPod("cache-\($0)", labels: ["app": "cache"], cpu: "100m", spec: followDB) }.joined()
            + labeledPod(
                "lonely",
                labels: ["app": "queue"],
                spec: followDB.replacingOccurrences(of: "app: db", with: "app: nothing")
            )
        let result = try await simulate(manifests)
        for i in 0..<3 {
            #expect(outcome(result, "cache-\(i)")?.status == .scheduled)
            #expect(zoneOf(outcome(result, "cache-\(i)")?.node) == "b")
        }
        #expect(
            outcome(result, "lonely")?.message
                == "0/6 nodes are available: 6 node(s) didn't match pod affinity rules. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling."
        )
    }

    /// Six replicas of a Deployment-like set with a hard zone constraint end up two per zone.
    @Test func deploymentSpreadsEvenlyOverZones() async throws {
        let spread = """
              topologySpreadConstraints:
              - maxSkew: 1
                topologyKey: topology.kubernetes.io/zone
                whenUnsatisfiable: DoNotSchedule
                labelSelector: {matchLabels: {app: web}}
            """
        let manifests =
            zones(2)
            + (0..<6).map { labeledPod("web-\($0)", labels: ["app": "web"], cpu: "250m", spec: spread) }.joined()
        let result = try await simulate(manifests)
        let placements = (0..<6).map { outcome(result, "web-\($0)") }
        #expect(placements.allSatisfy { $0?.status == .scheduled })
        var perZone: [String: Int] = [:]
        for placement in placements { perZone[zoneOf(placement?.node) ?? "?", default: 0] += 1 }
        #expect(perZone == ["a": 2, "b": 2, "c": 2])
    }

    /// DoNotSchedule refuses the full zone; the other node lacks cpu, the third lacks the zone label. Preemption cannot
    /// help on the node without the label (UnschedulableAndUnresolvable) and finds no lower-priority victims elsewhere.
    @Test func doNotScheduleRefusalMessage() async throws {
        let spread = """
              topologySpreadConstraints:
              - maxSkew: 1
                topologyKey: topology.kubernetes.io/zone
                whenUnsatisfiable: DoNotSchedule
                labelSelector: {matchLabels: {app: web}}
            """
        let manifests =
            node("a1", cpu: "4", labels: [zoneKey: "zone-a"]) + node("b1", cpu: "1", labels: [zoneKey: "zone-b"])
            + node("plain", cpu: "4")
            + labeledPod("web-old-0", labels: ["app": "web"], nodeName: "a1")
            + labeledPod("web-old-1", labels: ["app": "web"], nodeName: "a1")
            + labeledPod("batch", labels: ["app": "batch"], cpu: "1", nodeName: "b1")
            + labeledPod("web-new", labels: ["app": "web"], cpu: "500m", spec: spread)
        let result = try await simulate(manifests)
        #expect(outcome(result, "web-new")?.status == .unschedulable)
        #expect(
            outcome(result, "web-new")?.message
                == "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match pod topology spread constraints, 1 node(s) didn't match pod topology spread constraints (missing required label). preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
        )
    }

    /// Two pods want host port 8080: the second goes to the other node; a third finds no free port.
    @Test func hostPortClash() async throws {
        let port = "\n    ports:\n    - {containerPort: 8080, hostPort: 8080}"
        let manifests =
            node("n1") + node("n2")
            + labeledPod("proxy-0", labels: ["app": "proxy"], nodeName: "n1", ports: port)
            + labeledPod("proxy-1", labels: ["app": "proxy"], ports: port)
            + labeledPod("proxy-2", labels: ["app": "proxy"], ports: port)
        let result = try await simulate(manifests)
        #expect(outcome(result, "proxy-1")?.node == "n2")
        #expect(outcome(result, "proxy-2")?.status == .unschedulable)
        #expect(
            outcome(result, "proxy-2")?.message
                == "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
        )
    }

    /// The node that already holds the pod's (large) image wins when everything else is equal.
    @Test func imageLocalityPrefersTheNodeWithTheImage() async throws {
        let withImage = """
            apiVersion: v1
            kind: Node
            metadata: {name: warm, labels: {kubernetes.io/hostname: warm}}
            status:
              allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
              images:
              - names: ["registry.example.com/big:1.0"]
                sizeBytes: 800000000
            ---

            """
        let manifests =
            node("cold-1") + withImage + node("cold-2")
            + labeledPod("big", labels: ["app": "big"], image: "registry.example.com/big:1.0")
        let result = try await simulate(manifests)
        #expect(outcome(result, "big")?.node == "warm")
    }

    /// With `profiles/default.yaml` the new plugins run too: anti-affinity gives the same placement and message.
    @Test func defaultProfileFileRunsTheNewPlugins() async throws {
        let config = try String(
            contentsOf: repositoryRoot.appendingPathComponent("profiles/default.yaml"),
            encoding: .utf8
        )
        let antiAffinity = """
              affinity:
                podAntiAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                  - labelSelector: {matchLabels: {app: db}}
                    topologyKey: kubernetes.io/hostname
            """
        let manifests =
            node("n1") + node("n2")
            + (0..<3).map { labeledPod("db-\($0)", labels: ["app": "db"], spec: antiAffinity) }.joined()
        let result = try await simulate(manifests, config: config)
        let outcomes = (0..<3).compactMap { outcome(result, "db-\($0)") }
        #expect(Set(outcomes.compactMap(\.node)) == ["n1", "n2"])
        #expect(
            outcomes.filter { $0.node == nil }.map(\.message) == [
                "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
            ]
        )
    }

    /// Preemption removes a lower-priority pod that the preemptor's anti-affinity objects to (RemovePod updates
    /// InterPodAffinity's counts in the dry run), and a lower-priority pod whose own anti-affinity keeps the
    /// preemptor out (symmetry).
    @Test func preemptionEvictsTheLowerPriorityPodsBlockingAffinity() async throws {
        let high = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n---\n"
        let avoidDB = dbAntiAffinity.replacingOccurrences(
            of: "topology.kubernetes.io/zone",
            with: "kubernetes.io/hostname"
        )
        let manifests =
            high + node("n1")
            + labeledPod("old-db", labels: ["app": "db"], spec: "  priority: 1", nodeName: "n1")
            + labeledPod("new-db", labels: ["app": "web"], spec: "  priorityClassName: high\n" + avoidDB)
        let result = try await simulate(manifests)
        #expect(outcome(result, "new-db")?.node == "n1")
        #expect(result.preempted.map(\.name) == ["old-db"])

        let guarded =
            high + node("n1")
            + labeledPod("guard", labels: ["app": "guard"], spec: "  priority: 1\n" + avoidDB, nodeName: "n1")
            + labeledPod("db", labels: ["app": "db"], spec: "  priorityClassName: high")
        let symmetric = try await simulate(guarded)
        #expect(outcome(symmetric, "db")?.node == "n1")
        #expect(symmetric.preempted.map(\.name) == ["guard"])
    }

    /// Preemption to satisfy a hard spread constraint: the pod must go to zone-a, zone-b counts too
    /// (`nodeAffinityPolicy: Ignore`), so evicting the lower-priority replica in zone-a brings the skew back within
    /// maxSkew (RemovePod updates PodTopologySpread's counts).
    @Test func preemptionRestoresTheSpread() async throws {
        let high = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n---\n"
        let spread = """
              priorityClassName: high
              topologySpreadConstraints:
              - maxSkew: 1
                topologyKey: topology.kubernetes.io/zone
                whenUnsatisfiable: DoNotSchedule
                labelSelector: {matchLabels: {app: web}}
                nodeAffinityPolicy: Ignore
              nodeSelector: {topology.kubernetes.io/zone: zone-a}
            """
        let manifests =
            high + node("a1", labels: [zoneKey: "zone-a"]) + node("b1", labels: [zoneKey: "zone-b"])
            + labeledPod("web-old", labels: ["app": "web"], spec: "  priority: 1", nodeName: "a1")
            + labeledPod("web-new", labels: ["app": "web"], spec: spread)
        let result = try await simulate(manifests)
        #expect(outcome(result, "web-new")?.node == "a1")
        #expect(result.preempted.map(\.name) == ["web-old"])
    }
}
