import Foundation
import UserFiles
import VTFusion

extension TrainingSource {
    /// A training source from a dataset category: every normal image (train/good and test/good) and, when
    /// `realAnomalies`, the anomalous test images that have masks. The object name comes from the category.
    public init(category: DatasetCategory, realAnomalies: Bool = true) {
        var normals = category.trainGood
        let seen = Set(normals.map(\.standardizedFileURL.path))
        normals += category.test.filter { !$0.isAnomalous && !seen.contains($0.imagePath.standardizedFileURL.path) }
            .map(\.imagePath)
        let anomalies = realAnomalies
            ? category.test.compactMap { s in s.isAnomalous ? s.maskPath.map { (image: s.imagePath, mask: $0) } : nil } : []
        self.init(name: category.name, object: TrainingSource.objectName(forCategory: category.name),
                  normalImages: normals, anomalies: anomalies)
    }
}

/// The benchmark's split (`benchmark.json` at the dataset root, written by the benchmark builder).
public struct BenchmarkSplit: Decodable {
    struct Category: Decodable { var name: String; var role: String }
    var categories: [Category]

    public var auxiliary: [String] { categories.filter { $0.role == "auxiliary" }.map(\.name) }
    public var target: [String] { categories.filter { $0.role == "target" }.map(\.name) }

    /// The split of the dataset at `root`, or `nil` when it has no `benchmark.json`.
    public static func read(root: URL) throws -> BenchmarkSplit? {
        let url = root.appendingPathComponent("benchmark.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try UserFile.data(url.path) } catch { throw DatasetError.badSelection(url, reason: "\(error)") }
        do { return try JSONDecoder().decode(BenchmarkSplit.self, from: data) } catch {
            throw DatasetError.badSelection(url, reason: "not a benchmark manifest: \(error)")
        }
    }
}
