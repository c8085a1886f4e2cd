import Tensor

extension DINOv2 {
    /// A model of `config` with ``SyntheticWeights`` (for tests and benchmarks without weight files).
    public static func synthetic(_ config: DINOv2Config) throws -> DINOv2 {
        try DINOv2(config: config, stateDict: SyntheticWeights.stateDict(parameterList(config)))
    }
}
