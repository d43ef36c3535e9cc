// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "stackelberg",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "stackelberg", targets: ["StackelbergCLI"]),
        .executable(name: "stackelberg-bench-game", targets: ["GameBenchmark"]),
        .library(name: "Symbolic", targets: ["Symbolic"]),
        .library(name: "Games", targets: ["Games"]),
        .library(name: "Plotting", targets: ["Plotting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // GSL (eigenvalues, linear solves, ODE, roots) and OpenBLAS behind one module map.
        .systemLibrary(name: "CNumerics", path: "Sources/CNumerics"),
        .target(name: "Symbolic", swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "Games", dependencies: ["Symbolic", "CNumerics"],
                // GSL exposes its stepper and solver types as C globals, which Swift 6 mode rejects.
                swiftSettings: [.swiftLanguageMode(.v5)]),
        .target(name: "Plotting", dependencies: ["Games"]),
        .executableTarget(
            name: "StackelbergCLI",
            dependencies: [
                "Symbolic", "Games", "Plotting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "GameBenchmark",
            dependencies: ["Symbolic", "Games"],
            path: "Benchmarks/GameBenchmark"),
        .testTarget(name: "SymbolicTests", dependencies: ["Symbolic"]),
        .testTarget(name: "GamesTests", dependencies: ["Games", "Symbolic", "Plotting"]),
    ]
)
