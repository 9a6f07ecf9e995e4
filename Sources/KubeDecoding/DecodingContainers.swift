import Yams

// MARK: - Keyed container

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [PositionedValue.Entry]
    let decoder: ValueDecoder
    let visited: VisitedMapping?
    private let index: [String: Int]?

    init(entries: [PositionedValue.Entry], decoder: ValueDecoder) {
        self.entries = entries
        self.decoder = decoder
        self.visited = decoder.context.visit(path: decoder.codingPath, entries: entries)
        if entries.count > 16 {
            var index: [String: Int] = [:]
            for (offset, entry) in entries.enumerated() { index[entry.key] = offset }
            self.index = index
        } else {
            self.index = nil
        }
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        visited?.accessed.formUnion(entries.map(\.key))
        return entries.compactMap { Key(stringValue: $0.key) }
    }

    private func find(_ key: Key) -> PositionedValue? {
        visited?.accessed.insert(key.stringValue)
        if let index { return index[key.stringValue].map { entries[$0].value } }
        return entries.first(where: { $0.key == key.stringValue })?.value
    }

    private func require(_ key: Key) throws -> ValueDecoder {
        guard let value = find(key) else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: codingPath, debugDescription: "missing field \(quoted(key.stringValue))")
            )
        }
        return decoder.child(value, key: key)
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { find(key)?.isNull ?? true }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try require(key).unboxBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try require(key).unboxString() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try require(key).unboxDouble() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try require(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try require(key).unboxInteger(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try require(key).unboxInteger(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try require(key).unboxInteger(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try require(key).unboxInteger(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try require(key).unboxInteger(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try require(key).unboxInteger(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try require(key).unboxInteger(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try require(key).unboxInteger(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try require(key).unboxInteger(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try require(key).unboxInteger(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try require(key).decodeValue(type) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try require(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try require(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        decoder.child(PositionedValue(.mapping(entries), position: decoder.value.position), key: NameKey("super"))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(find(key) ?? PositionedValue(.null), key: key)
    }
}

// MARK: - Unkeyed container

struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [PositionedValue]
    let decoder: ValueDecoder
    private(set) var currentIndex = 0

    init(elements: [PositionedValue], decoder: ValueDecoder) {
        self.elements = elements
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self,
                .init(
                    codingPath: codingPath + [IndexKey(currentIndex)],
                    debugDescription: "the list has only \(elements.count) elements"
                )
            )
        }
        let child = decoder.child(elements[currentIndex], key: IndexKey(currentIndex))
        currentIndex += 1
        return child
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().unboxBool() }
    mutating func decode(_ type: String.Type) throws -> String { try next().unboxString() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().unboxDouble() }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().unboxInteger(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().unboxInteger(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().unboxInteger(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().unboxInteger(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().unboxInteger(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().unboxInteger(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().unboxInteger(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().unboxInteger(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().unboxInteger(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().unboxInteger(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}
