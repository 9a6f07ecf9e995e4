import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SchedulerServer
import Synchronization
import Testing

@testable import KubeTestSupport

/// Stopping the server while clients keep connecting must close every connection and never trap. A connection
/// accepted as the listener closed used to be dropped unserved, which NIO answers with a precondition failure
/// ("Deinited NIOAsyncWriter without calling finish()") that killed the whole process.
@Suite struct HTTPServerShutdownTests {
    @Test(.timeLimit(.minutes(2)))
    func stoppingWhileClientsConnectNeverTraps() async throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        for _ in 0..<30 {
            let server = HTTPServer(host: "127.0.0.1", port: 0, logger: logger) { _ in .text(.ok, "ok") }
            let port = try await server.start()
            let connecting = Task {
                var opened: [any Channel] = []
                while !Task.isCancelled {
                    guard
                        let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                            .connect(host: "127.0.0.1", port: port).get()
                    else { break }
                    opened.append(channel)
                }
                for channel in opened { try? await channel.close() }
            }
            try await Task.sleep(for: .milliseconds(5))
            await server.stop()
            connecting.cancel()
            await connecting.value
        }
    }

    /// A streamed response (a watch) waits for its next chunk, not for its peer: one whose stream nobody ends must
    /// not hold `stop()` forever. The fake API server met this when a watch request read just before it stopped was
    /// answered after it had ended every watch, and a test run hung until CI's time limit.
    @Test(.timeLimit(.minutes(1)))
    func stopEndsAStreamedResponseNobodyFinishes() async throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let (stream, continuation) = AsyncStream<HTTPServer.Chunk>.makeStream()
        let server = HTTPServer(host: "127.0.0.1", port: 0, logger: logger) { _ in
            HTTPServer.Response(status: .ok, headers: [:], body: .stream(stream))
        }
        let port = try await server.start()
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        let request = "GET /watch HTTP/1.1\r\nHost: localhost\r\n\r\n"
        try await client.writeAndFlush(ByteBuffer(string: request))
        continuation.yield(.data(Array("{}\n".utf8)))
        try await Task.sleep(for: .milliseconds(200))

        // Polled, so the old behaviour fails the test instead of hanging the run.
        let stopped = Mutex(false)
        Task {
            await server.stop()
            stopped.withLock { $0 = true }
        }
        let finished = await eventually(timeout: .seconds(10)) { stopped.withLock { $0 } }
        #expect(finished, "stop() still waits for a streamed response")
        try? await client.close()
        _ = continuation
    }
}
