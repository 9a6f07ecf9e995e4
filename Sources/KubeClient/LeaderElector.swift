import KubeAPI
import Logging
import SchedulerFramework
import Synchronization

/// client-go's leader election on a `coordination.k8s.io/v1` Lease.
///
/// Acquire: try every `retryPeriod` (with jitter factor 1.2) until the Lease is free, expired or ours. Renew:
/// every `retryPeriod`, retrying within `renewDeadline`; missing the deadline loses the lease. Expiry is
/// judged by *local* observation time — when this process last saw the Lease record change — plus
/// `leaseDurationSeconds`, never by comparing clocks with the holder. Updates are optimistic (the Lease's
/// `resourceVersion` is sent; a conflict is a failed attempt). On cancellation the Lease is released
/// (holder cleared, duration 1 s) when ``Configuration/releaseOnCancel`` is set.
package final class LeaderElector: Sendable {
    package struct Configuration: Sendable, Equatable {
        /// Where the Lease is (`leaderElection.resourceNamespace`).
        package var leaseNamespace: String
        /// The Lease's name (`leaderElection.resourceName`).
        package var leaseName: String
        /// This candidate's identity, e.g. `hostname_<uuid>`.
        package var identity: String
        /// How long a Lease holds after its last observed change.
        package var leaseDuration: Duration = .seconds(15)
        /// How long the leader keeps retrying a renewal before giving up leadership.
        package var renewDeadline: Duration = .seconds(10)
        /// The interval between attempts.
        package var retryPeriod: Duration = .seconds(2)
        /// Release the Lease when ``LeaderElector/run(onStartedLeading:)`` is cancelled (kube-scheduler sets it).
        package var releaseOnCancel = true

        /// A configuration with client-go's kube-scheduler timings (15 s, 10 s, 2 s).
        package init(leaseNamespace: String, leaseName: String, identity: String) {
            self.leaseNamespace = leaseNamespace
            self.leaseName = leaseName
            self.identity = identity
        }

        /// client-go's checks: `leaseDuration > renewDeadline > 1.2 × retryPeriod`, all positive.
        package func validate() throws(LeaderElectionError) {
            guard leaseDuration > renewDeadline else {
                throw LeaderElectionError(.invalidConfiguration, "leaseDuration must be greater than renewDeadline")
            }
            guard renewDeadline > retryPeriod * 1.2 else {
                throw LeaderElectionError(
                    .invalidConfiguration,
                    "renewDeadline must be greater than retryPeriod*JitterFactor"
                )
            }
            guard leaseDuration > .zero, renewDeadline > .zero, retryPeriod > .zero else {
                throw LeaderElectionError(
                    .invalidConfiguration,
                    "leaseDuration, renewDeadline and retryPeriod must be greater than zero"
                )
            }
            guard !identity.isEmpty else { throw LeaderElectionError(.invalidConfiguration, "Lock identity is empty") }
        }
    }

    /// How ``run(onStartedLeading:)`` ended.
    package enum Outcome: Sendable, Equatable {
        /// Cancelled (shutdown) — before or after leading; the lease was released if held.
        case cancelled
        /// Held the lease and failed to renew it within `renewDeadline`.
        case lost
    }

    private struct Observed {
        var spec: LeaseSpec?
        /// The full Lease as last read or written (its resourceVersion is the update precondition).
        var lease: Lease?
        var time: ContinuousClock.Instant?
        var reportedLeader: String?
    }

    /// The timings and the Lease this elector uses.
    package let configuration: Configuration
    private let store: any LeaseStore
    private let logger: Logger
    private let observed = Mutex(Observed())
    private let leading = Atomic<Bool>(false)
    private let abandoned = Atomic<Bool>(false)
    private let onNewLeader: @Sendable (String) -> Void

    /// - Parameter onNewLeader: called when a different holder is observed (including the first observed one).
    package init(
        configuration: Configuration,
        store: any LeaseStore,
        logger: Logger,
        onNewLeader: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(LeaderElectionError) {
        try configuration.validate()
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.onNewLeader = onNewLeader
    }

    /// `namespace/name` of the Lease.
    package var lockDescription: String { "\(configuration.leaseNamespace)/\(configuration.leaseName)" }

    /// Whether this candidate currently leads (acquired and not yet lost or released).
    package var isLeading: Bool { leading.load(ordering: .acquiring) }

    /// The holder last observed, or nil.
    package var observedLeader: String? { observed.withLock { $0.spec?.holderIdentity } }

    /// The health check of upstream's watchdog: an error message when this candidate leads but has not
    /// renewed for longer than `leaseDuration + maxTolerableExpiredLease`.
    package func check(maxTolerableExpiredLease: Duration = .seconds(20)) -> String? {
        guard isLeading else { return nil }
        let time = observed.withLock { $0.time }
        guard let time, ContinuousClock.now - time > configuration.leaseDuration + maxTolerableExpiredLease else {
            return nil
        }
        return "failed election to renew leadership on lease \(configuration.leaseName)"
    }

    /// Acquires the lease, calls `onStartedLeading`, then renews until the lease is lost or the task is
    /// cancelled. Returns immediately with `.lost` when renewal fails, so the caller can stop work at once.
    package func run(onStartedLeading: @escaping @Sendable () -> Void) async -> Outcome {
        logger.info("attempting to acquire leader lease \(lockDescription)...")
        // Acquire.
        while true {
            if Task.isCancelled { return .cancelled }
            if await tryAcquireOrRenew(deadline: nil) {
                break
            }
            logger.trace("failed to acquire lease \(lockDescription)")
            try? await Task.sleep(for: Self.jitter(configuration.retryPeriod, factor: 1.2))
        }
        if Task.isCancelled {
            await releaseDetached()
            return .cancelled
        }
        leading.store(true, ordering: .releasing)
        logger.info("successfully acquired lease \(lockDescription)")
        onStartedLeading()

        // Renew.
        while true {
            let deadline = ContinuousClock.now + configuration.renewDeadline
            var renewed = false
            while !Task.isCancelled {
                if await tryAcquireOrRenew(deadline: deadline) {
                    renewed = true
                    break
                }
                if ContinuousClock.now + configuration.retryPeriod > deadline { break }
                try? await Task.sleep(for: configuration.retryPeriod)
                if ContinuousClock.now >= deadline { break }
            }
            if Task.isCancelled {
                await releaseDetached()
                return .cancelled
            }
            if !renewed {
                leading.store(false, ordering: .releasing)
                logger.error("failed to renew lease \(lockDescription): timed out waiting for the condition")
                return .lost
            }
            logger.trace("successfully renewed lease \(lockDescription)")
            try? await Task.sleep(for: configuration.retryPeriod)
            if Task.isCancelled {
                await releaseDetached()
                return .cancelled
            }
        }
    }

    /// Makes a later cancellation leave the lease to expire instead of releasing it (a crash, for tests).
    package func abandon() { abandoned.store(true, ordering: .relaxed) }

    /// Runs ``release()`` in a task that does not inherit this one's cancellation.
    private func releaseDetached() async {
        guard configuration.releaseOnCancel, !abandoned.load(ordering: .relaxed) else {
            leading.store(false, ordering: .releasing)
            return
        }
        _ = await Task { await self.release() }.value
    }

    /// Gives the lease up if held: holder cleared, `leaseDurationSeconds: 1`, transitions kept.
    @discardableResult
    package func release() async -> Bool {
        defer { leading.store(false, ordering: .releasing) }
        let (spec, lease) = observed.withLock { ($0.spec, $0.lease) }
        guard let spec, spec.holderIdentity == configuration.identity, var lease else { return true }
        let now = KubeTime.microNow()
        var released = LeaseSpec(
            holderIdentity: nil,
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: spec.leaseTransitions
        )
        released.strategy = lease.spec?.strategy
        released.preferredHolder = lease.spec?.preferredHolder
        lease.spec = released
        // A renewal cancelled by the shutdown may still have reached the server, leaving our resourceVersion
        // stale: on a conflict read the lease again and, while it is still ours, release that version.
        for attempt in 1...3 {
            do {
                let updated = try await store.updateLease(lease)
                setObserved(updated)
                logger.info("released leader lease \(lockDescription)")
                return true
            } catch  where error.code == .conflict && attempt < 3 {
                guard
                    let current = try? await store.getLease(
                        namespace: configuration.leaseNamespace,
                        name: configuration.leaseName
                    ),
                    current.spec?.holderIdentity == configuration.identity
                else { return true }  // someone else holds it now: nothing of ours to release
                lease.metadata.resourceVersion = current.metadata.resourceVersion
                released.leaseTransitions = current.spec?.leaseTransitions
                lease.spec = released
            } catch {
                logger.error("Failed to release lock: \(error)")
                return false
            }
        }
        return false
    }

    // MARK: tryAcquireOrRenew

    /// One attempt, as client-go's `tryAcquireOrRenew`. `deadline` bounds the API calls when renewing.
    func tryAcquireOrRenew(deadline: ContinuousClock.Instant?) async -> Bool {
        let now = KubeTime.microNow()
        let durationSeconds = Int32(configuration.leaseDuration.components.seconds)
        var desired = LeaseSpec(
            holderIdentity: configuration.identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0
        )

        // 1. Fast path: the leader updates optimistically from what it last wrote.
        let (isLeader, valid, last) = observed.withLock { state in
            (state.spec?.holderIdentity == configuration.identity, isValid(state), state.lease)
        }
        if isLeader && valid, var lease = last {
            desired.acquireTime = lease.spec?.acquireTime
            desired.leaseTransitions = lease.spec?.leaseTransitions ?? 0
            lease.spec = Self.merge(desired, into: lease.spec)
            if let updated = await call(
                deadline,
                { [lease] () async throws(ClusterError) -> Lease in try await self.store.updateLease(lease) }
            ) {
                setObserved(updated)
                return true
            }
            logger.error("Failed to update lock optimistically, falling back to slow path")
        }

        // 2. Get or create.
        let current: Lease
        switch await callResult(
            deadline,
            { () async throws(ClusterError) -> Lease in
                try await self.store.getLease(
                    namespace: self.configuration.leaseNamespace,
                    name: self.configuration.leaseName
                )
            }
        ) {
        case .success(let lease):
            current = lease
        case .failure(let error) where error.code == .notFound:
            let lease = Lease(
                metadata: ObjectMeta(name: configuration.leaseName, namespace: configuration.leaseNamespace),
                spec: desired
            )
            switch await callResult(
                deadline,
                { () async throws(ClusterError) -> Lease in try await self.store.createLease(lease) }
            ) {
            case .success(let created):
                setObserved(created)
                return true
            case .failure(let error):
                logger.error("error initially creating leader election record: \(error)")
                return false
            }
        case .failure(let error):
            logger.error("error retrieving resource lock \(lockDescription): \(error)")
            return false
        }

        // 3. Record obtained: note when it changed, then check identity and expiry.
        let holder = current.spec?.holderIdentity ?? ""
        let (heldByOther, iAmHolder) = observed.withLock { state -> (Bool, Bool) in
            if state.spec != current.spec {
                state.spec = current.spec
                state.time = ContinuousClock.now
            }
            state.lease = current
            let mine = holder == configuration.identity
            return (!holder.isEmpty && isValid(state) && !mine, mine)
        }
        reportTransition()
        if heldByOther {
            logger.trace("lock is held by \(holder) and has not yet expired")
            return false
        }

        // 4. Update: keep acquire time and transitions when renewing, count a transition when taking over.
        if iAmHolder {
            desired.acquireTime = current.spec?.acquireTime
            desired.leaseTransitions = current.spec?.leaseTransitions ?? 0
        } else {
            desired.leaseTransitions = (current.spec?.leaseTransitions ?? 0) + 1
        }
        var updated = current
        updated.spec = Self.merge(desired, into: current.spec)
        switch await callResult(
            deadline,
            { [updated] () async throws(ClusterError) -> Lease in try await self.store.updateLease(updated) }
        ) {
        case .success(let written):
            setObserved(written)
            return true
        case .failure(let error):
            logger.error("Failed to update lock: \(error)")
            return false
        }
    }

    /// The fields leader election owns, over the Lease's other spec fields.
    private static func merge(_ record: LeaseSpec, into existing: LeaseSpec?) -> LeaseSpec {
        var spec = record
        spec.strategy = existing?.strategy
        spec.preferredHolder = existing?.preferredHolder
        return spec
    }

    private func isValid(_ state: Observed) -> Bool {
        guard let time = state.time else { return false }
        let seconds = Int64(state.spec?.leaseDurationSeconds ?? 0)
        return time + .seconds(seconds) > ContinuousClock.now
    }

    private func setObserved(_ lease: Lease) {
        observed.withLock { state in
            state.spec = lease.spec
            state.lease = lease
            state.time = ContinuousClock.now
        }
        reportTransition()
    }

    private func reportTransition() {
        let newLeader = observed.withLock { state -> String? in
            let holder = state.spec?.holderIdentity ?? ""
            guard holder != (state.reportedLeader ?? "") || state.reportedLeader == nil else { return nil }
            state.reportedLeader = holder
            return holder
        }
        if let newLeader, !newLeader.isEmpty {
            if newLeader == configuration.identity {
                logger.debug("leader is this instance", metadata: ["identity": "\(newLeader)"])
            } else {
                logger.info("new leader elected", metadata: ["identity": "\(newLeader)"])
            }
            onNewLeader(newLeader)
        }
    }

    // MARK: Calls bounded by the renew deadline

    private func call<T: Sendable>(
        _ deadline: ContinuousClock.Instant?,
        _ body: @escaping @Sendable () async throws(ClusterError) -> T
    ) async -> T? {
        if case .success(let value) = await callResult(deadline, body) { return value }
        return nil
    }

    private func callResult<T: Sendable>(
        _ deadline: ContinuousClock.Instant?,
        _ body: @escaping @Sendable () async throws(ClusterError) -> T
    ) async -> Result<T, ClusterError> {
        guard let deadline else {
            do throws(ClusterError) { return .success(try await body()) } catch { return .failure(error) }
        }
        return await withTaskGroup(of: Result<T, ClusterError>?.self) { group in
            group.addTask {
                do throws(ClusterError) { return .success(try await body()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(ClusterError(.unavailable, "renew deadline exceeded"))
        }
    }

    /// `wait.Jitter(d, factor)`: `d + random(0..<1) × factor × d`.
    static func jitter(_ duration: Duration, factor: Double) -> Duration {
        duration + duration * (Double.random(in: 0..<1) * factor)
    }
}

/// A leader-election setup that cannot work.
package struct LeaderElectionError: Error, Sendable, Equatable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        package static let invalidConfiguration = Code("InvalidConfiguration")
        package var description: String { raw }
    }
    package var code: Code
    package var message: String
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    package var description: String { message }
}
