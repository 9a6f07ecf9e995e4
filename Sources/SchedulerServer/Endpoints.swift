import KubeClient
import NIOHTTP1
import SchedulerRuntime

/// `/healthz`, `/livez`, `/readyz`, `/metrics` and `/configz`, as kube-scheduler serves them.
struct Endpoints: Sendable {
    let runner: SchedulerRunner
    let configz: String

    func handle(_ request: HTTPServer.Request) -> HTTPServer.Response {
        guard request.method == .GET || request.method == .HEAD else {
            return .text(.methodNotAllowed, "method not allowed\n")
        }
        let verbose = request.query["verbose"] != nil
        switch request.path {
        case "/healthz", "/livez":
            return health(checks: livenessChecks(), name: String(request.path.dropFirst()), verbose: verbose)
        case "/readyz":
            return health(checks: livenessChecks() + readinessChecks(), name: "readyz", verbose: verbose)
        case "/metrics":
            return .text(.ok, runner.metrics.registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case "/configz":
            return .text(.ok, configz, contentType: "application/json")
        default:
            if request.path.hasPrefix("/healthz/") || request.path.hasPrefix("/livez/")
                || request.path.hasPrefix("/readyz/")
            {
                let parts = request.path.split(separator: "/")
                let all = livenessChecks() + readinessChecks()
                if parts.count == 2, let check = all.first(where: { $0.name == parts[1] }) {
                    return check.error == nil
                        ? .text(.ok, "ok")
                        : .text(.internalServerError, "internal server error: \(check.error ?? "")\n")
                }
            }
            return .text(.notFound, "404 page not found\n")
        }
    }

    struct Check {
        var name: String
        var error: String?
        var detail: String?
    }

    func livenessChecks() -> [Check] {
        var checks = [Check(name: "ping")]
        if let elector = runner.elector {
            checks.append(
                Check(
                    name: "leaderElection",
                    error: elector.check(maxTolerableExpiredLease: runner.options.leaderElectionHealthTolerance),
                    detail: elector.isLeading ? "leading" : "standby (leader: \(elector.observedLeader ?? "none"))"
                )
            )
        }
        return checks
    }

    func readinessChecks() -> [Check] {
        [
            Check(
                name: "sched-handler-sync",
                error: runner.informers.hasSynced ? nil : "handlers are not fully synchronized"
            ),
            Check(
                name: "shutdown",
                error: runner.isReady || !runner.informers.hasSynced ? nil : "process is shutting down"
            ),
        ]
    }

    /// `ok`, or the apiserver-style list of checks when verbose or failing.
    func health(checks: [Check], name: String, verbose: Bool) -> HTTPServer.Response {
        let failed = checks.contains { $0.error != nil }
        guard verbose || failed else { return .text(.ok, "ok") }
        var text = ""
        for check in checks {
            if let error = check.error {
                text += "[-]\(check.name) failed: \(error)\n"
            } else {
                text += "[+]\(check.name) ok\(check.detail.map { " (\($0))" } ?? "")\n"
            }
        }
        text += failed ? "\(name) check failed\n" : "\(name) check passed\n"
        return .text(failed ? .internalServerError : .ok, text)
    }
}
