import SchedulerFramework

/// Binds a pod by posting a Binding to the API server (`pods/<name>/binding`). Upstream's
/// `defaultbinder.DefaultBinder`.
package final class DefaultBinder: BindPlugin {
    /// The registry and configuration name.
    package static let name = PluginName.defaultBinder
    /// The registry name, the same as the type's static `name`.
    package var name: String { Self.name }

    private let handle: any FrameworkHandle

    /// Creates the plugin; it binds through `handle.client`.
    package init(handle: any FrameworkHandle) {
        self.handle = handle
    }
}

extension DefaultBinder {
    /// Binds `pod` to `nodeName`; a cluster error becomes an Error status carrying its message.
    package func bind(state: CycleState, pod: PodInfo, nodeName: String) async -> Status {
        do {
            try await handle.client.bind(namespace: pod.namespace, name: pod.name, uid: pod.uid, nodeName: nodeName)
        } catch {
            return .error(error.message)
        }
        return .success
    }
}
