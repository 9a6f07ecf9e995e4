import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import KubeTestSupport

extension ExtenderSuites {
    /// The filter verb through `simulate`, against a real HTTP extender on loopback.
    @Suite struct ExtenderFilterTests {
        static let pods = podManifest("p1") + "\n---\n" + podManifest("p2")

        @Test(.timeLimit(.minutes(1))) func theFilterNarrowsTheNodesAndItsRejectionsAreRecorded() async throws {
            let extender = try await LoopbackExtender.start { _, body in
                let args = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
                let kept = nodeItems(args).filter { nodeName($0) == "n2" }
                return .init(
                    body: json([
                        "Nodes": ["metadata": [:], "items": kept], "FailedNodes": ["n1": "n1 is busy"],
                        "FailedAndUnresolvableNodes": ["n3": "n3 is gone"],
                    ])
                )
            }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)/\n  filterVerb: filter"),
                cluster: threeNodes(Self.pods)
            )
            #expect(outcome.node("p1") == "n2")
            #expect(outcome.node("p2") == "n2")
            // Upstream's ExtenderArgs: the pod and the full nodes; no names.
            let first = try #require(extender.requests("filter").first).json
            #expect(podName(first) == "p1" || podName(first) == "p2")
            #expect(Set(nodeItems(first).map(nodeName)) == ["n1", "n2", "n3"])
            #expect(first["NodeNames"] is NSNull)
        }

        @Test(.timeLimit(.minutes(1))) func rejectionsOfEveryNodeMakeTheFitError() async throws {
            let extender = try await LoopbackExtender.start { _, _ in
                // n2 is in both maps: the unresolvable reason wins.
                .init(
                    body: json([
                        "Nodes": ["metadata": [:], "items": [Any]()], "FailedNodes": ["n1": "busy", "n2": "busy"],
                        "FailedAndUnresolvableNodes": ["n3": "gone", "n2": "gone"],
                    ])
                )
            }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  filterVerb: filter"),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(outcome.node("p1") == nil)
            #expect(outcome.pods["p1"]?.status == "Unschedulable")
            #expect(outcome.message("p1").hasPrefix("0/3 nodes are available: 1 busy, 2 gone."))
        }

        @Test(.timeLimit(.minutes(1))) func aNodeCacheCapableExtenderGetsAndAnswersNodeNames() async throws {
            let extender = try await LoopbackExtender.start { _, _ in
                .init(body: #"{"nodeNames":["n3"],"failedNodes":{"n1":"no","n2":"no"}}"#)
            }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  filterVerb: filter\n  nodeCacheCapable: true"),
                cluster: threeNodes(Self.pods)
            )
            #expect(outcome.node("p1") == "n3")
            #expect(outcome.node("p2") == "n3")
            let first = try #require(extender.requests("filter").first).json
            #expect(Set(first["NodeNames"] as? [String] ?? []) == ["n1", "n2", "n3"])
            #expect(first["Nodes"] is NSNull)
        }

        @Test(.timeLimit(.minutes(1))) func aNodeTheExtenderWasNotGivenIsAnError() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(body: #"{"NodeNames":["elsewhere"]}"#) }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  filterVerb: filter\n  nodeCacheCapable: true"),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(outcome.node("p1") == nil)
            #expect(
                outcome.message("p1")
                    == #"extender "\#(extender.url)" claims a filtered node "elsewhere" which is not found in the input node list"#
            )
        }

        @Test(.timeLimit(.minutes(1))) func theErrorOfTheResultFailsTheAttempt() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(body: #"{"Error":"quota service down"}"#) }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  filterVerb: filter"),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(outcome.node("p1") == nil)
            #expect(outcome.pods["p1"]?.status == "Error")
            #expect(outcome.message("p1") == "quota service down")
        }

        @Test(.timeLimit(.minutes(1))) func anHTTPErrorFailsTheAttemptWithUpstreamsMessage() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(status: .internalServerError, body: "{}") }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)/\n  filterVerb: filter"),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(outcome.node("p1") == nil)
            #expect(outcome.message("p1") == "failed filter with extender at URL \(extender.url)/filter, code 500")
        }

        @Test(.timeLimit(.minutes(1))) func aSlowExtenderTimesOut() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(body: "{}", delay: .seconds(5)) }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(extender.url)\n  filterVerb: filter\n  httpTimeout: 200ms"),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(outcome.node("p1") == nil)
            #expect(
                outcome.message("p1")
                    == #"Post "\#(extender.url)/filter": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"#
            )
        }

        @Test(.timeLimit(.minutes(1))) func anUnreachableExtenderFailsTheAttempt() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(body: "{}") }
            let url = extender.url
            await extender.stop()
            let outcome = try await simulate(
                config: extenderConfig("- urlPrefix: \(url)\n  filterVerb: filter"),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(outcome.node("p1") == nil)
            #expect(outcome.message("p1").hasPrefix(#"Post "\#(url)/filter": dial tcp 127.0.0.1:"#))
            #expect(outcome.message("p1").hasSuffix("connect: connection refused"))
        }

        @Test(.timeLimit(.minutes(1))) func anIgnorableExtenderThatFailsIsSkipped() async throws {
            let slow = try await LoopbackExtender.start { _, _ in .init(body: "{}", delay: .seconds(5)) }
            let broken = try await LoopbackExtender.start { _, _ in .init(status: .badGateway, body: "") }
            defer {
                Task {
                    await slow.stop()
                    await broken.stop()
                }
            }
            let outcome = try await simulate(
                config: extenderConfig(
                    """
                    - urlPrefix: \(slow.url)
                      filterVerb: filter
                      httpTimeout: 200ms
                      ignorable: true
                    - urlPrefix: \(broken.url)
                      filterVerb: filter
                      ignorable: true
                    """
                ),
                cluster: threeNodes(Self.pods)
            )
            #expect(outcome.node("p1") != nil)
            #expect(outcome.node("p2") != nil)
            #expect(!broken.requests("filter").isEmpty)
        }

        @Test(.timeLimit(.minutes(1))) func onlyPodsUsingAManagedResourceAreSent() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(body: #"{"NodeNames":["n1"]}"#) }
            defer { Task { await extender.stop() } }
            let cluster = threeNodes(
                podManifest("plain") + "\n---\n"
                    + podManifest("gpu", extraRequests: #", example.com/gpu: "1""#, limits: #"example.com/gpu: "1""#)
            )
            let outcome = try await simulate(
                config: extenderConfig(
                    """
                    - urlPrefix: \(extender.url)
                      filterVerb: filter
                      nodeCacheCapable: true
                      managedResources:
                      - name: example.com/gpu
                        ignoredByScheduler: true
                    """
                ),
                cluster: cluster
            )
            // ignoredByScheduler: NodeResourcesFit does not look for example.com/gpu on the nodes; the extender decides.
            #expect(outcome.node("gpu") == "n1")
            #expect(outcome.node("plain") != nil)
            #expect(extender.requests("filter").map { podName($0.json) } == ["gpu"])
        }

        @Test(.timeLimit(.minutes(1))) func aManagedResourceNotIgnoredIsStillCheckedByTheScheduler() async throws {
            let extender = try await LoopbackExtender.start { _, _ in .init(body: #"{"NodeNames":["n1"]}"#) }
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig(
                    """
                    - urlPrefix: \(extender.url)
                      filterVerb: filter
                      nodeCacheCapable: true
                      managedResources:
                      - name: example.com/gpu
                    """
                ),
                cluster: threeNodes(
                    podManifest("gpu", extraRequests: #", example.com/gpu: "1""#, limits: #"example.com/gpu: "1""#)
                )
            )
            #expect(outcome.node("gpu") == nil)
            #expect(outcome.message("gpu").hasPrefix("0/3 nodes are available: 3 Insufficient example.com/gpu."))
            #expect(extender.requests("filter").isEmpty)
        }
    }
}
