import Foundation
import InTreePlugins
import SchedulerConfig

@testable import Bench

/// A fresh directory for one test's files.
func makeTemporaryDirectory(_ name: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("sks-bench-tests-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// Writes `contents` to `relativePath` under `directory` (creating subdirectories) and returns the path.
@discardableResult
func write(_ contents: String, to relativePath: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(relativePath)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

let nodeTemplate = """
    apiVersion: v1
    kind: Node
    metadata:
      generateName: perf-node-
    status:
      capacity:
        pods: "110"
        cpu: "4"
        memory: 32Gi
    """

let podTemplate = """
    apiVersion: v1
    kind: Pod
    metadata:
      generateName: perf-pod-
      labels:
        app: bench
    spec:
      containers:
      - name: pause
        image: registry.k8s.io/pause:3.10.1
        resources:
          requests:
            cpu: 100m
            memory: 500Mi
    """

/// A SchedulingBasic-shaped workload file with templates in a sibling directory.
func basicWorkloadFile(nodes: Int, initPods: Int, measurePods: Int) throws -> String {
    let directory = try makeTemporaryDirectory("basic")
    try write(nodeTemplate, to: "templates/node.yaml", in: directory)
    try write(podTemplate, to: "templates/pod.yaml", in: directory)
    return try write(
        """
        - name: SmallBasic
          defaultPodTemplatePath: ../templates/pod.yaml
          workloadTemplate:
          - opcode: createNodes
            countParam: $initNodes
            nodeTemplatePath: ../templates/node.yaml
          - opcode: createPods
            countParam: $initPods
          - opcode: createPods
            countParam: $measurePods
            collectMetrics: true
          workloads:
          - name: small
            labels: [performance]
            threshold: 1
            params:
              initNodes: \(nodes)
              initPods: \(initPods)
              measurePods: \(measurePods)
        """,
        to: "cases/perf.yaml",
        in: directory
    )
}

/// Runs `workload` once on a fresh embedded cluster, without progress output.
func runQuietly(
    _ workload: ResolvedWorkload,
    configurationText: String? = nil,
    seed: UInt64 = 1
) async throws -> BenchResult {
    let registry = makeInTreeRegistry()
    let configuration =
        try configurationText.map {
            try ConfigurationLoader.load(contents: $0, source: "profile.yaml", registry: registry)
        } ?? ConfigurationLoader.defaultConfiguration(registry: registry)
    var settings = RunSettings()
    settings.seed = seed
    settings.sampleInterval = 0.01
    settings.stallTimeout = 2
    let runner = WorkloadRunner(
        workload: workload,
        configuration: configuration,
        registry: registry,
        cluster: .embedded(),
        settings: settings
    )
    return try await runner.run()
}
