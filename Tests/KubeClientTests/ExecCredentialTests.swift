import Foundation
import KubeClient
import Testing

@testable import KubeTestSupport

/// kubeconfig `exec` credential plugins (client.authentication.k8s.io/v1 ExecCredential), as client-go runs them.
@Suite(.serialized) struct ExecCredentialTests {
    /// A plugin script printing `status` (a JSON object) and counting its runs in `<dir>/runs`.
    func plugin(_ dir: String, status: String, apiVersion: String = "client.authentication.k8s.io/v1") throws -> String
    {
        let path = dir + "/plugin.sh"
        try """
        #!/bin/sh
        echo run >> "\(dir)/runs"
        printf '%s' '{"apiVersion":"\(apiVersion)","kind":"ExecCredential","status":\(status)}'
        """.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func runs(_ dir: String) -> Int {
        ((try? String(contentsOfFile: dir + "/runs", encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    func kubeconfig(_ exec: String) -> String {
        """
        clusters: [{name: c, cluster: {server: "https://h"}}]
        users: [{name: u, user: {exec: \(exec)}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        current-context: x
        """
    }

    @Test func tokenIsUsedAndCachedUntilItExpires() throws {
        ExecCredentials.reset()
        let dir = try scratchDirectory("exec-token")
        _ = try plugin(dir, status: #"{"token":"t1","expirationTimestamp":"2999-01-01T00:00:00Z"}"#)
        let config = try KubeConfig.parse(
            kubeconfig("{apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh, interactiveMode: Never}"),
            directory: dir,
            source: "kc"
        ).clientConfiguration(context: nil, source: "kc")
        let exec = try #require(config.execCredential)
        #expect(config.bearerToken == nil)
        #expect(try ExecCredentials.credential(exec).token == "t1")
        #expect(try ExecCredentials.credential(exec).token == "t1")
        #expect(runs(dir) == 1)
        // After the expiration the plugin runs again.
        let later = Date(
            timeIntervalSince1970: try #require(ExecCredentials.credential(exec).expiration).timeIntervalSince1970 + 1
        )
        _ = try ExecCredentials.credential(exec, now: later)
        #expect(runs(dir) == 2)
    }

    @Test func clientCertificateFromThePluginSetsUpMutualTLS() throws {
        ExecCredentials.reset()
        let dir = try scratchDirectory("exec-cert")
        _ = try plugin(
            dir,
            status:
                #"{"clientCertificateData":"-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n","clientKeyData":"-----BEGIN PRIVATE KEY-----\nY\n-----END PRIVATE KEY-----\n"}"#
        )
        let config = try KubeConfig.parse(
            kubeconfig(
                "{apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh, interactiveMode: IfAvailable}"
            ),
            directory: dir,
            source: "kc"
        ).clientConfiguration(context: nil, source: "kc")
        #expect(
            config.clientCertificatePEM.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix(
                "-----BEGIN CERTIFICATE-----"
            ) == true
        )
        #expect(config.clientKeyPEM != nil)
        #expect(config.execCredential == nil)
    }

    @Test func failuresNameTheProblem() throws {
        ExecCredentials.reset()
        let dir = try scratchDirectory("exec-failures")
        func failure(_ exec: String) -> KubeClientError? {
            do {
                _ = try KubeConfig.parse(kubeconfig(exec), directory: dir, source: "kc").clientConfiguration(
                    context: nil,
                    source: "kc"
                )
                return nil
            } catch {
                return error
            }
        }
        let missing = failure(
            "{apiVersion: client.authentication.k8s.io/v1, command: sks-missing-plugin, interactiveMode: Never, installHint: get it}"
        )
        #expect(missing?.message.contains("executable \"sks-missing-plugin\" was not found") == true)
        #expect(missing?.message.contains("get it") == true)
        #expect(failure("{apiVersion: client.authentication.k8s.io/v1alpha1, command: x}")?.code == .unsupported)
        #expect(
            failure("{apiVersion: client.authentication.k8s.io/v1, command: x}")?.message.contains("interactiveMode")
                == true
        )
        #expect(
            failure("{apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Always}")?.message
                .contains(
                    "interactive terminal"
                ) == true
        )
        _ = try plugin(dir, status: #"{"token":"t"}"#, apiVersion: "client.authentication.k8s.io/v1beta1")
        #expect(
            failure("{apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh, interactiveMode: Never}")?
                .message
                .contains("want client.authentication.k8s.io/v1 ExecCredential") == true
        )
        _ = try plugin(dir, status: "{}")
        #expect(
            failure("{apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh, interactiveMode: Never}")?
                .message
                .contains("neither a token nor a client certificate") == true
        )
    }
}
