import AsyncHTTPClient
import Foundation
import KubeAPI
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import SchedulerFramework
import Synchronization

/// HTTP(S) access to one API server: authentication, TLS, the client-side rate limiter, the `User-Agent`,
/// and the mapping of failures to ``SchedulerFramework/ClusterError`` codes (404 → `notFound`, 409 →
/// `conflict`, 410 → `gone`, 422/400 → `invalid`, 429/5xx/transport → `unavailable`).
package final class RESTClient: Sendable {
    /// A response with a 2xx status.
    package struct Response: Sendable {
        /// The HTTP status (2xx).
        package var status: Int
        /// The body as received.
        package var body: [UInt8]
    }

    /// The connection this client talks through.
    package let configuration: ClientConfiguration
    /// The client-side rate limiter every request waits on.
    package let limiter: RateLimiter
    private let http: HTTPClient
    private let streaming: HTTPClient
    private let baseURL: String
    private let tokens: TokenSource
    private let basicAuthorization: String?
    private let logger: Logger
    /// ``logger`` for AsyncHTTPClient itself.
    private let httpLogger: Logger

    /// Largest non-watch response body accepted.
    static let maximumBodySize = 512 << 20

    /// Builds the HTTP clients (one for requests with a read timeout, one for watches without).
    /// - Throws: ``KubeClientError`` with `invalidTLS` or `invalidServer`.
    package init(configuration: ClientConfiguration, logger: Logger) throws(KubeClientError) {
        self.configuration = configuration
        self.logger = logger
        self.limiter = RateLimiter(qps: Double(configuration.qps), burst: configuration.burst)
        self.tokens = TokenSource(
            token: configuration.bearerToken,
            file: configuration.bearerTokenFile,
            refresh: configuration.bearerTokenFileRefresh,
            exec: configuration.execCredential
        )
        if let user = configuration.username {
            let pair = Array("\(user):\(configuration.password ?? "")".utf8)
            self.basicAuthorization = "Basic " + Data(pair).base64EncodedString()
        } else {
            self.basicAuthorization = nil
        }

        guard let url = URL(string: configuration.server), let scheme = url.scheme?.lowercased(), let host = url.host
        else {
            throw KubeClientError(.invalidServer, "server \"\(configuration.server)\" is not a URL")
        }
        var dnsOverride: [String: String] = [:]
        var base = configuration.server
        if scheme == "https", let serverName = configuration.tlsServerName, serverName != host {
            // Verify the certificate against `tls-server-name` while connecting to the real host.
            let portPart = url.port.map { ":\($0)" } ?? ""
            let hostPart = host.contains(":") ? "[\(host)]" : host
            base = base.replacingOccurrences(of: "://\(hostPart)\(portPart)", with: "://\(serverName)\(portPart)")
            dnsOverride[serverName] = host
        }
        self.baseURL = base

        var tls: TLSConfiguration? = nil
        if scheme == "https" {
            var t = TLSConfiguration.makeClientConfiguration()
            do {
                if configuration.insecureSkipTLSVerify {
                    t.certificateVerification = .none
                } else if let ca = configuration.certificateAuthorityPEM {
                    t.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
                }
                if let cert = configuration.clientCertificatePEM, let key = configuration.clientKeyPEM {
                    t.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                    t.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
                }
            } catch {
                throw KubeClientError(.invalidTLS, "\(configuration.source): cannot load TLS material: \(error)")
            }
            tls = t
        }
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        var requestConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.timeAmount(configuration.connectTimeout), read: .seconds(60)),
            connectionPool: pool
        )
        requestConfiguration.dnsOverride = dnsOverride
        var streamConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.timeAmount(configuration.connectTimeout), read: nil),
            connectionPool: pool
        )
        streamConfiguration.dnsOverride = dnsOverride
        // The HTTP client's own connection chatter (debug) is for high verbosity only: below trace it is quiet.
        var httpLogger = logger
        if httpLogger.logLevel > .trace { httpLogger.logLevel = max(httpLogger.logLevel, .info) }
        self.httpLogger = httpLogger
        self.http = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: requestConfiguration,
            backgroundActivityLogger: httpLogger
        )
        self.streaming = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: streamConfiguration,
            backgroundActivityLogger: httpLogger
        )
    }

    /// Closes every connection. Call once, when done.
    package func shutdown() async {
        try? await http.shutdown()
        try? await streaming.shutdown()
    }

    /// ``shutdown()`` started from synchronous code (for example when setup fails after the client was made).
    package func shutdownInBackground() {
        _ = http.shutdown()
        _ = streaming.shutdown()
    }

    // MARK: Requests

    /// Sends one request and returns its 2xx response; anything else throws a ``ClusterError``.
    /// Retries `429 Too Many Requests` (and 5xx answers carrying `Retry-After`) a few times, as client-go does.
    package func send(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)] = [],
        body: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws(ClusterError) -> Response {
        var attempt = 0
        while true {
            let request = makeRequest(method, path, query: query, body: body, contentType: contentType)
            await limiter.acquire()
            try checkCancellation()
            let start = ContinuousClock.now
            let status: Int
            let bytes: [UInt8]
            let retryAfter: Int?
            do {
                let response = try await http.execute(
                    request,
                    timeout: Self.timeAmount(configuration.requestTimeout),
                    logger: httpLogger
                )
                status = Int(response.status.code)
                retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
                var buffer = try await response.body.collect(upTo: Self.maximumBodySize)
                bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch {
                throw Self.transportError(error, method: method, path: path)
            }
            logger.trace(
                "API request",
                metadata: [
                    "verb": "\(method.rawValue)", "path": "\(path)", "status": "\(status)",
                    "latency": "\(ContinuousClock.now - start)",
                ]
            )
            if (200..<300).contains(status) { return Response(status: status, body: bytes) }
            if attempt < 5, status == 429 || (status >= 500 && retryAfter != nil) {
                attempt += 1
                let seconds = min(max(retryAfter ?? 1, 1), 10)
                logger.debug(
                    "API server asked to retry",
                    metadata: ["path": "\(path)", "status": "\(status)", "retryAfter": "\(seconds)"]
                )
                try? await Task.sleep(for: .seconds(seconds))
                continue
            }
            throw Self.statusError(status: status, body: bytes, method: method, path: path)
        }
    }

    /// Opens a streaming GET (a watch) and returns its body once the server answered 200; other answers throw.
    package func openStream(
        _ path: String,
        query: [(String, String)],
        headTimeout: Duration
    ) async throws(ClusterError) -> HTTPClientResponse.Body {
        let request = makeRequest(.GET, path, query: query, body: nil, contentType: "application/json")
        await limiter.acquire()
        try checkCancellation()
        let response: HTTPClientResponse
        do {
            response = try await streaming.execute(request, timeout: Self.timeAmount(headTimeout), logger: httpLogger)
        } catch {
            throw Self.transportError(error, method: .GET, path: path)
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            var buffer = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            throw Self.statusError(status: status, body: bytes, method: .GET, path: path)
        }
        return response.body
    }

    private func checkCancellation() throws(ClusterError) {
        if Task.isCancelled { throw ClusterError(.unavailable, "request cancelled") }
    }

    private func makeRequest(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)],
        body: [UInt8]?,
        contentType: String
    ) -> HTTPClientRequest {
        var url = baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        if let token = tokens.current() {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        } else if let basicAuthorization {
            request.headers.add(name: "Authorization", value: basicAuthorization)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    // MARK: Errors

    /// Maps a non-2xx answer to a ``ClusterError``, with the API server's own message when it sent a `Status`.
    static func statusError(status: Int, body: [UInt8], method: HTTPMethod, path: String) -> ClusterError {
        let decoded = try? JSONDecoder().decode(APIStatus.self, from: Data(body))
        let message = decoded?.message ?? (String(bytes: body.prefix(512), encoding: .utf8) ?? "")
        let text = message.isEmpty ? "\(method.rawValue) \(path): HTTP \(status)" : message
        return ClusterError(code(forStatus: status, reason: decoded?.reason), text)
    }

    static func code(forStatus status: Int, reason: String?) -> ClusterError.Code {
        switch status {
        case 404: return .notFound
        case 409: return .conflict
        case 410: return .gone
        case 400, 422: return .invalid
        case 429, 500...599: return .unavailable
        default:
            switch reason {
            case "Expired", "Gone": return .gone
            default: return .other
            }
        }
    }

    static func transportError(_ error: any Error, method: HTTPMethod, path: String) -> ClusterError {
        if error is CancellationError { return ClusterError(.unavailable, "\(method.rawValue) \(path): cancelled") }
        return ClusterError(.unavailable, "\(method.rawValue) \(path): \(error)")
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}

/// A bearer token given inline, or read from a file and re-read every minute (client-go's
/// `cachingTokenSource`), so rotated service-account tokens are picked up.
final class TokenSource: Sendable {
    private let inline: String?
    private let file: String?
    private let refresh: Duration
    private let cached = Mutex<(token: String?, readAt: ContinuousClock.Instant?)>((nil, nil))
    private let exec: ExecConfig?

    init(token: String?, file: String?, refresh: Duration = .seconds(60), exec: ExecConfig? = nil) {
        self.inline = token
        self.file = file
        self.refresh = refresh
        self.exec = exec
    }

    func current() -> String? {
        if let inline { return inline }
        // A credential plugin's token, from the cache until its expirationTimestamp.
        if let exec { return try? ExecCredentials.credential(exec).token }
        guard let file else { return nil }
        let now = ContinuousClock.now
        if let (token, readAt) = cached.withLock({ state -> (String?, ContinuousClock.Instant)? in
            state.readAt.map { (state.token, $0) }
        }), now - readAt < refresh {
            return token
        }
        let token = FileManager.default.contents(atPath: file)
            .flatMap { String(data: $0, encoding: .utf8) }?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        cached.withLock { state in
            // Keep the last good token if the file is momentarily unreadable.
            if let token, !token.isEmpty { state.token = token }
            state.readAt = now
        }
        return cached.withLock { $0.token }
    }
}
