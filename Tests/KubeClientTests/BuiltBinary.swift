import Foundation

/// The `swift-kube-scheduler` executable of the build these tests belong to: found next to the test bundle
/// (the build's bin path, whatever the triple, configuration or `--scratch-path`), or in `SKS_BIN_PATH` when
/// set. Falls back to `.build/debug` only when neither holds it.
let schedulerBinary: URL = {
    let name = "swift-kube-scheduler"
    var directories: [URL] = []
    if let override = ProcessInfo.processInfo.environment["SKS_BIN_PATH"] { directories.append(URL(fileURLWithPath: override)) }
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
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/\(name)")
}()
