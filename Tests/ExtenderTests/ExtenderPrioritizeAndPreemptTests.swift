import Foundation
import InTreePlugins
import KubeAPI
import NIOCore
import NIOHTTP1
import SchedulerConfig
import SchedulerFramework
import SchedulerTesting
import Synchronization
import Testing

@testable import KubeTestSupport
@testable import SchedulerRuntime

extension ExtenderSuites {
    /// The prioritize verb through `simulate`, against a real HTTP extender on loopback.
    @Suite struct ExtenderPrioritizeTests {
        static let pods = (1...3).map { podManifest("p\($0)") }.joined(separator: "\n---\n")

        @Test(.timeLimit(.minutes(1))) func weightedScoresDecideThePlacement() async throws {
            let extender = try await LoopbackExtender.start { _, _ in
                .init(body: #"[{"Host":"n3","Score":10},{"host":"n1","score":0}]"#)
            }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  prioritizeVerb: prioritize\n  weight: 5"),
                cluster: threeNodes(Self.pods)
            )
            // 10 × 5 × 10 = 500 points on n3 outweigh the default plugins' spreading.
            #expect(["p1", "p2", "p3"].map { outcome.node($0) } == ["n3", "n3", "n3"])
            #expect(extender.requests("prioritize").count == 3)
        }

        @Test(.timeLimit(.minutes(1))) func aFailingOrSlowPrioritizerOnlyLosesItsScores() async throws {
            let broken = try await LoopbackExtender.start { _, _ in .init(status: .internalServerError, body: "") }
            let slow = try await LoopbackExtender.start { _, _ in
                .init(body: #"[{"Host":"n3","Score":10}]"#, delay: .seconds(5))
            }
            defer {
                Task {
                    await broken.stop()
                    await slow.stop()
                }
            }
            let outcome = try await simulate(
                config: extenderConfig(
                    """
                    - urlPrefix: \(broken.url)
                      prioritizeVerb: prioritize
                      weight: 5
                    - urlPrefix: \(slow.url)
                      prioritizeVerb: prioritize
                      weight: 5
                      httpTimeout: 200ms
                    """
                ),
                cluster: threeNodes(Self.pods)
            )
            // Scheduled as without extenders: spread by the default plugins.
            #expect(Set(["p1", "p2", "p3"].compactMap { outcome.node($0) }) == ["n1", "n2", "n3"])
            #expect(broken.requests("prioritize").count == 3)
        }

        /// Extender scores are scaled from 0…10 to 0…100 and weighted; two extenders add up; a failing one adds nothing.
        @Test func scoresAreScaledAndWeighted() throws {
            let registry = makeInTreeRegistry()
            let scheduler = try Scheduler(
                configuration: ConfigurationLoader.defaultConfiguration(registry: registry),
                registry: registry,
                client: EmbeddedCluster(),
                extenders: [
                    FixedPrioritizer(scores: ["a": 3, "b": 10], weight: 2),
                    FixedPrioritizer(scores: ["a": 1], weight: 7),
                    FixedPrioritizer(scores: ["a": 10, "b": 10], weight: 100, fails: true),
                ]
            )
            let snapshot = Snapshot(nodes: [NodeBuilder("a").info(), NodeBuilder("b").info(), NodeBuilder("c").info()])
            let scores = scheduler.extenderScores(
                pod: PodBuilder("p").build(),
                nodes: NodeList(snapshot: snapshot, indices: [0, 1, 2])
            )
            // a: 3 × 2 × 10 + 1 × 7 × 10; b: 10 × 2 × 10; c: nothing.
            let expected: [Int64] = [130, 200, 0]
            #expect(scores == expected)
        }
    }
}

struct FixedPrioritizer: Extender {
    var scores: [String: Int64]
    var weight: Int64
    var fails = false
    var name: String { "fixed" }
    var isIgnorable: Bool { false }
    var isFilter: Bool { false }
    var isPrioritizer: Bool { true }
    var isBinder: Bool { false }
    var supportsPreemption: Bool { false }
    func isInterested(_ pod: Pod) -> Bool { true }
    func filter(pod: Pod, nodes: [NodeInfo]) throws(ExtenderError) -> ExtenderFilterOutcome {
        ExtenderFilterOutcome(nodeNames: nodes.map(\.name))
    }
    func prioritize(pod: Pod, nodes: [NodeInfo]) throws(ExtenderError) -> (scores: [HostPriority], weight: Int64) {
        if fails { throw ExtenderError("down") }
        return (scores.map { HostPriority(host: $0.key, score: $0.value) }, weight)
    }
    func bind(pod: Pod, nodeName: String) async throws(ExtenderError) {}
    func processPreemption(
        pod: Pod,
        victims: [String: ExtenderVictims],
        snapshot: Snapshot
    ) throws(ExtenderError) -> [String: ExtenderVictims] { victims }
}

extension ExtenderSuites {
    /// The preempt verb through `simulate`: one full node, a low-priority pod on it and a high-priority pod waiting.
    @Suite struct ExtenderPreemptTests {
        static let cluster = """
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata: {name: high}
            value: 1000
            ---
            apiVersion: v1
            kind: Node
            metadata: {name: n1, labels: {kubernetes.io/hostname: n1}}
            status: {allocatable: {cpu: "2", memory: 16Gi, pods: "110"}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: victim, namespace: default, uid: uid-victim}
            spec:
              nodeName: n1
              containers: [{name: c, image: i, resources: {requests: {cpu: "2"}}}]
            status: {phase: Running}
            ---
            """ + "\n" + podManifest("vip", cpu: "2", priorityClass: "high")

        /// Echoes the victims it was given, as uids.
        static func echo(_ body: [UInt8]) -> LoopbackExtender.Reply {
            let args = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            return .init(body: json(["NodeNameToMetaVictims": args["NodeNameToMetaVictims"] ?? [:]]))
        }

        @Test(.timeLimit(.minutes(1))) func anAgreeingExtenderLetsPreemptionProceed() async throws {
            let extender = try await LoopbackExtender.start { _, body in Self.echo(body) }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig(
                    "- urlPrefix: \(extender.url)\n  preemptVerb: preempt\n  nodeCacheCapable: true"
                ),
                cluster: Self.cluster
            )
            #expect(outcome.preempted == ["victim"])
            #expect(outcome.node("vip") == "n1")
            let args = try #require(extender.requests("preempt").first).json
            #expect(args["NodeNameToVictims"] is NSNull)
            let meta = args["NodeNameToMetaVictims"] as? [String: [String: Any]]
            #expect((meta?["n1"]?["Pods"] as? [[String: String]]) == [["UID": "uid-victim"]])
            #expect((meta?["n1"]?["NumPDBViolations"] as? Int) == 0)
        }

        @Test(.timeLimit(.minutes(1))) func withoutNodeCacheTheVictimsAreSentWhole() async throws {
            let extender = try await LoopbackExtender.start { _, body in
                let args = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
                let full = args["NodeNameToVictims"] as? [String: [String: Any]] ?? [:]
                let meta = full.mapValues { victims in
                    [
                        "Pods": (victims["Pods"] as? [[String: Any]] ?? []).map {
                            ["UID": ($0["metadata"] as? [String: Any])?["uid"] ?? ""]
                        }
                    ]
                }
                return .init(body: json(["NodeNameToMetaVictims": meta]))
            }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  preemptVerb: preempt"),
                cluster: Self.cluster
            )
            #expect(outcome.preempted == ["victim"])
            let args = try #require(extender.requests("preempt").first).json
            #expect(args["NodeNameToMetaVictims"] is NSNull)
        }

        @Test(.timeLimit(.minutes(1))) func anExtenderThatRemovesEveryCandidateStopsPreemption() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(body: #"{"NodeNameToMetaVictims":{}}"#) }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  preemptVerb: preempt"),
                cluster: Self.cluster
            )
            #expect(outcome.preempted.isEmpty)
            #expect(outcome.node("vip") == nil)
            #expect(outcome.message("vip").hasSuffix("preemption: no candidate node for preemption"))
        }

        @Test(.timeLimit(.minutes(1))) func aFailingExtenderFailsPreemptionUnlessIgnorable() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(status: .serviceUnavailable, body: "") }
            defer { Task { await extender.stop() } }
            let failing = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  preemptVerb: preempt"),
                cluster: Self.cluster
            )
            #expect(failing.preempted.isEmpty)
            #expect(
                failing.message("vip").contains(
                    "preemption: failed preempt with extender at URL \(extender.url)/preempt, code 503"
                )
            )
            let ignored = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  preemptVerb: preempt\n  ignorable: true"),
                cluster: Self.cluster
            )
            #expect(ignored.preempted == ["victim"])
            #expect(ignored.node("vip") == "n1")
        }

        @Test(.timeLimit(.minutes(1))) func anExtenderNamingAPodNotOnTheNodeIsAnError() async throws {
            let extender = try await LoopbackExtender.start { _, _ in
                .init(body: #"{"NodeNameToMetaVictims":{"n1":{"Pods":[{"UID":"nobody"}],"NumPDBViolations":0}}}"#)
            }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  preemptVerb: preempt"),
                cluster: Self.cluster
            )
            #expect(outcome.preempted.isEmpty)
            #expect(
                outcome.message("vip").contains(
                    "extender: \(extender.url) claims to preempt pod (UID: &{nobody}) on node: n1, but the pod is not found on that node"
                )
            )
        }
    }
}
