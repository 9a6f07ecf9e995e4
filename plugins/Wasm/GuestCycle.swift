import KubeAPI
import SchedulerFramework
import Synchronization

/// Per-cycle data of one guest plugin: the encoded pod (encoded once per cycle) and what PreScore saw, so
/// that any instance serving the cycle can replay PreFilter and PreScore before its first call.
final class GuestCycle: StateData {
    let id: UInt64
    let pod: [UInt8]
    let podUID: String
    /// The cycle's snapshot, for `k8s.io/api` node lookups (nil outside a scheduling cycle).
    let snapshot: Snapshot?
    /// Set by PreScore before the Score workers start.
    nonisolated(unsafe) var filteredNodes: [UInt8]?
    /// The snapshot's nodes as a NodeList, encoded on first use (guests may list the nodes on every call).
    private let nodeListBytes = Mutex<[UInt8]?>(nil)

    init(id: UInt64, pod: Pod, snapshot: Snapshot?) {
        self.id = id
        self.pod = KubeProto.pod(pod)
        self.podUID = pod.uid
        self.snapshot = snapshot
    }

    func encodedNodeList() -> [UInt8] {
        nodeListBytes.withLock { cached in
            if let cached { return cached }
            let bytes = KubeProto.nodeList((snapshot?.nodes ?? []).map(\.node))
            cached = bytes
            return bytes
        }
    }

    func clone() -> any StateData { self }
}

/// AddPod/RemovePod, when the guest exports them.
struct GuestPreFilterExtensions: PreFilterExtensions {
    let plugin: WasmGuestPlugin

    func addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo) -> Status {
        call(.addpod, state: state, pod: podToSchedule, target: podToAdd, node: nodeInfo)
    }

    func removePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo) -> Status {
        call(.removepod, state: state, pod: podToSchedule, target: podToRemove, node: nodeInfo)
    }

    private func call(
        _ export: GuestExport,
        state: CycleState,
        pod: PodInfo,
        target: PodInfo,
        node: NodeInfo
    )
        -> Status
    {
        guard plugin.exports.contains(export) else { return .success }
        do {
            return try plugin.withInstance(plugin.cycle(state, pod), stage: 1) {
                (instance) throws(GuestFailure) -> Status in
                instance.call.targetPod = KubeProto.pod(target.pod)
                instance.call.node = node
                instance.call.nodeName = node.name
                let code = try instance.invoke(export)
                return WasmGuestPlugin.status(
                    code: UInt32(truncatingIfNeeded: code),
                    reason: instance.call.reason,
                    plugin: plugin.name
                )
            }
        } catch {
            return plugin.failed(error)
        }
    }
}

struct StandardErrorStream: TextOutputStream {
    mutating func write(_ string: String) {
        FileDescriptorWriter.standardError(string)
    }
}
