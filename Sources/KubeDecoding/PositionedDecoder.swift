import Yams

/// Decodes `Decodable` values from a ``PositionedValue`` (or a `Yams.Node`) and reports failures as a
/// ``DecodeError`` with the file, line, column and field path of the offending value.
///
/// Scalars follow the Go API machinery's rules after `sigs.k8s.io/yaml`: a string field needs a string
/// (`name: 2` is refused, `name: "2"` is fine), integer fields take numbers with no fraction (`1e3` is 1000,
/// `0755` is 493), and `null` leaves a non-optional field at its zero value. With ``isStrict`` set, mapping keys
/// that the decoded type never asks for are refused as unknown fields, like upstream's strict decoding of
/// component configuration.
package struct PositionedDecoder: Sendable {
    /// The file name used in messages.
    package var source: String
    /// Refuse keys the decoded types do not read.
    package var isStrict: Bool
    /// Keys of the top-level mapping that strict decoding accepts without the type reading them
    /// (such as `apiVersion` and `kind` of plugin args).
    package var ignoredTopLevelKeys: Set<String>
    /// The object named in messages, such as `Pod default/web`.
    package var object: String?
    /// The path of the decoded value inside its document, prefixed to field paths in messages.
    package var basePath: [PathComponent]

    /// Creates a decoder.
    package init(
        source: String,
        isStrict: Bool = false,
        ignoredTopLevelKeys: Set<String> = [],
        object: String? = nil,
        basePath: [PathComponent] = []
    ) {
        self.source = source
        self.isStrict = isStrict
        self.ignoredTopLevelKeys = ignoredTopLevelKeys
        self.object = object
        self.basePath = basePath
    }

    /// Decodes `type` from `value`.
    ///
    /// - Throws: ``DecodeError`` naming the position and field path of the first problem.
    package func decode<T: Decodable>(_ type: T.Type, from value: PositionedValue) throws(DecodeError) -> T {
        let context = DecodingContext(isStrict: isStrict, ignoredTopLevelKeys: ignoredTopLevelKeys)
        let decoded: T
        do {
            decoded = try T(from: ValueDecoder(value: value, codingPath: [], context: context))
        } catch let error as DecodingError {
            throw decodeError(error, root: value)
        } catch let error as DecodeError {
            throw error
        } catch {
            throw DecodeError(
                source: source,
                position: value.position,
                object: object,
                fieldPath: basePath.fieldPath,
                problem: String(describing: error)
            )
        }
        if isStrict, let unknown = context.firstUnknownField() {
            throw DecodeError(
                source: source,
                position: unknown.position,
                object: object,
                fieldPath: (basePath + unknown.mappingPath).fieldPath,
                problem: unknown.message
            )
        }
        return decoded
    }

    /// Decodes `type` from a Yams node (scalars typed as ``PositionedValue`` documents).
    ///
    /// - Throws: ``DecodeError`` for a problem in the node or in decoding.
    package func decode<T: Decodable>(_ type: T.Type, from node: Yams.Node) throws(DecodeError) -> T {
        var converter = NodeConverter(source: source, budget: 10_000_000)
        let value = try converter.convert(node, depth: 0)
        return try decode(type, from: value)
    }

    /// Maps a `DecodingError` back onto the value tree to find its position.
    func decodeError(_ error: DecodingError, root: PositionedValue) -> DecodeError {
        let path: [PathComponent]
        let message: String
        var positionPath: [PathComponent]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath.pathComponents
            positionPath = path
            message = context.debugDescription
        case .keyNotFound(let key, let context):
            positionPath = context.codingPath.pathComponents
            path = positionPath + [key.pathComponent]
            message = "Required value"
        @unknown default:
            path = []
            positionPath = []
            message = String(describing: error)
        }
        let position = root.nearestPosition(along: positionPath)
        return DecodeError(
            source: source,
            position: position,
            object: object,
            fieldPath: (basePath + path).fieldPath,
            problem: message
        )
    }
}

// MARK: - Coding keys and paths

/// A list index in a coding path.
struct IndexKey: CodingKey {
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(intValue: Int) { self.index = intValue }
    init?(stringValue: String) { nil }
    var intValue: Int? { index }
    var stringValue: String { "Index \(index)" }
}

/// A mapping key in a coding path.
struct NameKey: CodingKey {
    let stringValue: String
    init(_ name: String) { self.stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue) }
    var intValue: Int? { nil }
}

extension CodingKey {
    var pathComponent: PathComponent {
        if let index = self as? IndexKey { return .index(index.index) }
        return .key(stringValue)
    }
}

extension Array where Element == any CodingKey {
    var pathComponents: [PathComponent] { map(\.pathComponent) }
}

// MARK: - Decoder

struct ValueDecoder: Decoder {
    let value: PositionedValue
    let codingPath: [any CodingKey]
    let context: DecodingContext
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value.content {
        case .mapping(let entries):
            return KeyedDecodingContainer(KeyedContainer<Key>(entries: entries, decoder: self))
        case .null:
            return KeyedDecodingContainer(KeyedContainer<Key>(entries: [], decoder: self))
        default:
            throw DecodingError.typeMismatch(
                [String: Any].self,
                .init(
                    codingPath: codingPath,
                    debugDescription: "expected a mapping, got \(value.kindDescription)"
                )
            )
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value.content {
        case .sequence(let elements):
            return UnkeyedContainer(elements: elements, decoder: self)
        case .null:
            return UnkeyedContainer(elements: [], decoder: self)
        default:
            throw DecodingError.typeMismatch(
                [Any].self,
                .init(
                    codingPath: codingPath,
                    debugDescription: "expected a list, got \(value.kindDescription)"
                )
            )
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func child(_ value: PositionedValue, key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value: value, codingPath: codingPath + [key], context: context)
    }

    /// Decodes `T` here, turning errors that are not `DecodingError`s (thrown by custom initialisers) into
    /// `dataCorrupted` at this path so they keep their position.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try T(from: self)
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: String(describing: error), underlyingError: error)
            )
        }
    }

    // Scalars.

    func mismatch(_ expected: String, type: Any.Type) -> DecodingError {
        var message = "expected \(expected), got \(value.kindDescription)"
        if expected == "a string" {
            switch value.content {
            case .int, .float, .bool, .null: message += " (quote it to make it a string: \(quoted(value.text)))"
            default: break
            }
        }
        return DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: message))
    }

    func unboxString() throws -> String {
        switch value.content {
        case .string(let string): return string
        case .null: return ""
        default: throw mismatch("a string", type: String.self)
        }
    }

    func unboxBool() throws -> Bool {
        switch value.content {
        case .bool(let bool): return bool
        case .null: return false
        default: throw mismatch("a boolean", type: Bool.self)
        }
    }

    func unboxInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        switch value.content {
        case .int(let integer):
            guard let result = T(exactly: integer) else {
                throw DecodingError.typeMismatch(
                    type,
                    .init(
                        codingPath: codingPath,
                        debugDescription: "number \(value.text) does not fit in \(T.self)"
                    )
                )
            }
            return result
        case .float(let double):
            guard double.rounded(.towardZero) == double, double.isFinite else {
                throw mismatch("an integer", type: type)
            }
            guard let result = T(exactly: double) else {
                throw DecodingError.typeMismatch(
                    type,
                    .init(
                        codingPath: codingPath,
                        debugDescription: "number \(value.text) does not fit in \(T.self)"
                    )
                )
            }
            return result
        case .null:
            return 0
        default:
            throw mismatch("an integer", type: type)
        }
    }

    func unboxDouble() throws -> Double {
        switch value.content {
        case .int(let integer): return Double(integer)
        case .float(let double):
            guard double.isFinite else { throw mismatch("a finite number", type: Double.self) }
            return double
        case .null: return 0
        default: throw mismatch("a number", type: Double.self)
        }
    }
}

extension ValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try unboxBool() }
    func decode(_ type: String.Type) throws -> String { try unboxString() }
    func decode(_ type: Double.Type) throws -> Double { try unboxDouble() }
    func decode(_ type: Float.Type) throws -> Float {
        let double = try unboxDouble()
        let float = Float(double)
        guard float.isFinite else {
            throw DecodingError.typeMismatch(
                type,
                .init(codingPath: codingPath, debugDescription: "number \(value.text) does not fit in Float")
            )
        }
        return float
    }
    func decode(_ type: Int.Type) throws -> Int { try unboxInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try unboxInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try unboxInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try unboxInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try unboxInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try unboxInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try unboxInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try unboxInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try unboxInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try unboxInteger(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }
}

// MARK: - Capturing raw values

extension PositionedValue: Decodable {
    /// Captures the value as it is when decoded by ``PositionedDecoder`` (keeping positions); other decoders
    /// rebuild it from their containers.
    package init(from decoder: any Decoder) throws {
        if let decoder = decoder as? ValueDecoder {
            self = decoder.value
            return
        }
        if let container = try? decoder.container(keyedBy: NameKey.self) {
            var entries: [Entry] = []
            for key in container.allKeys {
                entries.append(
                    Entry(key: key.stringValue, value: try container.decode(PositionedValue.self, forKey: key))
                )
            }
            self.init(.mapping(entries))
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var elements: [PositionedValue] = []
            while !container.isAtEnd { elements.append(try container.decode(PositionedValue.self)) }
            self.init(.sequence(elements))
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self.init(.null)
        } else if let bool = try? single.decode(Bool.self) {
            self.init(.bool(bool))
        } else if let integer = try? single.decode(Int64.self) {
            self.init(.int(integer))
        } else if let double = try? single.decode(Double.self) {
            self.init(.float(double))
        } else {
            self.init(.string(try single.decode(String.self)))
        }
    }
}
