import Foundation
import XCTest
@testable import Imaging

/// Path of a committed fixture file.
func fixturePath(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    let ns = name as NSString
    guard let url = Bundle.module.url(forResource: ns.deletingPathExtension, withExtension: ns.pathExtension,
                                      subdirectory: "Fixtures") else {
        XCTFail("missing fixture \(name)", file: file, line: line)
        return "/nonexistent/\(name)"
    }
    return url.path
}

/// Parsed JSON fixture.
func fixtureJSON(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath(name)))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

func ints(_ any: Any?) -> [Int] { (any as! [Any]).map { ($0 as! NSNumber).intValue } }
func floats(_ any: Any?) -> [Float] { (any as! [Any]).map { ($0 as! NSNumber).floatValue } }

/// Largest absolute difference between two equally long sample arrays.
func maxAbsDiff<T: BinaryInteger>(_ a: [T], _ b: [Int]) -> Int {
    precondition(a.count == b.count, "count \(a.count) vs \(b.count)")
    var m = 0
    for i in 0..<a.count { m = max(m, abs(Int(a[i]) - b[i])) }
    return m
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "count \(a.count) vs \(b.count)")
    var m: Float = 0
    for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// A fresh temporary directory removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir.path
}
