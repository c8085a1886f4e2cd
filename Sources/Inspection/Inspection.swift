import Foundation
import Imaging

/// The result of inspecting one image against a profile.
public struct Inspection: @unchecked Sendable {
    /// Combined anomaly score (calibrated units: 0 is a typical good part's score, larger is more anomalous).
    public var score: Double
    /// `score >= threshold` when the profile has a threshold.
    public var anomalous: Bool?
    /// Per family (`local`, `global`) the weighted evidence; the score is the largest.
    public var familyScores: [String: Double]
    /// Per channel (the recipe's order) the raw value and its z-score against the references.
    public var channelValues: [Double]
    public var channelZ: [Double]
    /// Anomaly map at the original image size (one channel, the score's units per pixel).
    public var map: Image
    /// Estimated fraction of good parts scoring at least this high (from the profile's calibrated decision).
    public var falseAlarmRate: Double?
    /// 0...1 with the decision at 0.5 (see ``DecisionCalibration/normalized(_:)``).
    public var normalizedScore: Double?
    /// Connected regions of the map above the profile's region level (largest peak first).
    public var regions: [DefectRegion]
}
