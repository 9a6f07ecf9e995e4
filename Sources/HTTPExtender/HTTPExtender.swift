import AsyncHTTPClient
import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOSSL
import SchedulerConfig
import SchedulerFramework
import Synchronization

/// An extender reached over HTTP(S) with upstream's JSON protocol (upstream's `HTTPExtender`, `extender.go`).
///
/// Requests are `POST <urlPrefix>/<verb>` with a JSON body; any status but 200 fails the call; the whole exchange is
/// bounded by `httpTimeout` (upstream's default is 5 s).
package final class HTTPExtender: Extender {
    package let urlPrefix: String
    let filterVerb: String
    let prioritizeVerb: String
    let preemptVerb: String
    let bindVerb: String
    package let weight: Int64
    let nodeCacheCapable: Bool
    let managedResources: Set<String>
    package let isIgnorable: Bool
    let timeout: TimeAmount
    let tls: TLSConfiguration?
    let client: HTTPClient
    /// `urlPrefix` with its host replaced by `tlsConfig.serverName` (resolved to the real host by the client).
    let requestPrefix: String

    /// Upstream's `DefaultExtenderTimeout`.
    package static let defaultTimeoutSeconds: Double = 5

    /// Builds the extender of one `extenders` entry; fails on unreadable TLS material, as upstream's
    /// `NewHTTPExtender` does.
    package init(_ config: SchedulerConfiguration.Extender) throws(ConfigurationError) {
        urlPrefix = config.urlPrefix
        filterVerb = config.filterVerb
        prioritizeVerb = config.prioritizeVerb
        preemptVerb = config.preemptVerb
        bindVerb = config.bindVerb
        weight = config.weight
        nodeCacheCapable = config.nodeCacheCapable
        managedResources = Set(config.managedResources.map(\.name))
        isIgnorable = config.ignorable
        let seconds = config.httpTimeoutSeconds > 0 ? config.httpTimeoutSeconds : Self.defaultTimeoutSeconds
        timeout = .nanoseconds(Int64(seconds * 1_000_000_000))
        (tls, client) = try Self.transport(config)
        var prefix = config.urlPrefix
        if let serverName = config.tlsConfig?.serverName, !serverName.isEmpty,
            var components = URLComponents(string: prefix), components.host != nil
        {
            components.host = serverName
            prefix = components.string ?? prefix
        }
        requestPrefix = prefix
    }

    package var name: String { urlPrefix }
    package var isFilter: Bool { !filterVerb.isEmpty }
    package var isPrioritizer: Bool { !prioritizeVerb.isEmpty }
    package var isBinder: Bool { !bindVerb.isEmpty }
    package var supportsPreemption: Bool { !preemptVerb.isEmpty }

    /// True when the extender manages no resources, or a container or init container requests or limits one.
    package func isInterested(_ pod: Pod) -> Bool {
        if managedResources.isEmpty { return true }
        for container in pod.spec.containers + (pod.spec.initContainers ?? []) {
            let resources = container.resources
            if let requests = resources?.requests, requests.keys.contains(where: managedResources.contains) {
                return true
            }
            if let limits = resources?.limits, limits.keys.contains(where: managedResources.contains) { return true }
        }
        return false
    }

    package func filter(pod: Pod, nodes: [NodeInfo]) throws(ExtenderError) -> ExtenderFilterOutcome {
        guard isFilter else { return ExtenderFilterOutcome(nodeNames: nodes.map(\.name)) }
        let body = try ExtenderWire.args(pod: pod, nodes: nodes, namesOnly: nodeCacheCapable)
        let result = try ExtenderWire.object(try sendBlocking(filterVerb, body))
        let error = ExtenderWire.string(result, "Error")
        if !error.isEmpty { throw ExtenderError(error) }
        let given = Set(nodes.map(\.name))
        var names: [String] = []
        if nodeCacheCapable, let list = ExtenderWire.field(result, "NodeNames") as? [Any] {
            for case let name as String in list {
                guard given.contains(name) else {
                    throw ExtenderError(
                        "extender \(goQuoted(urlPrefix)) claims a filtered node \(goQuoted(name)) which is not found in the input node list"
                    )
                }
                names.append(name)
            }
        } else if let list = ExtenderWire.field(result, "Nodes") as? [String: Any] {
            let items = ExtenderWire.field(list, "items") as? [Any] ?? []
            for item in items {
                // Upstream takes the nodes as sent back; only their names matter to the cycle.
                let node = try ExtenderWire.decode(Node.self, from: item)
                names.append(node.metadata.name)
            }
        }
        return ExtenderFilterOutcome(
            nodeNames: names,
            failed: ExtenderWire.stringMap(result, "FailedNodes"),
            failedAndUnresolvable: ExtenderWire.stringMap(result, "FailedAndUnresolvableNodes")
        )
    }

    package func prioritize(
        pod: Pod,
        nodes: [NodeInfo]
    ) throws(ExtenderError) -> (scores: [HostPriority], weight: Int64) {
        guard isPrioritizer else { return (nodes.map { HostPriority(host: $0.name, score: 0) }, 0) }
        let body = try ExtenderWire.args(pod: pod, nodes: nodes, namesOnly: nodeCacheCapable)
        return (try ExtenderWire.priorities(try sendBlocking(prioritizeVerb, body)), weight)
    }

    package func bind(pod: Pod, nodeName: String) async throws(ExtenderError) {
        guard isBinder else { throw ExtenderError("unexpected empty bindVerb in extender") }
        let body = try ExtenderWire.bindingArgs(pod: pod, nodeName: nodeName)
        let result = try ExtenderWire.object(try await send(bindVerb, body))
        let error = ExtenderWire.string(result, "Error")
        if !error.isEmpty { throw ExtenderError(error) }
    }

    package func processPreemption(
        pod: Pod,
        victims: [String: ExtenderVictims],
        snapshot: Snapshot
    ) throws(ExtenderError) -> [String: ExtenderVictims] {
        guard supportsPreemption else {
            throw ExtenderError(
                "preempt verb is not defined for extender \(urlPrefix) but run into ProcessPreemption"
            )
        }
        let body = try ExtenderWire.preemptionArgs(pod: pod, victims: victims, metaOnly: nodeCacheCapable)
        let result = try ExtenderWire.object(try sendBlocking(preemptVerb, body))
        // The extender always answers with uids (NodeNameToMetaVictims); they are resolved on the snapshot.
        guard let map = ExtenderWire.field(result, "NodeNameToMetaVictims") as? [String: Any] else { return [:] }
        var resolved: [String: ExtenderVictims] = [:]
        for (nodeName, value) in map {
            guard let nodeInfo = snapshot.nodeInfo(named: nodeName) else {
                throw ExtenderError("nodeinfo not found for node name \(goQuoted(nodeName))")
            }
            let meta = value as? [String: Any] ?? [:]
            var pods: [Pod] = []
            for case let entry as [String: Any] in ExtenderWire.field(meta, "Pods") as? [Any] ?? [] {
                let uid = ExtenderWire.string(entry, "UID")
                guard let victim = nodeInfo.pods.first(where: { $0.uid == uid }) else {
                    throw ExtenderError(
                        "extender: \(urlPrefix) claims to preempt pod (UID: &{\(uid)}) on node: \(nodeName), but the pod is not found on that node"
                    )
                }
                pods.append(victim.pod)
            }
            resolved[nodeName] = ExtenderVictims(
                pods: pods,
                numPDBViolations: ExtenderWire.int64(ExtenderWire.field(meta, "NumPDBViolations"))
            )
        }
        return resolved
    }

    // MARK: Transport

    func url(_ verb: String, forRequest: Bool = false) -> String {
        var prefix = Substring(forRequest ? requestPrefix : urlPrefix)
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        return prefix + "/" + verb
    }

    private func request(_ verb: String, _ body: [UInt8]) throws(ExtenderError) -> HTTPClient.Request {
        let target = url(verb, forRequest: true)
        do {
            var request = try HTTPClient.Request(url: target, method: .POST, tlsConfiguration: tls)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
            return request
        } catch {
            throw ExtenderError("parse \(goQuoted(target)): \(error)")
        }
    }

    /// One exchange, waited for on the calling thread (the scheduling cycle is synchronous, as upstream's).
    func sendBlocking(_ verb: String, _ body: [UInt8]) throws(ExtenderError) -> [UInt8] {
        let request = try request(verb, body)
        let response: HTTPClient.Response
        do {
            response = try client.execute(request: request, deadline: .now() + timeout).wait()
        } catch {
            throw transportError(error, url: url(verb))
        }
        return try check(response, verb: verb)
    }

    func send(_ verb: String, _ body: [UInt8]) async throws(ExtenderError) -> [UInt8] {
        let request = try request(verb, body)
        let response: HTTPClient.Response
        do {
            response = try await client.execute(request: request, deadline: .now() + timeout).get()
        } catch {
            throw transportError(error, url: url(verb))
        }
        return try check(response, verb: verb)
    }

    private func check(_ response: HTTPClient.Response, verb: String) throws(ExtenderError) -> [UInt8] {
        guard response.status == .ok else {
            throw ExtenderError(
                "failed \(verb) with extender at URL \(url(verb)), code \(response.status.code)"
            )
        }
        guard var buffer = response.body else { return Array("null".utf8) }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// Go's `net/http` wording for the common transport failures.
    private func transportError(_ error: any Error, url: String) -> ExtenderError {
        let prefix = "Post \(goQuoted(url)): "
        if let error = error as? HTTPClientError,
            error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
                || error == .writeTimeout
        {
            return ExtenderError(prefix + "context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
        }
        let text = String(describing: error)
        if text.lowercased().contains("refused") {
            let address = URL(string: url).map { "\($0.host ?? ""):\($0.port ?? ($0.scheme == "https" ? 443 : 80))" }
            return ExtenderError(prefix + "dial tcp \(address ?? url): connect: connection refused")
        }
        return ExtenderError(prefix + text)
    }

    /// The TLS configuration (`enableHTTPS`, `tlsConfig`) and the HTTP client. Upstream: without a CA, HTTPS does not
    /// verify the server; `serverName` is the name verified (and sent as SNI) instead of the URL's host.
    static func transport(
        _ config: SchedulerConfiguration.Extender
    ) throws(ConfigurationError) -> (TLSConfiguration?, HTTPClient) {
        guard config.enableHTTPS || config.tlsConfig != nil || config.urlPrefix.lowercased().hasPrefix("https") else {
            return (nil, .shared)
        }
        let settings = config.tlsConfig ?? SchedulerConfiguration.Extender.TLSConfig()
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            let ca = settings.caData.isEmpty ? try read(settings.caFile) : settings.caData
            if settings.insecure || (config.enableHTTPS && ca.isEmpty) {
                tls.certificateVerification = .none
            } else if !ca.isEmpty {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            let cert = settings.certData.isEmpty ? try read(settings.certFile) : settings.certData
            let key = settings.keyData.isEmpty ? try read(settings.keyFile) : settings.keyData
            if !cert.isEmpty && !key.isEmpty {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw ConfigurationError("extender \(config.urlPrefix): cannot load TLS material: \(error)")
        }
        guard !settings.serverName.isEmpty, let host = URL(string: config.urlPrefix)?.host,
            host != settings.serverName
        else { return (tls, .shared) }
        return (tls, ServerNameClients.client(serverName: settings.serverName, host: host, tls: tls))
    }

    private static func read(_ path: String) throws -> [UInt8] {
        guard !path.isEmpty else { return [] }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Clients that verify a certificate for `serverName` while connecting to another host. One per pair for the life of
/// the process (an HTTP client must be shut down before it is released; these never are).
enum ServerNameClients {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    static func client(serverName: String, host: String, tls: TLSConfiguration) -> HTTPClient {
        clients.withLock { clients in
            let key = serverName + "\u{0}" + host
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.dnsOverride = [serverName: host]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}
