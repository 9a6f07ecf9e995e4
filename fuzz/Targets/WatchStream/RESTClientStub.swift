import SchedulerFramework

/// Stands in for KubeClient's `RESTClient`, whose file needs the HTTP stack: the one function the frame decoder
/// calls (mapping an `ERROR` frame's status to an error code) does not matter to the fuzzer.
enum RESTClient {
    static func code(forStatus status: Int, reason: String?) -> ClusterError.Code { .other }
}
