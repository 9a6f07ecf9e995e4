import Synchronization
import Testing

@testable import SchedulerRuntime

/// The chunked loop behind Filter and Score: every index once, and after a stop only a prefix of the indices.
@Suite struct ParallelTests {
    @Test func everyIndexRunsOnceWithSeveralWorkers() {
        let seen = Mutex<[Int]>([])
        let covered = Parallel.forEachChunk(count: 1_000, parallelism: 4) { range in
            seen.withLock { $0.append(contentsOf: range) }
        }
        #expect(covered == 1_000)
        #expect(seen.withLock { $0.sorted() } == Array(0..<1_000))
    }

    @Test func aStopLeavesAPrefix() {
        let seen = Mutex<[Int]>([])
        let done = Atomic<Int>(0)
        let stop: @Sendable () -> Bool = { done.load(ordering: .relaxed) >= 300 }
        let covered = Parallel.forEachChunk(count: 10_000, parallelism: 4, shouldStop: stop) { range in
            seen.withLock { $0.append(contentsOf: range) }
            done.add(range.count, ordering: .relaxed)
        }
        let indices = seen.withLock { $0.sorted() }
        #expect(covered < 10_000)
        #expect(indices == Array(0..<indices.count))
        #expect(covered == indices.count)
    }

    @Test func cpuLoopsLeaveACoreForTheRest() {
        let workers = Parallel.cpuWorkers(parallelism: 16)
        #expect(workers == max(1, ProcessInfoCache.processorCount - 1))
        #expect(Parallel.cpuWorkers(parallelism: 1) == 1)
        #expect(Parallel.cpuWorkers(parallelism: 0) == 1)
    }
}
