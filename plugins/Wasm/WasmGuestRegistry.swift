import Foundation
import SchedulerFramework
import Yams

/// Guest plugins are named by the profile, not compiled in: any `pluginConfig` entry whose args carry a
/// `guestURL` (the anchor's rule) becomes a plugin of that name. Call one of these before loading the
/// configuration with the returned registry.
public enum WasmGuestRegistry {
    /// Registers a guest plugin under `name` (its args come from the profile's `pluginConfig`).
    public static func register(_ name: String, into registry: inout PluginRegistry) throws(RegistryError) {
        try registry.register(name, args: WasmPluginArgs.self) { args, handle in
            try WasmGuestPlugin(name: name, args: args, handle: handle)
        }
    }

    /// The names of `pluginConfig` entries with a `guestURL` arg in a KubeSchedulerConfiguration document.
    public static func guestPluginNames(inConfiguration text: String) -> [String] {
        guard let root = try? Yams.load(yaml: text) as? [String: Any],
            let profiles = root["profiles"] as? [Any]
        else { return [] }
        var names: [String] = []
        for case let profile as [String: Any] in profiles {
            for case let entry as [String: Any] in profile["pluginConfig"] as? [Any] ?? [] {
                guard let name = entry["name"] as? String, let args = entry["args"] as? [String: Any],
                    args["guestURL"] != nil, !names.contains(name)
                else { continue }
                names.append(name)
            }
        }
        return names
    }

    /// Registers every guest plugin the configuration file at `path` names and the registry lacks.
    /// An unreadable file registers nothing (loading the configuration reports it).
    public static func register(
        guestsInConfigurationAt path: String,
        into registry: inout PluginRegistry
    ) throws(RegistryError) {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        for name in guestPluginNames(inConfiguration: String(decoding: data, as: UTF8.self))
        where !registry.contains(name) {
            try register(name, into: &registry)
        }
    }
}
