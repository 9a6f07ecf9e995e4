import Foundation
import KubeAPI
import Testing

@testable import Bench

@Suite struct WorkloadFileParserTests {
    @Test func readsUpstreamFormatWithTemplatesAndParams() throws {
        let directory = try makeTemporaryDirectory("parser")
        try write(nodeTemplate, to: "templates/node.yaml", in: directory)
        try write(podTemplate, to: "templates/pod.yaml", in: directory)
        try write(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: fixed-{{.Index}}
              labels:
                color: "{{ .color }}"
            spec:
              containers:
              - name: c
            """,
            to: "templates/colored.yaml",
            in: directory
        )
        let path = try write(
            """
            # A comment, as upstream's files start with.
            - name: Mixed
              featureGates:
                SchedulerQueueingHints: true
              defaultPodTemplatePath: ../templates/pod.yaml
              labels: [performance]
              workloadTemplate:
              - opcode: createNodes
                countParam: $initNodes
                nodeTemplatePath: ../templates/node.yaml
                labelNodePrepareStrategy:
                  labelKey: topology.kubernetes.io/zone
                  labelValues: ["zone1", "zone2"]
              - opcode: createNamespaces
                prefix: sched
                count: 2
              - opcode: createPods
                countParam: $initPods
                namespace: sched-0
              - opcode: createAny
                templatePath: ../templates/colored.yaml
                namespace: sched-1
                countParam: $extra
                templateParams:
                  color: $color
              - opcode: churn
                mode: recreate
                number: 1
                intervalMilliseconds: 250
                templatePaths: [../templates/pod.yaml]
              - opcode: barrier
                stageRequirement: Attempted
              - opcode: sleep
                duration: 10ms
              - opcode: createPods
                countParam: $measurePods
                collectMetrics: true
              - opcode: deletePods
                namespace: sched-0
                deletePodsPerSecond: 100
                skipWaitToCompletion: true
              workloads:
              - name: tiny
                labels: [integration-test, short]
                params: {initNodes: 3, initPods: 4, measurePods: 5, extra: 2, color: blue}
              - name: big
                labels: [performance]
                threshold: 680
                params: {initNodes: 5000, initPods: 1000, measurePods: 10000, extra: 1, color: red}
            """,
            to: "cases/perf.yaml",
            in: directory
        )

        let cases = try WorkloadFileParser.parse(path: path)
        #expect(cases.count == 1)
        let testCase = try #require(cases.first)
        #expect(testCase.name == "Mixed")
        #expect(testCase.workloads.map(\.name) == ["tiny", "big"])
        #expect(testCase.defaultWorkload?.name == "big")
        #expect(testCase.featureGates == ["SchedulerQueueingHints": true])
        #expect(testCase.workloads[1].threshold == 680)
        #expect(testCase.workloads[0].threshold == nil)
        // Template paths are relative to the file's directory.
        #expect(testCase.defaultPodTemplatePath == directory.appendingPathComponent("cases/../templates/pod.yaml").path)

        let resolved = try WorkloadFileParser.resolve(testCase, workload: testCase.workloads[0])
        #expect(resolved.operations.count == 9)
        #expect(resolved.nodeCount == 3)
        #expect(resolved.initPodCount == 4)
        #expect(resolved.measuredPodCount == 5)
        guard case .createNodes(let nodes) = resolved.operations[0] else {
            Issue.record("expected createNodes")
            return
        }
        #expect(nodes.count == 3)
        #expect(nodes.labelStrategy?.labelValues == ["zone1", "zone2"])
        guard case .createAny(let any) = resolved.operations[3] else {
            Issue.record("expected createAny")
            return
        }
        #expect(any.count == 2)
        #expect(any.templateParams["color"] == .string("blue"))
        guard case .churn(let churn) = resolved.operations[4] else {
            Issue.record("expected churn")
            return
        }
        #expect(churn.mode == .recreate && churn.number == 1 && churn.intervalMilliseconds == 250)
        guard case .barrier(let barrier) = resolved.operations[5] else {
            Issue.record("expected barrier")
            return
        }
        #expect(barrier.stage == .attempted)
        guard case .sleep(let sleep) = resolved.operations[6] else {
            Issue.record("expected sleep")
            return
        }
        #expect(sleep.duration == .milliseconds(10))
        guard case .createPods(let measured) = resolved.operations[7] else {
            Issue.record("expected createPods")
            return
        }
        #expect(measured.count == 5 && measured.collectMetrics && measured.namespace == nil)

        // Overrides replace parameters before substitution.
        let overridden = try WorkloadFileParser.resolve(
            testCase,
            workload: testCase.workloads[1],
            overrides: ["measurePods": .int(7)]
        )
        #expect(overridden.measuredPodCount == 7)
        #expect(overridden.nodeCount == 5000)

        // The template renders {{.Index}} and templateParams.
        let template = try ObjectTemplate(path: directory.appendingPathComponent("templates/colored.yaml").path)
        let instance = try template.instantiate(index: 1, count: 2, params: any.templateParams)
        #expect(instance.name == "fixed-1")
        #expect(instance.object.metadata.labels?["color"] == "blue")
    }

    @Test func unsupportedOpcodeIsOneLineNamingItWithPosition() throws {
        let text = """
            - name: Dra
              workloadTemplate:
              - opcode: createNodes
                count: 1
              - opcode: createResourceClaims
                count: 1
              workloads:
              - name: one
            """
        #expect(throws: BenchError.self) { try WorkloadFileParser.parse(contents: text, source: "dra.yaml") }
        do {
            _ = try WorkloadFileParser.parse(contents: text, source: "dra.yaml")
        } catch {
            #expect(
                error.description.hasPrefix(
                    "dra.yaml:5:13: unsupported opcode \"createResourceClaims\" (supported: barrier, churn, "
                )
            )
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func unknownFieldAndUndefinedParamAreRefusedWithPositions() throws {
        do {
            _ = try WorkloadFileParser.parse(
                contents: """
                    - name: Typo
                      workloadTemplate:
                      - opcode: createPods
                        countParm: $initPods
                      workloads: []
                    """,
                source: "typo.yaml"
            )
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "typo.yaml:4:5: createPods: unknown field \"countParm\"")
        }
        let cases = try WorkloadFileParser.parse(
            contents: """
                - name: Missing
                  workloadTemplate:
                  - opcode: createPods
                    countParam: $measurePods
                  workloads:
                  - name: w
                    params: {initPods: 1}
                """,
            source: "missing.yaml"
        )
        let testCase = try #require(cases.first)
        do {
            _ = try WorkloadFileParser.resolve(testCase, workload: testCase.workloads[0])
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "missing.yaml:4:17: createPods: countParam: parameter measurePods is undefined in workload \"w\""
            )
        }
    }

    @Test func refusesCollectMetricsWithSkipWaitAndBadChurnMode() throws {
        let both = try WorkloadFileParser.parse(
            contents: """
                - name: Both
                  workloadTemplate:
                  - opcode: createPods
                    count: 1
                    collectMetrics: true
                    skipWaitToCompletion: true
                  workloads:
                  - name: w
                """,
            source: "both.yaml"
        )
        #expect(throws: BenchError.self) { try WorkloadFileParser.resolve(both[0], workload: both[0].workloads[0]) }
        let churn = try WorkloadFileParser.parse(
            contents: """
                - name: Churn
                  workloadTemplate:
                  - opcode: churn
                    mode: sometimes
                    templatePaths: [x.yaml]
                  workloads:
                  - name: w
                """,
            source: "churn.yaml"
        )
        do {
            _ = try WorkloadFileParser.resolve(churn[0], workload: churn[0].workloads[0])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("churn.yaml:4:11: churn: mode: invalid mode: sometimes"))
        }
    }

    @Test func builtInWorkloadsAllParseAndResolve() throws {
        let cases = try WorkloadLibrary.testCases()
        let names = cases.map(\.name)
        for expected in [
            "SchedulingBasic", "SchedulingDaemonset", "SchedulingNodeAffinity", "SchedulingPodAntiAffinity",
            "SchedulingPodAffinity", "SchedulingPreferredPodAffinity", "SchedulingPreferredPodAntiAffinity",
            "TopologySpreading", "PreferredTopologySpreading", "MixedSchedulingBasePod", "SchedulingCSIPVs",
            "PreemptionBasic", "Unschedulable", "SchedulingWithMixedChurn", "DeploymentPods",
        ] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        for testCase in cases {
            for workload in testCase.workloads {
                _ = try WorkloadFileParser.resolve(testCase, workload: workload)
            }
        }
        let basic = try #require(cases.first { $0.name == "SchedulingBasic" })
        #expect(basic.defaultWorkload?.name == "5000Nodes_10000Pods")
        #expect(basic.workload(named: "500Nodes")?.params["initNodes"] == .int(500))
        let daemonset = try #require(cases.first { $0.name == "SchedulingDaemonset" })
        #expect(daemonset.defaultWorkload?.name == "15000Nodes")
        let deployment = try #require(cases.first { $0.name == "DeploymentPods" })
        #expect(deployment.defaultWorkload?.name == "5000Nodes_5000Pods")
        let listing = try BenchCommand.listing()
        #expect(listing.contains("SchedulingWithMixedChurn"))
        #expect(listing.contains("* 5000Nodes_10000Pods"))
    }

    @Test func builtInTemplatesHaveUpstreamShapes() throws {
        let root = try WorkloadLibrary.directory()
        let node = try ObjectTemplate(path: root + "/templates/node-default.yaml").instantiate(
            index: 0,
            count: 1,
            params: [:]
        )
        guard case .node(let n) = APIDefaulting.apply(node.object) else {
            Issue.record("expected a node")
            return
        }
        #expect(n.status.allocatable?["cpu"]?.milliValue == 4000)
        #expect(n.status.allocatable?["memory"]?.value == Int64(32) << 30)
        #expect(n.status.allocatable?["pods"]?.value == 110)
        let pod = try ObjectTemplate(path: root + "/templates/pod-default.yaml").instantiate(
            index: 0,
            count: 1,
            params: [:]
        )
        guard case .pod(let p) = pod.object else {
            Issue.record("expected a pod")
            return
        }
        #expect(p.spec.containers.count == 1)
        #expect(p.spec.containers[0].resources?.requests?["cpu"]?.milliValue == 100)
        #expect(p.spec.containers[0].resources?.requests?["memory"]?.value == Int64(500) << 20)
        #expect(pod.generateName == "pod-")
    }
}
