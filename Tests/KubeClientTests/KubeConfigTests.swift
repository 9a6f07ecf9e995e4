import Foundation
import KubeClient
import Testing

@testable import KubeTestSupport

@Suite struct KubeConfigTests {
    @Test func currentContextWithInlineTokenAndCAData() throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: prod
              cluster:
                server: https://10.0.0.1:6443/
                certificate-authority-data: \(base64(testCertificatePEM))
                extensions: [{name: ignored, extension: {}}]
            users:
            - name: admin
              user:
                token: s3cr3t
            contexts:
            - name: prod-admin
              context: {cluster: prod, user: admin, namespace: team-a}
            current-context: prod-admin
            """
        let config = try KubeConfig.parse(text, directory: "/nowhere", source: "kc.yaml")
        let client = try config.clientConfiguration(context: nil, source: "kc.yaml")
        #expect(client.server == "https://10.0.0.1:6443")
        #expect(client.bearerToken == "s3cr3t")
        #expect(client.namespace == "team-a")
        #expect(client.certificateAuthorityPEM == Array(testCertificatePEM.utf8))
        #expect(client.insecureSkipTLSVerify == false)
        #expect(client.clientCertificatePEM == nil)
    }

    @Test func explicitContextClientCertificateFilesRelativeToTheKubeconfig() throws {
        let dir = try scratchDirectory("certs")
        try FileManager.default.createDirectory(atPath: dir + "/pki", withIntermediateDirectories: true)
        try write(testCertificatePEM, to: dir + "/pki/client.crt")
        try write(testPrivateKeyPEM, to: dir + "/pki/client.key")
        try write(testCertificatePEM, to: dir + "/pki/ca.crt")
        let path = dir + "/config"
        try write(
            """
            clusters:
            - name: a
              cluster: {server: "https://a.example:6443", certificate-authority: pki/ca.crt}
            - name: b
              cluster: {server: "b.example:8443", insecure-skip-tls-verify: true, tls-server-name: kubernetes}
            users:
            - name: cert-user
              user: {client-certificate: pki/client.crt, client-key: pki/client.key}
            contexts:
            - {name: ctx-a, context: {cluster: a, user: cert-user}}
            - {name: ctx-b, context: {cluster: b, user: cert-user}}
            current-context: ctx-a
            """,
            to: path
        )
        let b = try ClientConfigLoader.load(kubeconfig: path, context: "ctx-b", environment: [:])
        #expect(b.server == "https://b.example:8443")
        #expect(b.insecureSkipTLSVerify)
        #expect(b.tlsServerName == "kubernetes")
        #expect(b.clientCertificatePEM == Array(testCertificatePEM.utf8))
        #expect(b.clientKeyPEM == Array(testPrivateKeyPEM.utf8))
        let a = try ClientConfigLoader.load(kubeconfig: path, context: nil, environment: [:])
        #expect(a.server == "https://a.example:6443")
        #expect(a.certificateAuthorityPEM == Array(testCertificatePEM.utf8))
    }

    @Test func tokenFileAndBasicAuth() throws {
        let dir = try scratchDirectory("token")
        try write("file-token\n", to: dir + "/token")
        let path = dir + "/config"
        try write(
            """
            clusters: [{name: c, cluster: {server: "http://127.0.0.1:8080"}}]
            users:
            - {name: t, user: {tokenFile: token}}
            - {name: b, user: {username: alice, password: pw}}
            contexts: [{name: t, context: {cluster: c, user: t}}, {name: b, context: {cluster: c, user: b}}]
            current-context: t
            """,
            to: path
        )
        let t = try ClientConfigLoader.load(kubeconfig: path, environment: [:])
        #expect(t.bearerTokenFile == dir + "/token")
        #expect(t.bearerToken == nil)
        let b = try ClientConfigLoader.load(kubeconfig: path, context: "b", environment: [:])
        #expect(b.username == "alice")
        #expect(b.password == "pw")
    }

    @Test func kubeconfigEnvironmentListIsMergedFirstWins() throws {
        let dir = try scratchDirectory("merge")
        try write(
            """
            clusters: [{name: c, cluster: {server: "https://first:1"}}]
            contexts: [{name: x, context: {cluster: c}}]
            current-context: x
            """,
            to: dir + "/one"
        )
        try write(
            """
            clusters: [{name: c, cluster: {server: "https://second:2"}}, {name: d, cluster: {server: "https://d:3"}}]
            contexts: [{name: y, context: {cluster: d}}]
            current-context: y
            """,
            to: dir + "/two"
        )
        let env = ["KUBECONFIG": "\(dir)/one:\(dir)/missing:\(dir)/two"]
        #expect(try ClientConfigLoader.load(kubeconfig: nil, environment: env).server == "https://first:1")
        #expect(try ClientConfigLoader.load(kubeconfig: nil, context: "y", environment: env).server == "https://d:3")
    }

    @Test func inClusterServiceAccount() throws {
        let dir = try scratchDirectory("sa")
        try write("sa-token", to: dir + "/token")
        try write(testCertificatePEM, to: dir + "/ca.crt")
        try write("kube-system\n", to: dir + "/namespace")
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try ClientConfigLoader.load(kubeconfig: nil, environment: env, serviceAccountDirectory: dir)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.bearerTokenFile == dir + "/token")
        #expect(config.namespace == "kube-system")
        #expect(config.source == "in-cluster")
        let v6 = try ClientConfigLoader.load(
            kubeconfig: nil,
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: dir
        )
        #expect(v6.server == "https://[fd00::1]:443")
    }

    @Test func failuresNameTheProblem() throws {
        func failure(_ text: String, context: String? = nil) -> KubeClientError? {
            do {
                _ = try KubeConfig.parse(text, directory: "/x", source: "kc").clientConfiguration(
                    context: context,
                    source: "kc"
                )
                return nil
            } catch {
                return error
            }
        }
        let base =
            "clusters: [{name: c, cluster: {server: \"https://h\"}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
        #expect(failure(base + "current-context: x")?.code == .contextNotFound)  // user u missing
        #expect(
            failure(base + "users: [{name: u, user: {}}]", context: "nope")?.message.contains(
                "context \"nope\" does not exist"
            ) == true
        )
        #expect(failure(base + "users: [{name: u, user: {}}]")?.code == .contextNotFound)  // no current context
        #expect(
            failure(base + "users: [{name: u, user: {exec: {command: aws}}}]\ncurrent-context: x")?.code == .unsupported
        )
        #expect(
            failure(base + "users: [{name: u, user: {client-certificate-data: \"%%%\"}}]\ncurrent-context: x")?.code
                == .invalidKubeconfig
        )
        #expect(
            failure(base + "users: [{name: u, user: {client-certificate-data: \(base64("x"))}}]\ncurrent-context: x")?
                .message.contains("both") == true
        )
        #expect(
            failure(
                "clusters: [{name: c, cluster: {server: \"ftp://h\"}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x"
            )?.code == .invalidServer
        )
        #expect(failure("clusters: {not: a list}")?.code == .invalidKubeconfig)
        #expect(throws: KubeClientError.self) {
            try ClientConfigLoader.load(kubeconfig: "/does/not/exist", environment: [:])
        }
        #expect(throws: KubeClientError.self) { try ClientConfigLoader.load(kubeconfig: nil, environment: [:]) }
    }
}
