import Foundation
import Simulator
import Testing

@testable import KubeTestSupport

/// A Chromium (or Chrome) binary for the headless page test: `SKS_CHROMIUM`, else the first of the usual names on
/// PATH. CI installs Debian's `chromium` (.ci/run).
let chromiumBinary: String? = {
    let environment = ProcessInfo.processInfo.environment
    if let explicit = environment["SKS_CHROMIUM"], FileManager.default.isExecutableFile(atPath: explicit) {
        return explicit
    }
    let directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"] {
        for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
    }
    return nil
}()

@Suite(.serialized, .timeLimit(.minutes(3))) struct ExplainHTMLTests {
    @Test func pageIsSelfContainedAndCarriesEveryNode() async throws {
        let manifests = node("small", cpu: "1") + node("big") + node("tainted", taints: taintSpec) + pod("p", cpu: "2")
        let result = try await explainSimulate(manifests)
        let page = ExplainHTML.page(result.explanations, order: result.pods.map { ($0.namespace, $0.name) })
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        // Offline: nothing is loaded from anywhere.
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains(" src="))
        #expect(page.contains("\"node\":\"tainted\""))
    }

    /// Headless Chromium loads the page: it rendered (screenshot not blank, no script errors) and the table has
    /// one row per node with the right verdicts.
    @Test(
        .enabled(
            if: chromiumBinary != nil,
            "no Chromium binary found: install Debian's chromium (apt-get install -y chromium) or set SKS_CHROMIUM"
        )
    )
    func headlessChromiumRendersTheTable() async throws {
        let browser = try #require(chromiumBinary)
        let manifests =
            node("small", cpu: "1") + node("big") + node("bigger", cpu: "8") + node("tainted", taints: taintSpec)
            + pod("p", cpu: "2") + pod("q", cpu: "16")
        let result = try await explainSimulate(manifests)
        let dir = try scratchDirectory("explain-html")
        let path = dir + "/explain.html"
        try ExplainHTML.write(result.explanations, order: result.pods.map { ($0.namespace, $0.name) }, to: path)
        let blank = dir + "/blank.html"
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: blank, atomically: true, encoding: .utf8)

        func chromium(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runProcess(
                URL(fileURLWithPath: browser),
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                    "--no-first-run", "--user-data-dir=\(dir)/profile", "--window-size=1280,900",
                    "--enable-logging=stderr", "--v=0",
                ] + arguments
            )
        }

        let dom = try await chromium(["--dump-dom", "file://" + path])
        #expect(dom.status == 0, "\(dom.stderr)")
        #expect(dom.stdout.contains("data-rendered=\"2\""), "the page script did not finish: \(dom.stderr)")
        #expect(!dom.stdout.contains("data-errors=\""), "script errors on the page")
        #expect(!dom.stderr.contains("Uncaught"), "console errors: \(dom.stderr)")
        // One row per node per pod, with the verdicts the explanation holds.
        #expect(dom.stdout.components(separatedBy: "<tr data-state=").count - 1 == 8)
        let p = try #require(result.explanations["default/p"]?.last)
        let feasible = p.nodes.filter { $0.state == .feasible }.count
        #expect(feasible == 2)
        #expect(dom.stdout.components(separatedBy: "<tr data-state=\"feasible\"").count - 1 == feasible)
        #expect(dom.stdout.contains(">Insufficient cpu<") || dom.stdout.contains("title=\"Insufficient cpu\""))
        // q fits nowhere: its verified suggestions are listed.
        let q = try #require(result.explanations["default/q"]?.last)
        #expect(!q.suggestions.isEmpty)
        for suggestion in q.suggestions { #expect(dom.stdout.contains(suggestion.change)) }
        #expect(dom.stdout.contains("<ol class=\"suggestions\">"))

        // Not blank: the page's screenshot holds far more than an empty page's.
        let shot = dir + "/explain.png"
        let blankShot = dir + "/blank.png"
        #expect(try await chromium(["--screenshot=\(shot)", "file://" + path]).status == 0)
        #expect(try await chromium(["--screenshot=\(blankShot)", "file://" + blank]).status == 0)
        let size = (try FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
        let blankSize = (try FileManager.default.attributesOfItem(atPath: blankShot)[.size] as? Int) ?? 0
        #expect(blankSize > 0)
        #expect(size > 3 * blankSize, "screenshot \(size) bytes vs blank \(blankSize)")
    }
}
