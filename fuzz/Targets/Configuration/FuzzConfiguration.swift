import InTreePlugins
import SchedulerConfig
import SchedulerFramework

let registry = makeInTreeRegistry()

/// `--config`: KubeSchedulerConfiguration decoding, defaulting, plugin-set merging and validation, including
/// every in-tree plugin's args.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let report = ConfigurationLoader.validate(contents: text, source: "fuzz.yaml", registry: registry)
    _ = report.problems.count + report.warnings.count
    return 0
}
