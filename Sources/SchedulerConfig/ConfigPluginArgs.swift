import KubeDecoding
import SchedulerFramework

/// The raw `args` of one `pluginConfig` entry, kept with their positions in the configuration file.
///
/// ``decode(_:)`` decodes strictly (unknown fields are refused, as upstream decodes in-tree args) and checks
/// `apiVersion`/`kind` when the args give them: the kind must be `<PluginName>Args` in
/// `kubescheduler.config.k8s.io/v1`. Failures are ``KubeDecoding/DecodeError``s naming the file, line, column
/// and the full path, such as `profiles[0].pluginConfig[1].args.scoringStrategy.type`.
package struct ConfigPluginArgs: PluginArgsSource, Equatable {
    /// The plugin the args are for.
    package let pluginName: String
    /// The args as written (null when the entry has none).
    package let value: PositionedValue
    /// The configuration file.
    package let source: String
    /// The path of the args in the file, e.g. `profiles[0].pluginConfig[1].args`.
    package let path: [PathComponent]

    /// Creates an args source.
    package init(pluginName: String, value: PositionedValue, source: String, path: [PathComponent]) {
        self.pluginName = pluginName
        self.value = value
        self.source = source
        self.path = path
    }

    /// The expected args kind, `<PluginName>Args`.
    package var argsKind: String { pluginName + "Args" }

    /// Decodes the plugin's typed args; missing fields are left to the type's defaults.
    ///
    /// - Throws: ``KubeDecoding/DecodeError``.
    package func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeArgs(type)
    }

    /// ``decode(_:)`` with the error type spelled out.
    package func decodeArgs<T: Decodable>(_ type: T.Type) throws(DecodeError) -> T {
        try checkTypeMeta()
        let decoder = PositionedDecoder(
            source: source,
            isStrict: true,
            ignoredTopLevelKeys: ["apiVersion", "kind"],
            basePath: path
        )
        let input = value.isNull ? PositionedValue(.mapping([]), position: value.position) : value
        return try decoder.decode(type, from: input)
    }

    /// Upstream decodes args with the default group-version-kind `kubescheduler.config.k8s.io/v1, <Name>Args`,
    /// overridden by `apiVersion`/`kind` written in the args, and refuses a different kind.
    func checkTypeMeta() throws(DecodeError) {
        guard value.entries != nil else { return }
        var apiVersion = ConfigurationLoader.apiVersion
        var kind = argsKind
        for key in ["apiVersion", "kind"] {
            guard let field = value[key], !field.isNull else { continue }
            guard let text = field.string else {
                throw DecodeError(
                    source: source,
                    position: field.position,
                    fieldPath: (path + [.key(key)]).fieldPath,
                    problem: "expected a string, got \(field.kindDescription)"
                )
            }
            if key == "apiVersion" { apiVersion = text } else { kind = text }
        }
        let group = apiVersion.contains("/") ? String(apiVersion.prefix(while: { $0 != "/" })) : ""
        let expectedGroup = "kubescheduler.config.k8s.io"
        if kind != argsKind || group != expectedGroup {
            let got = group.isEmpty ? kind : "\(kind).\(group)"
            throw DecodeError(
                source: source,
                position: value["kind"]?.position ?? value["apiVersion"]?.position ?? value.position,
                fieldPath: path.fieldPath,
                problem: "args for plugin \(pluginName) were not of type \(argsKind).\(expectedGroup), got \(got)"
            )
        }
        if apiVersion != ConfigurationLoader.apiVersion {
            throw DecodeError(
                source: source,
                position: value["apiVersion"]?.position ?? value.position,
                fieldPath: (path + [.key("apiVersion")]).fieldPath,
                problem: "no kind \"\(argsKind)\" is registered for version \"\(apiVersion)\""
            )
        }
    }
}
