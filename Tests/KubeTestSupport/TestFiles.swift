import Foundation

/// The package root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The `swift-kube-scheduler` executable of the build these tests belong to: found next to the test bundle
/// (the build's bin path, whatever the triple, configuration or `--scratch-path`), or in `SKS_BIN_PATH` when
/// set. Falls back to `.build/debug` only when neither holds it.
let builtExecutable: URL = {
    let name = "swift-kube-scheduler"
    var directories: [URL] = []
    if let override = ProcessInfo.processInfo.environment["SKS_BIN_PATH"] {
        directories.append(URL(fileURLWithPath: override))
    }
    // Linux: the test runner is `<bin>/swift-kube-schedulerPackageTests.xctest`; macOS: a bundle in `<bin>`.
    if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
    for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
        directories.append(bundle.bundleURL.deletingLastPathComponent())
    }
    if let first = CommandLine.arguments.first {
        directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
    }
    for directory in directories {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/\(name)")
}()

func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sks-tests-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// A fresh directory for one test's files.
func scratchDirectory(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
        "sks-kubeclient-\(getpid())-\(name)-\(UUID().uuidString.prefix(8))"
    ).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
