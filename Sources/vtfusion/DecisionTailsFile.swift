import Foundation
import Inspection
import ArgumentParser
import Imaging
import UserFiles

/// Reading and writing ``DecisionTails`` files, and the tails shipped for the default backbone and recipe
/// (`DefaultHead/decision-tails.json`, written by `vtfusion eval --auxiliary-only --fit-decision-tails`).
enum DecisionTailsFile {
    static let shippedName = "decision-tails.json"
    /// Largest tails file read.
    static let maxBytes = 16 << 20

    static func load(path: String) throws -> DecisionTails {
        let data = try UserFile.data(path, maxBytes: maxBytes)
        do {
            let t = try JSONDecoder().decode(DecisionTails.self, from: data)
            guard t.format == "vtfusion-decision-tails" else {
                throw ValidationError("\(path): format '\(t.format)', expected 'vtfusion-decision-tails'")
            }
            return t
        } catch let e as DecodingError {
            throw ValidationError("\(path): not a decision-tails file: \(e)")
        }
    }

    static func write(_ tails: DecisionTails, to path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try e.encode(tails)), to: path)
    }

    /// The shipped tails when they were fitted for `backbone` with exactly `spec`; `nil` otherwise.
    static func shipped(backbone: String, spec: EvidenceSpec) -> DecisionTails? {
        guard let dir = try? DefaultHead.directory(),
              let t = try? load(path: dir.appendingPathComponent(shippedName).path),
              t.backbone == backbone, t.spec == spec else { return nil }
        return t
    }
}
