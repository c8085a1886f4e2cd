import Foundation
import XCTest
@testable import Tokenizers

/// Parity of `CLIPTextCleaner.fixText` (ftfy.fix_text) and `MojibakeBadness.isBad` (ftfy.badness.is_bad) with
/// ftfy 6.3.1, on the cases written by Scripts/make_tokenizer_fixtures.py.
final class MojibakeRepairTests: XCTestCase {
    struct Case: Decodable {
        let text: String
        let fixed: String
        let repaired: Bool
    }

    struct Fixture: Decodable {
        let cases: [Case]
        let badnessProbes: [String]
        let badnessBits: String
    }

    nonisolated(unsafe) static var cached: Fixture?

    func fixture() throws -> Fixture {
        if let f = Self.cached { return f }
        let f = try TestData.fixture("ftfy_cases", as: Fixture.self)
        Self.cached = f
        return f
    }

    private func show(_ s: [Unicode.Scalar]) -> String { PythonText.string(s).debugDescription }

    func testFixTextMatchesFTFY() throws {
        let f = try fixture()
        XCTAssertGreaterThan(f.cases.count, 2000)
        var mismatches = 0
        for c in f.cases {
            let got = CLIPTextCleaner.fixText(PythonText.scalars(c.text))
            if got != PythonText.scalars(c.fixed) {
                mismatches += 1
                if mismatches <= 10 {
                    XCTFail("\(c.text.debugDescription): ftfy \(c.fixed.debugDescription), got \(show(got))")
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "\(mismatches) of \(f.cases.count) cases differ from ftfy.fix_text")
    }

    /// The fixture is only a test of mojibake repair if many cases need it: without `fix_encoding` exactly the
    /// cases ftfy repairs must come out different.
    func testCasesNeedRepair() throws {
        let f = try fixture()
        let repaired = f.cases.filter(\.repaired)
        XCTAssertGreaterThan(repaired.count, 600)
        var changedWithoutRepair = 0
        for c in f.cases {
            let plain = CLIPTextCleaner.fixText(PythonText.scalars(c.text), fixEncoding: false)
            let differs = plain != PythonText.scalars(c.fixed)
            if differs { changedWithoutRepair += 1 }
            XCTAssertEqual(differs, c.repaired, c.text.debugDescription)
        }
        XCTAssertEqual(changedWithoutRepair, repaired.count)
    }

    func testBadnessMatchesFTFY() throws {
        let f = try fixture()
        let bits = Array(f.badnessBits)
        XCTAssertEqual(bits.count, f.badnessProbes.count)
        XCTAssertGreaterThan(bits.filter { $0 == "1" }.count, 500)
        XCTAssertGreaterThan(bits.filter { $0 == "0" }.count, 500)
        var mismatches = 0
        for (probe, bit) in zip(f.badnessProbes, bits) {
            let got = MojibakeBadness.isBad(PythonText.scalars(probe)[...])
            if got != (bit == "1") {
                mismatches += 1
                if mismatches <= 10 { XCTFail("is_bad(\(probe.debugDescription)) is \(bit == "1"), got \(got)") }
            }
        }
        XCTAssertEqual(mismatches, 0)
    }

    /// Examples from ftfy's documentation.
    func testDocumentedExamples() {
        func fix(_ s: String) -> String { PythonText.string(MojibakeRepair.fixEncoding(PythonText.scalars(s))) }
        XCTAssertEqual(fix("sÃ³"), "só")
        XCTAssertEqual(fix("voilÃ le travail"), "voilà le travail")
        XCTAssertEqual(fix("&ATILDE;&SUP3;"), "&ATILDE;&SUP3;")
        let shrug = CLIPTextCleaner.fixText(PythonText.scalars("&macr;\\_(ã\u{83}\u{84})_/&macr;"))
        XCTAssertEqual(PythonText.string(shrug), "¯\\_(ツ)_/¯")
        XCTAssertEqual(CLIPTextCleaner.clean("âœ” No problems"), "✔ no problems")
        XCTAssertEqual(CLIPTextCleaner.clean("The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows."),
                       "the mona lisa doesn't have eyebrows.")
    }

    func testUTF8Variants() {
        func decode(_ b: [UInt8], _ variants: Bool = true) -> String? {
            MojibakeBytes.decodeUTF8(b, variants: variants).map { PythonText.string($0) }
        }
        // U+1F600 as a CESU-8 surrogate pair, and Java's two-byte NUL.
        XCTAssertEqual(decode([0x61, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0x62]), "a\u{1F600}b")
        XCTAssertNil(decode([0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80], false))
        XCTAssertEqual(decode([0xC0, 0x80, 0x41]), "\u{0}A")
        XCTAssertNil(decode([0xC0, 0x80], false))
        XCTAssertNil(decode([0xED, 0xA0, 0xBD]))  // lone surrogate
        XCTAssertEqual(decode([0xED, 0x9F, 0xBF]), "\u{D7FF}")
        XCTAssertNil(decode([0xE0, 0x80, 0x80]))  // overlong
        XCTAssertNil(decode([0xF4, 0x90, 0x80, 0x80]))  // above U+10FFFF
        XCTAssertNil(decode([0xE2, 0x82]))  // truncated
        XCTAssertEqual(decode([0xF0, 0x9F, 0x91, 0x8D], false), "👍")
    }

    func testByteRepairs() {
        XCTAssertEqual(MojibakeBytes.restoreByteA0(Array("\u{C3} la".unicodeScalars.map { UInt8($0.value) })),
                       [0xC3, 0xA0, 0x20, 0x6C, 0x61])
        // "Ã s " is not "à s ": the space only turns back into byte A0
        XCTAssertEqual(MojibakeBytes.restoreByteA0([0xC3, 0x20, 0x73, 0x20]), [0xC3, 0xA0, 0x73, 0x20])
        XCTAssertEqual(MojibakeBytes.restoreByteA0([0xE2, 0x80, 0x20]), [0xE2, 0x80, 0xA0])
        XCTAssertEqual(MojibakeBytes.replaceLossySequences([0x61, 0xE2, 0x80, 0x1A, 0x62]),
                       [0x61, 0xEF, 0xBF, 0xBD, 0x62])
        XCTAssertEqual(MojibakeBytes.replaceLossySequences([0xC3, 0x3F, 0x3F]), [0xEF, 0xBF, 0xBD, 0x3F])
        XCTAssertEqual(MojibakeBytes.replaceLossySequences([0x3F, 0x41]), [0x3F, 0x41])
    }

    /// Ordinary prompts never reach the code-page trials, so cleaning stays cheap: text without any character of
    /// ftfy's mojibake categories skips the heuristic entirely, accented words are checked and left alone.
    func testFastPathForOrdinaryText() {
        let skipped = ["a photo of a damaged bottle.", "表面缺陷 👍", "हिन्दी", "עברית"]
        let checked = ["Défaut de surface sur le métal", "поверхностный дефект", "naïve café", "±5 µm",
                       "ΟΔΟΣ"]
        for p in skipped { XCTAssertFalse(MojibakeRepair.mayNeedRepair(PythonText.scalars(p)), p) }
        for p in checked {
            XCTAssertTrue(MojibakeRepair.mayNeedRepair(PythonText.scalars(p)), p)
            XCTAssertFalse(MojibakeBadness.isBad(PythonText.scalars(p)[...]), p)
        }
        XCTAssertTrue(MojibakeBadness.isBad(PythonText.scalars("cafÃ©")[...]))
    }
}
