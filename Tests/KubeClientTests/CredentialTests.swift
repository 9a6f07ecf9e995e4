import Foundation
import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import SchedulerFramework
import SchedulerServer
import Synchronization
import Testing

@testable import KubeTestSupport

/// Credentials on the wire: token-file rotation and a real mutual-TLS handshake (issue 14, point 4).
@Suite(.serialized, .timeLimit(.minutes(3))) struct CredentialTests {
    private func client(_ configuration: ClientConfiguration) throws -> KubernetesClient {
        let logger = LogCapture().logger("client")
        return KubernetesClient(rest: try RESTClient(configuration: configuration, logger: logger), logger: logger)
    }

    @Test func aRotatedTokenFileIsReadAgainAfterTheRefreshInterval() async throws {
        let fake = try await FakeAPIServer.start()
        let dir = try scratchDirectory("token")
        let tokenFile = dir + "/token"
        try write("first-token\n", to: tokenFile)
        var configuration = fakeClientConfiguration(fake)
        configuration.bearerTokenFile = tokenFile

        // Within the refresh interval the cached token is used; after it, the new one.
        configuration.bearerTokenFileRefresh = .seconds(3600)
        let cached = try client(configuration)
        configuration.bearerTokenFileRefresh = .zero
        let fresh = try client(configuration)
        _ = try await cached.list(.namespace)
        _ = try await fresh.list(.namespace)
        try write("second-token\n", to: tokenFile)
        _ = try await cached.list(.namespace)
        _ = try await fresh.list(.namespace)
        // A file that is momentarily unreadable keeps the last good token.
        try FileManager.default.removeItem(atPath: tokenFile)
        _ = try await fresh.list(.namespace)

        let tokens = fake.requests.filter { $0.path == "/api/v1/namespaces" }.map { $0.authorization ?? "none" }
        #expect(
            tokens == [
                "Bearer first-token", "Bearer first-token", "Bearer first-token", "Bearer second-token",
                "Bearer second-token",
            ]
        )
        await cached.shutdown()
        await fresh.shutdown()
        await fake.stop()
    }

    @Test func clientCertificateAuthenticatesInARealTLSHandshake() async throws {
        let certificate = try NIOSSLCertificate.fromPEMBytes(Array(testCertificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(testPrivateKeyPEM.utf8), format: .pem)
        // The server insists on a client certificate signed by the (self-signed) test CA.
        var serverTLS = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificate.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        serverTLS.certificateVerification = .noHostnameVerification
        serverTLS.trustRoots = .certificates(certificate)
        let peers = Mutex<Int>(0)
        var logger = Logger(label: "mtls")
        logger.logLevel = .critical
        let server = HTTPServer(
            host: "127.0.0.1",
            port: 0,
            tls: try NIOSSLContext(configuration: serverTLS),
            logger: logger
        ) { request in
            peers.withLock { $0 += 1 }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            let body = #"{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[]}"#
            return HTTPServer.Response(status: .ok, headers: headers, body: .bytes(Array(body.utf8)))
        }
        let port = try await server.start()

        var configuration = ClientConfiguration(server: "https://localhost:\(port)")
        configuration.certificateAuthorityPEM = Array(testCertificatePEM.utf8)
        configuration.requestTimeout = .seconds(10)
        configuration.connectTimeout = .seconds(5)
        var withCertificate = configuration
        withCertificate.clientCertificatePEM = Array(testCertificatePEM.utf8)
        withCertificate.clientKeyPEM = Array(testPrivateKeyPEM.utf8)

        let authenticated = try client(withCertificate)
        #expect(try await authenticated.list(.namespace).resourceVersion == "42")
        #expect(peers.withLock { $0 } == 1)

        // Without a certificate the handshake is refused: no request reaches the handler.
        let anonymous = try client(configuration)
        await #expect(throws: ClusterError.self) { _ = try await anonymous.list(.namespace) }
        #expect(peers.withLock { $0 } == 1)

        await authenticated.shutdown()
        await anonymous.shutdown()
        await server.stop()
    }
}
