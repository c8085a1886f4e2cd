import Foundation
import Inspection

/// Builds the defect naming (text prototypes of the names) for a profile's object; `nil` leaves regions unnamed.
/// Called at most once per object per process (the service caches the result).
public typealias DefectNamingProvider = @Sendable (_ object: String?) -> DefectNaming?

/// Settings and hard limits of one `vtfusion serve` process.
public struct ServiceConfiguration: Sendable {
    /// Bind address; loopback unless the operator names another host.
    public var host = "127.0.0.1"
    /// TCP port (0 picks a free one; tests use that).
    public var port = 8080
    /// Folder of the database file (SQLite), profile files and content-addressed images.
    public var dataDirectory: URL
    /// Largest request body accepted (bytes); larger bodies are answered 413 before decoding.
    public var maxBodyBytes = 32 << 20
    /// Largest decoded image (`width * height`), checked from the header before any pixel is decoded.
    public var maxPixels = 16_000_000
    /// Images in one inspect request.
    public var maxImagesPerRequest = 16
    /// Reference images of one profile (the library's cap is 16 as well).
    public var maxReferences = 16
    /// Longest time a request may wait for and use a worker before it is answered 503.
    public var requestTimeout: Duration = .seconds(120)
    /// Concurrent inspections / profile builds (default: the machine's cores).
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Jobs that may wait for a worker; beyond it requests are refused with 503 and `Retry-After`.
    public var queueCapacity = 32
    /// Largest page of `GET /v1/inspections`.
    public var maxPageSize = 200
    /// Fault injection for crash tests: the process kills itself (SIGKILL) after writing the files of its
    /// Nth inspection request and before the rows (`VTFUSION_SERVE_FAILPOINT=kill-after-files:N`).
    public var killAfterFiles: Int?
    /// Fault injection for shutdown tests: each inspection job takes this much longer
    /// (`VTFUSION_SERVE_FAILPOINT=delay-inspect-ms:N`).
    public var inspectDelayMilliseconds: Int?

    /// Smallest defect region reported, in pixels (as `vtfusion detect --min-area`).
    public var minRegionArea = 16
    /// Names each defect region (nil: regions are reported without names).
    public var naming: DefectNamingProvider?

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }
}
