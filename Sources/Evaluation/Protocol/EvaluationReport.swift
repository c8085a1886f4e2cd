import Foundation
import Inspection

/// Everything an evaluation run produced: per-(method, category, k, seed) metrics, per-image scores, the
/// k-shot plan and notes; tables per (method, k) and a summary table.
public struct EvaluationReport: Codable {
    /// One image's score in one run.
    public struct ImageScore: Codable, Equatable {
        public var method: String
        public var category: String
        public var k: Int
        public var seed: UInt64
        /// Path relative to the dataset root when it lies inside it.
        public var image: String
        public var defect: String
        public var anomalous: Bool
        public var score: Double
        /// For inspection models: the profile's estimated false-alarm rate of this score, and the score
        /// standardised by the profile's normal samples (what ``DecisionTail``s are fitted on).
        public var falseAlarmRate: Double? = nil
        public var standardized: Double? = nil
        /// The Student-t part of the estimate (the profile's own samples), which tails are combined with.
        public var studentTFalseAlarmRate: Double? = nil
        /// For inspection models: each evidence channel's calibrated z (the recipe's channel order), what a
        /// fusion of the channels is fitted on.
        public var channelZ: [Double]? = nil
        /// For inspection models on images with masks (or good images): the image's region counts as if the
        /// decision flagged it (``RegionCounts``); a decision report zeroes the predicted side of unflagged ones.
        public var regions: RegionCounts? = nil
    }

    /// Metrics of one (method, category, k, seed).
    public struct Run: Codable {
        public var method: String
        public var category: String
        public var k: Int
        public var seed: UInt64
        /// `nil` when the test set lacks normal or anomalous images.
        public var image: ImageMetrics?
        /// `nil` when masks are missing.
        public var pixel: PixelMetrics?
        public var scores: [ImageScore]
        /// For inspection models: the profile's channel calibration (each channel's normal values, mean and
        /// scale), what a better calibration can be studied on offline.
        public var calibration: EvidenceCalibration? = nil
    }

    public var plan: FewShotPlan
    public var methods: [String]
    public var shots: [Int]
    public var seeds: [UInt64]
    public var runs: [Run] = []
    /// Remarks printed with the tables (e.g. why a baseline is not applicable).
    public var notes: [String] = []
    /// Defect family (test/ folder name) -> "local" | "global", from the dataset's benchmark.json (v2);
    /// `nil` when the dataset has none. With it the report adds ``familyTable()``.
    public var families: [String: String]?

    public init(plan: FewShotPlan, methods: [String], shots: [Int], seeds: [UInt64]) {
        self.plan = plan; self.methods = methods; self.shots = shots; self.seeds = seeds
    }

    public mutating func add(_ run: Run) { runs.append(run) }

    /// The six standard values of a run.
    static func values(_ r: Run) -> [Double?] {
        [r.image?.auroc, r.image?.averagePrecision, r.image?.f1Max.value, r.pixel?.auroc, r.pixel?.aupro, r.pixel?.f1Max.value]
    }

    /// Per-category table of `method` at `k`: each value the mean over seeds; the mean row over categories.
    /// `nil` when the method has no run at `k`.
    public func table(method: String, k: Int) -> MetricsTable? {
        let selected = runs.filter { $0.method == method && $0.k == k }
        guard !selected.isEmpty else { return nil }
        var t = MetricsTable(columns: MetricsTable.standardColumns)
        var order: [String] = []
        for r in selected where !order.contains(r.category) { order.append(r.category) }
        for c in order {
            let rs = selected.filter { $0.category == c }.map(Self.values)
            t.addRow(c, values: (0..<6).map { col in
                let v = rs.compactMap { $0[col] }
                return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
            })
        }
        return t
    }

    /// One row per (method, k): the category means of ``table(method:k:)``.
    public func summary() -> MetricsTable {
        var t = MetricsTable(columns: MetricsTable.standardColumns, rowHeader: "method", meanName: "mean of rows")
        for m in methods {
            for k in shots {
                guard let table = table(method: m, k: k) else { continue }
                t.addRow("\(m), k=\(k)", values: table.meanRow.values)
            }
        }
        return t
    }

    /// Image AUROC of one run restricted to the good test images and those of the defect types in
    /// `defects`; `nil` when either side is empty or the scores are unusable.
    static func imageAUROC(_ r: Run, defects: Set<String>) -> Double? {
        let selected = r.scores.filter { !$0.anomalous || defects.contains($0.defect) }
        let labels = selected.map(\.anomalous)
        guard labels.contains(true), labels.contains(false) else { return nil }
        return try? ClassificationMetrics.auroc(scores: selected.map(\.score), labels: labels)
    }

    /// Image AUROC per defect family and per family kind ("local", "global"): rows = families (sorted, with
    /// their kind), then "all local" / "all global"; columns = "<method>, k=<k>". A family's value is the
    /// AUROC of the good test images vs that family's images, per (category, seed) run, averaged over the
    /// runs that have both. `nil` when ``families`` is not set.
    public func familyTable() -> MetricsTable? {
        guard let fams = families, !fams.isEmpty else { return nil }
        var columns: [(String, Int)] = []
        for m in methods { for k in shots where runs.contains(where: { $0.method == m && $0.k == k }) { columns.append((m, k)) } }
        guard !columns.isEmpty else { return nil }
        var t = MetricsTable(columns: columns.map { "\($0.0), k=\($0.1)" }, rowHeader: "defect family (kind)",
                             meanName: "mean of rows")
        func row(_ defects: Set<String>) -> [Double?] {
            columns.map { m, k in
                let v = runs.filter { $0.method == m && $0.k == k }.compactMap { Self.imageAUROC($0, defects: defects) }
                return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
            }
        }
        for f in fams.keys.sorted() { t.addRow("\(f) (\(fams[f]!))", values: row([f])) }
        for kind in ["local", "global"] {
            let members = Set(fams.filter { $0.value == kind }.keys)
            if !members.isEmpty { t.addRow("all \(kind)", values: row(members)) }
        }
        return t
    }

    /// Markdown: the summary, the notes, the per-family breakdown (when ``families`` is set), then every
    /// per-category table.
    public func markdown() -> String {
        var s = "## Summary (mean over categories; per category the mean over \(seeds.count) seed(s))\n\n"
        s += summary().markdown()
        for n in notes { s += "\n- " + n }
        if !notes.isEmpty { s += "\n" }
        if let ft = familyTable() {
            s += "\n## Image AUROC per defect family (good test images vs that family; mean over categories and seeds)\n\n"
            s += ft.markdown()
        }
        if !decisionRows().isEmpty {
            s += "\n## Decisions at the calibrated threshold (pooled over categories and seeds)\n\n" + decisionMarkdown()
        }
        for m in methods {
            for k in shots {
                guard let t = table(method: m, k: k) else { continue }
                s += "\n### \(m), k=\(k)\n\n" + t.markdown()
            }
        }
        return s
    }

    /// Per-image scores as CSV (`method,category,k,seed,image,defect,label,score`).
    public func scoresCSV() -> String {
        var lines = ["method,category,k,seed,image,defect,label,score"]
        for r in runs {
            for s in r.scores {
                let fields = [s.method, s.category, String(s.k), String(s.seed), s.image, s.defect,
                              s.anomalous ? "anomalous" : "normal", "\(s.score)"]
                lines.append(fields.map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// File-name-safe slug of a method name.
    static func slug(_ s: String) -> String {
        String(s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }).split(separator: "-").joined(separator: "-")
    }

    /// Writes `summary.{md,csv,json}`, `decisions.{md,json}` (inspection models), `families.{md,csv,json}` (when ``families`` is set), `tables/<method>_k<k>.{md,csv,json}`, `kshot_plan.json`,
    /// `image_scores.csv` and `runs.json` (everything, including per-image scores) into `directory`.
    /// Returns the written paths.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        let fm = FileManager.default
        let tables = directory.appendingPathComponent("tables")
        try fm.createDirectory(at: tables, withIntermediateDirectories: true)
        var written: [URL] = []
        func put(_ data: Data, _ url: URL) throws { try data.write(to: url, options: .atomic); written.append(url) }
        let sum = summary()
        try put(Data(markdown().utf8), directory.appendingPathComponent("summary.md"))
        try put(Data(sum.csv().utf8), directory.appendingPathComponent("summary.csv"))
        try put(try sum.json(), directory.appendingPathComponent("summary.json"))
        for m in methods {
            for k in shots {
                guard let t = table(method: m, k: k) else { continue }
                let base = tables.appendingPathComponent("\(Self.slug(m))_k\(k)")
                try put(Data(t.markdown().utf8), base.appendingPathExtension("md"))
                try put(Data(t.csv().utf8), base.appendingPathExtension("csv"))
                try put(try t.json(), base.appendingPathExtension("json"))
            }
        }
        if let ft = familyTable() {
            try put(Data(ft.markdown().utf8), directory.appendingPathComponent("families.md"))
            try put(Data(ft.csv().utf8), directory.appendingPathComponent("families.csv"))
            try put(try ft.json(), directory.appendingPathComponent("families.json"))
        }
        let decisions = decisionRows()
        if !decisions.isEmpty {
            try put(Data(decisionMarkdown().utf8), directory.appendingPathComponent("decisions.md"))
            let d = JSONEncoder()
            d.outputFormatting = [.prettyPrinted, .sortedKeys]
            try put(try d.encode(decisions), directory.appendingPathComponent("decisions.json"))
        }
        try put(try plan.jsonData(), directory.appendingPathComponent("kshot_plan.json"))
        try put(Data(scoresCSV().utf8), directory.appendingPathComponent("image_scores.csv"))
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try put(try e.encode(self), directory.appendingPathComponent("runs.json"))
        return written
    }
}

/// The defect families of a benchmark (`families` in `benchmark.json`, written by benchmark v2).
public enum BenchmarkFamilies {
    struct File: Decodable { var families: [String: String]? }

    /// Family -> "local" | "global" of the dataset at `root`; `nil` when it has no benchmark.json or the
    /// file has no `families` (v1).
    public static func read(root: URL?) -> [String: String]? {
        guard let root, let data = FileManager.default.contents(atPath: root.appendingPathComponent("benchmark.json").path),
              let f = try? JSONDecoder().decode(File.self, from: data) else { return nil }
        return f.families
    }
}
