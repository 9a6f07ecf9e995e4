import Foundation
import KubeAPI
import Testing

@testable import Bench

/// Templates with actions are parsed once and substituted per object; every object must be exactly what
/// rendering and parsing its text gives, and templates the substitution cannot reproduce keep to rendering.
@Suite struct TemplateSubstitutionTests {
    func slow(
        _ template: ObjectTemplate,
        index: Int,
        count: Int,
        params: [String: ParamValue]
    ) throws
        -> ObjectTemplate.DecodedTemplate
    {
        var env = params
        env["Index"] = .int(index)
        env["Count"] = .int(count)
        return try ObjectTemplate.decode(ObjectTemplate.render(template.text, env: env, source: "t"), source: "t")
    }

    func env(index: Int, count: Int, params: [String: ParamValue]) -> [String: ParamValue] {
        var env = params
        env["Index"] = .int(index)
        env["Count"] = .int(count)
        return env
    }

    /// The local-volume templates of the built-in workload, and a few shapes of action.
    static let substituted: [(name: String, text: String)] = [
        (
            "claim in a flow sequence",
            """
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: local-pv-{{.Index}}-{{.disk}}
            spec:
              capacity:
                storage: 100Gi
              accessModes: [ReadWriteOnce]
              storageClassName: local-storage
              local:
                path: /mnt/disks/disk{{.disk}}
              nodeAffinity:
                required:
                  nodeSelectorTerms:
                  - matchExpressions:
                    - key: kubernetes.io/hostname
                      operator: In
                      values: [local-node-{{.Index}}]
            status:
              phase: Available
            """
        ),
        (
            "pod with a claim and a numeric action",
            """
            apiVersion: v1
            kind: Pod
            metadata:
              generateName: pod-local-
              labels:
                group: g{{div .Index 4}}
            spec:
              priority: {{.Index}}
              containers:
              - image: registry.k8s.io/pause:3.10
                name: pause
              volumes:
              - name: data
                persistentVolumeClaim:
                  claimName: local-claim-{{.Index}}
            """
        ),
    ]

    @Test(arguments: 0..<2) func substitutionReproducesRendering(_ which: Int) throws {
        let (name, text) = Self.substituted[which]
        let template = try ObjectTemplate(text: text, source: name)
        let params: [String: ParamValue] = ["disk": .int(3)]
        for index in 0..<6 {
            let got = try template.instantiate(index: index, count: 6, params: params)
            #expect(got == (try slow(template, index: index, count: 6, params: params)), "\(name) #\(index)")
        }
        // After the first checks, objects come from substitution.
        #expect(template.substitution?.isSubstituting(env: env(index: 9, count: 6, params: params)) == true, "\(name)")
        // Another parameter set is checked again.
        #expect(template.substitution?.isSubstituting(env: env(index: 0, count: 6, params: ["disk": .int(4)])) == false)
    }

    @Test func aQuotedActionKeepsToRendering() throws {
        // Quoted, `{{.Index}}` is the string "3"; substituted as a plain scalar it would be the number 3.
        let text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: quoted-{{.Index}}
              annotations:
                index: "{{.Index}}"
            spec:
              containers:
              - name: c
                image: i
            """
        let template = try ObjectTemplate(text: text, source: "quoted")
        for index in 0..<5 {
            let got = try template.instantiate(index: index, count: 5, params: [:])
            #expect(got == (try slow(template, index: index, count: 5, params: [:])))
            #expect(got.object.metadata.annotations?["index"] == "\(index)")
        }
        #expect(template.substitution?.isSubstituting(env: env(index: 9, count: 5, params: [:])) == false)
    }

    @Test func errorsAreTheRenderingOnes() throws {
        let text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: p-{{.Missing}}
            """
        let template = try ObjectTemplate(text: text, source: "missing")
        #expect(throws: BenchError.self) { try template.instantiate(index: 0, count: 1, params: [:]) }
    }
}
