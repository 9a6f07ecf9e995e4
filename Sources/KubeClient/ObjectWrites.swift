import KubeAPI
import NIOHTTP1
import SchedulerFramework

extension KubernetesClient {
    /// `POST`s `object` to its collection: Nodes (`/api/v1/nodes`), Namespaces (`/api/v1/namespaces`), Pods
    /// (`/api/v1/namespaces/NS/pods`, namespace `default` when unset), and the storage kinds a bench creates
    /// (PersistentVolumes, PersistentVolumeClaims, StorageClasses, CSINodes, CSIDrivers, CSIStorageCapacities). The API server assigns uid and resource
    /// version; the stored object is not returned.
    ///
    /// - Throws: `conflict` when the object already exists (409), `notFound` when its namespace does not (404),
    ///   `invalid` for other kinds or when the server rejects the object.
    package func create(_ object: KubeObject) async throws(ClusterError) {
        let path = try Self.collectionPath(for: object)
        let body: [UInt8]
        switch object {
        case .pod(let pod): body = try Self.encode(pod)
        case .node(let node): body = try Self.encode(node)
        case .namespace(let namespace): body = try Self.encode(namespace)
        case .persistentVolume(let volume): body = try Self.encode(volume)
        case .persistentVolumeClaim(let claim): body = try Self.encode(claim)
        case .storageClass(let storageClass): body = try Self.encode(storageClass)
        case .csiNode(let csiNode): body = try Self.encode(csiNode)
        case .csiDriver(let driver): body = try Self.encode(driver)
        case .csiStorageCapacity(let capacity): body = try Self.encode(capacity)
        case .volumeAttachment(let attachment): body = try Self.encode(attachment)
        default: throw ClusterError(.invalid, "creating \(object.kind.rawValue) objects is not supported")
        }
        _ = try await rest.send(.POST, path, body: body)
    }

    /// `DELETE`s the Node, Namespace or Pod `name` (`namespace` is required for Pods and ignored otherwise).
    /// Deleting a Namespace deletes its Pods on the server side (asynchronously on a real API server).
    /// `gracePeriodSeconds` 0 deletes a Pod at once (for pods on nodes without a kubelet).
    ///
    /// - Throws: `notFound` when the object does not exist (404), `invalid` for other kinds.
    package func delete(
        _ kind: ObjectKind,
        namespace: String?,
        name: String,
        gracePeriodSeconds: Int64? = nil
    ) async throws(ClusterError) {
        let path: String
        switch kind {
        case .node: path = "/api/v1/nodes/\(Self.segment(name))"
        case .namespace: path = "/api/v1/namespaces/\(Self.segment(name))"
        case .pod:
            guard let namespace, !namespace.isEmpty else {
                throw ClusterError(.invalid, "deleting pod \(name): no namespace")
            }
            path = "/api/v1/namespaces/\(Self.segment(namespace))/pods/\(Self.segment(name))"
        case .persistentVolume, .storageClass, .csiNode, .csiDriver, .volumeAttachment:
            path = "\(ResourceDescriptor.of(kind).path)/\(Self.segment(name))"
        case .persistentVolumeClaim, .csiStorageCapacity:
            guard let namespace, !namespace.isEmpty else {
                throw ClusterError(.invalid, "deleting \(kind.rawValue) \(name): no namespace")
            }
            let collection = kind == .persistentVolumeClaim ? "/api/v1" : "/apis/storage.k8s.io/v1"
            let resource = kind == .persistentVolumeClaim ? "persistentvolumeclaims" : "csistoragecapacities"
            path = "\(collection)/namespaces/\(Self.segment(namespace))/\(resource)/\(Self.segment(name))"
        default:
            throw ClusterError(.invalid, "deleting \(kind.rawValue) objects is not supported")
        }
        _ = try await rest.send(
            .DELETE,
            path,
            body: try Self.encode(DeleteOptions(preconditions: nil, gracePeriodSeconds: gracePeriodSeconds))
        )
    }

    static func collectionPath(for object: KubeObject) throws(ClusterError) -> String {
        switch object.kind {
        case .node: return "/api/v1/nodes"
        case .namespace: return "/api/v1/namespaces"
        case .pod:
            let namespace = object.metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            return "/api/v1/namespaces/\(segment(namespace))/pods"
        case .persistentVolume, .storageClass, .csiNode, .csiDriver, .volumeAttachment:
            return ResourceDescriptor.of(object.kind).path
        case .persistentVolumeClaim:
            let namespace = object.metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            return "/api/v1/namespaces/\(segment(namespace))/persistentvolumeclaims"
        case .csiStorageCapacity:
            let namespace = object.metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            return "/apis/storage.k8s.io/v1/namespaces/\(segment(namespace))/csistoragecapacities"
        default:
            throw ClusterError(.invalid, "creating \(object.kind.rawValue) objects is not supported")
        }
    }
}
