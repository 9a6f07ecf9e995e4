// swift-tools-version:6.2
import PackageDescription

// An out-of-tree plugin and the scheduler program that hosts it, built on swift-kube-scheduler's SDK.
// In your own repository, depend on the SDK by URL instead:
//   .package(url: "https://github.com/<owner>/swift-kube-scheduler.git", branch: "main")
let package = Package(
    name: "my-scheduler",
    products: [
        .executable(name: "my-scheduler", targets: ["my-scheduler"]),
        .library(name: "NodePool", targets: ["NodePool"]),
    ],
    dependencies: [
        .package(name: "swift-kube-scheduler", path: "../..")
    ],
    targets: [
        // The plugin: Filter and Score, typed args from `pluginConfig`.
        .target(
            name: "NodePool",
            dependencies: [.product(name: "SwiftKubeScheduler", package: "swift-kube-scheduler")]
        ),
        // The program: swift-kube-scheduler's whole command line plus this plugin.
        .executableTarget(
            name: "my-scheduler",
            dependencies: ["NodePool", .product(name: "SwiftKubeScheduler", package: "swift-kube-scheduler")]
        ),
        .testTarget(
            name: "NodePoolTests",
            dependencies: [
                "NodePool",
                .product(name: "SwiftKubeScheduler", package: "swift-kube-scheduler"),
                .product(name: "SchedulerTesting", package: "swift-kube-scheduler"),
            ]
        ),
    ]
)
