import Foundation

/// Files served as they are: the web page and the OpenAPI document (`Sources/Service/Resources`).
enum Resources {
    static func file(_ name: String) -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil)
                ?? Bundle.module.url(forResource: name, withExtension: nil),
              let d = FileManager.default.contents(atPath: url.path) else {
            return Array("missing resource \(name)".utf8)
        }
        return [UInt8](d)
    }

    static let indexHTML = file("index.html")
    static let openAPI = file("openapi.json")
    /// The OpenAPI document as text (tests and `vtfusion serve --print-openapi`).
    static var openAPIText: String { String(decoding: openAPI, as: UTF8.self) }
}
