import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SchedulerServer
import Testing

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
}
