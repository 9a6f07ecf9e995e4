/// Manifests shaped like real `kubectl get -o yaml` / `-o json` output.
enum Fixtures {
    static let podYAML = """
        apiVersion: v1
        kind: Pod
        metadata:
          annotations:
            kubectl.kubernetes.io/last-applied-configuration: |
              {"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web-7d4b9c8f5-x2x9z","namespace":"shop"},"spec":{"containers":[{"image":"nginx:1.27","name":"nginx"}]}}
          creationTimestamp: "2025-01-14T09:12:44Z"
          generateName: web-7d4b9c8f5-
          labels:
            app: web
            pod-template-hash: 7d4b9c8f5
          managedFields:
          - apiVersion: v1
            fieldsType: FieldsV1
            fieldsV1:
              f:metadata:
                f:generateName: {}
                f:labels:
                  .: {}
                  f:app: {}
              f:spec:
                f:containers:
                  k:{"name":"nginx"}:
                    .: {}
                    f:image: {}
            manager: kube-controller-manager
            operation: Update
            time: "2025-01-14T09:12:44Z"
          name: web-7d4b9c8f5-x2x9z
          namespace: shop
          ownerReferences:
          - apiVersion: apps/v1
            blockOwnerDeletion: true
            controller: true
            kind: ReplicaSet
            name: web-7d4b9c8f5
            uid: 0c5a1f9e-64d3-4b4e-9a53-2f6d1d0c7a11
          resourceVersion: "48213"
          uid: 6f0e2d4c-1a2b-4c3d-8e9f-0a1b2c3d4e5f
        spec:
          containers:
          - image: nginx:1.27
            imagePullPolicy: IfNotPresent
            name: nginx
            ports:
            - containerPort: 80
              hostPort: 8080
              protocol: TCP
            resources:
              limits:
                memory: 256Mi
              requests:
                cpu: 250m
                memory: 128Mi
            terminationMessagePath: /dev/termination-log
            terminationMessagePolicy: File
            volumeMounts:
            - mountPath: /var/run/secrets/kubernetes.io/serviceaccount
              name: kube-api-access-abcde
              readOnly: true
          dnsPolicy: ClusterFirst
          enableServiceLinks: true
          nodeName: worker-2
          preemptionPolicy: PreemptLowerPriority
          priority: 1000
          priorityClassName: high
          restartPolicy: Always
          schedulerName: default-scheduler
          securityContext: {}
          serviceAccountName: default
          terminationGracePeriodSeconds: 30
          tolerations:
          - effect: NoExecute
            key: node.kubernetes.io/not-ready
            operator: Exists
            tolerationSeconds: 300
          - effect: NoExecute
            key: node.kubernetes.io/unreachable
            operator: Exists
            tolerationSeconds: 300
          volumes:
          - name: kube-api-access-abcde
            projected:
              defaultMode: 420
              sources:
              - serviceAccountToken:
                  expirationSeconds: 3607
                  path: token
        status:
          conditions:
          - lastProbeTime: null
            lastTransitionTime: "2025-01-14T09:12:44Z"
            status: "True"
            type: PodScheduled
          containerStatuses:
          - containerID: containerd://1f2e3d
            image: docker.io/library/nginx:1.27
            ready: true
            restartCount: 0
            started: true
            state:
              running:
                startedAt: "2025-01-14T09:12:47Z"
          hostIP: 10.0.0.12
          phase: Running
          podIP: 10.244.2.7
          qosClass: Burstable
          startTime: "2025-01-14T09:12:44Z"
        """

    static let nodeJSON = """
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true"
                },
                "creationTimestamp": "2025-01-10T08:00:00Z",
                "labels": {
                    "beta.kubernetes.io/arch": "amd64",
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": "worker-2",
                    "kubernetes.io/os": "linux",
                    "topology.kubernetes.io/zone": "eu-west-1b"
                },
                "managedFields": [
                    {
                        "apiVersion": "v1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:status": {"f:allocatable": {"f:cpu": {}}}},
                        "manager": "kubelet",
                        "operation": "Update",
                        "subresource": "status",
                        "time": "2025-01-14T09:00:00Z"
                    }
                ],
                "name": "worker-2",
                "resourceVersion": "48001",
                "uid": "a1b2c3d4-0000-1111-2222-333344445555"
            },
            "spec": {
                "podCIDR": "10.244.2.0/24",
                "podCIDRs": ["10.244.2.0/24"],
                "providerID": "aws:///eu-west-1b/i-0abc",
                "taints": [
                    {"effect": "NoSchedule", "key": "dedicated", "value": "gpu"}
                ]
            },
            "status": {
                "addresses": [{"address": "10.0.0.12", "type": "InternalIP"}],
                "allocatable": {
                    "cpu": "3920m",
                    "ephemeral-storage": "47233297124",
                    "hugepages-2Mi": "0",
                    "memory": "15700372Ki",
                    "nvidia.com/gpu": "1",
                    "pods": "110"
                },
                "capacity": {
                    "cpu": "4",
                    "ephemeral-storage": "51250724Ki",
                    "memory": "16318868Ki",
                    "pods": "110"
                },
                "conditions": [
                    {
                        "lastHeartbeatTime": "2025-01-14T09:10:00Z",
                        "lastTransitionTime": "2025-01-10T08:01:00Z",
                        "message": "kubelet is posting ready status",
                        "reason": "KubeletReady",
                        "status": "True",
                        "type": "Ready"
                    }
                ],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "images": [
                    {"names": ["docker.io/library/nginx@sha256:abc", "docker.io/library/nginx:1.27"], "sizeBytes": 72000000}
                ],
                "nodeInfo": {"architecture": "amd64", "kubeletVersion": "v1.35.0", "operatingSystem": "linux"}
            }
        }
        """
}
