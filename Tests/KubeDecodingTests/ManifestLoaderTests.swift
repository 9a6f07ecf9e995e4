import Foundation
import KubeAPI
import KubeDecoding
import Testing

struct ManifestLoaderTests {
    @Test func decodesKubectlYAMLPodWithManagedFieldsAndStatus() throws {
        let result = try ManifestLoader.load(contents: Fixtures.podYAML, source: "pod.yaml")
        #expect(result.warnings.isEmpty)
        let pod = try #require(result.objects.first?.pod)
        #expect(pod.key == "shop/web-7d4b9c8f5-x2x9z")
        #expect(pod.labels == ["app": "web", "pod-template-hash": "7d4b9c8f5"])
        #expect(pod.metadata.ownerReferences?.first?.kind == "ReplicaSet")
        #expect(pod.spec.containers.count == 1)
        let container = pod.spec.containers[0]
        #expect(container.resources?.requests?["cpu"]?.milliValue == 250)
        #expect(container.resources?.requests?["memory"]?.value == 128 << 20)
        #expect(container.resources?.limits?["memory"]?.value == 256 << 20)
        #expect(container.ports?.first?.hostPort == 8080)
        #expect(pod.spec.tolerations?.count == 2)
        #expect(pod.spec.tolerations?.first?.tolerationSeconds == 300)
        #expect(pod.priority == 1000)
        #expect(pod.nodeName == "worker-2")
        #expect(pod.status?.phase == "Running")
        #expect(pod.status?.conditions?.first?.type == "PodScheduled")
        #expect(result.entries.first?.location == "pod.yaml:1:1")
    }

    @Test func decodesKubectlJSONNode() throws {
        let result = try ManifestLoader.load(contents: Fixtures.nodeJSON, source: "node.json")
        let node = try #require(result.objects.first?.node)
        #expect(node.name == "worker-2")
        #expect(node.labels["topology.kubernetes.io/zone"] == "eu-west-1b")
        #expect(node.taints == [Taint(key: "dedicated", value: "gpu", effect: "NoSchedule")])
        #expect(node.status.allocatable?["cpu"]?.milliValue == 3920)
        #expect(node.status.allocatable?["memory"]?.value == Int64(15_700_372) * 1024)
        #expect(node.status.allocatable?["nvidia.com/gpu"]?.value == 1)
        #expect(node.status.images?.first?.sizeBytes == 72_000_000)
        #expect(node.status.conditions?.first?.status == "True")
        #expect(result.entries.first?.position == SourcePosition(line: 1, column: 1))
    }

    @Test func flattensKindListAndWarnsAboutUnusedKinds() throws {
        let yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Node
              metadata:
                name: n1
            - apiVersion: apps/v1
              kind: Deployment
              metadata:
                name: web
            - apiVersion: v1
              kind: Pod
              metadata:
                name: p1
                namespace: team-a
              spec:
                containers:
                - name: c
            metadata:
              resourceVersion: ""
            """
        let result = try ManifestLoader.load(contents: yaml, source: "list.yaml")
        #expect(result.objects.map(\.key) == ["n1", "team-a/p1"])
        #expect(result.warnings == [#"list.yaml:8:3: skipping Deployment "web": kind not used by the scheduler"#])
    }

    @Test func typedListItemsInheritTheirKind() throws {
        let json = """
            {"apiVersion": "v1", "kind": "PodList", "items": [
              {"metadata": {"name": "a"}, "spec": {"containers": [{"name": "c"}]}},
              {"metadata": {"name": "b", "namespace": "x"}}
            ]}
            """
        let result = try ManifestLoader.load(contents: json, source: "pods.json")
        #expect(result.objects.map(\.key) == ["default/a", "x/b"])
        #expect(result.objects.allSatisfy { $0.kind == .pod })
    }

    @Test func readsMultipleDocumentsAndSkipsEmptyOnes() throws {
        let yaml = """
            # A cluster.
            ---
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata:
              name: high
            value: 1000
            ---
            ---
            # only a comment
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: team-a
              labels:
                env: prod
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 3
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata:
              name: web-pdb
              namespace: team-a
            spec:
              minAvailable: 50%
              selector:
                matchLabels:
                  app: web
            ---
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata:
              name: fast
            provisioner: ebs.csi.aws.com
            volumeBindingMode: WaitForFirstConsumer
            """
        let result = try ManifestLoader.load(contents: yaml, source: "cluster.yaml")
        #expect(result.objects.map(\.kind) == [.priorityClass, .namespace, .podDisruptionBudget, .storageClass])
        #expect(result.warnings == [#"cluster.yaml:19:1: skipping Deployment "web": kind not used by the scheduler"#])
        if case .priorityClass(let priorityClass) = result.objects[0] { #expect(priorityClass.value == 1000) }
        if case .podDisruptionBudget(let pdb) = result.objects[2] {
            #expect(pdb.spec.minAvailable == .string("50%"))
        }
    }

    @Test func readsAJSONArrayOfObjects() throws {
        let json = """
            [
              {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}},
              {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n2"}}
            ]
            """
        let result = try ManifestLoader.load(contents: json, source: "nodes.json")
        #expect(result.objects.map(\.key) == ["n1", "n2"])
        #expect(result.entries[1].position == SourcePosition(line: 3, column: 3))
    }

    @Test func quantitiesMayBeWrittenAsNumbers() throws {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              containers:
              - name: c
                resources:
                  requests:
                    cpu: 2
                    memory: 1e3
                    ephemeral-storage: 0755
                  limits:
                    cpu: 0.5
                    memory: 1.5e3
            """
        let pod = try #require(try ManifestLoader.load(contents: yaml, source: "p.yaml").objects.first?.pod)
        let requests = try #require(pod.spec.containers.first?.resources?.requests)
        #expect(requests["cpu"]?.milliValue == 2000)
        #expect(requests["memory"]?.value == 1000)
        // YAML 1.1, as Kubernetes reads it: a leading zero makes an octal number (0755 = 493).
        #expect(requests["ephemeral-storage"]?.value == 493)
        let limits = try #require(pod.spec.containers.first?.resources?.limits)
        #expect(limits["cpu"]?.milliValue == 500)
        #expect(limits["memory"]?.value == 1500)
    }

    @Test func stringFieldsRefuseUnquotedNumbersAndBooleansAsKubernetesDoes() {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
              labels:
                enabled: true
            """
        #expect {
            try ManifestLoader.load(contents: yaml, source: "p.yaml")
        } throws: { error in
            (error as? DecodeError)?.description
                == #"p.yaml:6:14: Pod default/p: metadata.labels.enabled: expected a string, got boolean true (quote it to make it a string: "true")"#
        }
        let quoted = yaml.replacingOccurrences(of: "enabled: true", with: "enabled: \"true\"")
        #expect(throws: Never.self) { try ManifestLoader.load(contents: quoted, source: "p.yaml") }
    }

    @Test func badQuantityNamesFileLineColumnObjectAndField() {
        let yaml = """
            apiVersion: v1
            kind: Node
            metadata:
              name: n1
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: default
            spec:
              containers:
              - name: app
                resources:
                  requests:
                    cpu: abc
            """
        #expect {
            try ManifestLoader.load(contents: yaml, source: "cluster.yaml")
        } throws: { error in
            guard let error = error as? DecodeError else { return false }
            return error.line == 16 && error.column == 14 && error.object == "Pod default/web"
                && error.fieldPath == "spec.containers[0].resources.requests.cpu"
                && error.description
                    == #"cluster.yaml:16:14: Pod default/web: spec.containers[0].resources.requests.cpu: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "abc""#
        }
    }

    @Test func badQuantityInJSONIsPositionedToo() {
        let json = """
            {
              "apiVersion": "v1",
              "kind": "Pod",
              "metadata": {"name": "web"},
              "spec": {"containers": [{"name": "c", "resources": {"requests": {"memory": "12 Gi"}}}]}
            }
            """
        #expect {
            try ManifestLoader.load(contents: json, source: "pod.json")
        } throws: { error in
            guard let error = error as? DecodeError else { return false }
            return error.position == SourcePosition(line: 5, column: 78)
                && error.fieldPath == "spec.containers[0].resources.requests.memory"
        }
    }

    @Test func yamlSyntaxErrorUsesTheParsersPosition() {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels: {app: web
            spec: {}
            """
        #expect {
            try ManifestLoader.load(contents: yaml, source: "bad.yaml")
        } throws: { error in
            guard let error = error as? DecodeError else { return false }
            return error.line == 6 && error.column == 5
                && error.description.hasPrefix("bad.yaml:6:5: YAML syntax error: ")
        }
    }

    @Test func invalidJSONReportsThePosition() {
        #expect {
            try ManifestLoader.load(contents: "{\n  \"kind\": \"Pod\",\n  \"metadata\": x\n}", source: "bad.json")
        } throws: { error in
            guard let error = error as? DecodeError else { return false }
            return error.line == 3 && error.description.contains("invalid JSON")
        }
    }

    @Test func wrongTypeReportsTheValuesPosition() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: {name: c}\n"
        #expect {
            try ManifestLoader.load(contents: yaml, source: "p.yaml")
        } throws: { error in
            (error as? DecodeError)?.description
                == "p.yaml:6:15: Pod default/p: spec.containers: expected a list, got a mapping"
        }
    }

    @Test func missingRequiredFieldPointsAtItsParent() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: nginx\n"
        #expect {
            try ManifestLoader.load(contents: yaml, source: "p.yaml")
        } throws: { error in
            (error as? DecodeError)?.description == "p.yaml:7:5: Pod default/p: spec.containers[0].name: Required value"
        }
    }

    @Test func documentWithoutKindIsAnError() {
        #expect {
            try ManifestLoader.load(contents: "apiVersion: v1\nmetadata:\n  name: x\n", source: "x.yaml")
        } throws: { error in
            (error as? DecodeError)?.description == "x.yaml:1:1: object x: kind: Required value: kind not set"
        }
    }

    @Test func wrongAPIVersionIsAnError() {
        #expect {
            try ManifestLoader.load(
                contents: "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: x\n",
                source: "x.yaml"
            )
        } throws: { error in
            (error as? DecodeError)?.description
                == #"x.yaml:1:13: PodDisruptionBudget default/x: apiVersion: no matches for kind "PodDisruptionBudget" in version "policy/v1beta1" (expected "policy/v1")"#
        }
    }

    @Test func objectsNeedAName() {
        #expect {
            try ManifestLoader.load(
                contents: "apiVersion: v1\nkind: Node\nmetadata:\n  labels: {a: b}\n",
                source: "x.yaml"
            )
        } throws: { error in
            (error as? DecodeError)?.description
                == "x.yaml:4:3: Node: metadata.name: Required value: name or generateName is required"
        }
    }

    @Test func duplicateKeysAreRefused() {
        #expect {
            try ManifestLoader.load(contents: "apiVersion: v1\nkind: Node\nkind: Pod\n", source: "x.yaml")
        } throws: { error in
            (error as? DecodeError)?.description.contains(#"mapping key "kind" already defined"#) == true
        }
    }

    @Test func anchorsAndMergeKeysWork() throws {
        let yaml = """
            apiVersion: v1
            kind: Node
            metadata:
              name: n1
              labels: &common
                zone: a
                tier: gold
            ---
            apiVersion: v1
            kind: Node
            metadata:
              name: n2
              labels:
                <<: *common
                tier: silver
            """
        let nodes = try ManifestLoader.load(contents: yaml, source: "n.yaml").objects.compactMap(\.node)
        #expect(nodes.map(\.labels) == [["zone": "a", "tier": "gold"], ["zone": "a", "tier": "silver"]])
    }

    @Test func nullLeavesFieldsEmpty() throws {
        let yaml =
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: ~\nspec:\n  containers:\n  - name: c\n    resources: null\n"
        let pod = try #require(try ManifestLoader.load(contents: yaml, source: "p.yaml").objects.first?.pod)
        #expect(pod.metadata.labels == nil)
        #expect(pod.spec.containers.first?.resources == nil)
    }

    @Test func unreadableFileNamesThePath() {
        #expect {
            try ManifestLoader.load(path: "/nonexistent/cluster.yaml")
        } throws: { error in
            (error as? DecodeError)?.description.hasPrefix("/nonexistent/cluster.yaml: cannot read file") == true
        }
    }

    @Test func loadsFromAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString).yaml")
        try Fixtures.podYAML.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try ManifestLoader.load(path: url.path)
        #expect(result.entries.first?.source == url.path)
        #expect(result.objects.count == 1)
    }
}

struct JSONEdgeCaseTests {
    @Test func duplicateJSONKeysAreRefused() {
        #expect {
            try ManifestLoader.load(
                contents: #"{"apiVersion": "v1", "kind": "Node", "kind": "Pod", "metadata": {"name": "n"}}"#,
                source: "d.json"
            )
        } throws: { ($0 as? DecodeError)?.description.contains(#"mapping key "kind" already defined"#) == true }
    }

    @Test func flowStyleYAMLThatIsNotJSONStillLoads() throws {
        let result = try ManifestLoader.load(
            contents: "{apiVersion: v1, kind: Node, metadata: {name: n1}}",
            source: "f.yaml"
        )
        #expect(result.objects.map(\.key) == ["n1"])
    }

    @Test func jsonEscapesAndTabsAreRead() throws {
        let json =
            "{\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Node\",\n\t\"metadata\": {\"name\": \"n\\/1\", \"labels\": {\"k\": \"caf\\u00e9 \\\"q\\\"\"}}}"
        let node = try #require(try ManifestLoader.load(contents: json, source: "e.json").objects.first?.node)
        #expect(node.name == "n/1")
        #expect(node.labels["k"] == "café \"q\"")
    }
}
