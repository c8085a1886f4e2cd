import Foundation

/// Errors raised by the metric functions when their input cannot define the metric.
///
/// Rule for degenerate label sets (documented once, applied everywhere):
/// - AUROC (image or pixel) and AUPRO need both classes: with no anomalous or no normal samples they throw
///   ``singleClass(metric:anomalous:normal:)``.
/// - Average precision and F1-max need at least one anomalous sample (recall is undefined otherwise) and
///   throw ``singleClass(metric:anomalous:normal:)`` when there is none. With no normal samples they are
///   well defined (both equal 1), as in scikit-learn.
/// Callers building tables turn a thrown metric into a missing cell (`nil`), never into a number.
public enum MetricError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    /// No samples (or no pixels) were given.
    case empty(metric: String)
    /// `scores` and `labels` differ in length.
    case lengthMismatch(scores: Int, labels: Int)
    /// A score map and its mask do not both have `width * height` elements.
    case mapSizeMismatch(expected: Int, scores: Int, mask: Int)
    /// A score is NaN (`index` is the sample index, or the pixel index inside the image `image`).
    case nanScore(index: Int, image: Int?)
    /// The metric needs both classes (see the type's documentation for which metric needs what).
    case singleClass(metric: String, anomalous: Int, normal: Int)
    /// An argument is outside its documented range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .empty(let metric):
            return "\(metric): no samples were given"
        case .lengthMismatch(let s, let l):
            return "metric input: \(s) scores but \(l) labels; expected one label per score"
        case .mapSizeMismatch(let expected, let s, let m):
            return "pixel metrics: expected width*height = \(expected) values, got \(s) scores and \(m) mask values"
        case .nanScore(let index, let image):
            if let image { return "pixel metrics: score at pixel \(index) of image \(image) is NaN" }
            return "metric input: score at index \(index) is NaN"
        case .singleClass(let metric, let a, let n):
            return "\(metric) is undefined with \(a) anomalous and \(n) normal samples; it needs both classes"
        case .invalidArgument(let message):
            return message
        }
    }

    public var errorDescription: String? { description }
}
