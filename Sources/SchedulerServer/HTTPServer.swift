import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A small HTTP/1.1 server on SwiftNIO (optionally TLS): each request is read whole and handed to an async
/// handler; a response is either a body of known length or a stream written as chunks (watches) until the
/// stream ends — cleanly, with the terminating chunk, or abruptly by closing the connection.
package final class HTTPServer: Sendable {
    /// One request, with its body read.
    package struct Request: Sendable {
        /// The request method.
        package var method: HTTPMethod
        /// The path, percent-decoded, without the query.
        package var path: String
        /// Query parameters (percent-decoded; the last of repeated names wins).
        package var query: [String: String]
        /// The request headers.
        package var headers: HTTPHeaders
        /// The request body, read whole.
        package var body: [UInt8]
    }

    /// What a streamed response sends next.
    package enum Chunk: Sendable {
        case data([UInt8])
        /// Close the connection without ending the response (a dropped connection, for tests).
        case abort
    }

    /// A response.
    package struct Response: Sendable {
        /// The status.
        package var status: HTTPResponseStatus
        /// Headers (`Content-Length` or chunked encoding is set by the server).
        package var headers: HTTPHeaders
        /// The body.
        package var body: Body

        /// A whole body, or a stream of chunks.
        package enum Body: Sendable {
            case bytes([UInt8])
            /// Chunked transfer encoding until the stream finishes.
            case stream(AsyncStream<Chunk>)
        }

        /// A response.
        package init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// A text response.
        package static func text(
            _ status: HTTPResponseStatus,
            _ text: String,
            contentType: String = "text/plain; charset=utf-8"
        ) -> Response {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            return Response(status: status, headers: headers, body: .bytes(Array(text.utf8)))
        }
    }

    /// Answers one request.
    package typealias Handler = @Sendable (Request) async -> Response

    private let host: String
    private let port: Int
    private let tls: NIOSSLContext?
    private let handler: Handler
    private let logger: Logger
    private struct State {
        var channel: (any Channel)?
        var task: Task<Void, Never>?
        /// Accepted connections not yet closed, so that ``stop()`` can close them.
        var connections: [ObjectIdentifier: any Channel] = [:]
        var stopping = false
    }
    private let state = Mutex(State())

    /// - Parameters:
    ///   - host: the address to bind, e.g. `0.0.0.0` or `127.0.0.1`.
    ///   - port: the port; 0 picks a free one (see ``start()``'s result).
    ///   - tls: serve HTTPS with this context.
    package init(host: String, port: Int, tls: NIOSSLContext? = nil, logger: Logger, handler: @escaping Handler) {
        self.host = host
        self.port = port
        self.tls = tls
        self.logger = logger
        self.handler = handler
    }

    /// Binds and starts serving in the background; returns the bound port.
    ///
    /// Accepted connections stay plain channels, not reading, until ``serve(_:)`` wraps them: a connection that
    /// races the listener's close is then simply closed, whereas a wrapped one dropped unserved would trip NIO's
    /// "deinited NIOAsyncWriter" precondition and take the process down.
    @discardableResult
    package func start() async throws -> Int {
        let tls = self.tls
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { () throws -> any Channel in
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    let admitted = self.state.withLock { state -> Bool in
                        guard !state.stopping else { return false }
                        state.connections[ObjectIdentifier(channel)] = channel
                        return true
                    }
                    if !admitted { channel.close(promise: nil) }
                    return channel
                }
            }
        let boundPort = server.channel.localAddress?.port ?? port
        let task = Task { [self] in
            do {
                try await server.executeThenClose { inbound in
                    await withDiscardingTaskGroup { group in
                        do {
                            for try await connection in inbound {
                                group.addTask { await self.serve(connection) }
                            }
                        } catch {
                            self.logger.debug("HTTP server stopped accepting", metadata: ["err": "\(error)"])
                        }
                    }
                }
            } catch {
                self.logger.debug("HTTP server closed", metadata: ["err": "\(error)"])
            }
        }
        state.withLock { state in
            state.channel = server.channel
            state.task = task
            state.stopping = false
        }
        return boundPort
    }

    /// Stops accepting, closes every connection and waits for the handlers to end.
    package func stop() async {
        let (channel, task) = state.withLock { state in
            state.stopping = true
            defer { (state.channel, state.task) = (nil, nil) }
            return (state.channel, state.task)
        }
        // Closing the listening channel ends the stream of accepted connections. Every admitted connection is
        // closed here, including one the ending stream dropped before a handler saw it.
        try? await channel?.close()
        for connection in state.withLock({ Array($0.connections.values) }) { try? await connection.close() }
        // A handler can outlive its connection: a streamed response waits for its next chunk, not for the peer, and a
        // request read just before the close may still be answered with a stream nobody will end. Cancelling ends
        // every handler (stream iteration stops on cancellation), so stopping never waits on one of them.
        task?.cancel()
        await task?.value
        for connection in state.withLock({ state in
            defer { state.connections = [:] }
            return Array(state.connections.values)
        }) {
            try? await connection.close()
        }
    }

    private func serve(_ channel: any Channel) async {
        let id = ObjectIdentifier(channel)
        defer { _ = state.withLock { $0.connections.removeValue(forKey: id) } }
        let connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
        do {
            connection = try await channel.eventLoop.submit {
                let wrapped = try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                    wrappingChannelSynchronously: channel
                )
                try channel.syncOptions?.setOption(.autoRead, value: true)
                return wrapped
            }.get()
        } catch {
            // Closed before it was served (the server is stopping, or the peer went away).
            try? await channel.close()
            return
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        head = h
                        body = []
                    case .body(var buffer):
                        body += buffer.readBytes(length: buffer.readableBytes) ?? []
                    case .end:
                        guard let h = head else { continue }
                        head = nil
                        let keepOpen = try await self.respond(to: h, body: body, outbound: outbound)
                        if !keepOpen { return }
                    }
                }
            }
        } catch {
            logger.trace("HTTP connection ended", metadata: ["err": "\(error)"])
        }
    }

    /// Writes the response; returns false when the connection must close.
    private func respond(
        to head: HTTPRequestHead,
        body: [UInt8],
        outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        let (path, query) = Self.split(head.uri)
        let request = Request(method: head.method, path: path, query: query, headers: head.headers, body: body)
        let response = await handler(request)
        var headers = response.headers
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        switch response.body {
        case .bytes(let bytes):
            headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
            try await outbound.write(
                .head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))
            )
            if !bytes.isEmpty && head.method != .HEAD {
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
            }
            try await outbound.write(.end(nil))
            return keepAlive
        case .stream(let stream):
            headers.remove(name: "Content-Length")
            headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
            try await outbound.write(
                .head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))
            )
            for await chunk in stream {
                switch chunk {
                case .data(let bytes):
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
                case .abort:
                    return false
                }
            }
            if Task.isCancelled { return false }
            try await outbound.write(.end(nil))
            return keepAlive
        }
    }

    static func split(_ uri: String) -> (String, [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (percentDecode(uri, plusIsSpace: false), [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(String(parts[0]), plusIsSpace: true)
            query[name] = parts.count > 1 ? percentDecode(String(parts[1]), plusIsSpace: true) : ""
        }
        return (percentDecode(String(uri[..<mark]), plusIsSpace: false), query)
    }

    /// Decodes `%XX` escapes (and `+` as a space in query strings).
    static func percentDecode(_ text: String, plusIsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else if plusIsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
