import Foundation
import InTreePlugins
import KubeAPI
import KubeDecoding
import SchedulerConfig
import SchedulerFramework
import Simulator
import Testing

@testable import KubeTestSupport

/// Issue 13, "a PVC's class or size": verified suggestions for pods held back by their claims.

private func storageClass(_ name: String, mode: String = "WaitForFirstConsumer") -> String {
    """
    apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {name: \(name)}
    provisioner: kubernetes.io/no-provisioner
    volumeBindingMode: \(mode)
    ---

    """
}

private func pinnedVolume(_ name: String, node: String, size: String, storageClass: String) -> String {
    """
    apiVersion: v1
    kind: PersistentVolume
    metadata: {name: \(name)}
    spec:
      capacity: {storage: \(size)}
      accessModes: [ReadWriteOnce]
      storageClassName: \(storageClass)
      local: {path: /mnt/disks/\(name)}
      nodeAffinity:
        required:
          nodeSelectorTerms:
          - matchExpressions:
            - {key: kubernetes.io/hostname, operator: In, values: [\(node)]}
    ---

    """
}

private func pendingClaim(_ name: String, storageClass: String, size: String) -> String {
    """
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: \(name), namespace: default}
    spec:
      storageClassName: \(storageClass)
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: \(size)}}
    ---

    """
}

private func podWithClaim(_ name: String, claim: String, cpu: String = "100m") -> String {
    pod(name, cpu: cpu, extra: "  volumes:\n  - name: data\n    persistentVolumeClaim: {claimName: \(claim)}")
}

@Suite(.timeLimit(.minutes(3))) struct ExplainVolumeTests {
    @Test func aClaimTooLargeForEveryPVGetsTheLargestSizeThatFits() async throws {
        // 50Gi fits no PV. The largest (30Gi) is on a tainted node: lowering to it would not help. 20Gi on b does.
        let manifests =
            node("a") + node("b") + node("c", taints: taintSpec) + storageClass("local-storage")
            + pinnedVolume("pv-a", node: "a", size: "5Gi", storageClass: "local-storage")
            + pinnedVolume("pv-b", node: "b", size: "20Gi", storageClass: "local-storage")
            + pinnedVolume("pv-c", node: "c", size: "30Gi", storageClass: "local-storage")
            + pendingClaim("data", storageClass: "local-storage", size: "50Gi") + podWithClaim("db", claim: "data")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "db"))
        #expect(e.outcome == .unschedulable)
        #expect(
            e.nodes.contains {
                $0.verdict?.plugin == "VolumeBinding"
                    && $0.verdict?.reasons == ["node(s) didn't find available persistent volumes to bind"]
            }
        )
        let size = try #require(e.suggestions.first { $0.kind == .lowerClaimRequest })
        #expect(size.change == "lower the storage request of claim default/data from 50Gi to 20Gi")
        #expect(size.opensNodes == ["b"])
        #expect(size.wouldLandOn == "b")
        #expect(e.suggestions.filter { $0.kind == .lowerClaimRequest }.count == 1)
        // The 30Gi PV's node is tainted: tried, not offered.
        #expect(
            e.rejectedSuggestions.map(\.change).contains(
                "lower the storage request of claim default/data from 50Gi to 30Gi"
            )
        )
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(
            text.contains("lower the storage request of claim default/data from 50Gi to 20Gi: opens 1 node(s) [b]")
        )
        // JSON (the documented kind) and the page carry it too.
        let json = SimulationReport.json(result)
        #expect(json.contains(#""kind":"lowerClaimRequest""#))
        let schema = try String(
            contentsOf: repositoryRoot.appendingPathComponent("docs/explain-schema.json"),
            encoding: .utf8
        )
        #expect(schema.contains(#""lowerClaimRequest", "changeStorageClass""#))
        let page = ExplainHTML.page(result.explanations, order: result.pods.map { ($0.namespace, $0.name) })
        #expect(page.contains("lower the storage request of claim default/data from 50Gi to 20Gi"))
    }

    @Test func aClaimOfAClassWithoutPVsGetsAnotherClass() async throws {
        // "fast" has no PV at all; "local-storage" (WaitForFirstConsumer) has one on a; "standard" is Immediate.
        let manifests =
            node("a") + node("b") + storageClass("fast") + storageClass("local-storage")
            + storageClass("standard", mode: "Immediate")
            + pinnedVolume("pv-a", node: "a", size: "20Gi", storageClass: "local-storage")
            + pendingClaim("data", storageClass: "fast", size: "10Gi") + podWithClaim("db", claim: "data")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "db"))
        let change = try #require(e.suggestions.first { $0.kind == .changeStorageClass })
        #expect(
            change.change
                == "change the storageClassName of claim default/data from fast to local-storage (WaitForFirstConsumer)"
        )
        #expect(change.opensNodes == ["a"])
        #expect(change.wouldLandOn == "a")
        // One class is offered; the Immediate one is not needed.
        #expect(e.suggestions.filter { $0.kind == .changeStorageClass }.count == 1)
        #expect(!e.suggestions.contains { $0.change.contains("standard") })
        #expect(!e.suggestions.contains { $0.kind == .lowerClaimRequest })
        let json = SimulationReport.json(result)
        #expect(json.contains(#""kind":"changeStorageClass""#))
    }

    @Test func aBoundClaimGetsNoSuggestionAndSaysWhy() async throws {
        // The claim is bound to a PV in zone z1; a (z1) is too small for the pod, b (z2) conflicts with the PV.
        let manifests =
            node("a", cpu: "1", labels: ["zone": "z1"]) + node("b", labels: ["zone": "z2"])
            + storageClass("local-storage") + storageClass("other")
                + """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: pv-z1}
                spec:
                  capacity: {storage: 10Gi}
                  accessModes: [ReadWriteOnce]
                  storageClassName: local-storage
                  claimRef: {namespace: default, name: data, uid: claim-uid}
                  nodeAffinity:
                    required:
                      nodeSelectorTerms:
                      - matchExpressions:
                        - {key: zone, operator: In, values: [z1]}
                status: {phase: Bound}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: data
                  namespace: default
                  uid: claim-uid
                  annotations: {pv.kubernetes.io/bind-completed: "yes"}
                spec:
                  storageClassName: local-storage
                  volumeName: pv-z1
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 10Gi}}
                status: {phase: Bound}
                ---

                """
            + podWithClaim("db", claim: "data", cpu: "2")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "db"))
        let byNode = Dictionary(uniqueKeysWithValues: e.nodes.map { ($0.node, $0) })
        #expect(byNode["b"]?.verdict?.plugin == "VolumeBinding")
        #expect(byNode["b"]?.verdict?.reasons == ["node(s) didn't match PersistentVolume's node affinity"])
        #expect(!e.suggestions.contains { $0.kind == .lowerClaimRequest || $0.kind == .changeStorageClass })
        #expect(!e.rejectedSuggestions.contains { $0.change.hasPrefix("change the storageClassName of claim") })
        let bound = try #require(e.rejectedSuggestions.first { $0.notOfferedBecause != nil })
        #expect(bound.kind == .changeStorageClass)
        #expect(bound.notOfferedBecause?.contains("bound to PersistentVolume pv-z1") == true)
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(text.contains("not tried: the claim is bound to PersistentVolume pv-z1"))
    }

    @Test func aClassChangeThatWouldNotHelpIsNotOffered() async throws {
        // "slow" has a PV, but too small for the claim: changing the class alone leaves the pod pending.
        let manifests =
            node("a") + storageClass("fast") + storageClass("slow")
            + pinnedVolume("pv-a", node: "a", size: "5Gi", storageClass: "slow")
            + pendingClaim("data", storageClass: "fast", size: "10Gi") + podWithClaim("db", claim: "data")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "db"))
        #expect(e.outcome == .unschedulable)
        #expect(!e.suggestions.contains { $0.kind == .changeStorageClass })
        #expect(
            e.rejectedSuggestions.map(\.change) == [
                "change the storageClassName of claim default/data from fast to slow (WaitForFirstConsumer)"
            ]
        )
        #expect(e.rejectedSuggestions.first?.notOfferedBecause == nil)
    }
}

@Suite(.timeLimit(.minutes(3))) struct ExplainNodeOrderTests {
    @Test func namesWithinAReasonGroupAreInNaturalOrder() async throws {
        // Created out of order; the text lists each group's names naturally (n2 before n10).
        let manifests =
            node("n10", cpu: "1") + node("n2", cpu: "1") + node("n1", cpu: "1") + node("n9", cpu: "1")
            + pod("p", cpu: "2")
        let result = try await explainSimulate(manifests)
        let e = try #require(lastExplanation(result, "p"))
        #expect(e.groups.count == 1)
        #expect(e.groups.first?.nodes == ["n1", "n2", "n9", "n10"])
        let text = ExplainText.render(result.explanations, order: result.pods)
        #expect(text.contains("n1, n2, n9, n10"), "\(text)")
        // The nodes themselves keep the scan order (the JSON's documented order).
        #expect(Set(e.nodes.map(\.node)) == ["n1", "n2", "n9", "n10"])
        // A suggestion's opened nodes are in the same natural order.
        let lower = try #require(e.suggestions.first { $0.kind == .lowerRequest })
        #expect(lower.opensNodes == ["n1", "n2", "n9", "n10"])
    }
}

/// The page shows the new suggestion kinds and a custom PostFilter plugin's outcome, rendered in a real browser.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ExplainVolumeHTMLTests {
    @Test(
        .enabled(
            if: chromiumBinary != nil,
            "no Chromium binary found: install Debian's chromium (apt-get install -y chromium) or set SKS_CHROMIUM"
        )
    )
    func headlessChromiumShowsClaimSuggestionsAndPostFilterOutcomes() async throws {
        let browser = try #require(chromiumBinary)
        var registry = makeInTreeRegistry()
        try registry.register(NominatingPostFilter.name) { _ in NominatingPostFilter() }
        let config = try ConfigurationLoader.load(
            contents: """
                apiVersion: kubescheduler.config.k8s.io/v1
                kind: KubeSchedulerConfiguration
                profiles:
                - schedulerName: default-scheduler
                  plugins:
                    postFilter:
                      enabled: [{name: NominatingPostFilter}]
                """,
            source: "config.yaml",
            registry: registry
        )
        let manifests =
            node("a") + node("b") + node("c", taints: taintSpec) + storageClass("local-storage")
            + pinnedVolume("pv-b", node: "b", size: "20Gi", storageClass: "local-storage")
            + pinnedVolume("pv-c", node: "c", size: "30Gi", storageClass: "local-storage")
            + pendingClaim("data", storageClass: "local-storage", size: "50Gi") + podWithClaim("db", claim: "data")
        let result = try await Simulation.run(
            configuration: config,
            registry: registry,
            objects: try ManifestLoader.load(contents: manifests, source: "cluster.yaml").objects,
            explain: ExplainRequest()
        )
        let dir = try scratchDirectory("explain-volume-html")
        let path = dir + "/explain.html"
        try ExplainHTML.write(result.explanations, order: result.pods.map { ($0.namespace, $0.name) }, to: path)
        let dom = try await runProcess(
            URL(fileURLWithPath: browser),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(dir)/profile", "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + path,
            ]
        )
        #expect(dom.status == 0, "\(dom.stderr)")
        #expect(dom.stdout.contains("data-rendered=\"1\""), "the page script did not finish: \(dom.stderr)")
        #expect(!dom.stdout.contains("data-errors=\""), "script errors on the page")
        #expect(
            dom.stdout.contains(
                "lower the storage request of claim default/data from 50Gi to 20Gi \u{2014} opens 1 node(s)"
            )
        )
        #expect(dom.stdout.contains("<li>lower the storage request of claim default/data from 50Gi to 30Gi</li>"))
        #expect(
            dom.stdout.contains(
                "PostFilter NominatingPostFilter: Unschedulable: custom: no room anywhere; nominated node: n1"
            ),
            "\(dom.stdout)"
        )
    }
}
