/// Everything needed to talk to one API server as one user: the result of reading a kubeconfig (or the
/// in-cluster service account), plus the client-side settings of `clientConnection`.
package struct ClientConfiguration: Sendable, Equatable {
    /// `https://host:port` (optionally with a path prefix), without a trailing slash.
    package var server: String
    /// PEM bundle of CAs to trust; nil means the system roots.
    package var certificateAuthorityPEM: [UInt8]?
    /// PEM client certificate (chain) and key for mutual TLS.
    package var clientCertificatePEM: [UInt8]?
    /// The PEM private key of ``clientCertificatePEM``.
    package var clientKeyPEM: [UInt8]?
    /// A bearer token given inline.
    package var bearerToken: String?
    /// A file holding the bearer token, re-read periodically (projected service-account tokens rotate).
    package var bearerTokenFile: String?
    /// How long a token read from ``bearerTokenFile`` is used before the file is read again (client-go: 1 min).
    package var bearerTokenFileRefresh: Duration = .seconds(60)
    /// A credential plugin whose token authenticates every request (cached until it expires).
    package var execCredential: ExecConfig?
    /// Basic authentication.
    package var username: String?
    /// The password of ``username``.
    package var password: String?
    /// Skip verifying the server's certificate (`insecure-skip-tls-verify`).
    package var insecureSkipTLSVerify = false
    /// The name to verify the server's certificate against, instead of the URL's host (`tls-server-name`).
    package var tlsServerName: String?
    /// The context's default namespace, if any.
    package var namespace: String?
    /// Client-side rate limit: sustained requests per second (`clientConnection.qps`; negative disables).
    package var qps: Float = 50
    /// Client-side rate limit: burst (`clientConnection.burst`).
    package var burst: Int = 100
    /// The `User-Agent` of every request.
    package var userAgent = "swift-kube-scheduler"
    /// Timeout of a non-watch request, from sending to the end of the response body.
    package var requestTimeout: Duration = .seconds(60)
    /// How long to keep trying to establish a connection (TCP and TLS) before a request fails.
    package var connectTimeout: Duration = .seconds(10)
    /// Where the configuration came from, for messages (`/home/me/.kube/config`, `in-cluster`).
    package var source = ""

    /// A configuration for `server` with no credentials and the scheduler's default rate limits.
    package init(server: String) {
        self.server = server
    }
}
