import Foundation
import XCTest

/// Third-party reference files fetched by Scripts/setup-test-data.sh (`VTFUSION_TEST_DATA`, default
/// `<repo>/.cache/testdata`); tests skip when they are absent.
enum TestData {
    static func file(_ relativePath: String) throws -> URL {
        let root = ProcessInfo.processInfo.environment["VTFUSION_TEST_DATA"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".cache/testdata")
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("missing \(url.path): run Scripts/setup-test-data.sh (or set VTFUSION_TEST_DATA)")
        }
        return url
    }
}
