import ArgumentParser
import InTreePlugins
@_exported import KubeAPI
import SchedulerConfig
@_exported import SchedulerFramework
import WasmPlugin

/// What the commands of one invocation use: the out-of-tree plugins added through the SDK and where the
/// results go (stdout unless an embedder or a test captures them).
enum CommandContext {
    @TaskLocal static var plugins = PluginRegistry()
    @TaskLocal static var sink: @Sendable (String) -> Void = { print($0) }

    /// The in-tree plugins plus the SDK's out-of-tree ones; a name used twice is a usage error.
    static func registry() throws -> PluginRegistry {
        var registry = makeInTreeRegistry()
        do {
            try registry.merge(plugins)
        } catch {
            printError("out-of-tree plugins: \(error)")
            throw ExitCode(1)
        }
        return registry
    }

    /// The configuration at `path` (upstream's defaults without one), loaded with ``registry()`` plus the
    /// WebAssembly guests it names, and that registry. A bad file is a one-line error and exit status 1.
    static func loadConfiguration(_ path: String?) throws -> (SchedulerConfiguration, PluginRegistry) {
        var registry = try registry()
        do {
            if let path { try WasmGuestRegistry.register(guestsInConfigurationAt: path, into: &registry) }
            let configuration =
                try path.map { try ConfigurationLoader.load(path: $0, registry: registry) }
                ?? ConfigurationLoader.defaultConfiguration(registry: registry)
            return (configuration, registry)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    /// Writes a command's result (the report, the table, the JSON).
    static func output(_ text: String) { sink(text) }
}

extension SwiftKubeScheduler {
    /// Runs the command line of this process with `plugins` registered next to the in-tree plugins, so that
    /// configurations may enable them for `simulate`, `run`, `bench` and `config validate`. Exits the process
    /// when the command fails, as a command-line program does.
    ///
    /// ```swift
    /// var plugins = PluginRegistry()
    /// try plugins.register(MyPlugin.name, args: MyPluginArgs.self) { args, handle in MyPlugin(args: args) }
    /// await SwiftKubeScheduler.main(plugins: plugins)
    /// ```
    public static func main(plugins: PluginRegistry) async {
        await CommandContext.$plugins.withValue(plugins) {
            await Self.main()
        }
    }

    /// Runs one command line (`arguments` without the program name) with `plugins`, without exiting the process:
    /// results go to `output`, errors to stderr, and the exit status is returned. For embedding programs and tests.
    public static func execute(
        _ arguments: [String],
        plugins: PluginRegistry = PluginRegistry(),
        output: @escaping @Sendable (String) -> Void = { print($0) }
    ) async -> Int32 {
        await CommandContext.$plugins.withValue(plugins) {
            await CommandContext.$sink.withValue(output) {
                do {
                    var command = try parseAsRoot(arguments)
                    if var asyncCommand = command as? any AsyncParsableCommand {
                        try await asyncCommand.run()
                    } else {
                        try command.run()
                    }
                    return 0
                } catch {
                    let code = exitCode(for: error)
                    let message = fullMessage(for: error)
                    if !message.isEmpty {
                        if code == .success { output(message) } else { printError(message) }
                    }
                    return code.rawValue
                }
            }
        }
    }
}
