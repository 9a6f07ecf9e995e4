import KubeAPI
import Synchronization

/// Wakes a task waiting for volumes to change, such as VolumeBinding's PreBind waiting for the PV controller to
/// bind its claims: a lister that supports it (``ClusterObjectLister/startObservingVolumes(_:)``) signals the
/// observer after its informers store a change to one of the watched PVs or claims, or a PV whose `claimRef`
/// names a watched claim. Without it the waiter only polls.
public final class VolumeChangeObserver: Sendable {
    /// PV names.
    public let volumes: Set<String>
    /// Claims as `namespace/name`.
    public let claims: Set<String>

    private struct State {
        /// A change came while nobody waited; the next wait returns at once.
        var signalled = false
        var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var lastID = 0
        /// The newest wait whose timeout or cancellation fired (possibly before it started waiting).
        var expired = 0
    }
    private let state = Mutex(State())

    public init(volumes: Set<String>, claims: Set<String>) {
        self.volumes = volumes
        self.claims = claims
    }

    /// Whether a change to `object` concerns this observer.
    public func isInterested(in object: KubeObject) -> Bool {
        switch object {
        case .persistentVolume(let volume):
            if volumes.contains(volume.metadata.name) { return true }
            guard !claims.isEmpty, let ref = volume.spec.claimRef, let name = ref.name else { return false }
            return claims.contains("\(ref.namespace ?? "default")/\(name)")
        case .persistentVolumeClaim(let claim):
            return claims.contains(claim.key)
        default:
            return false
        }
    }

    /// Whether a signal came that no wait has consumed yet (the next ``wait(timeout:)`` returns at once).
    public var hasPendingSignal: Bool { state.withLock { $0.signalled } }

    /// Wakes the waiter, or the next wait when nobody waits now.
    public func signal() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        continuation?.resume()
    }

    /// Returns after a ``signal()`` (one that came since the previous wait returned counts), after `timeout`,
    /// or when the task is cancelled, whichever is first.
    public func wait(timeout: Duration) async {
        let id = state.withLock { state -> Int? in
            if state.signalled {
                state.signalled = false
                return nil
            }
            state.lastID += 1
            return state.lastID
        }
        guard let id else { return }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.expire(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.signalled || state.expired >= id {
                        state.signalled = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.expire(id)
        }
        timer.cancel()
    }

    private func expire(_ id: Int) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.expired = max(state.expired, id)
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        continuation?.resume()
    }
}

extension ClusterObjectLister {
    /// Listers that cannot signal changes return false: the waiter polls.
    public func startObservingVolumes(_ observer: VolumeChangeObserver) -> Bool { false }

    public func stopObservingVolumes(_ observer: VolumeChangeObserver) {}
}
