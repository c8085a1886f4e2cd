import Foundation
import Inspection
import UserFiles

extension EvaluationReport {
    /// How the calibrated decision did at one target false-alarm rate (one method, one k, pooled over
    /// categories and seeds): realised false alarms on the good test images, defects caught, and the best
    /// any threshold could catch with no more false alarms (chosen per run, i.e. per profile, on its labels).
    public struct DecisionRow: Codable, Equatable {
        public var method: String
        public var k: Int
        public var target: Double
        public var goodImages: Int
        public var falseAlarms: Int
        public var defects: Int
        public var caught: Int
        public var bestCaughtAtSameFalseAlarms: Int
        /// Categories whose own realised rate exceeds twice the target.
        public var categoriesAboveTwiceTarget: [String]
        /// Region-level counts at this decision (``RegionCounts``), when the runs recorded regions.
        public var regions: RegionCounts? = nil

        public var falseAlarmRate: Double { goodImages > 0 ? Double(falseAlarms) / Double(goodImages) : .nan }
        public var recall: Double { defects > 0 ? Double(caught) / Double(defects) : .nan }
        public var bestRecall: Double { defects > 0 ? Double(bestCaughtAtSameFalseAlarms) / Double(defects) : .nan }
    }

    /// Targets the decisions are reported at.
    public static let decisionTargets = [0.01, 0.05]

    /// One row per (method with calibrated estimates, k, target).
    public func decisionRows(targets: [Double] = EvaluationReport.decisionTargets) -> [DecisionRow] {
        var rows: [DecisionRow] = []
        for m in methods {
            for k in shots {
                let selected = runs.filter { $0.method == m && $0.k == k && $0.scores.contains { $0.falseAlarmRate != nil } }
                guard !selected.isEmpty else { continue }
                for target in targets {
                    var row = DecisionRow(method: m, k: k, target: target, goodImages: 0, falseAlarms: 0, defects: 0, caught: 0,
                                          bestCaughtAtSameFalseAlarms: 0, categoriesAboveTwiceTarget: [])
                    var perCategory: [String: (Int, Int)] = [:]
                    for r in selected {
                        let flagged = r.scores.map { ($0.falseAlarmRate ?? 1) <= target }
                        let good = r.scores.indices.filter { !r.scores[$0].anomalous }
                        let bad = r.scores.indices.filter { r.scores[$0].anomalous }
                        let alarms = good.filter { flagged[$0] }.count
                        row.goodImages += good.count
                        row.falseAlarms += alarms
                        row.defects += bad.count
                        row.caught += bad.filter { flagged[$0] }.count
                        row.bestCaughtAtSameFalseAlarms += Self.bestCaught(scores: r.scores, allowedFalseAlarms: alarms)
                        for (i, score) in r.scores.enumerated() {
                            guard var c = score.regions else { continue }
                            if !flagged[i] { c.groundTruthFound = 0; c.predicted = 0; c.predictedOnDefect = 0; c.predictedOnGoodImages = 0 }
                            row.regions = (row.regions ?? RegionCounts()) + c
                        }
                        let c = perCategory[r.category] ?? (0, 0)
                        perCategory[r.category] = (c.0 + alarms, c.1 + good.count)
                    }
                    row.categoriesAboveTwiceTarget = perCategory.filter { $0.value.1 > 0 && Double($0.value.0) / Double($0.value.1) > 2 * target }
                        .keys.sorted()
                    rows.append(row)
                }
            }
        }
        return rows
    }

    /// Defects caught by the best threshold on the raw scores that flags at most `allowed` good images.
    static func bestCaught(scores: [ImageScore], allowedFalseAlarms allowed: Int) -> Int {
        let good = scores.filter { !$0.anomalous }.map(\.score).sorted(by: >)
        let bad = scores.filter(\.anomalous).map(\.score)
        // Flag everything above the (allowed + 1)-th highest good score.
        guard allowed < good.count else { return bad.count }
        let bar = good[allowed]
        return bad.filter { $0 > bar }.count
    }

    public func decisionMarkdown() -> String {
        var s = "| method | k | target FAR | false alarms | realised FAR | defects caught | recall | best recall at same FAR | categories above 2x target | region recall | region precision |\n"
        s += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        func share(_ a: Int, _ b: Int) -> String { b > 0 ? String(format: "%d / %d (%.3f)", a, b, Double(a) / Double(b)) : "-" }
        for r in decisionRows() {
            s += String(format: "| %@ | %d | %.2f | %d / %d | %.3f | %d / %d | %.3f | %.3f | %@ | %@ | %@ |\n", r.method, r.k, r.target,
                        r.falseAlarms, r.goodImages, r.falseAlarmRate, r.caught, r.defects, r.recall, r.bestRecall,
                        r.categoriesAboveTwiceTarget.isEmpty ? "-" : r.categoriesAboveTwiceTarget.joined(separator: ", "),
                        r.regions.map { share($0.groundTruthFound, $0.groundTruth) } ?? "-",
                        r.regions.map { share($0.predictedOnDefect, $0.predicted) } ?? "-")
        }
        return s
    }

    /// Decision tails of `method` from this report's good test images: per k the standardised scores
    /// (``DecisionTail``), kept per category (the worst category's tail) unless `pooled`. Fit them on
    /// auxiliary categories only.
    public func decisionTails(method: String, pooled: Bool = false) -> [DecisionTail] {
        shots.compactMap { k in
            let selected = runs.filter { $0.method == method && $0.k == k }
            let groups = Dictionary(grouping: selected, by: \.category).sorted { $0.key < $1.key }.map { _, runs in
                runs.flatMap(\.scores).filter { !$0.anomalous }.compactMap(\.standardized)
            }
            guard groups.contains(where: { !$0.isEmpty }) else { return nil }
            return pooled ? DecisionTail(referenceCount: k, samples: groups.flatMap { $0 })
                          : DecisionTail(referenceCount: k, samplesByCategory: groups)
        }
    }
}

extension EvaluationReport {
    /// The report with `method`'s false-alarm estimates recomputed from its recorded standardised scores
    /// and `tails`, combined with the recorded Student-t estimates as ``DecisionCalibration`` combines them
    /// (the decision a model with those tails would have made; the scores are unchanged). A run recorded
    /// before `studentTFalseAlarmRate` existed must have been made without tails: its `falseAlarmRate` is
    /// then the Student-t estimate.
    public func applying(_ tails: DecisionTails, method: String) -> EvaluationReport {
        var out = self
        for r in out.runs.indices where out.runs[r].method == method {
            guard let tail = tails.tail(forReferences: out.runs[r].k) else { continue }
            for i in out.runs[r].scores.indices {
                let s = out.runs[r].scores[i]
                guard let u = s.standardized, let t = s.studentTFalseAlarmRate ?? s.falseAlarmRate else { continue }
                out.runs[r].scores[i].falseAlarmRate = max(t, min(1, tail.exceedance(u)))
            }
        }
        return out
    }

    /// Reads `runs.json` written by ``write(to:)``.
    public static func load(runs url: URL) throws -> EvaluationReport {
        let data = try UserFile.data(url.path, maxBytes: 1 << 30)
        do { return try JSONDecoder().decode(EvaluationReport.self, from: data) } catch {
            throw ReportError.unreadable(path: url.path, reason: "not an evaluation runs.json: \(error)")
        }
    }
}
