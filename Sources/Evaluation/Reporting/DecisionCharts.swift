import Foundation

/// Inline SVG pictures of a run's decision: a score histogram with the threshold and the references'
/// calibration scores, and (for labelled runs) the ROC curve with the operating point. Self-contained
/// markup, no script.
enum DecisionCharts {
    static let width = 560.0, height = 240.0, margin = 36.0

    /// Histogram of test scores (stacked by label when known), the references' normal calibration scores
    /// as ticks under the axis, and the threshold as a vertical line.
    static func histogram(scores: [Double], labels: [Bool?], calibration: [Double], threshold: Double?) -> String {
        let values = scores + calibration + (threshold.map { [$0] } ?? [])
        guard let lo0 = values.min(), let hi0 = values.max() else { return "" }
        let pad = max((hi0 - lo0) * 0.05, 1e-6)
        let (lo, hi) = (lo0 - pad, hi0 + pad)
        let bins = 30
        var good = [Int](repeating: 0, count: bins), bad = good, unknown = good
        for (s, l) in zip(scores, labels) {
            let b = min(bins - 1, max(0, Int((s - lo) / (hi - lo) * Double(bins))))
            switch l { case true?: bad[b] += 1; case false?: good[b] += 1; case nil: unknown[b] += 1 }
        }
        let top = Double(max(1, (0..<bins).map { good[$0] + bad[$0] + unknown[$0] }.max()!))
        let plotW = width - 2 * margin, plotH = height - 2 * margin
        func x(_ v: Double) -> Double { margin + (v - lo) / (hi - lo) * plotW }
        func y(_ c: Double) -> Double { height - margin - c / top * plotH }
        var svg = header(title: "Score histogram")
        let bw = plotW / Double(bins)
        for b in 0..<bins {
            var base = 0.0
            for (count, color) in [(good[b], "#2e7d32"), (unknown[b], "#607d8b"), (bad[b], "#c62828")] where count > 0 {
                let h = Double(count) / top * plotH
                svg += rect(margin + Double(b) * bw + 0.5, y(base) - h, bw - 1, h, color)
                base += Double(count)
            }
        }
        for c in calibration { svg += line(x(c), height - margin + 2, x(c), height - margin + 10, "#1565c0", 2) }
        if let t = threshold {
            svg += line(x(t), margin - 6, x(t), height - margin, "#000", 2, dash: true)
            svg += text(x(t) + 4, margin - 8, String(format: "threshold %.3g", t))
        }
        svg += axes(xLabel: "score", lo: lo, hi: hi, yMax: Int(top))
        svg += legend([("#2e7d32", "good"), ("#c62828", "defective"), ("#607d8b", "unlabelled"), ("#1565c0", "reference calibration")])
        return svg + "</svg>\n"
    }

    /// ROC curve of labelled scores with the operating point of `threshold`.
    static func roc(scores: [Double], labels: [Bool], threshold: Double?) -> String {
        let pos = labels.filter { $0 }.count, neg = labels.count - pos
        guard pos > 0, neg > 0 else { return "" }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points: [(Double, Double)] = [(0, 0)]
        var tp = 0, fp = 0, area = 0.0
        var i = 0
        while i < order.count {
            var j = i
            let s = scores[order[i]]
            let (tp0, fp0) = (tp, fp)
            while j < order.count && scores[order[j]] == s { if labels[order[j]] { tp += 1 } else { fp += 1 }; j += 1 }
            area += Double(fp - fp0) / Double(neg) * (Double(tp + tp0) / 2) / Double(pos)
            points.append((Double(fp) / Double(neg), Double(tp) / Double(pos)))
            i = j
        }
        let side = height - 2 * margin
        func px(_ p: (Double, Double)) -> String { String(format: "%.1f,%.1f", margin + p.0 * side, height - margin - p.1 * side) }
        var svg = header(title: "ROC curve")
        svg += line(margin, height - margin, margin + side, margin, "#bbb", 1, dash: true)
        svg += "<polyline fill=\"none\" stroke=\"#c62828\" stroke-width=\"2\" points=\"\(points.map(px).joined(separator: " "))\"/>\n"
        if let t = threshold {
            let flagged = scores.indices.filter { scores[$0] >= t }
            let op = (Double(flagged.filter { !labels[$0] }.count) / Double(neg), Double(flagged.filter { labels[$0] }.count) / Double(pos))
            let c = px(op).split(separator: ",").map { String($0) }
            svg += "<circle cx=\"\(c[0])\" cy=\"\(c[1])\" r=\"5\" fill=\"#000\"/>\n"
            svg += text(margin + side + 10, margin + 34, String(format: "at the threshold: FAR %.3f, recall %.3f", op.0, op.1))
        }
        svg += text(margin + side + 10, margin + 16, String(format: "image AUROC %.3f", area))
        svg += "<rect x=\"\(margin)\" y=\"\(margin)\" width=\"\(side)\" height=\"\(side)\" fill=\"none\" stroke=\"#444\"/>\n"
        svg += text(margin + side / 2 - 40, height - 8, "false-alarm rate")
        svg += text(2, margin - 8, "recall")
        return svg + "</svg>\n"
    }

    // MARK: markup

    static func header(title: String) -> String {
        "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(title)\" font-family=\"sans-serif\" font-size=\"11\">\n<title>\(title)</title>\n"
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ color: String) -> String {
        String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>\n", x, y, max(w, 0), max(h, 0), color)
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: String, _ w: Double, dash: Bool = false) -> String {
        String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"%.1f\"%@/>\n",
               x1, y1, x2, y2, color, w, dash ? " stroke-dasharray=\"5,3\"" : "")
    }

    static func text(_ x: Double, _ y: Double, _ s: String) -> String {
        String(format: "<text x=\"%.1f\" y=\"%.1f\">%@</text>\n", x, y, HTMLReport.escape(s))
    }

    static func axes(xLabel: String, lo: Double, hi: Double, yMax: Int) -> String {
        var s = line(margin, height - margin, width - margin, height - margin, "#444", 1)
        s += line(margin, margin, margin, height - margin, "#444", 1)
        s += text(margin, height - margin + 24, String(format: "%.3g", lo))
        s += text(width - margin - 30, height - margin + 24, String(format: "%.3g", hi))
        s += text(width / 2 - 12, height - 4, xLabel)
        s += text(4, margin + 4, "\(yMax)")
        return s
    }

    static func legend(_ items: [(String, String)]) -> String {
        var s = "", x = margin + 8
        for (color, label) in items {
            s += rect(x, 8, 10, 10, color) + text(x + 14, 17, label)
            x += 24 + Double(label.count) * 6
        }
        return s
    }
}
