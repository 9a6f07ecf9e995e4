import KubeAPI
import SchedulerFramework
import Synchronization

/// The scheduler's view of nodes and of pods placed on them, including pods assumed on a node
/// before their binding is confirmed (upstream `backend/cache`).
///
/// Snapshots are incremental: each cycle copies only the node infos that changed since the last one.
package final class SchedulerCache: Sendable {
    package struct CacheError: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    private struct PodState {
        var podInfo: PodInfo
        var nodeName: String
        var assumed: Bool
    }

    private struct State {
        /// Node infos by name; an entry whose node was deleted while pods remain is a ghost (`node == nil`).
        var nodes: [String: (info: NodeInfo, exists: Bool)] = [:]
        var pods: [String: PodState] = [:]  // by uid
        var tree = NodeTree()
        var generation: Int64 = 0
        /// Nodes changed since the last snapshot.
        var dirty: Set<String> = []
        /// Node set or zone order changed since the last snapshot.
        var structureChanged = true
        /// Image name → size and the nodes holding it (see "Image states" below).
        var images: [String: ImageEntry] = [:]
        /// Images whose set of holders changed since the last snapshot.
        var staleImages: Set<String> = []
        /// Per-node pod counts plugins asked for (see `PodIndex`), handed to every snapshot.
        var index: PodIndex
        /// Nodes by label (NodeAffinity narrowing), handed to every snapshot.
        var labelIndex = NodeLabelIndex(enabled: true)
        /// Index slots of deleted nodes, given out again first.
        var freeSlots: [Int32] = []
        var nextSlot: Int32 = 0
    }

    private let state: Mutex<State>
    /// Where snapshots' indexes record what plugins ask for.
    let indexRequests = PodIndexRequests()

    package init() {
        state = Mutex(State(index: PodIndex(requests: indexRequests)))
    }

    // MARK: Nodes

    package func addOrUpdateNode(_ node: Node) {
        state.withLock { state in
            let name = node.metadata.name
            let previousImages = state.nodes[name].flatMap { $0.exists ? $0.info.node : nil }.map(Self.imageNames) ?? []
            if var entry = state.nodes[name] {
                let oldZone = NodeTree.zoneKey(entry.info.node)
                let oldLabels = entry.exists ? entry.info.node.metadata.labels ?? [:] : nil
                if oldLabels != node.metadata.labels ?? [:] {
                    state.labelIndex.update(
                        slot: entry.info.indexSlot,
                        from: oldLabels,
                        to: node.metadata.labels ?? [:]
                    )
                }
                entry.info.setNode(node)
                state.index.setNodeLabels(slot: entry.info.indexSlot, node.metadata.labels)
                if !entry.exists || oldZone != NodeTree.zoneKey(node) {
                    state.tree.remove(name)
                    state.tree.add(node)
                    state.structureChanged = true
                }
                entry.exists = true
                state.nodes[name] = entry
            } else {
                var info = NodeInfo(node: node)
                info.package_setIndexSlot(Self.allocateSlot(in: &state))
                state.index.setNodeLabels(slot: info.indexSlot, node.metadata.labels)
                state.labelIndex.update(slot: info.indexSlot, from: nil, to: node.metadata.labels ?? [:])
                state.nodes[name] = (info, true)
                state.tree.add(node)
                state.structureChanged = true
            }
            updateImages(of: node, previous: previousImages, in: &state)
            touch(name, in: &state)
        }
    }

    package func removeNode(named name: String) {
        state.withLock { state in
            guard var entry = state.nodes[name] else { return }
            if entry.exists { forgetImages(of: entry.info.node, in: &state) }
            state.tree.remove(name)
            state.structureChanged = true
            state.index.setNodeLabels(slot: entry.info.indexSlot, nil)
            if entry.exists {
                state.labelIndex.update(
                    slot: entry.info.indexSlot,
                    from: entry.info.node.metadata.labels ?? [:],
                    to: nil
                )
            }
            if entry.info.podCount == 0 {
                state.freeSlots.append(entry.info.indexSlot)
                state.nodes[name] = nil
            } else {
                // Pods' deletions arrive on another watch; keep them as a ghost until then.
                entry.exists = false
                state.nodes[name] = entry
            }
            state.dirty.insert(name)
        }
    }

    package var nodeCount: Int { state.withLock { $0.tree.count } }

    // MARK: Pods

    /// Places `pod` on `nodeName` before its binding is confirmed (Reserve time).
    package func assumePod(_ pod: PodInfo, nodeName: String) throws(CacheError) {
        try state.withLock { state throws(CacheError) in
            guard state.pods[pod.uid] == nil else {
                throw CacheError(description: "pod \(pod.key)(\(pod.uid)) is in the cache, so can't be assumed")
            }
            addPodLocked(pod, nodeName: nodeName, assumed: true, in: &state)
        }
    }

    /// Undoes ``assumePod(_:nodeName:)`` after a failed Reserve, Permit or binding.
    package func forgetPod(_ pod: PodInfo) {
        state.withLock { state in
            guard let current = state.pods[pod.uid], current.assumed else { return }
            removePodLocked(uid: pod.uid, in: &state)
        }
    }

    package func isAssumed(uid: String) -> Bool {
        state.withLock { $0.pods[uid]?.assumed ?? false }
    }

    /// A pod bound to a node (informer Add of an assigned pod): confirms an assumed pod, or adds it.
    package func addPod(_ pod: Pod) {
        let info = PodInfo(pod)
        state.withLock { state in
            if state.pods[info.uid] != nil { removePodLocked(uid: info.uid, in: &state) }
            addPodLocked(info, nodeName: pod.nodeName, assumed: false, in: &state)
        }
    }

    package func updatePod(old: Pod, new: Pod) {
        let info = PodInfo(new)
        state.withLock { state in
            if state.pods[info.uid] != nil { removePodLocked(uid: info.uid, in: &state) }
            addPodLocked(info, nodeName: new.nodeName, assumed: false, in: &state)
        }
    }

    package func removePod(_ pod: Pod) {
        state.withLock { state in removePodLocked(uid: pod.uid, in: &state) }
    }

    package var podCount: Int { state.withLock { $0.pods.count } }
    package var assumedPodCount: Int { state.withLock { $0.pods.values.filter(\.assumed).count } }

    /// The node a pod is on in the cache, if any.
    package func nodeName(ofPodUID uid: String) -> String? { state.withLock { $0.pods[uid]?.nodeName } }

    // MARK: Snapshot

    /// Brings `snapshot` up to date, copying only the nodes that changed since it was last updated.
    package func updateSnapshot(_ snapshot: inout Snapshot) {
        state.withLock { state in
            refreshStaleImageStates(in: &state)
            refreshIndex(in: &state)
            if state.structureChanged {
                var nodes = ContiguousArray<NodeInfo>()
                nodes.reserveCapacity(state.tree.count)
                for name in state.tree.list() {
                    if let entry = state.nodes[name], entry.exists { nodes.append(entry.info) }
                }
                snapshot.nodes = nodes
                snapshot.package_rebuildIndexes()
                state.structureChanged = false
            } else if !state.dirty.isEmpty {
                for name in state.dirty {
                    guard let index = snapshot.indexByName[name], let entry = state.nodes[name] else { continue }
                    let before = snapshot.nodes[index]
                    // Keep the affinity lists current in place (a node gaining its first affinity pod is common:
                    // rebuilding every index for it would cost O(nodes) per pod).
                    let hasAffinity = !entry.info.podsWithAffinity.isEmpty
                    if before.podsWithAffinity.isEmpty == hasAffinity {
                        Self.setMembership(&snapshot.nodesWithAffinityPods, index, hasAffinity)
                    }
                    let hasAntiAffinity = !entry.info.podsWithRequiredAntiAffinity.isEmpty
                    if before.podsWithRequiredAntiAffinity.isEmpty == hasAntiAffinity {
                        Self.setMembership(&snapshot.nodesWithRequiredAntiAffinityPods, index, hasAntiAffinity)
                    }
                    snapshot.nodes[index] = entry.info
                }
            }
            state.dirty.removeAll(keepingCapacity: true)
            snapshot.podIndex = state.index
            snapshot.labelIndex = state.labelIndex
            snapshot.generation = state.generation
        }
    }

    /// Adds `index` to or removes it from an ascending index list.
    static func setMembership(_ list: inout [Int], _ index: Int, _ present: Bool) {
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle] < index { low = middle + 1 } else { high = middle }
        }
        let found = low < list.count && list[low] == index
        if present && !found {
            list.insert(index, at: low)
        } else if !present && found {
            list.remove(at: low)
        }
    }

    /// A fresh snapshot of the whole cache.
    package func snapshot() -> Snapshot {
        var snapshot = Snapshot()
        state.withLock { $0.structureChanged = true }
        updateSnapshot(&snapshot)
        return snapshot
    }

    // MARK: Internals

    private func touch(_ name: String, in state: inout State) {
        state.generation += 1
        state.nodes[name]?.info.generation = state.generation
        state.dirty.insert(name)
    }

    private func addPodLocked(_ pod: PodInfo, nodeName: String, assumed: Bool, in state: inout State) {
        if state.nodes[nodeName] == nil {
            // A pod on a node we have not seen (yet): keep it on a placeholder so counts stay right.
            var placeholder = Node(metadata: ObjectMeta(name: nodeName))
            placeholder.metadata.name = nodeName
            var info = NodeInfo(node: placeholder)
            info.package_setIndexSlot(Self.allocateSlot(in: &state))
            state.nodes[nodeName] = (info, false)
        }
        state.nodes[nodeName]?.info.addPod(pod)
        if let slot = state.nodes[nodeName]?.info.indexSlot { state.index.podAdded(pod, slot: slot) }
        state.pods[pod.uid] = PodState(podInfo: pod, nodeName: nodeName, assumed: assumed)
        touch(nodeName, in: &state)
    }

    private func removePodLocked(uid: String, in state: inout State) {
        guard let current = state.pods.removeValue(forKey: uid) else { return }
        let name = current.nodeName
        state.nodes[name]?.info.removePod(current.podInfo)
        if let slot = state.nodes[name]?.info.indexSlot { state.index.podRemoved(current.podInfo, slot: slot) }
        if let entry = state.nodes[name], !entry.exists, entry.info.podCount == 0 {
            state.freeSlots.append(entry.info.indexSlot)
            state.nodes[name] = nil
            state.dirty.insert(name)
        } else {
            touch(name, in: &state)
        }
    }
}

// MARK: - Image states (ImageLocality)
//
// Upstream's cache keeps a global image → nodes map and gives every NodeInfo an `ImageStates` entry per image
// name on the node with the image's size and how many nodes hold it. Here the global map is `State.images`.
// When a node is added, updated or removed, the images whose holder set changed are marked stale; the next
// snapshot refreshes `imageStates` of every node holding a stale image and marks those nodes dirty, so node
// counts in the snapshot are always current. (Upstream only recomputes the counts of nodes that changed
// themselves, so another node's count can lag until that node changes.) The size of an image is the one
// reported by the first node that registered it, as upstream.

extension SchedulerCache {
    struct ImageEntry {
        var size: Int64
        var nodes: Set<String>
    }

    /// Every image name the node reports, each once.
    static func imageNames(_ node: Node) -> Set<String> {
        var names: Set<String> = []
        for image in node.status.images ?? [] {
            for name in image.names ?? [] { names.insert(name) }
        }
        return names
    }

    /// Registers `node` as a holder of its images (and drops it from images it no longer reports), then
    /// rebuilds its own image states.
    private func updateImages(of node: Node, previous: Set<String>, in state: inout State) {
        let name = node.metadata.name
        let current = Self.imageNames(node)
        for image in previous.subtracting(current) {
            removeHolder(name, of: image, in: &state)
        }
        for image in node.status.images ?? [] {
            for imageName in image.names ?? [] where !previous.contains(imageName) {
                if state.images[imageName] == nil {
                    state.images[imageName] = ImageEntry(size: image.sizeBytes ?? 0, nodes: [name])
                    state.staleImages.insert(imageName)
                } else if state.images[imageName]?.nodes.insert(name).inserted == true {
                    state.staleImages.insert(imageName)
                }
            }
        }
        let summaries = imageStates(of: node, in: state)
        state.nodes[name]?.info.imageStates = summaries
    }

    /// Drops a removed node from the holders of its images.
    private func forgetImages(of node: Node, in state: inout State) {
        for image in Self.imageNames(node) {
            removeHolder(node.metadata.name, of: image, in: &state)
        }
    }

    private func removeHolder(_ nodeName: String, of image: String, in state: inout State) {
        guard state.images[image]?.nodes.remove(nodeName) != nil else { return }
        if state.images[image]?.nodes.isEmpty == true { state.images[image] = nil }
        state.staleImages.insert(image)
    }

    /// `imageStates` for `node` from the global map (upstream `addNodeImageStates`).
    private func imageStates(of node: Node, in state: State) -> [String: ImageStateSummary] {
        var result: [String: ImageStateSummary] = [:]
        for image in node.status.images ?? [] {
            for name in image.names ?? [] where result[name] == nil {
                guard let entry = state.images[name] else { continue }
                result[name] = ImageStateSummary(size: entry.size, numNodes: entry.nodes.count)
            }
        }
        return result
    }

    /// Recomputes `imageStates` of the nodes holding an image whose holders changed; nodes whose summary
    /// actually changed are marked dirty.
    private func refreshStaleImageStates(in state: inout State) {
        guard !state.staleImages.isEmpty else { return }
        var affected: Set<String> = []
        for image in state.staleImages {
            if let holders = state.images[image]?.nodes { affected.formUnion(holders) }
        }
        state.staleImages.removeAll(keepingCapacity: true)
        for name in affected {
            guard let entry = state.nodes[name], entry.exists else { continue }
            let refreshed = imageStates(of: entry.info.node, in: state)
            if refreshed != entry.info.imageStates {
                state.nodes[name]?.info.imageStates = refreshed
                touch(name, in: &state)
            }
        }
    }
}

/// Node names grouped by zone; ``list()`` interleaves zones so a scan of any prefix spreads across
/// zones (upstream `nodeTree`).
struct NodeTree {
    private var zones: [String] = []
    private var nodesByZone: [String: [String]] = [:]
    /// Every node name in the tree, so adding is O(1) rather than a scan of the zone (100,000-node clusters).
    private var members: Set<String> = []
    private(set) var count = 0

    /// Region and zone labels (GA first, then the deprecated beta ones) joined like `GetZoneKey`.
    static func zoneKey(_ node: Node) -> String {
        let labels = node.metadata.labels ?? [:]
        let region = labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? ""
        let zone = labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? ""
        if region.isEmpty && zone.isEmpty { return "" }
        return "\(region):\u{0}:\(zone)"
    }

    mutating func add(_ node: Node) {
        let zone = NodeTree.zoneKey(node)
        if nodesByZone[zone] == nil {
            zones.append(zone)
            nodesByZone[zone] = []
        }
        guard members.insert(node.metadata.name).inserted else { return }
        nodesByZone[zone]?.append(node.metadata.name)
        count += 1
    }

    mutating func remove(_ name: String) {
        guard members.remove(name) != nil else { return }
        for zone in zones {
            guard let index = nodesByZone[zone]?.firstIndex(of: name) else { continue }
            nodesByZone[zone]?.remove(at: index)
            count -= 1
            if nodesByZone[zone]?.isEmpty == true {
                nodesByZone[zone] = nil
                zones.removeAll { $0 == zone }
            }
            return
        }
    }

    /// Round-robin over zones: the first node of each zone, then the second of each, …
    func list() -> [String] {
        var result: [String] = []
        result.reserveCapacity(count)
        var depth = 0
        while result.count < count {
            for zone in zones {
                if let names = nodesByZone[zone], depth < names.count { result.append(names[depth]) }
            }
            depth += 1
        }
        return result
    }
}

// MARK: - Pod index

extension SchedulerCache {
    /// A slot for a new node info: a freed one (its counts are all zero: its pods are gone) or the next.
    private static func allocateSlot(in state: inout State) -> Int32 {
        if let slot = state.freeSlots.popLast() { return slot }
        defer { state.nextSlot += 1 }
        return state.nextSlot
    }

    /// Builds the index entries plugins asked for during the last cycles (walking every pod only when there
    /// is something new) and drops matchers nobody used for a while.
    private func refreshIndex(in state: inout State) {
        let pods = state.pods
        let nodes = state.nodes
        state.index.refresh(
            pods: {
                pods.values.compactMap { entry in
                    nodes[entry.nodeName].map { (entry.podInfo, $0.info.indexSlot) }
                }
            },
            nodes: {
                nodes.values.map { ($0.info.indexSlot, $0.exists ? $0.info.node.metadata.labels : nil) }
            }
        )
    }
}
