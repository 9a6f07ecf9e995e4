/// A failure to set up a connection to the API server: a kubeconfig that cannot be read or used, missing
/// in-cluster files, unreadable certificates. Carries a ``Code`` a caller can act on and a message that names
/// the file and the field.
package struct KubeClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, extensible without breaking callers.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        /// No kubeconfig was given or found, and the process does not run in a cluster.
        package static let noConfiguration = Code("NoConfiguration")
        /// A file (kubeconfig, certificate, key, token) could not be read.
        package static let unreadableFile = Code("UnreadableFile")
        /// The kubeconfig is not valid YAML or misses a required field.
        package static let invalidKubeconfig = Code("InvalidKubeconfig")
        /// The requested (or current) context, or a cluster or user it names, does not exist.
        package static let contextNotFound = Code("ContextNotFound")
        /// The kubeconfig asks for something this client does not do (exec plugins, auth providers, proxies).
        package static let unsupported = Code("Unsupported")
        /// Certificates or keys could not be parsed, or TLS could not be configured.
        package static let invalidTLS = Code("InvalidTLS")
        /// The server URL is not a valid `http(s)://host[:port][/path]`.
        package static let invalidServer = Code("InvalidServer")
        package var description: String { raw }
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
