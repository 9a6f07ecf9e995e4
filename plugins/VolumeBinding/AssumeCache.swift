import KubeAPI
import SchedulerFramework
import Synchronization

/// The plugin's view of PVs and PVCs ahead of the informers (upstream's `PVAssumeCache`/`PVCAssumeCache`):
/// Reserve records the bindings it chose, so the next cycle already sees a PV taken and a claim's selected
/// node; Unreserve reverts them.
///
/// The informers' objects stay in the object store; only assumptions live here, each with the resource
/// version of the informer object it was made over. An assumption holds while the informer still has that
/// version; once the informer delivers a newer object (the API write, the PV controller's binding), the
/// informer's object wins and the assumption is dropped.
final class AssumeCache: Sendable {
    struct Assumed<Object: Sendable>: Sendable {
        /// The informer object's resourceVersion when the assumption was made.
        var base: String?
        var object: Object
        /// For a volume, ``Hostname/hash`` of each hostname its node affinity pins it to (see
        /// ``init(base:volume:)``); empty for a claim.
        var hostHashes: [UInt64] = []
    }

    /// An immutable view of the assumptions, taken once per cycle.
    struct View: Sendable {
        var volumes: [String: Assumed<PersistentVolume>] = [:]
        var claims: [String: Assumed<PersistentVolumeClaim>] = [:]

        var isEmpty: Bool { volumes.isEmpty && claims.isEmpty }

        /// The PV as the scheduler should see it: the assumed copy while the informer still has the version it
        /// was assumed over.
        @inline(__always)
        func volume(_ informer: PersistentVolume) -> PersistentVolume {
            guard !volumes.isEmpty, let assumed = volumes[informer.metadata.name],
                assumed.base == informer.metadata.resourceVersion
            else {
                return informer
            }
            return assumed.object
        }

        func claim(_ informer: PersistentVolumeClaim) -> PersistentVolumeClaim {
            guard !claims.isEmpty, let assumed = claims[informer.key], assumed.base == informer.metadata.resourceVersion
            else {
                return informer
            }
            return assumed.object
        }
    }

    private let state = Mutex(View())

    var view: View { state.withLock { $0 } }

    /// Assumes `volume` (a changed copy of the informer object with resourceVersion `base`).
    func assume(volume: PersistentVolume, base: String?) {
        let assumed = Assumed(base: base, volume: volume)
        state.withLock { $0.volumes[volume.metadata.name] = assumed }
    }

    func assume(claim: PersistentVolumeClaim, base: String?) {
        state.withLock { $0.claims[claim.key] = Assumed(base: base, object: claim) }
    }

    /// Drops the assumption about a PV (`Restore`): the informer's object counts again.
    func restore(volume name: String) {
        state.withLock { _ = $0.volumes.removeValue(forKey: name) }
    }

    func restore(claim key: String) {
        state.withLock { _ = $0.claims.removeValue(forKey: key) }
    }
}

extension AssumeCache.Assumed where Object == PersistentVolume {
    /// An assumed volume with its pinned hostnames hashed (the Filter asks whether a node's host set may hold an
    /// assumed volume by them).
    init(base: String?, volume: PersistentVolume) {
        self.init(base: base, object: volume, hostHashes: (volume.pinnedHostnames ?? []).map { Hostname($0).hash })
    }
}
