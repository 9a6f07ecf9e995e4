import Foundation
import Yams

/// A kubeconfig file (`apiVersion: v1`, `kind: Config`): clusters, users and contexts by name.
package struct KubeConfig: Sendable, Equatable {
    /// A `clusters[].cluster` entry.
    package struct Cluster: Sendable, Equatable {
        package var server: String?
        package var certificateAuthority: String?
        package var certificateAuthorityData: String?
        package var insecureSkipTLSVerify: Bool?
        package var tlsServerName: String?
        package var proxyURL: String?
    }

    /// A `users[].user` entry (`exec` is a credential plugin; `hasAuthProvider` marks auth providers, which are refused).
    package struct User: Sendable, Equatable {
        package var token: String?
        package var tokenFile: String?
        package var clientCertificate: String?
        package var clientCertificateData: String?
        package var clientKey: String?
        package var clientKeyData: String?
        package var username: String?
        package var password: String?
        package var hasExec = false
        package var hasAuthProvider = false
        /// The credential plugin, when `exec` is set.
        package var exec: ExecConfig?
    }

    /// A `contexts[].context` entry.
    package struct Context: Sendable, Equatable {
        package var cluster: String
        package var user: String?
        package var namespace: String?
    }

    /// Contexts by name.
    package var contexts: [String: Context]
    /// `current-context`.
    package var currentContext: String?

    /// An entry with the directory of the file it came from (relative paths are resolved against it).
    struct Located<Value: Sendable & Equatable>: Sendable, Equatable {
        var value: Value
        var directory: String
    }
    var _clusters: [String: Located<Cluster>] = [:]
    var _users: [String: Located<User>] = [:]

    /// An empty kubeconfig.
    package init() {
        contexts = [:]
    }

    /// Parses one kubeconfig document. `directory` resolves relative file references.
    package static func parse(_ text: String, directory: String, source: String) throws(KubeClientError) -> KubeConfig {
        let file: KubeConfigFile
        do {
            file = try YAMLDecoder().decode(KubeConfigFile.self, from: text)
        } catch {
            throw KubeClientError(.invalidKubeconfig, "\(source): not a valid kubeconfig: \(error)")
        }
        var config = KubeConfig()
        for entry in file.clusters ?? [] {
            guard let name = entry.name else {
                throw KubeClientError(.invalidKubeconfig, "\(source): clusters: an entry has no name")
            }
            let c = entry.cluster
            config._clusters[name] = Located(
                value: Cluster(
                    server: c?.server,
                    certificateAuthority: c?.certificateAuthority,
                    certificateAuthorityData: c?.certificateAuthorityData,
                    insecureSkipTLSVerify: c?.insecureSkipTLSVerify,
                    tlsServerName: c?.tlsServerName,
                    proxyURL: c?.proxyURL
                ),
                directory: directory
            )
        }
        for entry in file.users ?? [] {
            guard let name = entry.name else {
                throw KubeClientError(.invalidKubeconfig, "\(source): users: an entry has no name")
            }
            let u = entry.user
            config._users[name] = Located(
                value: User(
                    token: u?.token,
                    tokenFile: u?.tokenFile,
                    clientCertificate: u?.clientCertificate,
                    clientCertificateData: u?.clientCertificateData,
                    clientKey: u?.clientKey,
                    clientKeyData: u?.clientKeyData,
                    username: u?.username,
                    password: u?.password,
                    hasExec: u?.exec != nil,
                    hasAuthProvider: u?.authProvider != nil,
                    exec: u?.exec.map { $0.config(directory: directory, location: "\(source): user \"\(name)\"") }
                ),
                directory: directory
            )
        }
        for entry in file.contexts ?? [] {
            guard let name = entry.name else {
                throw KubeClientError(.invalidKubeconfig, "\(source): contexts: an entry has no name")
            }
            guard let cluster = entry.context?.cluster else {
                throw KubeClientError(.invalidKubeconfig, "\(source): contexts[\(name)]: no cluster")
            }
            config.contexts[name] = Context(
                cluster: cluster,
                user: entry.context?.user,
                namespace: entry.context?.namespace
            )
        }
        if let current = file.currentContext, !current.isEmpty { config.currentContext = current }
        return config
    }

    /// Merges `other` under `self` as kubectl merges `$KUBECONFIG` files: the first file to define a
    /// name (or the current context) wins.
    package func merging(_ other: KubeConfig) -> KubeConfig {
        var merged = self
        merged._clusters.merge(other._clusters) { first, _ in first }
        merged._users.merge(other._users) { first, _ in first }
        merged.contexts.merge(other.contexts) { first, _ in first }
        if merged.currentContext == nil { merged.currentContext = other.currentContext }
        return merged
    }

    /// Resolves `context` (or the current context) to a ``ClientConfiguration``, reading the files it names.
    package func clientConfiguration(
        context requested: String?,
        source: String
    ) throws(KubeClientError) -> ClientConfiguration {
        guard let contextName = requested ?? currentContext else {
            throw KubeClientError(.contextNotFound, "\(source): no current-context is set and no --context was given")
        }
        guard let context = contexts[contextName] else {
            throw KubeClientError(.contextNotFound, "\(source): context \"\(contextName)\" does not exist")
        }
        guard let located = _clusters[context.cluster] else {
            throw KubeClientError(
                .contextNotFound,
                "\(source): context \"\(contextName)\": cluster \"\(context.cluster)\" does not exist"
            )
        }
        let cluster = located.value
        guard let server = cluster.server, !server.isEmpty else {
            throw KubeClientError(.invalidKubeconfig, "\(source): cluster \"\(context.cluster)\": no server")
        }
        if let proxy = cluster.proxyURL, !proxy.isEmpty {
            throw KubeClientError(.unsupported, "\(source): cluster \"\(context.cluster)\": proxy-url is not supported")
        }
        var configuration = ClientConfiguration(server: try Self.normalizeServer(server, source: source))
        configuration.source = source
        configuration.namespace = context.namespace
        configuration.insecureSkipTLSVerify = cluster.insecureSkipTLSVerify ?? false
        configuration.tlsServerName = cluster.tlsServerName.flatMap { $0.isEmpty ? nil : $0 }
        let where_ = "\(source): cluster \"\(context.cluster)\""
        if let data = cluster.certificateAuthorityData, !data.isEmpty {
            configuration.certificateAuthorityPEM = try Self.base64(
                data,
                field: "certificate-authority-data",
                at: where_
            )
        } else if let path = cluster.certificateAuthority, !path.isEmpty {
            configuration.certificateAuthorityPEM = try Self.readFile(
                Self.resolve(path, in: located.directory),
                what: "\(where_): certificate-authority"
            )
        }
        if let userName = context.user, !userName.isEmpty {
            guard let locatedUser = _users[userName] else {
                throw KubeClientError(
                    .contextNotFound,
                    "\(source): context \"\(contextName)\": user \"\(userName)\" does not exist"
                )
            }
            let user = locatedUser.value
            let at = "\(source): user \"\(userName)\""
            if let exec = user.exec {
                // The plugin runs now (its certificate is needed to set up TLS); a token it returns is cached
                // until its expirationTimestamp and fetched again when a request finds it expired.
                let credential = try ExecCredentials.credential(exec)
                if credential.token != nil { configuration.execCredential = exec }
                if user.clientCertificateData == nil && user.clientCertificate == nil {
                    configuration.clientCertificatePEM = credential.clientCertificatePEM
                    configuration.clientKeyPEM = credential.clientKeyPEM
                }
            }
            if user.hasAuthProvider {
                throw KubeClientError(
                    .unsupported,
                    "\(at): auth-provider is not supported; use a token or a client certificate"
                )
            }
            if let data = user.clientCertificateData, !data.isEmpty {
                configuration.clientCertificatePEM = try Self.base64(data, field: "client-certificate-data", at: at)
            } else if let path = user.clientCertificate, !path.isEmpty {
                configuration.clientCertificatePEM = try Self.readFile(
                    Self.resolve(path, in: locatedUser.directory),
                    what: "\(at): client-certificate"
                )
            }
            if let data = user.clientKeyData, !data.isEmpty {
                configuration.clientKeyPEM = try Self.base64(data, field: "client-key-data", at: at)
            } else if let path = user.clientKey, !path.isEmpty {
                configuration.clientKeyPEM = try Self.readFile(
                    Self.resolve(path, in: locatedUser.directory),
                    what: "\(at): client-key"
                )
            }
            if (configuration.clientCertificatePEM == nil) != (configuration.clientKeyPEM == nil) {
                throw KubeClientError(
                    .invalidKubeconfig,
                    "\(at): a client certificate needs both client-certificate and client-key"
                )
            }
            if let token = user.token, !token.isEmpty {
                configuration.bearerToken = token
            } else if let path = user.tokenFile, !path.isEmpty {
                let resolved = Self.resolve(path, in: locatedUser.directory)
                _ = try Self.readFile(resolved, what: "\(at): tokenFile")
                configuration.bearerTokenFile = resolved
            }
            if let name = user.username, !name.isEmpty {
                configuration.username = name
                configuration.password = user.password ?? ""
            }
        }
        return configuration
    }

    // MARK: Helpers

    static func normalizeServer(_ server: String, source: String) throws(KubeClientError) -> String {
        var text = server.trimmingCharacters(in: .whitespaces)
        if !text.contains("://") { text = "https://" + text }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty
        else {
            throw KubeClientError(.invalidServer, "\(source): server \"\(server)\" is not an http(s) URL")
        }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    static func resolve(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        if path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            return home + path.dropFirst()
        }
        return directory + "/" + path
    }

    static func base64(_ text: String, field: String, at location: String) throws(KubeClientError) -> [UInt8] {
        let cleaned = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: cleaned) else {
            throw KubeClientError(.invalidKubeconfig, "\(location): \(field) is not valid base64")
        }
        return Array(data)
    }

    static func readFile(_ path: String, what: String) throws(KubeClientError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeClientError(.unreadableFile, "\(what): cannot read \(path)")
        }
        return Array(data)
    }
}

/// The on-disk shape of a kubeconfig, decoded leniently (unknown fields are ignored, as kubectl does).
struct KubeConfigFile: Decodable {
    struct NamedCluster: Decodable {
        var name: String?
        var cluster: ClusterFields?
    }
    struct ClusterFields: Decodable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?
        var tlsServerName: String?
        var proxyURL: String?
        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case tlsServerName = "tls-server-name"
            case proxyURL = "proxy-url"
        }
    }
    struct NamedUser: Decodable {
        var name: String?
        var user: UserFields?
    }
    struct UserFields: Decodable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var username: String?
        var password: String?
        var exec: ExecFields?
        var authProvider: Ignored?
        enum CodingKeys: String, CodingKey {
            case token, tokenFile, username, password, exec
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case authProvider = "auth-provider"
        }
    }
    struct NamedContext: Decodable {
        var name: String?
        var context: ContextFields?
    }
    struct ContextFields: Decodable {
        var cluster: String?
        var user: String?
        var namespace: String?
    }
    struct ExecFields: Decodable {
        struct EnvEntry: Decodable {
            var name: String?
            var value: String?
        }
        var apiVersion: String?
        var command: String?
        var args: [String]?
        var env: [EnvEntry]?
        var installHint: String?
        var interactiveMode: String?

        /// Checked when the user is used (``ExecCredentials``), as kubectl does, not when the file is read.
        func config(directory: String, location: String) -> ExecConfig {
            var config = ExecConfig(apiVersion: apiVersion ?? "", command: command ?? "")
            config.args = args ?? []
            config.env = (env ?? []).compactMap { entry in
                entry.name.map { ExecConfig.EnvVar(name: $0, value: entry.value ?? "") }
            }
            config.installHint = installHint
            config.interactiveMode = interactiveMode
            config.directory = directory
            config.location = location
            return config
        }
    }
    /// Present-or-absent marker for sections whose content is not used.
    struct Ignored: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    var clusters: [NamedCluster]?
    var users: [NamedUser]?
    var contexts: [NamedContext]?
    var currentContext: String?

    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }
}
