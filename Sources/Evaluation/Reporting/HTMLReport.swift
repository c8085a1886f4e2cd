import Foundation
import UserFiles
import Imaging

/// A single-file HTML5 report of a `vtfusion detect` or `vtfusion eval` output directory.
///
/// ## Contents
/// - Summary: what was run (tool version, date, command line, backbone, checkpoint, object, references),
///   the threshold and the rule that set it, the map range, and the counts (images, failed, anomalous,
///   normal; with labels also true/false positives and negatives).
/// - Metrics: every top-level `*.json` file of the directory that holds a ``MetricsTable`` document (as
///   written by ``MetricsTable/json()``), one table per file, per category plus the mean, in percent.
/// - Images: one table per results set (the directory's own `results.json` and those of its immediate
///   subdirectories, e.g. one per category), sorted by score, highest first, with each image's panel.
/// - Failed images with their error.
///
/// ## Images
/// Panels are embedded as base64 `data:` URIs while their total size stays within ``embedLimit`` (default
/// 24 MB) so the report is one self-contained file. Beyond it the report links the panel files instead
/// (relative paths when the report is inside the results directory, `file://` URLs otherwise) and says so
/// at the top. No external resource (script, font, stylesheet) is ever referenced.
public struct HTMLReport {
    /// One results set (a `results.json`) and where its relative file paths start.
    public struct Section {
        public var title: String
        public var directory: URL
        public var results: DetectionResults

        public init(title: String, directory: URL, results: DetectionResults) {
            self.title = title; self.directory = directory; self.results = results
        }
    }

    /// A metrics table read from a JSON file.
    public struct Metrics {
        public var title: String
        public var rowHeader: String
        public var columns: [String]
        public var rows: [MetricsTable.Row]
        public var mean: MetricsTable.Row?
    }

    public var title: String
    public var sections: [Section]
    public var metrics: [Metrics]
    /// Largest total size of embedded panel images, in bytes.
    public var embedLimit: Int = 24 << 20

    public init(title: String, sections: [Section], metrics: [Metrics] = []) {
        self.title = title; self.sections = sections; self.metrics = metrics
    }

    /// Reads a detect/eval output directory: its `results.json`, its subdirectories' `results.json`, and
    /// its metrics-table JSON files.
    /// - Throws: ``ReportError/missing(path:what:)`` when the directory holds none of them.
    public static func load(from directory: URL) throws -> HTMLReport {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw ReportError.missing(path: directory.path, what: "results directory")
        }
        var sections: [Section] = []
        if fm.fileExists(atPath: directory.appendingPathComponent(DetectionResults.jsonFile).path) {
            sections.append(Section(title: directory.lastPathComponent, directory: directory,
                                    results: try DetectionResults.load(from: directory)))
        }
        let children = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).sorted().filter { !$0.hasPrefix(".") }
        for name in children {
            let sub = directory.appendingPathComponent(name)
            var d: ObjCBool = false
            if fm.fileExists(atPath: sub.path, isDirectory: &d), d.boolValue,
               fm.fileExists(atPath: sub.appendingPathComponent(DetectionResults.jsonFile).path) {
                sections.append(Section(title: name, directory: sub, results: try DetectionResults.load(from: sub)))
            }
        }
        var metrics: [Metrics] = []
        for name in children where name.hasSuffix(".json") && name != DetectionResults.jsonFile {
            if let m = readMetrics(directory.appendingPathComponent(name)) { metrics.append(m) }
        }
        guard !sections.isEmpty || !metrics.isEmpty else {
            throw ReportError.missing(path: directory.path,
                                      what: "results.json or metrics table JSON (is this a vtfusion detect/eval output directory?)")
        }
        return HTMLReport(title: "VTFusion report: \(directory.lastPathComponent)", sections: sections, metrics: metrics)
    }

    /// A metrics-table document, or nil when the file is some other JSON.
    static func readMetrics(_ url: URL) -> Metrics? {
        struct Document: Decodable {
            var rowHeader: String
            var columns: [String]
            var rows: [MetricsTable.Row]
            var mean: MetricsTable.Row?
        }
        guard let data = try? UserFile.data(url.path),
              let doc = try? JSONDecoder().decode(Document.self, from: data),
              doc.rows.allSatisfy({ $0.values.count == doc.columns.count }) else { return nil }
        return Metrics(title: url.deletingPathExtension().lastPathComponent, rowHeader: doc.rowHeader,
                       columns: doc.columns, rows: doc.rows, mean: doc.mean)
    }

    /// The HTML document; `reportLocation` is the folder the report will be written to (for linked images).
    public func render(reportLocation: URL) -> String {
        var budget = embedLimit
        var linked = 0
        func imageSource(_ rel: String, in dir: URL) -> String? {
            guard let url = EmbeddablePath.resolve(rel, under: dir),
                  let data = try? UserFile.data(url.path, maxBytes: 64 << 20) else { return nil }
            if data.count <= budget {
                budget -= data.count
                return "data:image/png;base64," + data.base64EncodedString()
            }
            linked += 1
            let base = reportLocation.standardizedFileURL.path + "/"
            let full = url.standardizedFileURL.path
            return full.hasPrefix(base) ? String(full.dropFirst(base.count)) : url.standardizedFileURL.absoluteString
        }
        var body = "<h1>\(Self.escape(title))</h1>\n"
        var sectionsHTML = ""
        for section in sections { sectionsHTML += renderSection(section, imageSource: imageSource) }
        if linked > 0 {
            body += "<p class=\"note\">\(linked) panel images are linked beside the report rather than embedded "
                + "(embedded images would exceed \(embedLimit >> 20) MB).</p>\n"
        }
        for m in metrics { body += renderMetrics(m) }
        body += sectionsHTML
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f0f0f0; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.mean td { font-weight: bold; }
        .anomalous { color: #b00020; font-weight: bold; }
        .normal { color: #1b5e20; }
        .note { color: #555; }
        img.panel { max-width: 100%; height: auto; display: block; }
        code { background: #f6f6f6; padding: 0 0.2em; }
        .charts svg { margin: 0 1em 1em 0; border: 1px solid #eee; }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    /// Renders and writes the report atomically.
    public func write(to file: URL) throws {
        try AtomicFile.write(text: render(reportLocation: file.deletingLastPathComponent()), to: file.path)
    }

    // MARK: parts

    func renderMetrics(_ m: Metrics) -> String {
        func cell(_ v: Double?) -> String { v.map { String(format: "%.1f", $0 * 100) } ?? "n/a" }
        var html = "<h2>Metrics: \(Self.escape(m.title))</h2>\n<table>\n<tr><th>\(Self.escape(m.rowHeader))</th>"
        html += m.columns.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
        for row in m.rows {
            html += "<tr><td>\(Self.escape(row.name))</td>" + row.values.map { "<td class=\"num\">\(cell($0))</td>" }.joined() + "</tr>\n"
        }
        if let mean = m.mean {
            html += "<tr class=\"mean\"><td>\(Self.escape(mean.name))</td>"
                + mean.values.map { "<td class=\"num\">\(cell($0))</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>\n<p class=\"note\">Values in percent.</p>\n"
    }

    func renderSection(_ section: Section, imageSource: (String, URL) -> String?) -> String {
        let r = section.results
        let s = r.summary
        var html = "<h2>\(Self.escape(section.title))</h2>\n<table>\n"
        func row(_ k: String, _ v: String) { html += "<tr><th>\(Self.escape(k))</th><td>\(v)</td></tr>\n" }
        row("created", Self.escape(ISO8601DateFormatter().string(from: r.created)))
        row("tool version", Self.escape(r.toolVersion))
        if !r.commandLine.isEmpty { row("command", "<code>\(Self.escape(r.commandLine.joined(separator: " ")))</code>") }
        if let b = r.backbone { row("backbone", Self.escape(b)) }
        if let c = r.checkpoint { row("checkpoint", Self.escape(c)) }
        if let o = r.object { row("object", Self.escape(o)) }
        if !r.references.isEmpty {
            row("references", "\(r.references.count): " + r.references.map { "<code>\(Self.escape($0))</code>" }.joined(separator: ", "))
        }
        row("threshold", r.threshold.map { Self.escape($0.description) } ?? "none (scores only)")
        if let m = r.mapRange {
            row("map range", Self.escape("\(m.lo) ... \(m.hi) (from \(m.source))"
                + (m.contourLevel.map { ", contour at \($0)" } ?? "")))
        }
        row("images", "\(s.images) (\(s.failed) failed)")
        if r.threshold != nil { row("decisions", "<span class=\"anomalous\">\(s.anomalous) anomalous</span>, <span class=\"normal\">\(s.normal) normal</span>") }
        let labelled = r.entries.filter { $0.label != nil && $0.anomalous != nil }
        if !labelled.isEmpty {
            let tp = labelled.filter { $0.label == true && $0.anomalous == true }.count
            let fp = labelled.filter { $0.label == false && $0.anomalous == true }.count
            let fn = labelled.filter { $0.label == true && $0.anomalous == false }.count
            let tn = labelled.filter { $0.label == false && $0.anomalous == false }.count
            row("against labels", "\(tp) true positives, \(fp) false alarms, \(fn) missed, \(tn) true negatives")
        }
        html += "</table>\n"
        html += renderDecision(r)

        let scored = r.entries.filter { $0.error == nil && $0.score != nil }.sorted { $0.score! > $1.score! }
        if !scored.isEmpty {
            html += "<h3>Images by score</h3>\n<table>\n<tr><th>#</th><th>image</th><th>score</th><th>decision</th>"
                + "<th>label</th><th>panel (image | map | overlay | ground truth)</th></tr>\n"
            for (n, e) in scored.enumerated() {
                let decision = e.anomalous.map { $0 ? "<span class=\"anomalous\">anomalous</span>" : "<span class=\"normal\">normal</span>" } ?? "-"
                let label = e.label.map { $0 ? "anomalous" : "normal" } ?? "-"
                var panel = "-"
                if let rel = e.files?.panel, let src = imageSource(rel, section.directory) {
                    panel = "<img class=\"panel\" loading=\"lazy\" alt=\"panel of \(Self.escape(e.path))\" src=\"\(Self.escape(src))\">"
                }
                html += "<tr><td class=\"num\">\(n + 1)</td><td><code>\(Self.escape(e.path))</code>"
                    + (e.category.map { "<br>\(Self.escape($0))" } ?? "") + "</td>"
                    + "<td class=\"num\">\(String(format: "%.4f", e.score!))</td><td>\(decision)</td><td>\(label)</td><td>\(panel)</td></tr>\n"
            }
            html += "</table>\n"
        }
        let failed = r.entries.filter { $0.error != nil }
        if !failed.isEmpty {
            html += "<h3>Failed images (\(failed.count))</h3>\n<table>\n<tr><th>image</th><th>error</th></tr>\n"
            for e in failed { html += "<tr><td><code>\(Self.escape(e.path))</code></td><td>\(Self.escape(e.error!))</td></tr>\n" }
            html += "</table>\n"
        }
        return html
    }

    /// The decision pictures: score histogram with threshold and reference calibration scores; ROC curve
    /// and operating point when labels are known.
    func renderDecision(_ r: DetectionResults) -> String {
        let scored = r.entries.filter { $0.error == nil && $0.score != nil }
        guard !scored.isEmpty else { return "" }
        var html = "<h3>Decision</h3>\n<div class=\"charts\">\n"
        html += DecisionCharts.histogram(scores: scored.map { $0.score! }, labels: scored.map(\.label),
                                         calibration: r.decision?.normalScores ?? [], threshold: r.threshold?.threshold)
        let labelled = scored.filter { $0.label != nil }
        if labelled.count == scored.count {
            html += DecisionCharts.roc(scores: labelled.map { $0.score! }, labels: labelled.map { $0.label! }, threshold: r.threshold?.threshold)
        }
        return html + "</div>\n"
    }

    /// Escapes `& < > " '` for HTML text and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
