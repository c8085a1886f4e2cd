import Foundation

/// A results table: one row per category plus a mean row, rendered as Markdown, CSV or JSON.
///
/// Values are fractions (AUROC 0.968); Markdown shows them as percentages with one decimal ("96.8") by
/// default, CSV and JSON keep full precision. A missing value (metric undefined for that category, e.g. no
/// masks) is `nil`: "n/a" in Markdown, an empty CSV field, `null` in JSON. The mean row averages, per column,
/// the categories that have a value (the field's convention: metric per category, then the mean).
public struct MetricsTable: Codable, Equatable, Sendable {
    /// One table row.
    public struct Row: Codable, Equatable, Sendable {
        public var name: String
        /// One value per column (`nil` = not available).
        public var values: [Double?]

        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// Header of the first column (e.g. "category").
    public var rowHeader: String
    /// Metric column names, e.g. `["image AUROC", "image AP", "pixel AUPRO"]`.
    public var columns: [String]
    /// Category rows, in insertion order.
    public var rows: [Row]
    /// Name of the mean row.
    public var meanName: String

    public init(columns: [String], rowHeader: String = "category", meanName: String = "mean") {
        self.columns = columns
        self.rowHeader = rowHeader
        self.meanName = meanName
        self.rows = []
    }

    /// Standard columns of `vtfusion eval`.
    public static let standardColumns = ["image AUROC", "image AP", "image F1-max",
                                         "pixel AUROC", "pixel AUPRO", "pixel F1-max"]

    /// Appends a row. Non-finite values are stored as missing.
    public mutating func addRow(_ name: String, values: [Double?]) {
        if values.count != columns.count {
            fatalError("MetricsTable.addRow: \(values.count) values for \(columns.count) columns")
        }
        rows.append(Row(name: name, values: values.map { v in v.flatMap { $0.isFinite ? $0 : nil } }))
    }

    /// Appends a row from named values; columns without a value are missing, unknown names are a programmer
    /// error.
    public mutating func addRow(_ name: String, named: [String: Double]) {
        for key in named.keys where !columns.contains(key) {
            fatalError("MetricsTable.addRow: unknown column '\(key)' (columns: \(columns))")
        }
        addRow(name, values: columns.map { named[$0] })
    }

    /// Appends the standard row of ``standardColumns`` (either part may be missing).
    public mutating func addRow(_ name: String, image: ImageMetrics?, pixel: PixelMetrics?) {
        addRow(name, values: [image?.auroc, image?.averagePrecision, image?.f1Max.value,
                              pixel?.auroc, pixel?.aupro, pixel?.f1Max.value])
    }

    /// Per-column mean over the rows that have a value (`nil` when none has).
    public var meanRow: Row {
        let means: [Double?] = columns.indices.map { c in
            let present = rows.compactMap { $0.values[c] }
            return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
        }
        return Row(name: meanName, values: means)
    }

    /// GitHub-flavoured Markdown: header, category rows, then the mean row in bold.
    /// - Parameters:
    ///   - scale: multiplier for display (100 = percent).
    ///   - decimals: digits after the point.
    public func markdown(scale: Double = 100, decimals: Int = 1) -> String {
        func cell(_ v: Double?) -> String { v.map { String(format: "%.\(decimals)f", $0 * scale) } ?? "n/a" }
        var lines = ["| " + ([rowHeader] + columns).map(Self.escapeMarkdown).joined(separator: " | ") + " |",
                     "|" + String(repeating: "---|", count: columns.count + 1)]
        for row in rows {
            lines.append("| " + ([Self.escapeMarkdown(row.name)] + row.values.map(cell)).joined(separator: " | ") + " |")
        }
        if !rows.isEmpty {
            let mean = meanRow
            lines.append("| **" + Self.escapeMarkdown(mean.name) + "** | "
                         + mean.values.map { "**" + cell($0) + "**" }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV with full-precision fractions (shortest round-trip representation), mean row last.
    public func csv() -> String {
        var lines = [([rowHeader] + columns).map(Self.escapeCSV).joined(separator: ",")]
        for row in rows + (rows.isEmpty ? [] : [meanRow]) {
            lines.append(([Self.escapeCSV(row.name)] + row.values.map { $0.map { "\($0)" } ?? "" })
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON: `{"columns": [...], "rowHeader": ..., "rows": [{"name": ..., "values": [...]}], "mean": {...}}`,
    /// pretty-printed with sorted keys; missing values are `null`.
    public func json() throws -> Data {
        struct Document: Encodable {
            var rowHeader: String
            var columns: [String]
            var rows: [Row]
            var mean: Row?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Document(rowHeader: rowHeader, columns: columns, rows: rows,
                                           mean: rows.isEmpty ? nil : meanRow))
    }

    private static func escapeMarkdown(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    private static func escapeCSV(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
