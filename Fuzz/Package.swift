// swift-tools-version:6.0
// Fuzz targets for VTFusion's parsers of outside bytes (see Scripts/fuzz.sh). Each target is an executable
// whose only entry is `LLVMFuzzerTestOneInput`; libFuzzer (`--sanitize=fuzzer`) supplies `main`.
import PackageDescription

let targets: [String] = [
    "fuzz-config",
    "fuzz-csv",
    "fuzz-exif",
    "fuzz-gimp-pattern",
    "fuzz-gzip",
    "fuzz-jpeg",
    "fuzz-npy",
    "fuzz-onnx",
    "fuzz-png",
    "fuzz-results-json",
    "fuzz-safetensors",
    "fuzz-shard-index",
    "fuzz-zip",
]

let package = Package(
    name: "VTFusionFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "VTFusion", path: "..")],
    targets: targets.map { name in
        .executableTarget(name: name, dependencies: [.product(name: "VTFusionKit", package: "VTFusion")], swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    },
    swiftLanguageModes: [.v5]
)
