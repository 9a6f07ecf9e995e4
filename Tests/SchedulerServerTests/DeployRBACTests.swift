import Foundation
import KubeAPI
import KubeClient
import NIOHTTP1
import SchedulerFramework
import SchedulerServer
import SchedulerTesting
import Testing

@testable import KubeTestSupport

/// One RBAC rule of `deploy/rbac.yaml`.
struct RBACRule: Equatable, CustomStringConvertible {
    var apiGroups: [String]
    var resources: [String]
    var verbs: [String]
    var resourceNames: [String] = []

    func allows(group: String, resource: String, verb: String, name: String?) -> Bool {
        guard apiGroups.contains(group), resources.contains(resource), verbs.contains(verb) else { return false }
        if resourceNames.isEmpty { return true }
        return name.map(resourceNames.contains) ?? false
    }

    var description: String { "\(apiGroups) \(resources) \(verbs) \(resourceNames)" }

    /// The `rules:` of every ClusterRole and Role in a manifest written in the flow style deploy/ uses
    /// (`- apiGroups: [...]` then `resources: [...]`, `verbs: [...]`, optional `resourceNames: [...]`).
    static func parse(_ text: String) -> [RBACRule] {
        func list(_ line: Substring) -> [String] {
            guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return [] }
            return line[line.index(after: open)..<close].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        var rules: [RBACRule] = []
        for raw in text.split(separator: "\n") {
            let line = raw.drop { $0 == " " }
            if line.hasPrefix("- apiGroups:") {
                rules.append(RBACRule(apiGroups: list(line), resources: [], verbs: []))
            } else if line.hasPrefix("resources:"), !rules.isEmpty {
                rules[rules.count - 1].resources = list(line)
            } else if line.hasPrefix("verbs:"), !rules.isEmpty {
                rules[rules.count - 1].verbs = list(line)
            } else if line.hasPrefix("resourceNames:"), !rules.isEmpty {
                rules[rules.count - 1].resourceNames = list(line)
            }
        }
        return rules
    }
}

/// What a request asks of RBAC: API group, resource (with subresource), verb and object name.
struct APICall: Hashable, CustomStringConvertible {
    var group: String
    var resource: String
    var verb: String
    var name: String?

    var description: String { "\(verb) \(group.isEmpty ? "core" : group)/\(resource)\(name.map { " \($0)" } ?? "")" }

    /// `/api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUB]]` or `/apis/GROUP/VERSION/...`; a namespace itself is
    /// the resource when the path stops there.
    init?(_ request: FakeAPIServer.RequestRecord) {
        var parts = request.path.split(separator: "/").map(String.init)
        guard let root = parts.first else { return nil }
        if root == "api", parts.count >= 2 {
            group = ""
            parts.removeFirst(2)
        } else if root == "apis", parts.count >= 3 {
            group = parts[1]
            parts.removeFirst(3)
        } else {
            return nil
        }
        if parts.count >= 3, parts[0] == "namespaces" { parts.removeFirst(2) }
        guard let resource = parts.first else { return nil }
        name = parts.count >= 2 ? parts[1] : nil
        self.resource = parts.count >= 3 ? "\(resource)/\(parts[2])" : resource
        switch request.method {
        case .GET:
            if request.query["watch"] == "true" || request.query["watch"] == "1" {
                verb = "watch"
            } else {
                verb = name == nil ? "list" : "get"
            }
        case .POST: verb = "create"
        case .PUT: verb = "update"
        case .PATCH: verb = "patch"
        case .DELETE: verb = name == nil ? "deletecollection" : "delete"
        default: return nil
        }
        if self.resource.contains("/") { name = nil }  // subresources are granted by resource, not by name here
    }
}

/// `deploy/rbac.yaml` against the API calls the scheduler really makes (issue 14, point 4).
@Suite(.serialized, .timeLimit(.minutes(5))) struct DeployRBACTests {
    @Test func theParserReadsTheShippedRules() throws {
        let rules = RBACRule.parse(
            try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/rbac.yaml"), encoding: .utf8)
        )
        #expect(rules.contains(RBACRule(apiGroups: [""], resources: ["pods/binding"], verbs: ["create"])))
        #expect(
            rules.contains(
                RBACRule(
                    apiGroups: ["coordination.k8s.io"],
                    resources: ["leases"],
                    verbs: ["get", "update"],
                    resourceNames: ["swift-kube-scheduler"]
                )
            )
        )
        // A call outside the rules is refused (the check can fail).
        #expect(!rules.contains { $0.allows(group: "", resource: "pods", verb: "update", name: "x") })
        #expect(
            !rules.contains {
                $0.allows(group: "coordination.k8s.io", resource: "leases", verb: "update", name: "someone-else")
            }
        )
    }

    @Test func everyCallTheSchedulerMakesIsGrantedByDeployRBAC() async throws {
        let rules = RBACRule.parse(
            try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/rbac.yaml"), encoding: .utf8)
        )
        let fake = try await FakeAPIServer.start()
        // Exercise every path: informers, leader election, binding, status patches, events, preemption.
        fake.createNode(node("n1", cpu: "1"))
        var victim = PodBuilder("low").schedulerName("default-scheduler").priority(1).container(["cpu": "800m"]).build()
        victim.spec.nodeName = "n1"
        fake.createPod(victim)
        fake.createPod(
            PodBuilder("high").schedulerName(testSchedulerName).priority(1000).container(["cpu": "500m"]).build()
        )
        fake.createPod(pod("huge", cpu: "64"))
        let runner = try makeRunner(fake, identity: "sched-a", leaderElect: true)
        let run = launch(runner)
        #expect(await eventually { allBound(fake, ["default/high"]) })
        #expect(
            await eventually {
                fake.events.contains { $0.reason == "FailedScheduling" }
                    && fake.events.contains { $0.reason == "Preempted" }
            }
        )
        runner.shutdown()
        #expect(await run.value == .shutdown)
        await fake.stop()

        let calls = Set(fake.requests.compactMap(APICall.init))
        let refused = calls.filter { call in
            !rules.contains { $0.allows(group: call.group, resource: call.resource, verb: call.verb, name: call.name) }
        }
        #expect(refused.isEmpty, "not granted by deploy/rbac.yaml: \(refused.map(\.description).sorted())")
        // The scenario really made the calls that need special grants.
        let made = Set(calls.map { "\($0.verb) \($0.resource)" })
        for expected in [
            "create pods/binding", "patch pods/status", "delete pods", "create events", "watch pods", "list nodes",
            "update leases",
        ] {
            #expect(made.contains(expected), "\(expected) not exercised: \(made.sorted())")
        }
    }
}

/// The fake's own bookkeeping: the double-binding check can fail (issue 14, point 4).
@Suite(.timeLimit(.minutes(2))) struct FakeAPIServerBookkeepingTests {
    @Test func aSecondBindingOfABoundPodIsRecordedAndFlagged() async throws {
        let fake = try await FakeAPIServer.start()
        fake.createNode(node("n1"))
        fake.createPod(pod("p"))
        let client = try makeClient(fake)
        let uid = fake.pod("default/p")?.metadata.uid ?? ""
        try await client.bind(namespace: "default", name: "p", uid: uid, nodeName: "n1")
        #expect(fake.doublyBound.isEmpty)
        // The fake refuses the second binding, but the attempt is what matters.
        await #expect(throws: ClusterError.self) {
            try await client.bind(namespace: "default", name: "p", uid: uid, nodeName: "n1")
        }
        #expect(fake.bindAttemptLog.map(\.code) == [201, 409])
        #expect(fake.doublyBound == ["default/p"])
        await client.shutdown()
        await fake.stop()
    }
}
