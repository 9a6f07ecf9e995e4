import KubeAPI
import KubeDecoding

/// `simulate`'s manifest decoder: multi-document YAML or JSON into API objects, with positioned errors.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let result = try ManifestLoader.load(contents: text, source: "fuzz.yaml")
        _ = result.entries.count + result.warnings.count
    } catch {
        _ = error.description
    }
    return 0
}
