import KubeAPI
import KubeDecoding
import Simulator
import Testing

/// PersistentVolumes and claims the API server would refuse, with its messages.
@Suite struct VolumeValidationTests {
    private func errors(_ manifest: String) throws -> [String] {
        APIServerDefaults.volumeErrors(in: try ManifestLoader.load(contents: manifest, source: "v.yaml").objects)
    }

    private func claim(_ spec: String) -> String {
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: ns}\nspec: \(spec)\n"
    }

    private func volume(_ spec: String) -> String {
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1}\nspec: \(spec)\n"
    }

    @Test func validClaimsAndVolumesPass() throws {
        #expect(
            try errors(
                claim("{accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, volumeMode: Block}")
                    + "---\n"
                    + volume("{accessModes: [ReadWriteOncePod], capacity: {storage: 10Gi}, local: {path: /mnt/d}}")
            ).isEmpty
        )
    }

    @Test func claimRules() throws {
        #expect(
            try errors(claim("{resources: {requests: {storage: 1Gi}}}"))
                == [
                    #"PersistentVolumeClaim "data" is invalid: spec.accessModes: Required value: at least 1 access "#
                        + "mode is required"
                ]
        )
        #expect(
            try errors(claim("{accessModes: [RWO], resources: {requests: {storage: \"0\"}}}"))
                == [
                    #"PersistentVolumeClaim "data" is invalid: [spec.accessModes: Unsupported value: "RWO": "#
                        + #"supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod", "#
                        + #"spec.resources[storage]: Invalid value: "0": must be greater than zero]"#
                ]
        )
        #expect(
            try errors(
                claim("{accessModes: [ReadWriteOncePod, ReadWriteOnce], resources: {requests: {storage: 1Gi}}}")
            ) == [
                #"PersistentVolumeClaim "data" is invalid: spec.accessModes: Forbidden: may not use "#
                    + "ReadWriteOncePod with other access modes"
            ]
        )
        #expect(
            try errors(claim("{accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, volumeMode: Raw}"))
                == [
                    #"PersistentVolumeClaim "data" is invalid: spec.volumeMode: Unsupported value: "Raw": "#
                        + #"supported values: "Block", "Filesystem""#
                ]
        )
    }

    @Test func volumeRules() throws {
        #expect(
            try errors(volume("{accessModes: [ReadWriteOnce]}"))
                == [#"PersistentVolume "pv-1" is invalid: spec.capacity: Required value"#]
        )
        #expect(
            try errors(volume("{capacity: {storage: \"-1Gi\"}}"))
                == [
                    #"PersistentVolume "pv-1" is invalid: [spec.accessModes: Required value, "#
                        + #"spec.capacity[storage]: Invalid value: "-1Gi": must be greater than zero]"#
                ]
        )
    }
}
