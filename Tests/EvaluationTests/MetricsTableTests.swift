import XCTest
@testable import Evaluation

final class MetricsTableTests: XCTestCase {
    private func sampleTable() -> MetricsTable {
        var table = MetricsTable(columns: ["image AUROC", "pixel AUPRO"])
        table.addRow("bottle", values: [0.9876, 0.5])
        table.addRow("wood, oak", named: ["image AUROC": 0.9])   // no masks: AUPRO missing
        table.addRow("grid", values: [0.8, .nan])                 // NaN is stored as missing
        return table
    }

    func testMeanSkipsMissingValues() {
        let mean = sampleTable().meanRow
        XCTAssertEqual(mean.name, "mean")
        XCTAssertEqual(mean.values[0]!, (0.9876 + 0.9 + 0.8) / 3, accuracy: 1e-15)
        XCTAssertEqual(mean.values[1], 0.5)
    }

    func testMarkdown() {
        let md = sampleTable().markdown()
        XCTAssertEqual(md, """
        | category | image AUROC | pixel AUPRO |
        |---|---|---|
        | bottle | 98.8 | 50.0 |
        | wood, oak | 90.0 | n/a |
        | grid | 80.0 | n/a |
        | **mean** | **89.6** | **50.0** |

        """)
        XCTAssertTrue(sampleTable().markdown(scale: 1, decimals: 3).contains("| bottle | 0.988 | 0.500 |"))
    }

    func testCSVAndJSON() throws {
        let table = sampleTable()
        let lines = table.csv().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "category,image AUROC,pixel AUPRO")
        XCTAssertEqual(lines[1], "bottle,0.9876,0.5")
        XCTAssertEqual(lines[2], "\"wood, oak\",0.9,")
        XCTAssertEqual(lines.count, 5)
        XCTAssertTrue(lines[4].hasPrefix("mean,0.8958"))

        let object = try JSONSerialization.jsonObject(with: table.json()) as! [String: Any]
        XCTAssertEqual(object["columns"] as? [String], ["image AUROC", "pixel AUPRO"])
        let rows = object["rows"] as! [[String: Any]]
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows[1]["name"] as? String, "wood, oak")
        let values = rows[1]["values"] as! [Any]
        XCTAssertEqual(values[0] as? Double, 0.9)
        XCTAssertTrue(values[1] is NSNull)
        let mean = object["mean"] as! [String: Any]
        XCTAssertEqual((mean["values"] as! [Any])[1] as? Double, 0.5)
    }

    func testStandardRowFromMetrics() throws {
        var table = MetricsTable(columns: MetricsTable.standardColumns)
        let image = try ImageMetrics.compute(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true])
        table.addRow("cat", image: image, pixel: nil)
        XCTAssertEqual(table.rows[0].values[0], 0.75)
        XCTAssertEqual(table.rows[0].values[2], 0.8)
        XCTAssertNil(table.rows[0].values[3])
    }
}
