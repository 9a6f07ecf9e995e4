import KubeAPI
import SchedulerFramework

/// PVs by storage class and pinned hostname, and CSIStorageCapacities by class and topology label, kept
/// current with the object store so VolumeBinding's per-node matching looks only at the volumes a node
/// could use (upstream scans every PV of the class for every node).
struct StorageIndex {
    /// Volumes by name with how many are free, kept as they change.
    typealias VolumeSet = PersistentVolumeClassIndex.VolumeSet
    typealias ClassVolumes = PersistentVolumeClassIndex

    struct ClassCapacities {
        /// label key → label value → `namespace/name` → capacity.
        var byLabel: [String: [String: [String: CSIStorageCapacity]]] = [:]
        var other: [String: CSIStorageCapacity] = [:]
    }

    private var volumes: [String: ClassVolumes] = [:]
    /// Where each PV is filed (class, pinned hostnames) and as what, to move, replace or remove it.
    private var volumePlaces: [String: (storageClass: String, hosts: Set<String>?, indexed: IndexedPersistentVolume)] =
        [:]
    /// `namespace/name` of a claim → the PVs whose claimRef names it.
    private var claimed: [String: Set<String>] = [:]
    private var claimPlaces: [String: String] = [:]
    private var capacities: [String: ClassCapacities] = [:]
    private var capacityPlaces: [String: (storageClass: String, label: (key: String, value: String)?)] = [:]

    mutating func upsert(_ pv: PersistentVolume) {
        let name = pv.metadata.name
        let storageClass = pv.storageClass
        let hosts = pv.pinnedHostnames
        if let place = volumePlaces[name], place.storageClass != storageClass || place.hosts != hosts {
            removeVolume(named: name)
        }
        let old = volumePlaces[name]?.indexed
        let indexed = IndexedPersistentVolume(pv)
        volumePlaces[name] = (storageClass, hosts, indexed)
        fileClaim(of: pv)
        if let hosts {
            for host in hosts {
                volumes[storageClass, default: ClassVolumes()].byHost[host, default: VolumeSet()]
                    .insert(indexed, replacing: old)
            }
        } else {
            volumes[storageClass, default: ClassVolumes()].unpinned.insert(indexed, replacing: old)
        }
    }

    private mutating func fileClaim(of pv: PersistentVolume) {
        let name = pv.metadata.name
        let key = pv.spec.claimRef.flatMap { ref in ref.name.map { "\(ref.namespace ?? "")/\($0)" } }
        if let old = claimPlaces[name], old != key {
            claimed[old]?.remove(name)
            if claimed[old]?.isEmpty == true { claimed[old] = nil }
            claimPlaces[name] = nil
        }
        if let key {
            claimed[key, default: []].insert(name)
            claimPlaces[name] = key
        }
    }

    func claimedVolumes(namespace: String, name: String) -> [PersistentVolume] {
        guard let names = claimed["\(namespace)/\(name)"] else { return [] }
        return names.sorted().compactMap { volumePlaces[$0]?.indexed.volume }
    }

    mutating func removeVolume(named name: String) {
        if let old = claimPlaces.removeValue(forKey: name) {
            claimed[old]?.remove(name)
            if claimed[old]?.isEmpty == true { claimed[old] = nil }
        }
        guard let place = volumePlaces.removeValue(forKey: name) else { return }
        if let hosts = place.hosts {
            for host in hosts {
                volumes[place.storageClass]?.byHost[host]?.remove(place.indexed)
                if volumes[place.storageClass]?.byHost[host]?.isEmpty == true {
                    volumes[place.storageClass]?.byHost[host] = nil
                }
            }
        } else {
            volumes[place.storageClass]?.unpinned.remove(place.indexed)
        }
    }

    func candidates(storageClass: String, hostname: String?) -> PersistentVolumeCandidates {
        guard let entry = volumes[storageClass] else { return PersistentVolumeCandidates() }
        return entry.candidates(hostname: hostname)
    }

    /// The class's index as one value (an empty one for a class without volumes).
    func classIndex(storageClass: String) -> PersistentVolumeClassIndex {
        volumes[storageClass] ?? PersistentVolumeClassIndex()
    }

    mutating func upsert(_ capacity: CSIStorageCapacity) {
        let key = "\(capacity.metadata.namespace ?? "default")/\(capacity.metadata.name)"
        removeCapacity(key: key)
        let label = capacity.indexLabel
        capacityPlaces[key] = (capacity.storageClassName, label)
        if let label {
            capacities[capacity.storageClassName, default: ClassCapacities()].byLabel[label.key, default: [:]][
                label.value,
                default: [:]
            ][key] = capacity
        } else {
            capacities[capacity.storageClassName, default: ClassCapacities()].other[key] = capacity
        }
    }

    mutating func removeCapacity(key: String) {
        guard let place = capacityPlaces.removeValue(forKey: key) else { return }
        if let label = place.label {
            capacities[place.storageClass]?.byLabel[label.key]?[label.value]?[key] = nil
        } else {
            capacities[place.storageClass]?.other[key] = nil
        }
    }

    func firstCapacity(
        storageClass: String,
        nodeLabels: [String: String],
        where predicate: (CSIStorageCapacity) -> Bool
    ) -> CSIStorageCapacity? {
        guard let entry = capacities[storageClass] else { return nil }
        for (key, byValue) in entry.byLabel {
            guard let value = nodeLabels[key], let found = byValue[value] else { continue }
            if found.count == 1, let capacity = found.first?.value {
                if predicate(capacity) { return capacity }
                continue
            }
            // Sorted by key so the choice does not depend on hashing.
            for name in found.keys.sorted() {
                if let capacity = found[name], predicate(capacity) { return capacity }
            }
        }
        for name in entry.other.keys.sorted() {
            guard let capacity = entry.other[name] else { continue }
            guard let selector = try? Selector(capacity.nodeTopology), selector.matches(nodeLabels) else { continue }
            if predicate(capacity) { return capacity }
        }
        return nil
    }
}
