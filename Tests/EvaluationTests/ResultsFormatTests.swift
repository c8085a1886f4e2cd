import Inspection
import Foundation
import XCTest
@testable import Evaluation

final class ResultsFormatTests: XCTestCase {
    func testNPYHeaderLayoutAndRoundTrip() throws {
        let values: [Float] = [0, 1.5, -2, .pi, 1e-8, 65504]
        let bytes = NPYFile.encode(values, shape: [2, 3])
        XCTAssertEqual(Array(bytes[0..<8]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(bytes: bytes[10..<(10 + headerLength)], encoding: .ascii)!
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header)
        XCTAssertTrue(header.hasSuffix(" \n"))
        XCTAssertEqual(bytes.count, 10 + headerLength + 24)
        // Little-endian float32: 1.5 = 0x3FC00000.
        XCTAssertEqual(Array(bytes[(10 + headerLength + 4)..<(10 + headerLength + 8)]), [0, 0, 0xC0, 0x3F])
        let (decoded, shape) = try NPYFile.decode(bytes)
        XCTAssertEqual(shape, [2, 3])
        XCTAssertEqual(decoded, values)
        XCTAssertEqual(try NPYFile.decode(NPYFile.encode([7], shape: [1])).shape, [1])
        XCTAssertThrowsError(try NPYFile.decode(Array(bytes.dropLast())))
    }

    func testResultsJSONAndCSV() throws {
        var r = DetectionResults(toolVersion: "9.9", commandLine: ["vtfusion", "detect"],
                                 created: Date(timeIntervalSince1970: 1_700_000_000), references: ["a.png"],
                                 threshold: ThresholdChoice.manual(0.5),
                                 mapRange: .init(lo: 0, hi: 1, contourLevel: 0.5, source: "fixed"))
        r.entries = [
            .init(path: "x,1.png", score: 0.75, anomalous: true, label: true, files: .init(map: "maps/x.png")),
            .init(path: "y.png", score: 0.25, anomalous: false),
            .init(path: "z.png", error: "z.png: corrupt \"bad\""),
        ]
        r.entries[0].falseAlarmRate = 0.001
        r.entries[0].normalizedScore = 0.75
        r.entries[0].regions = [DefectRegion(x: 1, y: 2, width: 3, height: 4, area: 10, areaPercent: 0.5, peak: 2, mean: 1.5)]
        r.entries[0].regions![0].names = [DefectName(name: "scratch", probability: 0.6), DefectName(name: "crack", probability: 0.3)]
        XCTAssertEqual(r.summary, .init(images: 3, failed: 1, anomalous: 1, normal: 1))
        XCTAssertEqual(r.csv(), """
            path,score,decision,label,false_alarm_rate,normalized_score,regions,largest_region,defect,error
            "x,1.png",0.75,anomalous,anomalous,0.001,0.75,1,1 2 3 4 10,scratch,
            y.png,0.25,normal,,,,,,,
            z.png,,,,,,,,,"z.png: corrupt ""bad\"\"\"

            """)
        let dir = try temporaryDirectory()
        try r.write(to: dir)
        let loaded = try DetectionResults.load(from: dir)
        XCTAssertEqual(loaded, r)
        let text = try String(contentsOf: dir.appendingPathComponent("results.json"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"created\" : \"2023-11-14T22:13:20Z\""), text)
        XCTAssertTrue(text.contains("\"format\" : \"vtfusion-detect-results\""))

        var newer = r
        newer.version = DetectionResults.currentVersion + 1
        try newer.write(to: dir)
        XCTAssertThrowsError(try DetectionResults.load(from: dir)) { XCTAssertTrue("\($0)".contains("newer")) }
        XCTAssertThrowsError(try DetectionResults.load(from: dir.appendingPathComponent("nope")))
    }

    func testOutputDirectoryPolicy() throws {
        let root = try temporaryDirectory()
        let fresh = root.appendingPathComponent("a/b")
        try OutputDirectory.prepare(fresh, force: false)
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: fresh.path, isDirectory: &isDir) && isDir.boolValue)
        try OutputDirectory.prepare(fresh, force: false)            // empty: fine
        try Data("mine".utf8).write(to: fresh.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try OutputDirectory.prepare(fresh, force: false)) {
            XCTAssertEqual($0 as? ReportError, .outputNotEmpty(path: fresh.path))
        }
        try OutputDirectory.prepare(fresh, force: true)
        XCTAssertEqual(try String(contentsOf: fresh.appendingPathComponent("notes.txt"), encoding: .utf8), "mine")
        XCTAssertThrowsError(try OutputDirectory.prepare(fresh.appendingPathComponent("notes.txt"), force: true))
    }

    func testUniqueStems() {
        XCTAssertEqual(OutputDirectory.uniqueStems(for: ["a/crack/000.png", "a/good/000.png", "b/x y.jpg", "c/X Y.png", "d/@@.png"]),
                       ["crack_000", "good_000", "b_x_y", "c_X_Y", "__"])
        XCTAssertEqual(OutputDirectory.uniqueStems(for: ["a/b/x.png", "a/b/x.jpg", "q.png"]), ["b_x", "b_x_2", "q"])
    }

    func testInputExpansion() throws {
        let root = try temporaryDirectory()
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("d/sub"), withIntermediateDirectories: true)
        for name in ["d/b.png", "d/a.JPG", "d/sub/c.jpeg", "d/notes.txt", "d/.hidden.png", "single.bin"] {
            try Data([1]).write(to: root.appendingPathComponent(name))
        }
        let d = root.path + "/d"
        let files = InputFiles.expand([d, root.path + "/single.bin", root.path + "/missing.png", d + "/b.png"])
        XCTAssertEqual(files.images, [d + "/a.JPG", d + "/b.png", d + "/sub/c.jpeg", root.path + "/single.bin"])
        XCTAssertEqual(files.skipped.map(\.path), [d + "/notes.txt"])
        XCTAssertEqual(files.skipped.first?.reason, "not an image type (.txt)")
        XCTAssertEqual(files.missing, [root.path + "/missing.png"])
    }
}

/// A fresh empty folder under the system temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vtfusion-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
