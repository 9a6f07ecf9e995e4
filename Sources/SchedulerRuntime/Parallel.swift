import Dispatch
import Synchronization

/// Chunked parallel loops for Filter and Score, like upstream's `parallelize.Until`: a few workers
/// pull chunks of indices from a shared counter; no task or allocation per node.
enum Parallel {
    /// Upstream `chunkSizeFor`: about √n, but at least enough chunks for every worker.
    static func chunkSize(count: Int, parallelism: Int) -> Int {
        var size = Int(Double(count).squareRoot())
        let perWorker = count / max(parallelism, 1) + 1
        if size > perWorker { size = perWorker }
        return max(size, 1)
    }

    /// Workers for CPU-bound per-node loops (Filter, Score): the profile's `parallelism`, but at most one fewer
    /// than the processors, so the binding cycles and event handlers keep a core. On 2 cores the loops run on
    /// the scheduling thread alone: measured there, waking a second worker for a cycle's few hundred nodes cost
    /// more than it saved (SchedulingBasic CPU ×0.87, TopologySpreading ×0.85 serial; BENCHMARKS.md).
    static func cpuWorkers(parallelism: Int) -> Int {
        min(max(parallelism, 1), max(1, ProcessInfoCache.processorCount - 1))
    }

    /// Calls `body(range)` for consecutive chunks of `0..<count` on up to `parallelism` threads.
    /// Chunks are handed out in increasing order; once `shouldStop()` returns true no new chunk starts,
    /// so the chunks processed always form a prefix of `0..<count`.
    /// - Returns: the number of indices covered by the chunks that ran (a prefix length).
    @discardableResult
    static func forEachChunk(
        count: Int,
        parallelism: Int,
        shouldStop: @Sendable () -> Bool = { false },
        _ body: @Sendable (Range<Int>) -> Void
    ) -> Int {
        guard count > 0 else { return 0 }
        let chunk = chunkSize(count: count, parallelism: parallelism)
        let chunks = (count + chunk - 1) / chunk
        let workers = min(max(parallelism, 1), chunks, ProcessInfoCache.processorCount)
        if workers <= 1 {
            var covered = 0
            for c in 0..<chunks {
                if c > 0 && shouldStop() { break }
                let range = (c * chunk)..<min(count, (c + 1) * chunk)
                body(range)
                covered = range.upperBound
            }
            return covered
        }
        let next = Atomic<Int>(0)
        let highest = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                if shouldStop() { return }
                let c = next.add(1, ordering: .relaxed).oldValue
                guard c < chunks else { return }
                let range = (c * chunk)..<min(count, (c + 1) * chunk)
                body(range)
                highest.max(range.upperBound, ordering: .relaxed)
            }
        }
        return highest.load(ordering: .relaxed)
    }
}

enum ProcessInfoCache {
    static let processorCount: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 4
        #endif
    }()
}

#if canImport(Glibc)
import Glibc
#endif

struct UnsafeSendableReadBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<Element>
    init(_ buffer: UnsafeBufferPointer<Element>) { self.buffer = buffer }
}

/// A buffer shared by parallel workers that write disjoint indices.
struct UnsafeSendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
