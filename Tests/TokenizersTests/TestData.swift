import Foundation
import XCTest

/// Locates the third-party reference files fetched by Scripts/setup-test-data.sh
/// (`VTFUSION_TEST_DATA`, default `<repo>/.cache/testdata`); tests skip when they are absent.
enum TestData {
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["VTFUSION_TEST_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        // <repo>/Tests/TokenizersTests/TestData.swift -> <repo>/.cache/testdata
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".cache/testdata")
    }

    /// URL of `relativePath` inside the test-data directory, or an XCTSkip naming the missing file.
    static func file(_ relativePath: String) throws -> URL {
        let url = directory.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("missing \(url.path): run Scripts/setup-test-data.sh (or set VTFUSION_TEST_DATA)")
        }
        return url
    }

    static func fixture<T: Decodable>(_ name: String, as: T.Type) throws -> T {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }
}

struct TokenCase: Decodable {
    let text: String
    let ids: [Int]
}
