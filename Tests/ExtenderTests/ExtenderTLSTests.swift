import Foundation
import NIOSSL
import Testing

@testable import KubeTestSupport

extension ExtenderSuites {
    /// `enableHTTPS` and `tlsConfig` against a TLS extender on loopback.
    @Suite struct ExtenderTLSTests {
        static func tlsExtender() async throws -> LoopbackExtender {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(testCertificatePEM.utf8)).map {
                    .certificate($0)
                },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(testPrivateKeyPEM.utf8), format: .pem))
            )
            configuration.minimumTLSVersion = .tlsv12
            return try await LoopbackExtender.start(tls: try NIOSSLContext(configuration: configuration)) { _, _ in
                .init(body: #"{"NodeNames":["n2"]}"#)
            }
        }

        @Test(.timeLimit(.minutes(1))) func httpsWithoutACAIsNotVerified() async throws {
            let extender = try await Self.tlsExtender()
            defer { Task { await extender.stop() } }
            let outcome = try await simulate(
                config: extenderConfig(
                    "- urlPrefix: \(extender.url)\n  filterVerb: filter\n  nodeCacheCapable: true\n  enableHTTPS: true"
                ),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(outcome.node("p1") == "n2")
        }

        @Test(.timeLimit(.minutes(1))) func theCAAndServerNameVerifyTheExtender() async throws {
            let extender = try await Self.tlsExtender()
            defer { Task { await extender.stop() } }
            let ca = Data(testCertificatePEM.utf8).base64EncodedString()
            let verified = try await simulate(
                config: extenderConfig(
                    """
                    - urlPrefix: \(extender.url)
                      filterVerb: filter
                      nodeCacheCapable: true
                      enableHTTPS: true
                      tlsConfig:
                        caData: \(ca)
                        serverName: localhost
                    """
                ),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(verified.node("p1") == "n2")
            // A CA that did not sign the extender's certificate: the handshake fails, and so does the attempt.
            let otherCA = Data(otherCertificatePEM.utf8).base64EncodedString()
            let refused = try await simulate(
                config: extenderConfig(
                    """
                    - urlPrefix: \(extender.url)
                      filterVerb: filter
                      enableHTTPS: true
                      tlsConfig:
                        caData: \(otherCA)
                    """
                ),
                cluster: threeNodes(podManifest("p1"))
            )
            #expect(refused.node("p1") == nil)
            #expect(refused.message("p1").hasPrefix(#"Post "\#(extender.url)/filter": "#))
        }
    }
}
