import Foundation
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

@testable import WasmPlugin

@Suite struct FailureTests {
    let pod = PodBuilder("p").uid("uid-p").info()
    let node = NodeBuilder("a1").info()

    @Test func aTrapFailsTheCallWithThePanicTextAndALogLine() throws {
        let log = LogLines()
        let plugin = try TestGuests.plugin(TestGuests.panicking, log: log)
        let status = plugin.filter(state: CycleState(), pod: pod, node: node)
        #expect(status.code == .error)
        #expect(status.message.contains("panic: boom in filter"))
        #expect(status.message.contains("unreachable"))
        #expect(log.all.count == 1)
        #expect(log.all.first?.contains("panic: boom in filter") == true)
        // The next call gets a fresh instance and fails the same way: the process lives on.
        #expect(plugin.filter(state: CycleState(), pod: pod, node: node).code == .error)
    }

    @Test func aLoopingGuestRunsOutOfFuel() throws {
        let plugin = try TestGuests.plugin(TestGuests.looping, fuelLimit: 100_000)
        let status = plugin.filter(state: CycleState(), pod: pod, node: node)
        #expect(status.code == .error)
        #expect(status.message.contains("out of fuel"))
    }

    @Test func aBufferPastTheGuestsMemoryFailsTheCall() throws {
        let plugin = try TestGuests.plugin(TestGuests.oversizedBuffer)
        let status = plugin.filter(state: CycleState(), pod: pod, node: node)
        #expect(status.code == .error)
        #expect(status.message.contains("outside its memory"))
    }

    @Test func memoryGrowthIsBounded() throws {
        let bounded = try TestGuests.plugin(TestGuests.growing, memoryLimitMiB: 16)
        #expect(bounded.filter(state: CycleState(), pod: pod, node: node).code == .error)
        let roomy = try TestGuests.plugin(TestGuests.growing, memoryLimitMiB: 128)
        #expect(roomy.filter(state: CycleState(), pod: pod, node: node).isSuccess)
    }
}

@Suite struct LoadingTests {
    func loadError(_ url: String, sha: String? = nil) -> String {
        do {
            _ = try WasmGuestPlugin(
                name: "MyGuest",
                args: WasmPluginArgs(guestURL: url, guestSHA256: sha),
                handle: FakeHandle()
            )
            return ""
        } catch {
            return error.description
        }
    }

    @Test func aMissingFileNamesThePluginAndTheFile() {
        let message = loadError("file:///nonexistent/guest.wasm")
        #expect(message.hasPrefix("wasm plugin \"MyGuest\": guest file:///nonexistent/guest.wasm: cannot read it"))
        #expect(!message.contains("\n"))
    }

    @Test func anInvalidModuleIsAConfigError() {
        let url = TestGuests.file("not wasm at all", suffix: ".wasm")
        let message = loadError(url)
        #expect(message.hasPrefix("wasm plugin \"MyGuest\": guest \(url): invalid WebAssembly module"))
        #expect(!message.contains("\n"))
    }

    @Test func aModuleWithoutMemoryIsAConfigError() {
        let url = TestGuests.file(TestGuests.noMemory)
        #expect(loadError(url) == "wasm plugin \"MyGuest\": guest \(url): the module does not export \"memory\"")
    }

    @Test func anUnknownImportIsAConfigError() {
        let url = TestGuests.file(TestGuests.unknownImport)
        #expect(
            loadError(url) == "wasm plugin \"MyGuest\": guest \(url): unknown import k8s.io/scheduler.noSuchFunction"
        )
    }

    @Test func theDigestPinIsChecked() {
        let url = TestGuests.file(TestGuests.filterOnly)
        let digest = SHA256.hex(Array(TestGuests.filterOnly.utf8))
        #expect(loadError(url, sha: digest) == "")
        let wrong = String(repeating: "0", count: 64)
        #expect(loadError(url, sha: wrong).contains("SHA-256 is \(digest), guestSHA256 wants \(wrong)"))
    }

    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func argsAreValidated() {
        #expect(throws: PluginArgsError.self) { try WasmPluginArgs(guestURL: "").validate() }
        #expect(throws: PluginArgsError.self) { try WasmPluginArgs(guestURL: "ftp://x/guest.wasm").validate() }
        #expect(throws: PluginArgsError.self) {
            try WasmPluginArgs(guestURL: "file:///g.wasm", logSeverity: 7).validate()
        }
        #expect(throws: Never.self) { try WasmPluginArgs(guestURL: "https://example.invalid/g.wasm").validate() }
    }
}
