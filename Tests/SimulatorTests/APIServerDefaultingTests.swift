import KubeAPI
import Simulator
import Testing

/// `simulate` applies the API server's defaulting that changes scheduling (issue 14).
@Suite(.timeLimit(.minutes(3))) struct APIServerDefaultingTests {
    private func limitsOnlyPod(_ name: String, cpu: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
        spec:
          containers:
          - name: main
            image: example.com/app:1
            resources:
              limits: {cpu: "\(cpu)", memory: 1Gi}
        ---

        """
    }

    @Test(.timeLimit(.minutes(1)))
    func requestsDefaultToLimits() async throws {
        // Each pod asks for nothing but is limited to the whole node: the API server makes the limits its
        // requests, so only one fits.
        let result = try await simulate(
            node("n1", cpu: "1") + limitsOnlyPod("a", cpu: "1") + limitsOnlyPod("b", cpu: "1")
        )
        let placed = result.pods.filter { $0.status == .scheduled }
        #expect(placed.count == 1)
        let other = result.pods.first { $0.status != .scheduled }
        #expect(other?.message?.contains("Insufficient cpu") == true)
    }

    @Test func defaultingKeepsExplicitRequestsAndFillsThePodLevel() {
        var container = Container(name: "c")
        container.resources = ResourceRequirements(
            requests: ["cpu": Quantity(milli: 250)],
            limits: ["cpu": Quantity(1), "memory": Quantity(1 << 20)]
        )
        var pod = Pod(metadata: ObjectMeta(name: "p"), spec: PodSpec(containers: [container]))
        pod.spec.resources = ResourceRequirements(limits: ["cpu": Quantity(2), "memory": Quantity(1 << 30)])
        let defaulted = APIServerDefaults.apply(to: [.pod(pod)]).objects
        guard case .pod(let result)? = defaulted.first else {
            Issue.record("no pod")
            return
        }
        #expect(result.spec.containers[0].resources?.requests?["cpu"]?.milliValue == 250)
        #expect(result.spec.containers[0].resources?.requests?["memory"]?.value == 1 << 20)
        // Pod level: the containers' aggregate where they name the resource.
        #expect(result.spec.resources?.requests?["cpu"]?.milliValue == 250)
        #expect(result.spec.resources?.requests?["memory"]?.value == 1 << 20)
    }

    @Test func defaultNotReadyAndUnreachableTolerations() {
        let plain = Pod(metadata: ObjectMeta(name: "p"), spec: PodSpec(containers: [Container(name: "c")]))
        var tolerant = plain
        tolerant.metadata.name = "q"
        tolerant.spec.tolerations = [Toleration(operator: "Exists")]
        let defaulted = APIServerDefaults.apply(to: [.pod(plain), .pod(tolerant)]).objects
        guard case .pod(let p)? = defaulted.first, case .pod(let q)? = defaulted.last else {
            Issue.record("pods expected")
            return
        }
        #expect(
            p.spec.tolerations == [
                Toleration(
                    key: "node.kubernetes.io/not-ready",
                    operator: "Exists",
                    effect: "NoExecute",
                    tolerationSeconds: 300
                ),
                Toleration(
                    key: "node.kubernetes.io/unreachable",
                    operator: "Exists",
                    effect: "NoExecute",
                    tolerationSeconds: 300
                ),
            ]
        )
        // A pod that already tolerates everything gets nothing more.
        #expect(q.spec.tolerations == [Toleration(operator: "Exists")])
    }

    @Test(.timeLimit(.minutes(1)))
    func podLandsOnANotReadyNodeForItsDefaultToleration() async throws {
        let taint = "spec:\n  taints:\n  - {key: node.kubernetes.io/not-ready, effect: NoExecute}"
        let result = try await simulate(node("n1", taints: taint) + pod("p", cpu: "100m"))
        #expect(outcome(result, "p")?.node == "n1")
    }

    @Test(.timeLimit(.minutes(1)))
    func halfMillicoresAddUpBeforeRounding() async throws {
        let manifests =
            node("n1", cpu: "1m") + """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p
                spec:
                  containers:
                  - name: a
                    image: example.com/app:1
                    resources:
                      requests: {cpu: 0.5m}
                  - name: b
                    image: example.com/app:1
                    resources:
                      requests: {cpu: 0.5m}
                ---

                """
        let result = try await simulate(manifests)
        #expect(outcome(result, "p")?.node == "n1")
    }

    @Test(.timeLimit(.minutes(1)))
    func podLevelHugepagesAreCheckedAgainstTheNode() async throws {
        let manifests = """
            apiVersion: v1
            kind: Node
            metadata:
              name: n1
              labels: {kubernetes.io/hostname: n1}
            status:
              allocatable: {cpu: "4", memory: 8Gi, pods: "110", hugepages-2Mi: 2Mi}
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              resources:
                requests: {hugepages-2Mi: 4Mi}
                limits: {hugepages-2Mi: 4Mi}
              containers:
              - name: main
                image: example.com/app:1
            ---

            """
        let result = try await simulate(manifests)
        #expect(outcome(result, "p")?.status == .unschedulable)
        #expect(outcome(result, "p")?.message?.contains("Insufficient hugepages-2Mi") == true)
    }
}
