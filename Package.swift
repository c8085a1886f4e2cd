// swift-tools-version:6.0
import PackageDescription

// Every library target is compiled optimised (tests included): debug builds of the numeric loops are
// hundreds of times slower. Only the kernel targets (`Tensor`, `Metrics`: numeric loops over memory, no
// outside bytes) get `-Ounchecked`, which drops bounds and overflow checks, so kernel code reports
// programmer errors with `fatalError` (still a trap); targets that parse user files (images, datasets,
// checkpoints) keep the checks (`-O`).
var kernelFlags: [String] = ["-Ounchecked"]
var optimisedFlags: [String] = ["-O"]
#if arch(x86_64) && os(Linux)
kernelFlags += ["-target-cpu", "haswell"]
optimisedFlags += ["-target-cpu", "haswell"]
#endif

let kernelSettings: [SwiftSetting] = [.unsafeFlags(kernelFlags)]
let optimisedSettings: [SwiftSetting] = [.unsafeFlags(optimisedFlags)]

let package = Package(
    name: "VTFusion",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "VTFusionKit", targets: ["UserFiles", "Tensor", "NN", "Imaging", "Tokenizers", "Backbones", "ModelStore", "Benchmark",
                                               "VTFusion", "Inspection", "Metrics", "Evaluation"]),
        .executable(name: "vtfusion", targets: ["vtfusion"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The inspection service (`vtfusion serve`): HTTP, lifecycle, SQLite, hashing of API keys.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System libraries (Linux). On Apple platforms Accelerate / ImageIO serve instead.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]),

        // Safe reads of user-named files (regular files only, size caps) and atomic writes; no dependencies.
        .target(name: "UserFiles", swiftSettings: optimisedSettings),
        .target(name: "Tensor",
                dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux]))],
                swiftSettings: kernelSettings),
        .target(name: "NN", dependencies: ["Tensor", "UserFiles"], swiftSettings: optimisedSettings),
        .target(name: "Imaging", dependencies: ["Tensor", "UserFiles", "CPNG", "CJPEG"], swiftSettings: optimisedSettings),
        .target(name: "Tokenizers", dependencies: ["UserFiles"], swiftSettings: optimisedSettings),
        .target(name: "Backbones", dependencies: ["NN", "Imaging", "Tokenizers", "UserFiles"], swiftSettings: optimisedSettings),
        // The local model cache: hub downloads, pip carriers, manifests with sha256, zip/gzip, weight fingerprints.
        .target(name: "ModelStore", dependencies: ["Backbones", "NN", "Tensor", "Tokenizers", "UserFiles"], swiftSettings: optimisedSettings),
        // The synthetic benchmark datasets (builder v1/v2, defect painter, texture sources).
        .target(name: "Benchmark", dependencies: ["Imaging", "ModelStore", "Tensor", "UserFiles"], swiftSettings: optimisedSettings),
        .target(name: "VTFusion", dependencies: ["Backbones", "ModelStore", "UserFiles"], swiftSettings: optimisedSettings),
        .target(name: "Inspection", dependencies: ["Backbones", "UserFiles"], swiftSettings: optimisedSettings),
        // Image and pixel metrics over in-memory scores (sorts, sweeps): kernels, no outside bytes.
        .target(name: "Metrics", dependencies: ["Imaging"], swiftSettings: kernelSettings),
        .target(name: "Evaluation", dependencies: ["Imaging", "VTFusion", "Inspection", "Metrics", "UserFiles"], swiftSettings: optimisedSettings),
        // Engine timings against PyTorch (`vtfusion bench`): GEMM, trunks, backbones, the head, imaging, metrics.
        .target(name: "PerfBench",
                dependencies: ["Tensor", "Imaging", "CJPEG", "UserFiles", "Backbones", "VTFusion", "Inspection", "Evaluation"],
                swiftSettings: optimisedSettings),
        // The HTTP inspection service over the one inference path (Inspection), with its store and web page.
        // swift-metrics (under Hummingbird and postgres-nio) also has a target named Metrics: aliased to SwiftMetrics.
        .target(name: "Service",
                dependencies: ["Inspection", "Imaging", "UserFiles", "Tensor",
                               .product(name: "Hummingbird", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "PostgresNIO", package: "postgres-nio", moduleAliases: ["Metrics": "SwiftMetrics"]),
                               .product(name: "Crypto", package: "swift-crypto"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                resources: [.copy("Resources")],
                swiftSettings: optimisedSettings),
        .executableTarget(name: "vtfusion",
                          dependencies: ["Tensor", "NN", "Imaging", "Tokenizers", "Backbones", "ModelStore", "Benchmark", "VTFusion", "Inspection",
                                         "Evaluation", "PerfBench", "UserFiles", "Service",
                                         .product(name: "Logging", package: "swift-log"),
                                         .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          resources: [.copy("DefaultHead")],
                          swiftSettings: optimisedSettings),

        // Test-only helpers (tiny synthetic models, a random text tower); used by test targets only.
        .target(name: "TestSupport", dependencies: ["Tensor", "Imaging", "Backbones", "VTFusion", "Inspection"], path: "Tests/TestSupport"),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NNTests", dependencies: ["NN", "UserFiles"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "UserFiles"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "ModelStore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "BackbonesTests", dependencies: ["Backbones", "ModelStore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelStoreTests", dependencies: ["ModelStore", "Backbones", "NN", "UserFiles"], resources: [.copy("Fixtures")]),
        .testTarget(name: "BenchmarkTests", dependencies: ["Benchmark", "Imaging", "Tensor"]),
        .testTarget(name: "VTFusionTests", dependencies: ["VTFusion", "ModelStore", "UserFiles", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "InspectionTests", dependencies: ["Inspection", "TestSupport"]),
        .testTarget(name: "ServiceTests",
                    dependencies: ["Service", "Inspection", "Imaging", "Backbones", "Tensor", "TestSupport",
                                   .product(name: "Hummingbird", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
                                   .product(name: "PostgresNIO", package: "postgres-nio", moduleAliases: ["Metrics": "SwiftMetrics"]),
                                   .product(name: "HummingbirdTesting", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"])]),
        // The command line's own logic (argument validation, the progress reporter), through `@testable import vtfusion`.
        .testTarget(name: "vtfusionTests", dependencies: ["vtfusion"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Metrics", "Benchmark", "UserFiles", "TestSupport"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
