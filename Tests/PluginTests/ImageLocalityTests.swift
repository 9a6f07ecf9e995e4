import ImageLocalityPlugin
import KubeAPI
import SchedulerFramework
import SchedulerTesting
import Testing

private let mb = ImageLocality.mb

/// Node infos whose image states are computed the way the scheduler cache does (upstream `cache.NewSnapshot`):
/// per image name, the size first reported and the number of nodes reporting it.
private func imageNodes(_ nodes: [(String, [ContainerImage])]) -> [NodeInfo] {
    var sizes: [String: Int64] = [:]
    var holders: [String: Set<String>] = [:]
    for (name, images) in nodes {
        for image in images {
            for imageName in image.names ?? [] {
                if sizes[imageName] == nil { sizes[imageName] = image.sizeBytes ?? 0 }
                holders[imageName, default: []].insert(name)
            }
        }
    }
    return nodes.map { name, images in
        var info = NodeInfo(node: Node(metadata: ObjectMeta(name: name), status: NodeStatus(images: images)))
        for image in images {
            for imageName in image.names ?? [] where info.imageStates[imageName] == nil {
                info.imageStates[imageName] = ImageStateSummary(
                    size: sizes[imageName] ?? 0,
                    numNodes: holders[imageName]?.count ?? 0
                )
            }
        }
        return info
    }
}

private let node403002000: [ContainerImage] = [
    ContainerImage(names: ["gcr.io/40:latest", "gcr.io/40:v1", "gcr.io/40:v1"], sizeBytes: 40 * mb),
    ContainerImage(names: ["gcr.io/300:latest", "gcr.io/300:v1"], sizeBytes: 300 * mb),
    ContainerImage(names: ["gcr.io/2000:latest"], sizeBytes: 2000 * mb),
]
private let node25010: [ContainerImage] = [
    ContainerImage(names: ["gcr.io/250:latest"], sizeBytes: 250 * mb),
    ContainerImage(names: ["gcr.io/10:latest", "gcr.io/10:v1"], sizeBytes: 10 * mb),
]
private let node60040900: [ContainerImage] = [
    ContainerImage(names: ["gcr.io/600:latest"], sizeBytes: 600 * mb),
    ContainerImage(names: ["gcr.io/40:latest"], sizeBytes: 40 * mb),
    ContainerImage(names: ["gcr.io/900:latest"], sizeBytes: 900 * mb),
]
private let node300600900: [ContainerImage] = [
    ContainerImage(names: ["gcr.io/300:latest"], sizeBytes: 300 * mb),
    ContainerImage(names: ["gcr.io/600:latest"], sizeBytes: 600 * mb),
    ContainerImage(names: ["gcr.io/900:latest"], sizeBytes: 900 * mb),
]
private let node400030: [ContainerImage] = [
    ContainerImage(names: ["gcr.io/4000:latest"], sizeBytes: 4000 * mb),
    ContainerImage(names: ["gcr.io/30:latest"], sizeBytes: 30 * mb),
]
private let node203040: [ContainerImage] = [
    ContainerImage(names: ["gcr.io/20:latest"], sizeBytes: 20 * mb),
    ContainerImage(names: ["gcr.io/30:latest"], sizeBytes: 30 * mb),
    ContainerImage(names: ["gcr.io/40:latest"], sizeBytes: 40 * mb),
]

private func imagesPod(_ images: [String], initImages: [String] = []) -> PodBuilder {
    var builder = PodBuilder("p")
    builder.pod.spec.containers = images.enumerated().map { Container(name: "c\($0.offset)", image: $0.element) }
    if !initImages.isEmpty {
        builder.pod.spec.initContainers = initImages.enumerated().map {
            Container(name: "i\($0.offset)", image: $0.element)
        }
    }
    return builder
}

struct ImageCase: CustomTestStringConvertible, Sendable {
    let name: String
    let pod: PodBuilder
    let nodes: [(String, [ContainerImage])]
    let expected: [Int64]
    var testDescription: String { name }
}

/// Upstream's `TestImageLocalityPriority` (imagelocality/image_locality_test.go), scores and comments included.
private let imageCases: [ImageCase] = [
    // Node1: 40M × 1/2 < 23M → 0. Node2: 100 × (250M × 1/2 − 23M) / (1000M × 2 − 23M) = 5.
    ImageCase(
        name: "two images spread on two nodes, prefer the larger image one",
        pod: imagesPod(["gcr.io/40", "gcr.io/250"]),
        nodes: [("node1", node403002000), ("node2", node25010)],
        expected: [0, 5]
    ),
    // Node1: 100 × ((40M + 300M) × 1/2 − 23M) / (1000M × 2 − 23M) = 7.
    ImageCase(
        name: "two images on one node, prefer this node",
        pod: imagesPod(["gcr.io/40", "gcr.io/300"]),
        nodes: [("node1", node403002000), ("node2", node25010)],
        expected: [7, 0]
    ),
    // Node1: 4000M × 1/2 ≥ 1000M × 2 → 100. Node2: 10M × 1/2 < 23M → 0.
    ImageCase(
        name: "if exceed limit, use limit",
        pod: imagesPod(["gcr.io/4000", "gcr.io/10"]),
        nodes: [("node1", node400030), ("node2", node25010)],
        expected: [100, 0]
    ),
    // Node1: 100 × (4000M × 1/3 − 23M) / (1000M × 2 − 23M) = 66.
    ImageCase(
        name: "if exceed limit, use limit (with node which has no images present)",
        pod: imagesPod(["gcr.io/4000", "gcr.io/10"]),
        nodes: [("node1", node400030), ("node2", node25010), ("node3", [])],
        expected: [66, 0, 0]
    ),
    // Node1: 100 × (600M × 2/3 + 900M × 2/3 − 23M) / (1000M × 3 − 23M) = 32;
    // Node2: 100 × (300M × 1/3 + 600M × 2/3 + 900M × 2/3 − 23M) / (1000M × 3 − 23M) = 36.
    ImageCase(
        name: "pod with multiple large images, node2 is preferred",
        pod: imagesPod(["gcr.io/300", "gcr.io/600", "gcr.io/900"]),
        nodes: [("node1", node60040900), ("node2", node300600900), ("node3", [])],
        expected: [32, 36, 0]
    ),
    // Node1: 100 × (30M + 40M × 1/2 − 23M) / (1000M × 2 − 23M) = 1.
    ImageCase(
        name: "pod with multiple small images",
        pod: imagesPod(["gcr.io/30", "gcr.io/40"]),
        nodes: [("node1", node203040), ("node2", node400030)],
        expected: [1, 0]
    ),
    // Node1: 100 × (300M × 1/2 − 23M) / (1000M × 2 − 23M) = 6.
    ImageCase(
        name: "include InitContainers: two images spread on two nodes, prefer the larger image one",
        pod: imagesPod(["gcr.io/30"], initImages: ["gcr.io/300"]),
        nodes: [("node1", node403002000), ("node2", node203040)],
        expected: [6, 0]
    ),
]

@Suite struct ImageLocalityTests {
    @Test(arguments: imageCases)
    func scores(_ c: ImageCase) {
        let plugin = ImageLocality(handle: FakeHandle())
        let infos = imageNodes(c.nodes)
        let state = CycleState()
        let pod = c.pod.info()
        #expect(plugin.preScore(state: state, pod: pod, nodes: nodeList(infos)) == .success)
        #expect(infos.map { plugin.score(state: state, pod: pod, node: $0).score } == c.expected)
    }

    /// Upstream's `TestNormalizedImageName`.
    @Test(arguments: [
        ("root", "root:latest"), ("gcr.io:5000/root", "gcr.io:5000/root:latest"), ("root:tag", "root:tag"),
        (
            "root@sha256:4813494d137e1631bba301d5acab6e7bb7aa74ce1185d456565ef51d737677b2",
            "root@sha256:4813494d137e1631bba301d5acab6e7bb7aa74ce1185d456565ef51d737677b2"
        ),
        ("", ":latest"),
    ])
    func normalizedImageName(_ input: String, _ output: String) {
        #expect(ImageLocality.normalizedImageName(input) == output)
    }

    @Test func thresholdsAndPriority() {
        #expect(ImageLocality.minThreshold == 23 * 1024 * 1024)
        #expect(ImageLocality.maxContainerThreshold == 1000 * 1024 * 1024)
        #expect(ImageLocality.calculatePriority(sumScores: 0, numContainers: 1) == 0)
        #expect(ImageLocality.calculatePriority(sumScores: 23 * mb, numContainers: 1) == 0)
        #expect(ImageLocality.calculatePriority(sumScores: 1000 * mb, numContainers: 1) == 100)
        #expect(ImageLocality.calculatePriority(sumScores: 5000 * mb, numContainers: 2) == 100)
        // 100 × (511.5M − 23M) / 977M = 50 (integer division).
        #expect(ImageLocality.calculatePriority(sumScores: 511 * mb + mb / 2, numContainers: 1) == 50)
        // A pod without containers has nothing on any node: the sum is 0 and so is the score.
        #expect(ImageLocality.calculatePriority(sumScores: 0, numContainers: 0) == 0)
    }

    @Test func scoreWithoutPreScoreIsAnError() {
        let result = ImageLocality(handle: FakeHandle()).score(
            state: CycleState(),
            pod: imagesPod(["a"]).info(),
            node: imageNodes([("n", [])])[0]
        )
        #expect(result.status == .error(#"reading "PreScoreImageLocality" from cycleState: not found"#))
    }
}
