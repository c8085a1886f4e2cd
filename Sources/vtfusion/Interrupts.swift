#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Evaluation

/// Process-wide start-up: SIGINT/SIGTERM print "interrupted" and exit 130/143; `VTFUSION_THREADS` is checked.
enum ProcessSetup {
    nonisolated(unsafe) static var message: [UInt8] = Array("\nvtfusion: interrupted\n".utf8)

    static func installSignalHandlers() {
        _ = message.count  // initialised before any signal arrives
        signal(SIGINT) { sig in
            ProcessSetup.message.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
            _exit(128 + sig)
        }
        signal(SIGTERM) { sig in
            ProcessSetup.message.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
            _exit(128 + sig)
        }
    }

    /// Refuses an invalid `VTFUSION_THREADS` (it used to be ignored silently).
    static func checkEnvironment() throws {
        _ = try CommandLineChecks.threadCount(getenv("VTFUSION_THREADS").map { String(cString: $0) })
    }
}
