import Foundation
import KubeAPI
import SchedulerFramework

/// Where each kind lives in the API and how it is listed: cluster-wide collection paths (all namespaces), and
/// for pods upstream's field selector that leaves out terminated pods.
package struct ResourceDescriptor: Sendable, Equatable {
    /// The kind.
    package var kind: ObjectKind
    /// The cluster-wide collection, e.g. `/api/v1/pods`.
    package var path: String
    /// The field selector of lists and watches, if any.
    package var fieldSelector: String?

    /// The descriptor of `kind`.
    package static func of(_ kind: ObjectKind) -> ResourceDescriptor {
        switch kind {
        case .pod:
            ResourceDescriptor(
                kind: kind,
                path: "/api/v1/pods",
                fieldSelector: "status.phase!=Succeeded,status.phase!=Failed"
            )
        case .node: ResourceDescriptor(kind: kind, path: "/api/v1/nodes")
        case .namespace: ResourceDescriptor(kind: kind, path: "/api/v1/namespaces")
        case .persistentVolume: ResourceDescriptor(kind: kind, path: "/api/v1/persistentvolumes")
        case .persistentVolumeClaim: ResourceDescriptor(kind: kind, path: "/api/v1/persistentvolumeclaims")
        case .service: ResourceDescriptor(kind: kind, path: "/api/v1/services")
        case .replicationController: ResourceDescriptor(kind: kind, path: "/api/v1/replicationcontrollers")
        case .priorityClass: ResourceDescriptor(kind: kind, path: "/apis/scheduling.k8s.io/v1/priorityclasses")
        case .storageClass: ResourceDescriptor(kind: kind, path: "/apis/storage.k8s.io/v1/storageclasses")
        case .csiNode: ResourceDescriptor(kind: kind, path: "/apis/storage.k8s.io/v1/csinodes")
        case .csiDriver: ResourceDescriptor(kind: kind, path: "/apis/storage.k8s.io/v1/csidrivers")
        case .csiStorageCapacity: ResourceDescriptor(kind: kind, path: "/apis/storage.k8s.io/v1/csistoragecapacities")
        case .volumeAttachment: ResourceDescriptor(kind: kind, path: "/apis/storage.k8s.io/v1/volumeattachments")
        case .podDisruptionBudget: ResourceDescriptor(kind: kind, path: "/apis/policy/v1/poddisruptionbudgets")
        case .replicaSet: ResourceDescriptor(kind: kind, path: "/apis/apps/v1/replicasets")
        case .statefulSet: ResourceDescriptor(kind: kind, path: "/apis/apps/v1/statefulsets")
        case .podGroup: ResourceDescriptor(kind: kind, path: "/apis/scheduling.x-k8s.io/v1alpha1/podgroups")
        }
    }

    private init(kind: ObjectKind, path: String, fieldSelector: String? = nil) {
        self.kind = kind
        self.path = path
        self.fieldSelector = fieldSelector
    }
}

/// An item the client could not decode: logged and skipped, never fatal.
package struct SkippedObject: Sendable, Equatable, CustomStringConvertible {
    /// The kind being decoded.
    package var kind: ObjectKind
    /// `namespace/name` when the metadata could be read, else `?`.
    package var key: String
    /// Why it could not be decoded (the field path and problem).
    package var reason: String
    package var description: String { "\(kind.rawValue) \(key): \(reason)" }
}

/// One page of a list.
struct DecodedList: Sendable {
    var items: [KubeObject]
    var resourceVersion: String
    var continueToken: String?
    var skipped: [SkippedObject]
}

/// One decoded watch frame.
enum DecodedWatchFrame: Sendable {
    case event(WatchEvent)
    /// An object that could not be decoded; `resourceVersion` is set when its metadata was readable.
    case skipped(SkippedObject, resourceVersion: String?)
    /// `{"type":"ERROR","object":<Status>}`.
    case failure(ClusterError)
    /// Not JSON at all (garbage, a value cut short, a raw line break in a string): the stream is corrupt.
    case malformed(preview: String)
}

/// Decodes lists and watch frames of every kind, object by object, so one bad object does not spoil the rest.
enum ResourceDecoding {
    static func decodeList(_ kind: ObjectKind, _ bytes: [UInt8]) throws(ClusterError) -> DecodedList {
        do {
            return try visit(kind, ListVisitor(kind: kind, data: Data(bytes)))
        } catch let error as ClusterError {
            throw error
        } catch {
            throw ClusterError(.invalid, "\(kind.rawValue) list: malformed response: \(describe(error))")
        }
    }

    static func decodeWatchFrame(_ kind: ObjectKind, _ bytes: [UInt8]) -> DecodedWatchFrame {
        do {
            return try visit(kind, WatchVisitor(kind: kind, data: Data(bytes)))
        } catch {
            let preview = String(decoding: bytes.prefix(200), as: UTF8.self)
            if (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) == nil {
                return .malformed(preview: preview)
            }
            return .skipped(
                SkippedObject(kind: kind, key: "?", reason: "malformed watch event (\(describe(error))): \(preview)"),
                resourceVersion: nil
            )
        }
    }

    // MARK: Dispatch over kinds

    protocol KindVisitor {
        associatedtype Result
        func visit<T: Decodable>(_ type: T.Type, wrap: (T) -> KubeObject) throws -> Result
    }

    static func visit<V: KindVisitor>(_ kind: ObjectKind, _ visitor: V) throws -> V.Result {
        switch kind {
        case .pod: try visitor.visit(Pod.self, wrap: KubeObject.pod)
        case .node: try visitor.visit(Node.self, wrap: KubeObject.node)
        case .priorityClass: try visitor.visit(PriorityClass.self, wrap: KubeObject.priorityClass)
        case .namespace: try visitor.visit(Namespace.self, wrap: KubeObject.namespace)
        case .persistentVolume: try visitor.visit(PersistentVolume.self, wrap: KubeObject.persistentVolume)
        case .persistentVolumeClaim:
            try visitor.visit(PersistentVolumeClaim.self, wrap: KubeObject.persistentVolumeClaim)
        case .storageClass: try visitor.visit(StorageClass.self, wrap: KubeObject.storageClass)
        case .csiNode: try visitor.visit(CSINode.self, wrap: KubeObject.csiNode)
        case .csiDriver: try visitor.visit(CSIDriver.self, wrap: KubeObject.csiDriver)
        case .csiStorageCapacity: try visitor.visit(CSIStorageCapacity.self, wrap: KubeObject.csiStorageCapacity)
        case .volumeAttachment: try visitor.visit(VolumeAttachment.self, wrap: KubeObject.volumeAttachment)
        case .podDisruptionBudget: try visitor.visit(PodDisruptionBudget.self, wrap: KubeObject.podDisruptionBudget)
        case .service: try visitor.visit(Service.self, wrap: KubeObject.service)
        case .replicationController:
            try visitor.visit(ReplicationController.self, wrap: KubeObject.replicationController)
        case .replicaSet: try visitor.visit(ReplicaSet.self, wrap: KubeObject.replicaSet)
        case .statefulSet: try visitor.visit(StatefulSet.self, wrap: KubeObject.statefulSet)
        case .podGroup: try visitor.visit(PodGroup.self, wrap: KubeObject.podGroup)
        }
    }

    struct ListVisitor: KindVisitor {
        let kind: ObjectKind
        let data: Data
        func visit<T: Decodable>(_ type: T.Type, wrap: (T) -> KubeObject) throws -> DecodedList {
            let list = try JSONDecoder().decode(ListBody<T>.self, from: data)
            var items: [KubeObject] = []
            var skipped: [SkippedObject] = []
            items.reserveCapacity(list.items?.count ?? 0)
            for item in list.items ?? [] {
                if let value = item.value {
                    items.append(wrap(value))
                } else {
                    skipped.append(
                        SkippedObject(kind: kind, key: item.meta?.key ?? "?", reason: item.error ?? "undecodable")
                    )
                }
            }
            let token = list.metadata?.continueToken
            return DecodedList(
                items: items,
                resourceVersion: list.metadata?.resourceVersion ?? "",
                continueToken: (token?.isEmpty ?? true) ? nil : token,
                skipped: skipped
            )
        }
    }

    struct WatchVisitor: KindVisitor {
        let kind: ObjectKind
        let data: Data
        func visit<T: Decodable>(_ type: T.Type, wrap: (T) -> KubeObject) throws -> DecodedWatchFrame {
            let frame = try JSONDecoder().decode(WatchFrame<T>.self, from: data)
            switch frame.type {
            case "ERROR":
                let status = frame.status
                let code = RESTClient.code(forStatus: status?.code ?? 500, reason: status?.reason)
                return .failure(ClusterError(code, status?.message ?? "watch error"))
            case "BOOKMARK":
                return .event(
                    WatchEvent(
                        type: .bookmark,
                        object: nil,
                        resourceVersion: frame.meta?.metadata?.resourceVersion ?? ""
                    )
                )
            case "ADDED", "MODIFIED", "DELETED":
                let type: WatchEvent.EventType =
                    frame.type == "ADDED" ? .added : frame.type == "MODIFIED" ? .modified : .deleted
                guard let value = frame.object?.value else {
                    let meta = frame.object?.meta
                    return .skipped(
                        SkippedObject(kind: kind, key: meta?.key ?? "?", reason: frame.object?.error ?? "no object"),
                        resourceVersion: meta?.metadata?.resourceVersion
                    )
                }
                let object = wrap(value)
                return .event(
                    WatchEvent(type: type, object: object, resourceVersion: object.metadata.resourceVersion ?? "")
                )
            default:
                return .skipped(
                    SkippedObject(
                        kind: kind,
                        key: frame.meta?.key ?? "?",
                        reason: "unknown watch event type \"\(frame.type)\""
                    ),
                    resourceVersion: nil
                )
            }
        }
    }

    // MARK: Wire shapes

    struct ListBody<T: Decodable>: Decodable {
        struct Meta: Decodable {
            var resourceVersion: String?
            var continueToken: String?
            enum CodingKeys: String, CodingKey {
                case resourceVersion
                case continueToken = "continue"
            }
        }
        var metadata: Meta?
        var items: [Lossy<T>]?
    }

    /// Just enough metadata to name an object in a log line and to advance the resource version.
    struct PartialObject: Decodable {
        struct Meta: Decodable {
            var name: String?
            var namespace: String?
            var resourceVersion: String?
        }
        var metadata: Meta?
        var key: String {
            let name = metadata?.name ?? "?"
            if let namespace = metadata?.namespace, !namespace.isEmpty { return "\(namespace)/\(name)" }
            return name
        }
    }

    /// Decodes a `T`, or records why not (and what metadata could be read).
    struct Lossy<T: Decodable>: Decodable {
        var value: T?
        var error: String?
        var meta: PartialObject?
        init(from decoder: any Decoder) throws {
            do {
                value = try T(from: decoder)
            } catch {
                self.error = ResourceDecoding.describe(error)
                meta = try? PartialObject(from: decoder)
            }
        }
    }

    struct WatchFrame<T: Decodable>: Decodable {
        var type: String
        var object: Lossy<T>?
        var status: APIStatus?
        var meta: PartialObject?
        enum CodingKeys: String, CodingKey { case type, object }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            switch type {
            case "ERROR": status = try? c.decode(APIStatus.self, forKey: .object)
            case "BOOKMARK": meta = try? c.decode(PartialObject.self, forKey: .object)
            default: object = try c.decodeIfPresent(Lossy<T>.self, forKey: .object)
            }
        }
    }

    /// `spec.containers[0].resources: expected …` rather than Foundation's nested description.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? "<root>" : text
        }
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required field is missing"
        @unknown default:
            return "\(error)"
        }
    }
}
