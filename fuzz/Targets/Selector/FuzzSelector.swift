import Foundation
import KubeAPI

/// Label selectors as they arrive in pods and plugin args: `{"selector": <LabelSelector>, "labels": {...}}`,
/// converted with the API server's validation (keys, operators, values) and matched.
struct Input: Decodable {
    var selector: LabelSelector?
    var labels: [String: String]?
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSelector(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    guard let input = try? JSONDecoder().decode(Input.self, from: bytes) else { return 0 }
    let labels = input.labels ?? [:]
    if let selector = try? Selector(input.selector) {
        let matched = selector.matches(labels)
        // Matching is a pure function of the requirements: every requirement must hold.
        let expected = !selector.matchesNothing && selector.requirements.allSatisfy { $0.matches(labels) }
        if matched != expected { fatalError("Selector.matches disagrees with its requirements") }
        _ = selector.adding(selector.requirements).matches(labels)
    }
    if let expressions = input.selector?.matchExpressions {
        for expression in expressions {
            if let requirement = try? LabelRequirement(
                key: expression.key,
                operator: expression.operator,
                values: expression.values ?? []
            ) {
                _ = requirement.matches(labels)
            }
        }
    }
    return 0
}
