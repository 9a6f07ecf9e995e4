import Foundation
import KubeAPI
import Testing

@testable import WasmPlugin

/// Golden bytes for `k8s.io.api.core.v1` messages. The expected bytes follow Kubernetes' generated (gogo) marshal
/// code: ascending field numbers, sorted map keys, non-pointer Go fields always present (empty strings, zero
/// integers, false booleans, empty embedded messages, the zero `metav1.Time` as an empty message).
@Suite struct ProtobufTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func podGoldenBytes() throws {
        let pod = try decode(
            Pod.self,
            """
            {"metadata": {"name": "p", "namespace": "ns", "uid": "u", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "c", "image": "img",
                                      "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}],
                                      "resources": {"requests": {"cpu": "500m"}}}],
                      "schedulerName": "sched", "priority": 7,
                      "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}]}}
            """
        )
        let expected = [
            // metadata: name, generateName, namespace, selfLink, uid, resourceVersion, generation,
            // creationTimestamp (zero: empty), labels{app: web}
            "0a20", "0a0170", "1200", "1a026e73", "2200", "2a0175", "3200", "3800", "4200", "5a0a0a036170701203776562",
            // spec
            "127d",
            // containers[0]: name, image, workingDir, ports[0]{name, hostPort, containerPort, protocol, hostIP},
            // resources{requests{cpu: 500m}}, terminationMessagePath, imagePullPolicy, stdin, stdinOnce, tty,
            // terminationMessagePolicy
            "123b", "0a0163", "1203696d67", "2a00", "320e0a0010903f185022035443502a00",
            "420f120d0a0363707512060a043530306d", "6a00", "7200", "800100", "880100", "900100", "a20100",
            // restartPolicy, dnsPolicy, serviceAccountName, serviceAccount, nodeName, hostNetwork, hostPID, hostIPC,
            // hostname, subdomain, schedulerName, tolerations[0], priorityClassName, priority
            "1a00", "3200", "4200", "4a00", "5200", "5800", "6000", "6800", "820100", "8a0100", "9a01057363686564",
            "b201190a016b12064578697374731a00220a4e6f5363686564756c65", "c20100", "c80107",
            // status: phase, message, reason, hostIP, podIP, qosClass, nominatedNodeName, resize, observedGeneration
            "1a13", "0a00", "1a00", "2200", "2a00", "3200", "4a00", "5a00", "7200", "880100",
        ].joined()
        #expect(hex(KubeProto.pod(pod)) == expected)
    }

    @Test func nodeGoldenBytes() throws {
        let node = try decode(
            Node.self,
            """
            {"metadata": {"name": "n1"},
             "spec": {"unschedulable": true, "taints": [{"key": "t", "effect": "NoExecute"}]},
             "status": {"allocatable": {"pods": "110", "cpu": "4"},
                        "conditions": [{"type": "Ready", "status": "True"}],
                        "images": [{"names": ["nginx:1"], "sizeBytes": 1000}]}}
            """
        )
        let expected = [
            // metadata
            "0a12", "0a026e31", "1200", "1a00", "2200", "2a00", "3200", "3800", "4200",
            // spec: podCIDR, externalID, providerID, unschedulable, taints[0]{key, value, effect}
            "121a", "0a00", "1200", "1a00", "2001", "2a100a017412001a094e6f45786563757465",
            // status: allocatable{cpu: 4, pods: 110} (sorted), phase, conditions[0], daemonEndpoints, nodeInfo, images
            "1a5e", "120a0a0363707512030a0134", "120d0a04706f647312050a03313130", "1a00",
            "22150a055265616479120454727565" + "1a0022002a003200", "32040a020800",
            "3a140a0012001a0022002a0032003a0042004a005200", "420c0a076e67696e783a3110e807",
        ].joined()
        #expect(hex(KubeProto.node(node)) == expected)
    }

    @Test func nodeListWrapsNodesAfterAnEmptyListMeta() throws {
        let node = try decode(Node.self, #"{"metadata": {"name": "n"}}"#)
        let list = KubeProto.nodeList([node])
        let single = KubeProto.node(node)
        #expect(Array(list.prefix(8)) == [0x0a, 0x06, 0x0a, 0x00, 0x12, 0x00, 0x1a, 0x00])
        #expect(list[8] == 0x12)
        #expect(Array(list.suffix(single.count)) == single)
    }

    /// `metav1.Time.ProtoTime()` keeps whole seconds only: nanos is written, always 0.
    @Test func timesAreWholeSecondsWithZeroNanos() {
        var w = ProtoWriter()
        w.time(8, "2024-05-01T12:00:00.5Z")
        // 1714564800 s, 0 ns
        #expect(hex(w.bytes) == "420808c0ddc8b1061000")
    }
}
