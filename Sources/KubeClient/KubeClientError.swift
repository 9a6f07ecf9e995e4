/// A failure to set up a connection to the API server: a kubeconfig that cannot be read or used, missing
/// in-cluster files, unreadable certificates. Carries a ``Code`` a caller can act on and a message that names
/// the file and the field.
public struct KubeClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, extensible without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        /// No kubeconfig was given or found, and the process does not run in a cluster.
        public static let noConfiguration = Code("NoConfiguration")
        /// A file (kubeconfig, certificate, key, token) could not be read.
        public static let unreadableFile = Code("UnreadableFile")
        /// The kubeconfig is not valid YAML or misses a required field.
        public static let invalidKubeconfig = Code("InvalidKubeconfig")
        /// The requested (or current) context, or a cluster or user it names, does not exist.
        public static let contextNotFound = Code("ContextNotFound")
        /// The kubeconfig asks for something this client does not do (exec plugins, auth providers, proxies).
        public static let unsupported = Code("Unsupported")
        /// Certificates or keys could not be parsed, or TLS could not be configured.
        public static let invalidTLS = Code("InvalidTLS")
        /// The server URL is not a valid `http(s)://host[:port][/path]`.
        public static let invalidServer = Code("InvalidServer")
        public var description: String { raw }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
