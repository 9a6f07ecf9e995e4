import Foundation
import KubeAPI
import Synchronization

/// A kubeconfig `users[].user.exec` entry: a credential plugin (`client.authentication.k8s.io/v1` ExecCredential),
/// as kubectl and client-go run them (EKS, GKE, AKS, OIDC login helpers…).
package struct ExecConfig: Sendable, Hashable {
    package struct EnvVar: Sendable, Hashable {
        package var name: String
        package var value: String
    }
    package var apiVersion: String
    package var command: String
    package var args: [String] = []
    package var env: [EnvVar] = []
    package var installHint: String?
    /// `Never`, `IfAvailable` or `Always` (v1 requires it; v1beta1 defaults to IfAvailable).
    package var interactiveMode: String?
    /// The kubeconfig's directory: a relative command containing "/" is resolved against it (client-go does).
    package var directory: String = ""
    /// Where the entry is, for messages (`<file>: user "<name>"`).
    package var location: String = ""

    package init(apiVersion: String, command: String) {
        self.apiVersion = apiVersion
        self.command = command
    }
}

/// What a credential plugin returned.
package struct ExecCredentialResult: Sendable, Equatable {
    package var token: String?
    package var clientCertificatePEM: [UInt8]?
    package var clientKeyPEM: [UInt8]?
    /// Until when the credential may be used; nil means for the life of the process.
    package var expiration: Date?
}

/// Runs credential plugins and caches what they return until its `expirationTimestamp` (per plugin
/// configuration, process-wide, as client-go's exec authenticator does).
package enum ExecCredentials {
    static let supportedVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
    private static let cache = Mutex<[ExecConfig: ExecCredentialResult]>([:])
    /// How many times a plugin process was started (tests check the cache with it).
    package static let runs = Atomic<Int>(0)

    /// The cached credential while it is valid, else a fresh one from the plugin.
    package static func credential(
        _ config: ExecConfig,
        now: Date = Date()
    ) throws(KubeClientError) -> ExecCredentialResult {
        if let cached = cache.withLock({ $0[config] }), cached.expiration.map({ $0 > now }) ?? true {
            return cached
        }
        let fresh = try run(config)
        cache.withLock { $0[config] = fresh }
        return fresh
    }

    /// Forgets cached credentials (tests).
    package static func reset() { cache.withLock { $0.removeAll() } }

    static func run(_ config: ExecConfig) throws(KubeClientError) -> ExecCredentialResult {
        let at = config.location.isEmpty ? "exec plugin" : "\(config.location): exec plugin"
        guard !config.command.isEmpty else {
            throw KubeClientError(.invalidKubeconfig, "\(at): command is required")
        }
        guard supportedVersions.contains(config.apiVersion) else {
            throw KubeClientError(
                .unsupported,
                "\(at): apiVersion \"\(config.apiVersion)\" is not supported (use client.authentication.k8s.io/v1)"
            )
        }
        if config.apiVersion.hasSuffix("/v1") && (config.interactiveMode ?? "").isEmpty {
            throw KubeClientError(.invalidKubeconfig, "\(at): interactiveMode must be set for \(config.apiVersion)")
        }
        if config.interactiveMode == "Always" {
            // No terminal is handed to the plugin (the scheduler runs unattended), as client-go with a
            // non-interactive stdin.
            throw KubeClientError(
                .unsupported,
                "\(at): interactiveMode Always needs an interactive terminal, which is not available here"
            )
        }
        let process = Process()
        var command = config.command
        if command.contains("/") && !command.hasPrefix("/") && !config.directory.isEmpty {
            command = config.directory + "/" + command
        }
        if command.contains("/") {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = config.args
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [command] + config.args
        }
        var environment = ProcessInfo.processInfo.environment
        for variable in config.env { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] =
            "{\"apiVersion\":\"\(config.apiVersion)\",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let hint = config.installHint.map { "\n\n" + $0 } ?? ""
        do {
            try process.run()
        } catch {
            throw KubeClientError(.unsupported, "\(at): cannot run \"\(config.command)\": \(error)\(hint)")
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        runs.add(1, ordering: .relaxed)
        guard process.terminationStatus == 0 else {
            let detail = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if process.terminationStatus == 127 && !command.contains("/") {
                throw KubeClientError(.unsupported, "\(at): executable \"\(config.command)\" was not found\(hint)")
            }
            throw KubeClientError(
                .unsupported,
                "\(at): \"\(config.command)\" exited with status \(process.terminationStatus)\(detail.isEmpty ? "" : ": " + detail)"
            )
        }
        return try parse(stdout, config: config, at: at)
    }

    static func parse(_ data: Data, config: ExecConfig, at: String) throws(KubeClientError) -> ExecCredentialResult {
        struct Credential: Decodable {
            struct Status: Decodable {
                var token: String?
                var clientCertificateData: String?
                var clientKeyData: String?
                var expirationTimestamp: String?
            }
            var apiVersion: String?
            var kind: String?
            var status: Status?
        }
        let credential: Credential
        do {
            credential = try JSONDecoder().decode(Credential.self, from: data)
        } catch {
            throw KubeClientError(.invalidKubeconfig, "\(at): the plugin's output is not an ExecCredential: \(error)")
        }
        guard credential.kind == "ExecCredential", credential.apiVersion == config.apiVersion else {
            throw KubeClientError(
                .invalidKubeconfig,
                "\(at): the plugin returned \(credential.apiVersion ?? "?") \(credential.kind ?? "?"), want \(config.apiVersion) ExecCredential"
            )
        }
        guard let status = credential.status else {
            throw KubeClientError(.invalidKubeconfig, "\(at): the plugin's ExecCredential has no status")
        }
        var result = ExecCredentialResult()
        if let token = status.token, !token.isEmpty { result.token = token }
        let certificate = status.clientCertificateData.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        let key = status.clientKeyData.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        guard (certificate == nil) == (key == nil) else {
            throw KubeClientError(
                .invalidKubeconfig,
                "\(at): the plugin returned only one of clientCertificateData and clientKeyData"
            )
        }
        result.clientCertificatePEM = certificate
        result.clientKeyPEM = key
        guard result.token != nil || certificate != nil else {
            throw KubeClientError(
                .invalidKubeconfig,
                "\(at): the plugin returned neither a token nor a client certificate"
            )
        }
        if let text = status.expirationTimestamp, !text.isEmpty {
            guard let seconds = RFC3339.secondsSinceEpoch(text) else {
                throw KubeClientError(.invalidKubeconfig, "\(at): expirationTimestamp \"\(text)\" is not RFC 3339")
            }
            result.expiration = Date(timeIntervalSince1970: seconds)
        }
        return result
    }
}
