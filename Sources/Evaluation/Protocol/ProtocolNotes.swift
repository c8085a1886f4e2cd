import Foundation

extension ProtocolRunner {
    /// The one note for categories evaluated without ground-truth masks.
    static func noMasksNote(_ categories: [String]) -> String {
        "pixel metrics not available (n/a) for \(categories.joined(separator: ", ")): its anomalous test images have "
            + "no ground-truth masks, so only image metrics are computed"
    }
}
