import XCTest
@testable import Service
final class PlaceholderTests: XCTestCase { func testNothing() {} }
