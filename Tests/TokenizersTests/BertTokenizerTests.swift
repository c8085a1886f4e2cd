import Foundation
import XCTest
@testable import Tokenizers

final class BertTokenizerTests: XCTestCase {
    struct Fixture: Decodable {
        let cases: [TokenCase]
        let maxLength16: [TokenCase]
    }

    func tokenizer() throws -> BertTokenizer {
        try BertTokenizer(vocabFile: TestData.file("minilm/vocab.txt"))
    }

    func testVocabulary() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.vocabulary.count, 30522)
        XCTAssertEqual([t.padToken, t.unkToken, t.clsToken, t.sepToken], [0, 100, 101, 102])
    }

    func testParityWithTransformers() throws {
        let t = try tokenizer()
        let fixture = try TestData.fixture("bert_tokens", as: Fixture.self)
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 1000)
        var mismatches = 0
        for c in fixture.cases {
            let got = t.encode(c.text, maxLength: 100_000).map(Int.init)
            if got != c.ids {
                mismatches += 1
                if mismatches <= 10 { XCTFail("\(c.text.debugDescription): expected \(c.ids), got \(got)") }
            }
        }
        XCTAssertEqual(mismatches, 0, "\(mismatches) of \(fixture.cases.count) strings differ")
        XCTAssertFalse(fixture.maxLength16.isEmpty)
        for c in fixture.maxLength16 {
            XCTAssertEqual(t.encode(c.text, maxLength: 16).map(Int.init), c.ids, c.text.debugDescription)
        }
    }

    func testWordPieceAndBasicTokens() throws {
        let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "hello", ",", "!", "cafe", "中"]
        let t = try BertTokenizer(vocabulary: Dictionary(uniqueKeysWithValues: vocab.enumerated().map { ($1, $0) }))
        XCTAssertEqual(t.basicTokens(" Héllo,\tCAFÉ!中中\u{0}x\u{200B}y "), ["hello", ",", "cafe", "!", "中", "中", "xy"])
        XCTAssertEqual(t.tokenIDs("unaffable"), [4, 5, 6])
        XCTAssertEqual(t.tokenIDs("unaff unknown"), [4, 5, 1])
        XCTAssertEqual(t.tokenIDs(String(repeating: "un", count: 51)), [1], "over 100 characters is [UNK]")
        let batch = t.encode(["hello", "hello, cafe!"], maxLength: 5)
        XCTAssertEqual(batch.ids, [[2, 7, 3, 0, 0], [2, 7, 8, 10, 3]])
        XCTAssertEqual(batch.attentionMask, [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
        XCTAssertEqual(t.encode(["hello"], maxLength: 6, padToMaxLength: true).ids, [[2, 7, 3, 0, 0, 0]])
    }

    func testMissingSpecialToken() {
        XCTAssertThrowsError(try BertTokenizer(vocabulary: ["[CLS]": 0, "[SEP]": 1, "[PAD]": 2])) {
            XCTAssertTrue("\($0)".contains("[UNK]"))
        }
    }
}
