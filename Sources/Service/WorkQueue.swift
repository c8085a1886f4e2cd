import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// A bounded queue of blocking CPU jobs (model passes): at most `workers` run at once on their own
/// threads (not Swift's cooperative pool), at most `capacity` wait; a job beyond that is refused at once
/// with a 503 problem and `Retry-After`. A job that is not finished by its deadline answers 503 too; its
/// result is then dropped (nothing is stored for it).
public final class WorkQueue: @unchecked Sendable {
    public let workers: Int
    public let capacity: Int
    private let lock = NIOLock()
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let dispatch: DispatchQueue

    public init(workers: Int, capacity: Int) {
        self.workers = max(1, workers)
        self.capacity = max(0, capacity)
        dispatch = DispatchQueue(label: "vtfusion.inspect", attributes: .concurrent)
    }

    /// Jobs waiting for a worker.
    public var depth: Int { lock.withLock { waiting.count } }
    /// Jobs running.
    public var active: Int { lock.withLock { running } }

    /// Runs `job` on a worker thread when one is free, within `timeout` of the call.
    public func run<T: Sendable>(timeout: Duration, _ job: @escaping @Sendable () throws -> T) async throws -> T {
        let admission: Admission = lock.withLock {
            if running < workers { running += 1; return .run }
            if waiting.count < capacity { return .wait }
            return .full
        }
        switch admission {
        case .full:
            throw Problem.busy("all \(workers) workers are busy and \(capacity) jobs are waiting; retry later", retryAfter: 2)
        case .wait:
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let startNow: Bool = lock.withLock {
                    if running < workers { running += 1; return true }
                    waiting.append(c)
                    return false
                }
                if startNow { c.resume() }
            }
        case .run: break
        }
        // A worker slot is held from here on; it is released when the job itself ends (even after a timeout).
        let once = Once<T>()
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
            once.set(c)
            dispatch.async {
                let r = Result { try job() }
                self.release()
                once.resume(r)
            }
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            dispatch.asyncAfter(deadline: .now() + seconds) {
                once.resume(.failure(Problem.timeout("the job did not finish within \(Int(seconds)) s")))
            }
        }
    }

    private func release() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiting.isEmpty { running -= 1; return nil }
            return waiting.removeFirst()  // the slot passes to the next job
        }
        next?.resume()
    }
}

private enum Admission { case run, wait, full }

/// Resumes a continuation at most once.
final class Once<T: Sendable>: @unchecked Sendable {
    private let lock = NIOLock()
    private var continuation: CheckedContinuation<T, Error>?

    func set(_ c: CheckedContinuation<T, Error>) { lock.withLock { continuation = c } }

    func resume(_ r: Result<T, Error>) {
        let c: CheckedContinuation<T, Error>? = lock.withLock { let c = continuation; continuation = nil; return c }
        c?.resume(with: r)
    }
}
