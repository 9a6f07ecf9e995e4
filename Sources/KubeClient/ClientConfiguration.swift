/// Everything needed to talk to one API server as one user: the result of reading a kubeconfig (or the
/// in-cluster service account), plus the client-side settings of `clientConnection`.
public struct ClientConfiguration: Sendable, Equatable {
    /// `https://host:port` (optionally with a path prefix), without a trailing slash.
    public var server: String
    /// PEM bundle of CAs to trust; nil means the system roots.
    public var certificateAuthorityPEM: [UInt8]?
    /// PEM client certificate (chain) and key for mutual TLS.
    public var clientCertificatePEM: [UInt8]?
    /// The PEM private key of ``clientCertificatePEM``.
    public var clientKeyPEM: [UInt8]?
    /// A bearer token given inline.
    public var bearerToken: String?
    /// A file holding the bearer token, re-read periodically (projected service-account tokens rotate).
    public var bearerTokenFile: String?
    /// How long a token read from ``bearerTokenFile`` is used before the file is read again (client-go: 1 min).
    public var bearerTokenFileRefresh: Duration = .seconds(60)
    /// Basic authentication.
    public var username: String?
    /// The password of ``username``.
    public var password: String?
    /// Skip verifying the server's certificate (`insecure-skip-tls-verify`).
    public var insecureSkipTLSVerify = false
    /// The name to verify the server's certificate against, instead of the URL's host (`tls-server-name`).
    public var tlsServerName: String?
    /// The context's default namespace, if any.
    public var namespace: String?
    /// Client-side rate limit: sustained requests per second (`clientConnection.qps`; negative disables).
    public var qps: Float = 50
    /// Client-side rate limit: burst (`clientConnection.burst`).
    public var burst: Int = 100
    /// The `User-Agent` of every request.
    public var userAgent = "swift-kube-scheduler"
    /// Timeout of a non-watch request, from sending to the end of the response body.
    public var requestTimeout: Duration = .seconds(60)
    /// How long to keep trying to establish a connection (TCP and TLS) before a request fails.
    public var connectTimeout: Duration = .seconds(10)
    /// Where the configuration came from, for messages (`/home/me/.kube/config`, `in-cluster`).
    public var source = ""

    /// A configuration for `server` with no credentials and the scheduler's default rate limits.
    public init(server: String) {
        self.server = server
    }
}
