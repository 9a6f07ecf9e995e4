import Foundation
import InTreePlugins
import KubeAPI
import KubeClient
import SchedulerConfig
import SchedulerFramework
import SchedulerRuntime
import SchedulerServer
import SchedulerTesting
import Testing

@testable import KubeTestSupport

/// VolumeBinding against the fake API server: the informers for PVs, claims, classes, CSIDrivers and
/// capacities, PreBind's PUTs, and the wait for the PV controller.
@Suite(.serialized) struct VolumeBindingAPITests {
    private func runner(_ fake: FakeAPIServer, bindTimeoutSeconds: Int = 600) throws -> SchedulerRunner {
        let yaml = """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            clientConnection: {qps: 1000, burst: 1000}
            leaderElection: {leaderElect: false}
            profiles:
            - schedulerName: \(testSchedulerName)
              pluginConfig:
              - name: VolumeBinding
                args: {bindTimeoutSeconds: \(bindTimeoutSeconds)}
            """
        let configuration = try ConfigurationLoader.load(
            contents: yaml,
            source: "test.yaml",
            registry: makeInTreeRegistry()
        )
        var options = RunOptions(
            configuration: configuration,
            client: fakeClientConfiguration(fake),
            identity: "volumes"
        )
        options.leaderElect = false
        options.informers.initialBackoff = .milliseconds(50)
        options.informers.maximumBackoff = .milliseconds(500)
        options.shutdownGracePeriod = .seconds(10)
        return try SchedulerRunner(
            options: options,
            registry: makeInTreeRegistry(),
            logger: LogCapture().logger("volumes")
        )
    }

    private func labelledNode(_ name: String) -> Node {
        NodeBuilder(name).capacity(["cpu": "4", "memory": "32Gi", "pods": "110"]).label(
            VolumeAnnotations.hostnameLabel,
            name
        ).build()
    }

    private func podWithClaim(_ name: String, claim: String) -> Pod {
        var pod = pod(name)
        pod.spec.volumes = [
            Volume(name: "data", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: claim))
        ]
        return pod
    }

    private func localVolume(_ name: String, node: String) -> PersistentVolume {
        PersistentVolume(
            name: name,
            capacity: "10Gi",
            storageClassName: "local",
            nodeAffinity: NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [
                    NodeSelectorRequirement(key: VolumeAnnotations.hostnameLabel, operator: "In", values: [node])
                ])
            ])
        )
    }

    @Test(.timeLimit(.minutes(2))) func staticBindingOfALocalVolume() async throws {
        let fake = try await FakeAPIServer.start()
        fake.setVolumeController(true)
        fake.createNode(labelledNode("n1"))
        fake.createNode(labelledNode("n2"))
        fake.create(.storageClass(StorageClass(name: "local", provisioner: VolumeAnnotations.noProvisioner)))
        fake.create(.persistentVolume(localVolume("pv-n2", node: "n2")))
        fake.create(
            .persistentVolumeClaim(PersistentVolumeClaim(name: "data", storageClassName: "local", request: "1Gi"))
        )
        fake.createPod(podWithClaim("db", claim: "data"))
        let runner = try runner(fake)
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/db"]) })
        #expect(fake.pod("default/db")?.nodeName == "n2")
        #expect(fake.volumeWrites == ["PersistentVolume pv-n2"])
        guard case .persistentVolume(let pv)? = fake.objects(.persistentVolume).first else {
            throw TestFailure("no PV")
        }
        #expect(pv.spec.claimRef?.name == "data")
        #expect(pv.metadata.annotations?["pv.kubernetes.io/bound-by-controller"] == "yes")
        // Every kind VolumeBinding reads was listed.
        let paths = Set(fake.requests.map(\.path))
        for path in [
            "/api/v1/persistentvolumes", "/api/v1/persistentvolumeclaims", "/apis/storage.k8s.io/v1/storageclasses",
            "/apis/storage.k8s.io/v1/csinodes", "/apis/storage.k8s.io/v1/csidrivers",
            "/apis/storage.k8s.io/v1/csistoragecapacities", "/apis/storage.k8s.io/v1/volumeattachments",
        ] {
            #expect(paths.contains(path), "\(path) not listed")
        }
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    @Test(.timeLimit(.minutes(2))) func provisioningOnTheChosenNode() async throws {
        let fake = try await FakeAPIServer.start()
        fake.setVolumeController(true)
        fake.createNode(labelledNode("n1"))
        fake.create(.storageClass(StorageClass(name: "fast", provisioner: "csi.example.com")))
        fake.create(
            .persistentVolumeClaim(PersistentVolumeClaim(name: "data", storageClassName: "fast", request: "1Gi"))
        )
        fake.createPod(podWithClaim("app", claim: "data"))
        let runner = try runner(fake)
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/app"]) })
        #expect(fake.volumeWrites == ["PersistentVolumeClaim default/data"])
        let claim = fake.objects(.persistentVolumeClaim).compactMap { object -> PersistentVolumeClaim? in
            if case .persistentVolumeClaim(let claim) = object { return claim }
            return nil
        }.first
        #expect(claim?.metadata.annotations?["volume.kubernetes.io/selected-node"] == "n1")
        #expect(claim?.spec.volumeName == "pvc-data")
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }

    /// No PV controller: PreBind gives up after bindTimeoutSeconds, the pod is not bound and is retried.
    @Test(.timeLimit(.minutes(2))) func bindTimeout() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(labelledNode("n1"))
        fake.create(.storageClass(StorageClass(name: "local", provisioner: VolumeAnnotations.noProvisioner)))
        fake.create(.persistentVolume(localVolume("pv-n1", node: "n1")))
        fake.create(
            .persistentVolumeClaim(PersistentVolumeClaim(name: "data", storageClassName: "local", request: "1Gi"))
        )
        fake.createPod(podWithClaim("db", claim: "data"))
        let runner = try runner(fake, bindTimeoutSeconds: 1)
        let run = launch(runner)
        #expect(
            await eventually {
                fake.events.contains {
                    $0.reason == "FailedScheduling"
                        && ($0.note ?? "").contains("binding volumes: context deadline exceeded")
                }
            }
        )
        #expect(fake.bindings.isEmpty)
        #expect(fake.pod("default/db")?.nodeName == "")
        // The one PUT of the attempt, repeated by later attempts but never for another claim.
        #expect(fake.volumeWrites.first == "PersistentVolume pv-n1")
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
