import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A real HTTP extender on a loopback port, answered on SwiftNIO's event loop (never on Swift's cooperative pool,
/// which the scheduling cycle may be blocking while it waits for the answer). Each verb's answer is set by the test;
/// every request is recorded with its decoded JSON body.
final class LoopbackExtender: Sendable {
    struct Reply: Sendable {
        var status: HTTPResponseStatus = .ok
        var body: String
        /// Sent after this delay (a slow extender).
        var delay: TimeAmount = .zero
    }

    struct Received: Sendable {
        var verb: String
        var body: [UInt8]
        /// The body as a JSON object.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
    }

    typealias Responder = @Sendable (_ verb: String, _ body: [UInt8]) -> Reply

    private final class Recorder: Sendable {
        let received = Mutex<[Received]>([])
    }

    private let channel: any Channel
    private let state: Recorder
    let port: Int
    let scheme: String

    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    var requests: [Received] { state.received.withLock { $0 } }
    func requests(_ verb: String) -> [Received] { requests.filter { $0.verb == verb } }

    static func start(tls: NIOSSLContext? = nil, responder: @escaping Responder) async throws -> LoopbackExtender {
        let state = Recorder()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        Handler(
                            responder: responder,
                            record: { received in state.received.withLock { $0.append(received) } }
                        )
                    )
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        return LoopbackExtender(channel: channel, state: state, scheme: tls == nil ? "http" : "https")
    }

    private init(channel: any Channel, state: Recorder, scheme: String) {
        self.channel = channel
        self.state = state
        self.port = channel.localAddress?.port ?? 0
        self.scheme = scheme
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let responder: Responder
        let record: @Sendable (Received) -> Void
        var path = ""
        var body: [UInt8] = []

        init(responder: @escaping Responder, record: @escaping @Sendable (Received) -> Void) {
            self.responder = responder
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                path = head.uri
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                let verb = String(path.split(separator: "/").last ?? "")
                let received = Received(verb: verb, body: body)
                record(received)
                let reply = responder(verb, body)
                let bytes = Array(reply.body.utf8)
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let write = {
                    let (handler, context) = loopBound.value
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "application/json")
                    headers.add(name: "Content-Length", value: String(bytes.count))
                    let head = HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers)
                    context.write(handler.wrapOutboundOut(.head(head)), promise: nil)
                    var buffer = context.channel.allocator.buffer(capacity: bytes.count)
                    buffer.writeBytes(bytes)
                    context.write(handler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                    context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
                }
                if reply.delay == .zero {
                    write()
                } else {
                    context.eventLoop.assumeIsolated().scheduleTask(in: reply.delay) { write() }
                }
            }
        }
    }
}
