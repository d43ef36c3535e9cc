// swift-tools-version:6.0
import PackageDescription

// The numeric modules are compiled for AVX2 on x86-64 (Haswell, 2013, and every x86-64 server since;
// the CPUs OpenBLAS's Haswell kernels already need): their elementwise loops then run 8 floats wide
// instead of SSE's 4 (PPO on CartPole 1.23× faster). Swift never fuses a multiply and an add or
// reorders a sum on its own, so the bits are those of the SSE build.
#if arch(x86_64)
let vectorISA = ["-target-cpu", "haswell"]
#else
let vectorISA: [String] = []
#endif

let package = Package(
    name: "stackelberg",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "stackelberg", targets: ["StackelbergCLI"]),
        .executable(name: "stackelberg-bench-game", targets: ["GameBenchmark"]),
        .executable(name: "stackelberg-bench-nn", targets: ["NNBenchmark"]),
        .library(name: "Symbolic", targets: ["Symbolic"]),
        .library(name: "Games", targets: ["Games"]),
        .library(name: "Plotting", targets: ["Plotting"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "Neural", targets: ["Neural"]),
        .library(name: "Hypergradients", targets: ["Hypergradients"]),
        .library(name: "Environments", targets: ["Environments"]),
        .library(name: "Agents", targets: ["Agents"]),
        .library(name: "Training", targets: ["Training"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // TOML 1.0 for config files (toml++ underneath): a real parser, not ours.
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        // GSL (eigenvalues, linear solves, ODE, roots) and OpenBLAS behind one module map.
        .systemLibrary(name: "CNumerics", path: "Sources/CNumerics"),
        // MuJoCo's C library (Debian's libmujoco-dev, 2.2.2) for the locomotion environments.
        .systemLibrary(name: "CMuJoCo", path: "Sources/CMuJoCo"),
        // zlib (Debian's zlib1g-dev): the run logs committed compressed (FILE.gz) read as they are.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Vectorized float kernels (Adam, reductions): C, so that sqrt vectorizes and a reduction can
        // use several partial sums; FMA contraction off keeps the bits the same on every machine.
        // DWARF 4: Debian's valgrind 3.19 (the no-allocation tests) cannot read clang's default DWARF 5
        // for these multiversioned functions and gives up on the whole binary.
        // gemm.c calls Debian's libxsmm (a static library; its BLAS fallback symbols come from OpenBLAS).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off", "-gdwarf-4"])],
                linkerSettings: [.linkedLibrary("xsmm"), .linkedLibrary("openblas"), .linkedLibrary("dl"),
                                 .linkedLibrary("rt"), .linkedLibrary("pthread")]),
        .target(name: "Symbolic", swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "Seeding"),
        .target(name: "Games", dependencies: ["Symbolic", "CNumerics", "Seeding"],
                // GSL exposes its stepper and solver types as C globals, which Swift 6 mode rejects.
                swiftSettings: [.swiftLanguageMode(.v5)]),
        .target(name: "Plotting", dependencies: ["Games"]),
        // The tensor core is checked-unchecked like Symbolic: its kernels index raw buffers whose
        // bounds the op builders already validated, and the tests run in debug builds.
        .target(name: "Autodiff", dependencies: ["CNumerics", "CKernels", "Seeding"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"] + vectorISA)]),
        .target(name: "Neural", dependencies: ["Autodiff", "CKernels", "Seeding"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"] + vectorISA)]),
        .target(name: "Hypergradients", dependencies: ["Autodiff", "CKernels", "CNumerics", "Seeding"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"] + vectorISA)]),
        .target(name: "Environments", dependencies: ["Seeding", "CMuJoCo"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"] + vectorISA)]),
        .target(name: "Agents", dependencies: ["Autodiff", "CKernels", "Neural", "Hypergradients", "Environments", "Seeding"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"] + vectorISA)]),
        .target(name: "Training", dependencies: ["Agents", "Autodiff", "Environments", "Plotting", "Seeding", "CZlib",
                                                 .product(name: "TOMLKit", package: "TOMLKit")]),
        // The commit the binary is built from, embedded at build time (BuildInfo.swift).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(
            name: "StackelbergCLI",
            dependencies: [
                "Symbolic", "Games", "Plotting", "Environments", "Training", "Autodiff",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["BuildInfo"]),
        .executableTarget(
            name: "GameBenchmark",
            dependencies: ["Symbolic", "Games"],
            path: "Benchmarks/GameBenchmark"),
        .executableTarget(
            name: "NNBenchmark",
            dependencies: ["Autodiff", "Neural", "Hypergradients", "Seeding", "Agents", "Environments"],
            path: "Benchmarks/NNBenchmark",
            swiftSettings: [.unsafeFlags(["-Ounchecked"] + vectorISA)]),
        .testTarget(name: "SymbolicTests", dependencies: ["Symbolic"]),
        .testTarget(name: "EnvironmentsTests", dependencies: ["Environments", "Seeding"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "CKernels", "CNumerics", "Seeding"]),
        .testTarget(name: "NeuralTests", dependencies: ["Neural", "Autodiff", "Seeding"]),
        .testTarget(name: "HypergradientsTests", dependencies: ["Hypergradients", "Neural", "Autodiff", "Seeding"]),
        .testTarget(name: "AgentsTests", dependencies: ["Agents", "Training", "Environments", "Neural", "Autodiff", "Hypergradients", "Games", "Symbolic", "Seeding"]),
        .testTarget(name: "GamesTests", dependencies: ["Games", "Symbolic", "Plotting"]),
    ]
)
