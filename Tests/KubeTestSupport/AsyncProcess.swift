import Dispatch
import Foundation

/// Runs a process to completion on a Dispatch thread, so an async test waiting for it does not block one of the
/// few cooperative threads (the in-process fake API server needs them to answer the child process).
func runProcess(
    _ executable: URL,
    _ arguments: [String],
    currentDirectory: URL? = nil
) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            if let currentDirectory { process.currentDirectoryURL = currentDirectory }
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            // stderr is drained on another thread so neither pipe can fill up and stall the child.
            let stderr = CollectedData()
            let group = DispatchGroup()
            group.enter()
            DispatchQueue.global().async {
                stderr.data = err.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            continuation.resume(
                returning: (
                    process.terminationStatus, String(decoding: stdout, as: UTF8.self),
                    String(decoding: stderr.data, as: UTF8.self)
                )
            )
        }
    }
}

/// Runs the built `swift-kube-scheduler` binary from the repository root, without blocking a cooperative thread.
func runCLIAsync(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await runProcess(builtExecutable, arguments, currentDirectory: repositoryRoot)
}

/// Written by one thread before `DispatchGroup.leave()`, read after `wait()`.
final class CollectedData: @unchecked Sendable {
    var data = Data()
}
