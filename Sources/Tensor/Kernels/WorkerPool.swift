#if os(Linux)
import Glibc
import Synchronization

/// A small pool of persistent worker threads for ``Threading/parallelFor(_:grain:_:)`` on Linux.
///
/// Dispatch wakes its workers from sleep on every parallel region (about 50 µs on a small VM), which is
/// as long as many elementwise kernels take. These workers instead keep polling (yielding the CPU on each
/// poll) for a couple of milliseconds after a region ends, so the regions of a network's forward pass
/// start within microseconds; idle longer than that, they sleep on a condition variable. Only one region
/// runs at a time: a region started while another is running (nested, or from another thread) runs on
/// the calling thread.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// How long an idle worker keeps polling before it sleeps.
    static let spinNanoseconds: UInt64 = 2_000_000

    /// The current region: its generation (bits 32...), chunk count (bits 16..<32) and next unclaimed
    /// chunk (bits 0..<16). Claiming a chunk is a compare-exchange on this word, so a worker can never
    /// claim a chunk of a region other than the one it saw start.
    private let state = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var workers = 0
    private var generation = 0
    /// The current region's body and the CPU its caller runs on (written before `state` publishes it).
    private var job: ((Int) -> Void)? = nil
    private var callerCPU: Int32 = -1

    private init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    /// Runs `body(c)` for `c` in `0..<count` on up to `threads` threads; returns when all are done.
    func run(count: Int, threads: Int, _ body: (Int) -> Void) {
        guard count > 1, count < 1 << 16, threads > 1,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for c in 0..<count { body(c) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        ensureWorkers(min(threads, 256) - 1)
        withoutActuallyEscaping(body) { f in
            job = f
            callerCPU = Affinity.currentCPU()
            generation += 1
            pending.store(count, ordering: .relaxed)
            state.store(generation << 32 | count << 16, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&cond)
                pthread_mutex_unlock(&mutex)
            }
            runChunks(generation: generation)
            while pending.load(ordering: .acquiring) > 0 { sched_yield() }
            job = nil
        }
    }

    /// Starts the workers for `threads` threads ahead of the first region, so the scheduler has placed
    /// them on their own cores by the time work arrives.
    func prepare(threads: Int) {
        guard threads > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        ensureWorkers(min(threads, 256) - 1)
        busy.store(false, ordering: .releasing)
    }

    /// Claims and runs chunks of region `generation` until none is left.
    private func runChunks(generation g: Int) {
        var s = state.load(ordering: .acquiring)
        while s >> 32 == g {
            let index = s & 0xFFFF, count = (s >> 16) & 0xFFFF
            if index >= count { return }
            let (won, current) = state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing)
            if won {
                job!(index)
                pending.subtract(1, ordering: .releasing)
                s = state.load(ordering: .acquiring)
            } else {
                s = current
            }
        }
    }

    private func ensureWorkers(_ n: Int) {
        while workers < n {
            workers += 1
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            pthread_attr_setstacksize(&attr, 8 << 20)
            var tid = pthread_t()
            let unmanaged = Unmanaged.passRetained(self)
            pthread_create(&tid, &attr, { arg in
                let pool = Unmanaged<WorkerPool>.fromOpaque(arg!).takeRetainedValue()
                pool.workerLoop()
                return nil
            }, unmanaged.toOpaque())
            pthread_detach(tid)
            pthread_attr_destroy(&attr)
        }
    }

    private static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private func workerLoop() {
        var seen = state.load(ordering: .acquiring) >> 32
        while true {
            // Poll for the next region, then sleep.
            let start = WorkerPool.nanoseconds()
            var g = state.load(ordering: .acquiring) >> 32
            while g == seen && WorkerPool.nanoseconds() - start < WorkerPool.spinNanoseconds {
                sched_yield()
                g = state.load(ordering: .acquiring) >> 32
            }
            if g == seen {
                pthread_mutex_lock(&mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while state.load(ordering: .sequentiallyConsistent) >> 32 == seen { pthread_cond_wait(&cond, &mutex) }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(&mutex)
                g = state.load(ordering: .acquiring) >> 32
            }
            seen = g
            // The scheduler can leave a worker on its caller's core for a long time (both threads look
            // cache-hot, so neither is migrated) while the other core idles: step off that core.
            if callerCPU >= 0 && Affinity.currentCPU() == callerCPU { Affinity.moveOff(cpu: callerCPU) }
            runChunks(generation: g)
        }
    }
}

/// CPU placement through glibc's `sched_getcpu` / `sched_{get,set}affinity` (looked up at run time: Swift
/// does not import these GNU extensions).
enum Affinity {
    private typealias GetCPU = @convention(c) () -> Int32
    private typealias AffinityFn = @convention(c) (Int32, Int, UnsafeMutableRawPointer) -> Int32
    nonisolated(unsafe) private static let getCPU: GetCPU? = dlsym(nil, "sched_getcpu").map { unsafeBitCast($0, to: GetCPU.self) }
    nonisolated(unsafe) private static let getAffinity: AffinityFn? =
        dlsym(nil, "sched_getaffinity").map { unsafeBitCast($0, to: AffinityFn.self) }
    nonisolated(unsafe) private static let setAffinity: AffinityFn? =
        dlsym(nil, "sched_setaffinity").map { unsafeBitCast($0, to: AffinityFn.self) }

    /// The CPU the calling thread runs on, or -1 when unknown.
    static func currentCPU() -> Int32 { getCPU?() ?? -1 }

    /// Migrates the calling thread to another CPU it may run on (if any), leaving its affinity unchanged.
    static func moveOff(cpu: Int32) {
        guard let getAffinity, let setAffinity, cpu >= 0 else { return }
        var allowed = cpu_set_t()
        let size = MemoryLayout<cpu_set_t>.size
        guard Int(cpu) < size * 8, getAffinity(0, size, &allowed) == 0 else { return }
        var others = allowed
        let hasOther = withUnsafeMutableBytes(of: &others) { bytes -> Bool in
            bytes[Int(cpu) / 8] &= ~UInt8(1 << (Int(cpu) % 8))
            return bytes.contains { $0 != 0 }
        }
        guard hasOther, setAffinity(0, size, &others) == 0 else { return }
        _ = setAffinity(0, size, &allowed)
    }
}
#endif
