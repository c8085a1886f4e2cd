import Foundation
import ModelStore
import XCTest
@testable import Tokenizers

final class CLIPTokenizerTests: XCTestCase {
    struct Fixture: Decodable {
        let cases: [TokenCase]
        let contextLength16: [TokenCase]
    }

    /// Both vocabulary formats are loaded once per test run (each takes well under a second).
    nonisolated(unsafe) static var cached: (gz: CLIPTokenizer, hf: CLIPTokenizer)?

    func tokenizers() throws -> (gz: CLIPTokenizer, hf: CLIPTokenizer) {
        if let c = Self.cached { return c }
        let gz = try CLIPTokenizer(bpeFile: TestData.file("clip/bpe_simple_vocab_16e6.txt.gz"))
        let hf = try CLIPTokenizer(vocabFile: TestData.file("clip/vocab.json"),
                                   mergesFile: TestData.file("clip/merges.txt"))
        Self.cached = (gz, hf)
        return (gz, hf)
    }

    func testVocabularyShape() throws {
        let (gz, hf) = try tokenizers()
        for t in [gz, hf] {
            XCTAssertEqual(t.startToken, 49406)
            XCTAssertEqual(t.endToken, 49407)
            XCTAssertEqual(t.vocabularySize, 49408)
            XCTAssertEqual(t.merges.count, 48894)
        }
        XCTAssertEqual(gz.byteIds, hf.byteIds)
        XCTAssertEqual(gz.byteEndIds, hf.byteEndIds)
    }

    func testParityWithOpenCLIP() throws {
        let (gz, hf) = try tokenizers()
        let fixture = try TestData.fixture("clip_tokens", as: Fixture.self)
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 1000)
        XCTAssertGreaterThan(fixture.cases.filter { $0.ids.count > 77 }.count, 3, "fixture must contain long inputs")
        let mojibake = fixture.cases.filter {
            let s = PythonText.scalars($0.text)
            return CLIPTextCleaner.fixText(s) != CLIPTextCleaner.fixText(s, fixEncoding: false)
        }
        XCTAssertGreaterThan(mojibake.count, 600, "fixture must contain text that ftfy's mojibake repair changes")
        var mismatches = 0
        for c in fixture.cases {
            let expected = c.ids.map(Int32.init)
            let got = [Int32(gz.startToken)] + gz.tokenIDs(c.text).map(Int32.init) + [Int32(gz.endToken)]
            if got != expected {
                mismatches += 1
                if mismatches <= 10 { XCTFail("\(c.text.debugDescription): expected \(c.ids), got \(got)") }
            }
            // Padded / truncated form at the default context length.
            var row = Array(expected.prefix(77))
            if expected.count > 77 { row[76] = 49407 }
            row += [Int32](repeating: 0, count: 77 - row.count)
            XCTAssertEqual(hf.encode(c.text), row, c.text.debugDescription)
        }
        XCTAssertEqual(mismatches, 0, "\(mismatches) of \(fixture.cases.count) strings differ")
    }

    func testShortContextLength() throws {
        let (gz, _) = try tokenizers()
        let fixture = try TestData.fixture("clip_tokens", as: Fixture.self)
        let batch = gz.encode(fixture.contextLength16.map(\.text), contextLength: 16)
        XCTAssertEqual(batch.count, fixture.contextLength16.count)
        for (row, c) in zip(batch, fixture.contextLength16) {
            XCTAssertEqual(row, c.ids.map(Int32.init), c.text.debugDescription)
        }
    }

    func testTruncationKeepsEndTokenLast() throws {
        let (gz, _) = try tokenizers()
        let row = gz.encode(String(repeating: "defect ", count: 200))
        XCTAssertEqual(row.count, 77)
        XCTAssertEqual(row.first, 49406)
        XCTAssertEqual(row.last, 49407)
        XCTAssertEqual(gz.endTokenPosition(row), 76)
        XCTAssertFalse(row.contains(0))
        let short = gz.encode("a photo")
        XCTAssertEqual(gz.endTokenPosition(short), 3)
        XCTAssertEqual(Array(short[4...]), [Int32](repeating: 0, count: 73))
    }

    func testPreTokenizerSplit() {
        func texts(_ s: String) -> [String] {
            CLIPTokenizer.split(Array(s.unicodeScalars)).map {
                switch $0 {
                case .start: return "<S>"
                case .end: return "<E>"
                case .text(let t): return PythonText.string(t)
                }
            }
        }
        XCTAssertEqual(texts("it's 42nd!?"), ["it", "'s", "4", "2", "nd", "!?"])
        XCTAssertEqual(texts("!<|endoftext|>x"), ["!<|", "endoftext", "|>", "x"])
        XCTAssertEqual(texts("<|startoftext|>a<|endoftext|>"), ["<S>", "a", "<E>"])
        XCTAssertEqual(texts("we'll ''s"), ["we", "'ll", "''", "s"])
        XCTAssertEqual(texts("e\u{301}\u{5d0}"), ["e", "\u{301}", "\u{5d0}"])
    }

    func testTextCleaning() {
        XCTAssertEqual(CLIPTextCleaner.clean("  Hello\t\nWORLD  "), "hello world")
        XCTAssertEqual(CLIPTextCleaner.clean("caf&eacute; &amp;amp; AT&T"), "café & at&t")
        XCTAssertEqual(CLIPTextCleaner.clean("“Quoted” ﬁne ＡＢＣ"), "\"quoted\" fine abc")
        XCTAssertEqual(CLIPTextCleaner.clean("ΟΔΟΣ ΣΑΣ"), "οδος σας")
        XCTAssertEqual(CLIPTextCleaner.clean("cafe\u{301}"), "caf\u{e9}")
        XCTAssertEqual(CLIPTextCleaner.clean("\u{1B}[31mred\u{1B}[0m \u{93}x\u{94}"), "red \"x\"")
    }

    func testMissingAndCorruptFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try CLIPTokenizer(bpeFile: dir.appendingPathComponent("none.gz"))) {
            XCTAssertTrue("\($0)".contains("none.gz"))
        }
        let bad = dir.appendingPathComponent("bad.gz")
        try Data("not gzip".utf8).write(to: bad)
        XCTAssertThrowsError(try CLIPTokenizer(bpeFile: bad)) { XCTAssertTrue("\($0)".contains("gzip")) }
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        try Data("{\"a\": 0}".utf8).write(to: vocab)
        try Data("#version: 0.2\na b\n".utf8).write(to: merges)
        XCTAssertThrowsError(try CLIPTokenizer(vocabFile: vocab, mergesFile: merges)) {
            guard case TokenizerError.missingToken = $0 else { return XCTFail("unexpected \($0)") }
        }
    }
}
