import Foundation

/// Ground-truth label of a test image.
public enum SampleLabel: String, Codable, Sendable {
    case normal
    case anomalous
}

/// One test image of a dataset category.
public struct DatasetSample: Codable, Hashable, Sendable {
    /// The image file.
    public var imagePath: URL
    /// Normal or anomalous.
    public var label: SampleLabel
    /// Ground-truth mask (nonzero = anomalous); `nil` for normal images, and for anomalous images of layouts
    /// without masks (a plain folder without a masks folder).
    public var maskPath: URL?
    /// Category (object / texture) name.
    public var category: String
    /// Defect type: the folder name for MVTec-like layouts, `"good"` for normal images.
    public var defectType: String

    public init(imagePath: URL, label: SampleLabel, maskPath: URL?, category: String, defectType: String) {
        self.imagePath = imagePath
        self.label = label
        self.maskPath = maskPath
        self.category = category
        self.defectType = defectType
    }

    /// `label == .anomalous`.
    public var isAnomalous: Bool { label == .anomalous }
}

/// One category of a dataset: normal training (reference) images and the labelled test set.
public struct DatasetCategory: Codable, Hashable, Sendable {
    /// Category name (e.g. `"bottle"`).
    public var name: String
    /// Normal images that references may be drawn from, sorted by path.
    public var trainGood: [URL]
    /// Test samples, sorted by path.
    public var test: [DatasetSample]
    /// True when `trainGood` are the test set's own normal images (a plain folder without a reference
    /// folder): the harness must hold the chosen references out with ``removingFromTest(_:)``.
    public var trainOverlapsTest: Bool

    public init(name: String, trainGood: [URL], test: [DatasetSample], trainOverlapsTest: Bool = false) {
        self.name = name
        self.trainGood = trainGood
        self.test = test
        self.trainOverlapsTest = trainOverlapsTest
    }

    /// Number of anomalous test samples.
    public var anomalousCount: Int { test.reduce(0) { $0 + ($1.isAnomalous ? 1 : 0) } }
    /// Number of normal test samples.
    public var normalCount: Int { test.count - anomalousCount }
    /// Distinct defect types of the anomalous samples, sorted.
    public var defectTypes: [String] { Array(Set(test.filter(\.isAnomalous).map(\.defectType))).sorted() }

    /// A copy without the test samples whose image is one of `references` (compared as standardised paths).
    public func removingFromTest(_ references: [URL]) -> DatasetCategory {
        let excluded = Set(references.map { $0.standardizedFileURL.path })
        var copy = self
        copy.test = test.filter { !excluded.contains($0.imagePath.standardizedFileURL.path) }
        return copy
    }
}
