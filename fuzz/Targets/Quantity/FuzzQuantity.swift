import Foundation
import KubeAPI

/// Resource quantities (`500m`, `1.5Gi`, `1e3`): parsing, and decoding from JSON strings and numbers.
///
/// Besides not crashing: a quantity that parses must parse the same from its own text, and decode the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQuantity(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    if let quantity = Quantity(parsing: text) {
        guard let again = Quantity(parsing: quantity.text), again == quantity,
            again.value == quantity.value, again.milliValue == quantity.milliValue
        else {
            fatalError("\(text.debugDescription) does not parse the same from its own text")
        }
        _ = quantity.description
    }
    // As JSON: a quoted string, or the raw bytes (numbers are accepted too).
    let decoder = JSONDecoder()
    _ = try? decoder.decode([Quantity].self, from: Data("[\"".utf8) + Data(bytes) + Data("\"]".utf8))
    _ = try? decoder.decode([Quantity].self, from: Data("[".utf8) + Data(bytes) + Data("]".utf8))
    return 0
}
