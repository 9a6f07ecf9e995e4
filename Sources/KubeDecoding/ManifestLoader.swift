import Foundation
import KubeAPI

/// What a manifest file held: the objects the scheduler uses, and warnings about the rest.
package struct ManifestLoadResult: Sendable {
    /// One decoded object and where it was written.
    package struct Entry: Sendable {
        /// The decoded object.
        package var object: KubeObject
        /// The file the object came from.
        package var source: String
        /// Where the object's mapping starts.
        package var position: SourcePosition?

        /// Creates an entry.
        package init(object: KubeObject, source: String, position: SourcePosition?) {
            self.object = object
            self.source = source
            self.position = position
        }

        /// `FILE:LINE:COLUMN` (or `FILE`).
        package var location: String { position.map { "\(source):\($0)" } ?? source }
    }

    /// The objects in file order (list items in list order).
    package var entries: [Entry]
    /// One line per skipped document, such as
    /// `cluster.yaml:12:1: skipping Deployment "web": kind not used by the scheduler`.
    package var warnings: [String]

    /// Creates a result.
    package init(entries: [Entry] = [], warnings: [String] = []) {
        self.entries = entries
        self.warnings = warnings
    }

    /// The objects in file order.
    package var objects: [KubeObject] { entries.map(\.object) }

    /// Appends another result (for loading several files into one cluster).
    package mutating func append(contentsOf other: ManifestLoadResult) {
        entries += other.entries
        warnings += other.warnings
    }
}

/// Loads Kubernetes manifests: multi-document YAML, JSON, `kind: List` and typed lists (`PodList`, …).
///
/// Pods, Nodes, PriorityClasses, Namespaces, Services, ReplicationControllers, ReplicaSets, StatefulSets,
/// PersistentVolumes, PersistentVolumeClaims, StorageClasses, CSINodes, CSIDrivers, CSIStorageCapacities,
/// PodDisruptionBudgets and scheduler-plugins' PodGroups become ``KubeAPI/KubeObject``s; other kinds are skipped with a warning. Fields the
/// scheduler does not read (status details, `managedFields`, …) are ignored, as `kubectl get -o yaml` output
/// carries many. Any problem stops the load with one ``DecodeError`` line naming the file, position, object
/// and field.
package enum ManifestLoader {
    /// Loads the manifests in `contents`.
    ///
    /// - Parameters:
    ///   - contents: YAML or JSON text.
    ///   - source: The file name used in messages.
    /// - Throws: ``DecodeError`` for the first syntax or decoding problem.
    package static func load(contents: String, source: String) throws(DecodeError) -> ManifestLoadResult {
        var result = ManifestLoadResult()
        for document in try DocumentParser.documents(in: contents, source: source) {
            try collect(document, inherited: nil, depth: 0, source: source, into: &result)
        }
        return result
    }

    /// Loads the manifests in the file at `path`.
    ///
    /// - Throws: ``DecodeError`` naming the path when the file cannot be read or is not UTF-8 text, and as
    ///   ``load(contents:source:)`` does.
    package static func load(path: String) throws(DecodeError) -> ManifestLoadResult {
        try load(contents: readText(path: path), source: path)
    }

    /// Reads a UTF-8 text file.
    ///
    /// - Throws: ``DecodeError`` naming the path.
    package static func readText(path: String) throws(DecodeError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw DecodeError(source: path, problem: "cannot read file: \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DecodeError(source: path, problem: "cannot read file: not UTF-8 text")
        }
        return text
    }

    // MARK: - Kinds

    /// A kind the scheduler reads: its served apiVersion and how to decode it.
    struct KindHandler: Sendable {
        let apiVersion: String
        let isNamespaced: Bool
        let decode: @Sendable (PositionedDecoder, PositionedValue) throws(DecodeError) -> KubeObject
    }

    static let handlers: [String: KindHandler] = [
        "Pod": KindHandler(apiVersion: "v1", isNamespaced: true) { decoder, value throws(DecodeError) in
            .pod(try decoder.decode(Pod.self, from: value))
        },
        "Node": KindHandler(apiVersion: "v1", isNamespaced: false) { decoder, value throws(DecodeError) in
            .node(try decoder.decode(KubeAPI.Node.self, from: value))
        },
        "Namespace": KindHandler(apiVersion: "v1", isNamespaced: false) { decoder, value throws(DecodeError) in
            .namespace(try decoder.decode(Namespace.self, from: value))
        },
        "PersistentVolume": KindHandler(apiVersion: "v1", isNamespaced: false) { decoder, value throws(DecodeError) in
            .persistentVolume(try decoder.decode(PersistentVolume.self, from: value))
        },
        "PersistentVolumeClaim": KindHandler(apiVersion: "v1", isNamespaced: true) {
            decoder,
            value throws(DecodeError) in
            .persistentVolumeClaim(try decoder.decode(PersistentVolumeClaim.self, from: value))
        },
        "PriorityClass": KindHandler(apiVersion: "scheduling.k8s.io/v1", isNamespaced: false) {
            decoder,
            value throws(DecodeError) in
            .priorityClass(try decoder.decode(PriorityClass.self, from: value))
        },
        "StorageClass": KindHandler(apiVersion: "storage.k8s.io/v1", isNamespaced: false) {
            decoder,
            value throws(DecodeError) in
            .storageClass(try decoder.decode(StorageClass.self, from: value))
        },
        "CSINode": KindHandler(apiVersion: "storage.k8s.io/v1", isNamespaced: false) {
            decoder,
            value throws(DecodeError) in
            .csiNode(try decoder.decode(CSINode.self, from: value))
        },
        "CSIDriver": KindHandler(apiVersion: "storage.k8s.io/v1", isNamespaced: false) {
            decoder,
            value throws(DecodeError) in
            .csiDriver(try decoder.decode(CSIDriver.self, from: value))
        },
        "CSIStorageCapacity": KindHandler(apiVersion: "storage.k8s.io/v1", isNamespaced: true) {
            decoder,
            value throws(DecodeError) in
            .csiStorageCapacity(try decoder.decode(CSIStorageCapacity.self, from: value))
        },
        "VolumeAttachment": KindHandler(apiVersion: "storage.k8s.io/v1", isNamespaced: false) {
            decoder,
            value throws(DecodeError) in
            .volumeAttachment(try decoder.decode(VolumeAttachment.self, from: value))
        },
        "PodDisruptionBudget": KindHandler(apiVersion: "policy/v1", isNamespaced: true) {
            decoder,
            value throws(DecodeError) in
            .podDisruptionBudget(try decoder.decode(PodDisruptionBudget.self, from: value))
        },
        "Service": KindHandler(apiVersion: "v1", isNamespaced: true) { decoder, value throws(DecodeError) in
            .service(try decoder.decode(Service.self, from: value))
        },
        "ReplicationController": KindHandler(apiVersion: "v1", isNamespaced: true) {
            decoder,
            value throws(DecodeError) in
            .replicationController(try decoder.decode(ReplicationController.self, from: value))
        },
        "ReplicaSet": KindHandler(apiVersion: "apps/v1", isNamespaced: true) { decoder, value throws(DecodeError) in
            .replicaSet(try decoder.decode(ReplicaSet.self, from: value))
        },
        "StatefulSet": KindHandler(apiVersion: "apps/v1", isNamespaced: true) { decoder, value throws(DecodeError) in
            .statefulSet(try decoder.decode(StatefulSet.self, from: value))
        },
        "PodGroup": KindHandler(apiVersion: PodGroup.apiVersion, isNamespaced: true) {
            decoder,
            value throws(DecodeError) in
            .podGroup(try decoder.decode(PodGroup.self, from: value))
        },
    ]

    /// The kind and apiVersion given to items of a typed list (`PodList` items carry neither).
    struct Inherited {
        var kind: String?
        var apiVersion: String?
    }

    static func collect(
        _ value: PositionedValue,
        inherited: Inherited?,
        depth: Int,
        source: String,
        into result: inout ManifestLoadResult
    ) throws(DecodeError) {
        switch value.content {
        case .null:
            return  // An empty document.
        case .sequence(let elements):
            // A JSON array (or YAML sequence) of objects.
            for element in elements where !element.isNull {
                try collect(element, inherited: inherited, depth: depth + 1, source: source, into: &result)
            }
            return
        case .mapping:
            break
        default:
            throw DecodeError(
                source: source,
                position: value.position,
                problem: "expected an object (a mapping with apiVersion and kind), got \(value.kindDescription)"
            )
        }

        let kindValue = value["kind"]
        let kind: String
        switch kindValue?.content {
        case .string(let text) where !text.isEmpty: kind = text
        case nil, .null?, .string?:
            guard let inheritedKind = inherited?.kind else {
                throw DecodeError(
                    source: source,
                    position: value.position,
                    object: describe(kind: nil, value, namespaced: false),
                    fieldPath: "kind",
                    problem: "Required value: kind not set"
                )
            }
            kind = inheritedKind
        default:
            throw DecodeError(
                source: source,
                position: kindValue?.position,
                fieldPath: "kind",
                problem: "expected a string, got \(kindValue?.kindDescription ?? "nothing")"
            )
        }
        let apiVersionValue = value["apiVersion"]
        var apiVersion: String?
        switch apiVersionValue?.content {
        case .string(let text) where !text.isEmpty: apiVersion = text
        case nil, .null?, .string?: apiVersion = inherited?.apiVersion
        default:
            throw DecodeError(
                source: source,
                position: apiVersionValue?.position,
                object: describe(kind: kind, value, namespaced: false),
                fieldPath: "apiVersion",
                problem: "expected a string, got \(apiVersionValue?.kindDescription ?? "nothing")"
            )
        }

        // Lists: `kind: List` items carry their own kind; `PodList` items inherit `Pod`.
        if kind == "List" || (kind.hasSuffix("List") && value["items"] != nil) {
            guard depth < 8 else {
                throw DecodeError(source: source, position: value.position, problem: "lists nested too deeply")
            }
            let items = value["items"] ?? PositionedValue(.null)
            switch items.content {
            case .null: return
            case .sequence(let elements):
                let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
                let itemInherited = Inherited(kind: itemKind, apiVersion: kind == "List" ? nil : apiVersion)
                for element in elements where !element.isNull {
                    try collect(element, inherited: itemInherited, depth: depth + 1, source: source, into: &result)
                }
                return
            default:
                throw DecodeError(
                    source: source,
                    position: items.position,
                    object: kind,
                    fieldPath: "items",
                    problem: "expected a list, got \(items.kindDescription)"
                )
            }
        }

        guard let handler = handlers[kind] else {
            let name = value["metadata"]?["name"]?.string ?? value["metadata"]?["generateName"]?.string
            let where_ = value.position.map { "\(source):\($0)" } ?? source
            let named = name.map { " \(quoted($0))" } ?? ""
            result.warnings.append("\(where_): skipping \(kind)\(named): kind not used by the scheduler")
            return
        }
        let object = describe(kind: kind, value, namespaced: handler.isNamespaced)
        guard let apiVersion else {
            throw DecodeError(
                source: source,
                position: value.position,
                object: object,
                fieldPath: "apiVersion",
                problem: "Required value: apiVersion not set (expected \(quoted(handler.apiVersion)))"
            )
        }
        guard apiVersion == handler.apiVersion else {
            throw DecodeError(
                source: source,
                position: apiVersionValue?.position ?? value.position,
                object: object,
                fieldPath: "apiVersion",
                problem:
                    "no matches for kind \(quoted(kind)) in version \(quoted(apiVersion)) (expected \(quoted(handler.apiVersion)))"
            )
        }
        let decoder = PositionedDecoder(source: source, object: object)
        let decoded = try handler.decode(decoder, value)
        if decoded.metadata.name.isEmpty {
            throw DecodeError(
                source: source,
                position: value["metadata"]?.position ?? value.position,
                object: object,
                fieldPath: "metadata.name",
                problem: "Required value: name or generateName is required"
            )
        }
        result.entries.append(.init(object: decoded, source: source, position: value.position))
    }

    /// `Pod default/web`, `Node n1`, or just the kind when the object has no name.
    static func describe(kind: String?, _ value: PositionedValue, namespaced: Bool) -> String {
        let metadata = value["metadata"]
        let name = metadata?["name"]?.string ?? metadata?["generateName"]?.string
        guard let kind else { return name.map { "object \($0)" } ?? "" }
        guard let name, !name.isEmpty else { return kind }
        if namespaced {
            let namespace = metadata?["namespace"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            return "\(kind) \(namespace)/\(name)"
        }
        return "\(kind) \(name)"
    }
}
