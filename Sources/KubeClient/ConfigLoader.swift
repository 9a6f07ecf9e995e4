import Foundation

/// Finds the connection to use, in kube-scheduler's order: an explicit kubeconfig (`--kubeconfig`, else
/// `clientConnection.kubeconfig`), else the files of `$KUBECONFIG` (colon-separated, merged as kubectl merges
/// them), else the in-cluster service account (`KUBERNETES_SERVICE_HOST`/`_PORT`, its token and CA), else
/// `~/.kube/config`.
package enum ClientConfigLoader {
    /// Where the in-cluster service account's files are.
    package static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Resolves the connection.
    /// - Parameters:
    ///   - kubeconfig: an explicit kubeconfig path, or nil/empty.
    ///   - context: the context to use instead of the current one.
    ///   - environment: the process environment (injectable for tests).
    ///   - serviceAccountDirectory: where the in-cluster token, CA and namespace live.
    package static func load(
        kubeconfig: String?,
        context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = serviceAccountDirectory
    ) throws(KubeClientError) -> ClientConfiguration {
        if let path = kubeconfig, !path.isEmpty {
            return try loadFiles([path], context: context)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty { return try loadFiles(existing, context: context) }
        }
        if let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        {
            return try inCluster(host: host, port: port, directory: serviceAccountDirectory)
        }
        if let home = environment["HOME"], FileManager.default.fileExists(atPath: home + "/.kube/config") {
            return try loadFiles([home + "/.kube/config"], context: context)
        }
        throw KubeClientError(
            .noConfiguration,
            "no kubeconfig: pass --kubeconfig, set clientConnection.kubeconfig or $KUBECONFIG, or run in a cluster"
        )
    }

    /// Reads and merges kubeconfig files (the first to define a name wins), then resolves the context.
    package static func loadFiles(_ paths: [String], context: String?) throws(KubeClientError) -> ClientConfiguration {
        var merged: KubeConfig?
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeClientError(.unreadableFile, "cannot read kubeconfig \(path)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw KubeClientError(.invalidKubeconfig, "\(path): not UTF-8 text")
            }
            let directory = (path as NSString).deletingLastPathComponent
            let parsed = try KubeConfig.parse(text, directory: directory, source: path)
            merged = merged.map { $0.merging(parsed) } ?? parsed
        }
        guard let merged else { throw KubeClientError(.noConfiguration, "no kubeconfig files") }
        return try merged.clientConfiguration(context: context, source: paths.joined(separator: ":"))
    }

    /// The in-cluster configuration: `https://HOST:PORT`, the service account's token file and CA.
    package static func inCluster(
        host: String,
        port: String,
        directory: String
    ) throws(KubeClientError) -> ClientConfiguration {
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        var configuration = ClientConfiguration(server: "https://\(hostPart):\(port)")
        configuration.source = "in-cluster"
        let tokenFile = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenFile) else {
            throw KubeClientError(.unreadableFile, "in-cluster: cannot read the service account token \(tokenFile)")
        }
        configuration.bearerTokenFile = tokenFile
        configuration.certificateAuthorityPEM = try KubeConfig.readFile(directory + "/ca.crt", what: "in-cluster: CA")
        if let data = FileManager.default.contents(atPath: directory + "/namespace"),
            let namespace = String(data: data, encoding: .utf8)
        {
            configuration.namespace = namespace.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return configuration
    }
}
