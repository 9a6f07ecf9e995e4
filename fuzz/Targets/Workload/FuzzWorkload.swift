import WorkloadParsing

/// `bench`'s workload files (scheduler_perf's format): parsing, then resolving every workload's `$param`s.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWorkload(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let testCases = try? WorkloadFileParser.parse(contents: text, source: "/fuzz/performance-config.yaml")
    else { return 0 }
    for testCase in testCases {
        for workload in testCase.workloads {
            _ = try? WorkloadFileParser.resolve(testCase, workload: workload)
        }
    }
    return 0
}
