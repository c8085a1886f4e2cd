import XCTest
@testable import Evaluation

final class DatasetLoaderTests: XCTestCase {
    func testMVTecLayout() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, ["bottle/train/good/000.png", "bottle/train/good/001.png", "bottle/train/good/.DS_Store",
                         "bottle/test/good/000.png", "bottle/test/broken_large/000.png", "bottle/test/broken_large/001.png",
                         "bottle/test/contamination/000.png",
                         "bottle/ground_truth/broken_large/000_mask.png", "bottle/ground_truth/broken_large/001_mask.png",
                         "bottle/ground_truth/contamination/000_mask.png",
                         "wood/train/good/a.png", "wood/test/good/a.png", "wood/test/hole/a.png",
                         "wood/ground_truth/hole/a_mask.png", "readme.txt"])
        XCTAssertEqual(try DatasetFormat.detect(root: root), .mvtec)
        let loader = MVTecLayoutLoader(root: root)
        XCTAssertEqual(try loader.categoryNames(), ["bottle", "wood"])
        let bottle = try XCTUnwrap(loader.load(categories: ["bottle"]).first)
        XCTAssertEqual(bottle.name, "bottle")
        XCTAssertEqual(bottle.trainGood.map(\.lastPathComponent), ["000.png", "001.png"])
        XCTAssertEqual(bottle.test.count, 4)
        XCTAssertEqual(bottle.anomalousCount, 3)
        XCTAssertEqual(bottle.defectTypes, ["broken_large", "contamination"])
        let sample = try XCTUnwrap(bottle.test.first { $0.defectType == "broken_large" && $0.imagePath.lastPathComponent == "001.png" })
        XCTAssertEqual(sample.label, .anomalous)
        XCTAssertEqual(sample.maskPath?.path, root.appendingPathComponent("bottle/ground_truth/broken_large/001_mask.png").path)
        XCTAssertEqual(sample.category, "bottle")
        let good = try XCTUnwrap(bottle.test.first { !$0.isAnomalous })
        XCTAssertNil(good.maskPath)
        XCTAssertEqual(good.defectType, "good")
        // A single category folder works as the root too.
        XCTAssertEqual(try MVTecLayoutLoader(root: root.appendingPathComponent("wood")).load().map(\.name), ["wood"])
        // Through the spec parser.
        let viaSpec = try DatasetLoader.load(DatasetSpec(parsing: "mvtec:" + root.path))
        XCTAssertEqual(viaSpec.map(\.name), ["bottle", "wood"])
        XCTAssertThrowsError(try loader.load(categories: ["carpet"])) { error in
            XCTAssertEqual(error as? DatasetError, .unknownCategory("carpet", root: root, available: ["bottle", "wood"]))
            XCTAssertTrue("\(error)".contains("bottle, wood"))
        }
    }

    func testMissingMaskNamesTheImage() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, ["cable/train/good/0.png", "cable/test/good/0.png", "cable/test/cut/007.png",
                         "cable/ground_truth/cut/008_mask.png"])
        XCTAssertThrowsError(try MVTecLayoutLoader(root: root).load()) { error in
            let image = root.appendingPathComponent("cable/test/cut/007.png")
            XCTAssertEqual(error as? DatasetError,
                           .missingMask(image: image, searched: root.appendingPathComponent("cable/ground_truth/cut")))
            XCTAssertTrue("\(error)".contains(image.path), "\(error)")
        }
    }

    func testEmptyCategoryAndUnknownLayout() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, ["grid/train/good/0.png"])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("grid/test/good"),
                                                withIntermediateDirectories: true)
        XCTAssertThrowsError(try MVTecLayoutLoader(root: root).load()) { error in
            XCTAssertEqual(error as? DatasetError,
                           .emptyCategory(name: "grid", folder: root.appendingPathComponent("grid/test")))
        }
        let other = try makeTemporaryDirectory(self)
        try touch(other, ["pictures/a.png"])
        XCTAssertThrowsError(try DatasetFormat.detect(root: other)) { error in
            guard case .unknownLayout(let url, _)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(url, other)
        }
        XCTAssertThrowsError(try DatasetFormat.detect(root: other.appendingPathComponent("nope"))) {
            XCTAssertEqual($0 as? DatasetError, .notFound(other.appendingPathComponent("nope")))
        }
    }

    func testBTADOkKoAndBmpMasks() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, ["01/train/ok/0000.bmp", "01/test/ok/0001.bmp", "01/test/ko/0002.bmp",
                         "01/ground_truth/ko/0002.png",
                         "03/train/ok/0000.bmp", "03/test/ok/0001.bmp", "03/test/ko/0005.bmp",
                         "03/ground_truth/ko/0005.bmp"])
        XCTAssertEqual(try DatasetFormat.detect(root: root), .btad)
        let cats = try DatasetLoader.load(DatasetSpec(parsing: root.path))
        XCTAssertEqual(cats.map(\.name), ["01", "03"])
        XCTAssertEqual(cats[0].trainGood.map(\.lastPathComponent), ["0000.bmp"])
        XCTAssertEqual(cats[0].normalCount, 1)
        XCTAssertEqual(cats[0].test.first { $0.isAnomalous }?.maskPath?.lastPathComponent, "0002.png")
        XCTAssertEqual(cats[1].test.first { $0.isAnomalous }?.maskPath?.lastPathComponent, "0005.bmp")
        XCTAssertEqual(cats[1].test.first { $0.isAnomalous }?.defectType, "ko")
    }

    func testVisASplitCSV() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, ["candle/Data/Images/Normal/0000.JPG", "candle/Data/Images/Normal/0001.JPG",
                         "candle/Data/Images/Normal/0002.JPG", "candle/Data/Images/Anomaly/000.JPG",
                         "candle/Data/Masks/Anomaly/000.png", "pcb1/Data/Images/Normal/0000.JPG",
                         "pcb1/Data/Images/Anomaly/001.JPG", "pcb1/Data/Masks/Anomaly/001.png"])
        let csv = """
        object,split,label,image,mask\r
        candle,train,normal,candle/Data/Images/Normal/0000.JPG,\r
        candle,train,normal,candle/Data/Images/Normal/0001.JPG,\r
        candle,test,normal,candle/Data/Images/Normal/0002.JPG,\r
        candle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,candle/Data/Masks/Anomaly/000.png\r
        pcb1,test,normal,pcb1/Data/Images/Normal/0000.JPG,\r
        "pcb1",test,anomaly,pcb1/Data/Images/Anomaly/001.JPG,"pcb1/Data/Masks/Anomaly/001.png"\r

        """
        try touch(root, ["split_csv/1cls.csv"], contents: Data(csv.utf8))
        XCTAssertEqual(try DatasetFormat.detect(root: root), .visa)
        let cats = try DatasetLoader.load(DatasetSpec(parsing: "visa:" + root.path))
        XCTAssertEqual(cats.map(\.name), ["candle", "pcb1"])
        XCTAssertEqual(cats[0].trainGood.count, 2)
        XCTAssertEqual(cats[0].test.count, 2)
        let anomaly = try XCTUnwrap(cats[1].test.first { $0.isAnomalous })
        XCTAssertEqual(anomaly.maskPath?.path, root.appendingPathComponent("pcb1/Data/Masks/Anomaly/001.png").path)
        XCTAssertEqual(anomaly.category, "pcb1")
        XCTAssertTrue(cats[1].trainGood.isEmpty)

        // Errors name the CSV line or the file.
        let bad = csv.replacingOccurrences(of: "Masks/Anomaly/000.png", with: "Masks/Anomaly/999.png")
        try touch(root, ["split_csv/1cls.csv"], contents: Data(bad.utf8))
        XCTAssertThrowsError(try VisALoader(root: root).load()) { error in
            XCTAssertEqual(error as? DatasetError,
                           .missingFile(root.appendingPathComponent("candle/Data/Masks/Anomaly/999.png"),
                                        listedIn: root.appendingPathComponent("split_csv/1cls.csv"), line: 5))
        }
        try touch(root, ["split_csv/1cls.csv"], contents: Data("object,split,image,mask\n".utf8))
        XCTAssertThrowsError(try VisALoader(root: root).load()) { error in
            XCTAssertEqual(error as? DatasetError,
                           .missingColumn(file: root.appendingPathComponent("split_csv/1cls.csv"), column: "label"))
        }
        let emptyMask = "object,split,label,image,mask\ncandle,test,anomaly,candle/Data/Images/Anomaly/000.JPG,\n"
        try touch(root, ["split_csv/1cls.csv"], contents: Data(emptyMask.utf8))
        XCTAssertThrowsError(try VisALoader(root: root).load()) { error in
            guard case .badRow(_, let line, let reason)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 2)
            XCTAssertTrue(reason.contains("000.JPG"), reason)
        }
    }

    func testPlainFolderWithAndWithoutMasks() throws {
        let root = try makeTemporaryDirectory(self).appendingPathComponent("widgets")
        try touch(root, ["good/a.png", "good/b.jpg", "good/notes.txt", "scratch/c.png", "dent/d.png"])
        XCTAssertEqual(try DatasetFormat.detect(root: root), .folder)
        let noMasks = try FolderLoader(root: root).load()
        XCTAssertEqual(noMasks.name, "widgets")
        XCTAssertEqual(noMasks.normalCount, 2)
        XCTAssertEqual(noMasks.anomalousCount, 2)
        XCTAssertEqual(Set(noMasks.defectTypes), ["scratch", "dent"])
        XCTAssertTrue(noMasks.test.allSatisfy { $0.maskPath == nil })
        XCTAssertTrue(noMasks.trainOverlapsTest)
        XCTAssertEqual(noMasks.trainGood.map(\.lastPathComponent), ["a.png", "b.jpg"])
        let held = noMasks.removingFromTest([root.appendingPathComponent("good/a.png")])
        XCTAssertEqual(held.normalCount, 1)
        XCTAssertEqual(held.anomalousCount, 2)

        // A masks folder makes masks mandatory; mirror and flat layouts both resolve.
        try touch(root, ["masks/scratch/c_mask.png"])
        XCTAssertThrowsError(try FolderLoader(root: root).load()) { error in
            XCTAssertEqual(error as? DatasetError, .missingMask(image: root.appendingPathComponent("dent/d.png"),
                                                                searched: root.appendingPathComponent("masks/dent")))
        }
        try touch(root, ["masks/d.png", "refs/r1.png", "refs/r2.png"])
        let withMasks = try FolderLoader(root: root).load()
        XCTAssertEqual(withMasks.test.first { $0.defectType == "dent" }?.maskPath?.lastPathComponent, "d.png")
        XCTAssertEqual(withMasks.test.first { $0.defectType == "scratch" }?.maskPath?.lastPathComponent, "c_mask.png")
        XCTAssertFalse(withMasks.trainOverlapsTest)
        XCTAssertEqual(withMasks.trainGood.map(\.lastPathComponent), ["r1.png", "r2.png"])
        XCTAssertFalse(withMasks.test.contains { $0.defectType == "refs" || $0.defectType == "masks" })
    }

    func testMaskSizeValidationThroughInjectedReader() throws {
        let root = try makeTemporaryDirectory(self)
        try touch(root, ["toy/train/good/0.png", "toy/test/good/0.png", "toy/test/crack/1.png",
                         "toy/ground_truth/crack/1_mask.png"])
        let category = try XCTUnwrap(MVTecLayoutLoader(root: root).load().first)
        let sizes = ["1.png": (width: 64, height: 48), "1_mask.png": (width: 64, height: 48)]
        try category.validateMasks { url in sizes[url.lastPathComponent]! }
        XCTAssertThrowsError(try category.validateMasks { url in
            url.lastPathComponent == "1_mask.png" ? (width: 32, height: 24) : (width: 64, height: 48)
        }) { error in
            XCTAssertEqual(error as? DatasetError,
                           .maskSizeMismatch(image: root.appendingPathComponent("toy/test/crack/1.png"),
                                             mask: root.appendingPathComponent("toy/ground_truth/crack/1_mask.png"),
                                             imageWidth: 64, imageHeight: 48, maskWidth: 32, maskHeight: 24))
            XCTAssertTrue("\(error)".contains("32x24"))
        }
        struct Broken: Error {}
        XCTAssertThrowsError(try category.validateMasks { _ in throw Broken() }) { error in
            guard case .unreadable(let url, _)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(url.lastPathComponent, "1.png")
        }
    }

    func testDatasetSpecParsing() throws {
        XCTAssertEqual(try DatasetSpec(parsing: "mvtec:/data/mvtec").format, .mvtec)
        XCTAssertEqual(try DatasetSpec(parsing: "VisA:/data/visa").root.path, "/data/visa")
        XCTAssertEqual(try DatasetSpec(parsing: "folder:/x").format, .folder)
        XCTAssertNil(try DatasetSpec(parsing: "/data/any").format)
        XCTAssertThrowsError(try DatasetSpec(parsing: "imagenet:/data")) {
            XCTAssertEqual($0 as? DatasetError, .badSpec("imagenet:/data"))
        }
        XCTAssertThrowsError(try DatasetSpec(parsing: "mvtec:"))
        XCTAssertThrowsError(try DatasetSpec(parsing: ""))
    }
}
