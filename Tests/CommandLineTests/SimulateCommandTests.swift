import Foundation
import Testing

@testable import KubeTestSupport

@Suite(.serialized) struct SimulateCommandTests {
    @Test func simulateTheExampleAsJSON() async throws {
        let (status, stdout, stderr) = try await runCLIAsync([
            "simulate", "--config", "profiles/default.yaml", "--cluster", "examples/cluster.yaml", "--output", "json",
        ])
        #expect(status == 0)
        #expect(stdout.hasPrefix("{\"pods\":["))
        #expect(stdout.split(separator: "\n").count == 1)
        // The Deployment in the example is skipped with a warning naming file, line and object.
        #expect(stderr.contains("examples/cluster.yaml:"))
        #expect(stderr.contains("skipping Deployment \"web\""))
    }

    @Test func badQuantityIsOneLineWithFileLineColumnAndField() async throws {
        let path = try temporaryFile(
            "bad-quantity.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    resources:\n      requests:\n        cpu: abc\n"
        )
        let (status, stdout, stderr) = try await runCLIAsync(["simulate", "--cluster", path])
        #expect(status != 0)
        #expect(stdout.isEmpty)
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(stderr.contains("bad-quantity.yaml:10:14: Pod default/x: spec.containers[0].resources.requests.cpu:"))
    }

    /// A claim the API server would refuse stops `simulate` with its message, naming the file.
    @Test func anInvalidClaimIsOneLineWithTheAPIServersMessage() async throws {
        let path = try temporaryFile(
            "bad-claim.yaml",
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n"
        )
        let (status, stdout, stderr) = try await runCLIAsync(["simulate", "--cluster", path])
        #expect(status != 0)
        #expect(stdout.isEmpty)
        #expect(stderr.split(separator: "\n").count == 1)
        #expect(
            stderr.contains(
                "bad-claim.yaml: PersistentVolumeClaim \"data\" is invalid: spec.resources[storage]: Required value"
            ),
            "\(stderr)"
        )
    }

    @Test func yamlSyntaxErrorNamesLineAndColumn() async throws {
        let path = try temporaryFile("syntax.yaml", "kind: Pod\n  bad: [\n")
        let (status, _, stderr) = try await runCLIAsync(["simulate", "--cluster", path])
        #expect(status != 0)
        #expect(stderr.contains("syntax.yaml:2:"))
        #expect(stderr.split(separator: "\n").count == 1)
    }

    @Test func missingFileFails() async throws {
        let (status, _, stderr) = try await runCLIAsync(["simulate", "--cluster", "/nonexistent/cluster.yaml"])
        #expect(status != 0)
        #expect(stderr.contains("/nonexistent/cluster.yaml"))
    }

    @Test func jsonManifestsAndKindListAreAccepted() async throws {
        let json = """
            {"apiVersion":"v1","kind":"List","items":[
              {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1"}},
               "status":{"allocatable":{"cpu":"2","memory":"4Gi","pods":"10"}}},
              {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","managedFields":[{"manager":"kubectl"}]},
               "spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":1}}}]},"status":{"phase":"Pending"}}
            ]}
            """
        let path = try temporaryFile("list.json", json)
        let (status, stdout, _) = try await runCLIAsync(["simulate", "--cluster", path, "--output", "json"])
        #expect(status == 0)
        #expect(
            stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                == #"{"pods":[{"namespace":"default","name":"p","node":"n1","status":"Scheduled"}],"preempted":[]}"#
        )
    }

    @Test func configValidateAcceptsTheShippedProfiles() async throws {
        for profile in ["profiles/default.yaml", "profiles/bin-packing.yaml", "profiles/two-profiles.yaml"] {
            let (status, stdout, stderr) = try await runCLIAsync(["config", "validate", profile])
            #expect(status == 0, "\(profile): \(stderr)")
            #expect(stdout.contains("valid"))
        }
    }

    @Test func configValidateRefusesDuplicateNamesAndUnknownPlugins() async throws {
        let path = try temporaryFile(
            "bad-config.yaml",
            """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: a
              plugins:
                filter:
                  enabled:
                  - name: NoSuchPlugin
            - schedulerName: a

            """
        )
        let (status, _, stderr) = try await runCLIAsync(["config", "validate", path])
        #expect(status != 0)
        #expect(stderr.split(separator: "\n").count == 1)
        #expect(stderr.contains("bad-config.yaml:8:"))
        #expect(stderr.contains("profiles[0].plugins.filter.enabled[0]"))
        #expect(stderr.contains("\"NoSuchPlugin\""))
        #expect(stderr.contains("profiles[1].schedulerName: Duplicate value: \"a\""))
    }

    @Test func pluginAtAnExtensionPointItDoesNotImplementIsRefused() async throws {
        let path = try temporaryFile(
            "wrong-point.yaml",
            """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
              plugins:
                bind:
                  enabled:
                  - name: NodeName

            """
        )
        let (status, _, stderr) = try await runCLIAsync(["config", "validate", path])
        #expect(status != 0)
        #expect(stderr.contains("plugin \"NodeName\" does not extend Bind plugin"))
    }
}
