#!/usr/bin/env python3
"""Golden protobuf bytes for the WebAssembly host's Pod and Node encoders.

Go is not available here, so this is an independent, schema-driven protobuf wire encoder that writes a Pod and a
Node the way Kubernetes' generated (gogo) marshal code does (k8s.io/api and k8s.io/apimachinery, release-1.35):

  * fields in ascending field number;
  * non-pointer Go fields (strings, ints, bools, embedded structs) ALWAYS written, even when empty or zero;
  * pointer fields only when set; repeated fields and maps only when non-empty;
  * map entries sorted by key, each an embedded {1: key, 2: value} message;
  * int32 written as a sign-extended 64-bit varint;
  * metav1.Time: an empty message for the zero time, else {1: seconds, 2: nanos} with nanos always 0
    (Time.ProtoTime() drops the fraction);
  * resource.Quantity: {1: q.String()}, the canonical form (CanonicalizeBytes).

Field numbers come from k8s.io/api/core/v1/generated.proto and k8s.io/apimachinery/pkg/apis/meta/v1/
generated.proto; "always"/"ptr" from the Go types (generated.pb.go writes non-pointer fields unconditionally).

Usage: scripts/wasm-proto-golden/generate.py   (rewrites pod.hex, node.hex and nodelist.hex beside it from
pod.json and node.json; Tests/WasmPluginTests/ProtobufGoldenTests.swift compares the Swift encoder with them).
"""
import json
import math
import os
from datetime import datetime
from fractions import Fraction

# (field number, JSON name, type, presence). Presence: "always" (non-pointer), "ptr" (pointer), "rep"
# (repeated), "map" (map<string, type>), "inline" (an embedded struct whose fields sit in the same JSON object).
S = "string"
SCHEMA = {
    # meta/v1 generated.proto
    "ObjectMeta": [
        (1, "name", S, "always"), (2, "generateName", S, "always"), (3, "namespace", S, "always"),
        (4, "selfLink", S, "always"), (5, "uid", S, "always"), (6, "resourceVersion", S, "always"),
        (7, "generation", "int64", "always"), (8, "creationTimestamp", "Time", "always"),
        (9, "deletionTimestamp", "Time", "ptr"), (10, "deletionGracePeriodSeconds", "int64", "ptr"),
        (11, "labels", S, "map"), (12, "annotations", S, "map"),
        (13, "ownerReferences", "OwnerReference", "rep"), (14, "finalizers", S, "rep"),
    ],
    "OwnerReference": [
        (1, "kind", S, "always"), (3, "name", S, "always"), (4, "uid", S, "always"),
        (5, "apiVersion", S, "always"), (6, "controller", "bool", "ptr"), (7, "blockOwnerDeletion", "bool", "ptr"),
    ],
    "LabelSelector": [(1, "matchLabels", S, "map"), (2, "matchExpressions", "LabelSelectorRequirement", "rep")],
    "LabelSelectorRequirement": [(1, "key", S, "always"), (2, "operator", S, "always"), (3, "values", S, "rep")],
    "ListMeta": [
        (1, "selfLink", S, "always"), (2, "resourceVersion", S, "always"), (3, "continue", S, "always"),
        (4, "remainingItemCount", "int64", "ptr"),
    ],
    # core/v1 generated.proto
    "Pod": [(1, "metadata", "ObjectMeta", "always"), (2, "spec", "PodSpec", "always"),
            (3, "status", "PodStatus", "always")],
    "PodSpec": [
        (1, "volumes", "Volume", "rep"), (2, "containers", "Container", "rep"), (3, "restartPolicy", S, "always"),
        (4, "terminationGracePeriodSeconds", "int64", "ptr"), (5, "activeDeadlineSeconds", "int64", "ptr"),
        (6, "dnsPolicy", S, "always"), (7, "nodeSelector", S, "map"), (8, "serviceAccountName", S, "always"),
        (9, "serviceAccount", S, "always"), (10, "nodeName", S, "always"), (11, "hostNetwork", "bool", "always"),
        (12, "hostPID", "bool", "always"), (13, "hostIPC", "bool", "always"), (16, "hostname", S, "always"),
        (17, "subdomain", S, "always"), (18, "affinity", "Affinity", "ptr"), (19, "schedulerName", S, "always"),
        (20, "initContainers", "Container", "rep"), (22, "tolerations", "Toleration", "rep"),
        (24, "priorityClassName", S, "always"), (25, "priority", "int32", "ptr"),
        (29, "runtimeClassName", S, "ptr"), (31, "preemptionPolicy", S, "ptr"),
        (32, "overhead", "Quantity", "map"), (33, "topologySpreadConstraints", "TopologySpreadConstraint", "rep"),
        (38, "schedulingGates", "PodSchedulingGate", "rep"), (40, "resources", "ResourceRequirements", "ptr"),
    ],
    "Container": [
        (1, "name", S, "always"), (2, "image", S, "always"), (3, "command", S, "rep"), (4, "args", S, "rep"),
        (5, "workingDir", S, "always"), (6, "ports", "ContainerPort", "rep"),
        (8, "resources", "ResourceRequirements", "always"), (13, "terminationMessagePath", S, "always"),
        (14, "imagePullPolicy", S, "always"), (16, "stdin", "bool", "always"), (17, "stdinOnce", "bool", "always"),
        (18, "tty", "bool", "always"), (20, "terminationMessagePolicy", S, "always"),
        (24, "restartPolicy", S, "ptr"),
    ],
    "ContainerPort": [
        (1, "name", S, "always"), (2, "hostPort", "int32", "always"), (3, "containerPort", "int32", "always"),
        (4, "protocol", S, "always"), (5, "hostIP", S, "always"),
    ],
    "ResourceRequirements": [(1, "limits", "Quantity", "map"), (2, "requests", "Quantity", "map")],
    "Toleration": [
        (1, "key", S, "always"), (2, "operator", S, "always"), (3, "value", S, "always"), (4, "effect", S, "always"),
        (5, "tolerationSeconds", "int64", "ptr"),
    ],
    "Affinity": [(1, "nodeAffinity", "NodeAffinity", "ptr"), (2, "podAffinity", "PodAffinity", "ptr"),
                 (3, "podAntiAffinity", "PodAffinity", "ptr")],
    "NodeAffinity": [
        (1, "requiredDuringSchedulingIgnoredDuringExecution", "NodeSelector", "ptr"),
        (2, "preferredDuringSchedulingIgnoredDuringExecution", "PreferredSchedulingTerm", "rep"),
    ],
    "NodeSelector": [(1, "nodeSelectorTerms", "NodeSelectorTerm", "rep")],
    "NodeSelectorTerm": [(1, "matchExpressions", "NodeSelectorRequirement", "rep"),
                         (2, "matchFields", "NodeSelectorRequirement", "rep")],
    "NodeSelectorRequirement": [(1, "key", S, "always"), (2, "operator", S, "always"), (3, "values", S, "rep")],
    "PreferredSchedulingTerm": [(1, "weight", "int32", "always"), (2, "preference", "NodeSelectorTerm", "always")],
    # PodAntiAffinity has the same layout.
    "PodAffinity": [
        (1, "requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm", "rep"),
        (2, "preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm", "rep"),
    ],
    "PodAffinityTerm": [
        (1, "labelSelector", "LabelSelector", "ptr"), (2, "namespaces", S, "rep"), (3, "topologyKey", S, "always"),
        (4, "namespaceSelector", "LabelSelector", "ptr"), (5, "matchLabelKeys", S, "rep"),
        (6, "mismatchLabelKeys", S, "rep"),
    ],
    "WeightedPodAffinityTerm": [(1, "weight", "int32", "always"), (2, "podAffinityTerm", "PodAffinityTerm", "always")],
    "TopologySpreadConstraint": [
        (1, "maxSkew", "int32", "always"), (2, "topologyKey", S, "always"), (3, "whenUnsatisfiable", S, "always"),
        (4, "labelSelector", "LabelSelector", "ptr"), (5, "minDomains", "int32", "ptr"),
        (6, "nodeAffinityPolicy", S, "ptr"), (7, "nodeTaintsPolicy", S, "ptr"), (8, "matchLabelKeys", S, "rep"),
    ],
    "PodSchedulingGate": [(1, "name", S, "always")],
    "Volume": [(1, "name", S, "always"), (2, "", "VolumeSource", "inline")],
    "VolumeSource": [
        (1, "hostPath", "HostPathVolumeSource", "ptr"), (2, "emptyDir", "EmptyDirVolumeSource", "ptr"),
        (3, "gcePersistentDisk", "GCEPersistentDiskVolumeSource", "ptr"),
        (4, "awsElasticBlockStore", "GCEPersistentDiskVolumeSource", "ptr"),  # same layout, volumeID for pdName
        (8, "iscsi", "ISCSIVolumeSource", "ptr"),
        (10, "persistentVolumeClaim", "PersistentVolumeClaimVolumeSource", "ptr"),
        (11, "rbd", "RBDVolumeSource", "ptr"), (13, "cinder", "CinderVolumeSource", "ptr"),
        (18, "azureFile", "AzureFileVolumeSource", "ptr"),
        (20, "vsphereVolume", "VsphereVirtualDiskVolumeSource", "ptr"),
        (22, "azureDisk", "AzureDiskVolumeSource", "ptr"), (24, "portworxVolume", "PortworxVolumeSource", "ptr"),
        (28, "csi", "CSIVolumeSource", "ptr"), (29, "ephemeral", "EphemeralVolumeSource", "ptr"),
    ],
    "HostPathVolumeSource": [(1, "path", S, "always"), (2, "type", S, "ptr")],
    "EmptyDirVolumeSource": [(1, "medium", S, "always"), (2, "sizeLimit", "Quantity", "ptr")],
    "GCEPersistentDiskVolumeSource": [
        (1, ("pdName", "volumeID"), S, "always"), (2, "fsType", S, "always"), (3, "partition", "int32", "always"),
        (4, "readOnly", "bool", "always"),
    ],
    "ISCSIVolumeSource": [
        (1, "targetPortal", S, "always"), (2, "iqn", S, "always"), (3, "lun", "int32", "always"),
        (4, "iscsiInterface", S, "always"), (5, "fsType", S, "always"), (6, "readOnly", "bool", "always"),
        (7, "portals", S, "rep"), (8, "chapAuthDiscovery", "bool", "always"),
        (10, "secretRef", "LocalObjectReference", "ptr"), (11, "chapAuthSession", "bool", "always"),
        (12, "initiatorName", S, "ptr"),
    ],
    "PersistentVolumeClaimVolumeSource": [(1, "claimName", S, "always"), (2, "readOnly", "bool", "always")],
    "RBDVolumeSource": [
        (1, "monitors", S, "rep"), (2, "image", S, "always"), (3, "fsType", S, "always"), (4, "pool", S, "always"),
        (5, "user", S, "always"), (6, "keyring", S, "always"), (7, "secretRef", "LocalObjectReference", "ptr"),
        (8, "readOnly", "bool", "always"),
    ],
    "CinderVolumeSource": [
        (1, "volumeID", S, "always"), (2, "fsType", S, "always"), (3, "readOnly", "bool", "always"),
        (4, "secretRef", "LocalObjectReference", "ptr"),
    ],
    "AzureFileVolumeSource": [(1, "secretName", S, "always"), (2, "shareName", S, "always"),
                              (3, "readOnly", "bool", "always")],
    "VsphereVirtualDiskVolumeSource": [
        (1, "volumePath", S, "always"), (2, "fsType", S, "always"), (3, "storagePolicyName", S, "always"),
        (4, "storagePolicyID", S, "always"),
    ],
    "AzureDiskVolumeSource": [
        (1, "diskName", S, "always"), (2, "diskURI", S, "always"), (3, "cachingMode", S, "ptr"),
        (4, "fsType", S, "ptr"), (5, "readOnly", "bool", "ptr"), (6, "kind", S, "ptr"),
    ],
    "PortworxVolumeSource": [(1, "volumeID", S, "always"), (2, "fsType", S, "always"),
                             (3, "readOnly", "bool", "always")],
    "CSIVolumeSource": [
        (1, "driver", S, "always"), (2, "readOnly", "bool", "ptr"), (3, "fsType", S, "ptr"),
        (4, "volumeAttributes", S, "map"), (5, "nodePublishSecretRef", "LocalObjectReference", "ptr"),
    ],
    "LocalObjectReference": [(1, "name", S, "always")],
    "EphemeralVolumeSource": [(1, "volumeClaimTemplate", "PersistentVolumeClaimTemplate", "ptr")],
    "PersistentVolumeClaimTemplate": [(1, "metadata", "ObjectMeta", "always"),
                                      (2, "spec", "PersistentVolumeClaimSpec", "always")],
    "PersistentVolumeClaimSpec": [
        (1, "accessModes", S, "rep"), (2, "resources", "ResourceRequirements", "always"),  # VolumeResourceRequirements
        (3, "volumeName", S, "always"), (4, "selector", "LabelSelector", "ptr"),
        (5, "storageClassName", S, "ptr"), (6, "volumeMode", S, "ptr"), (9, "volumeAttributesClassName", S, "ptr"),
    ],
    "PodStatus": [
        (1, "phase", S, "always"), (2, "conditions", "PodCondition", "rep"), (3, "message", S, "always"),
        (4, "reason", S, "always"), (5, "hostIP", S, "always"), (6, "podIP", S, "always"),
        (7, "startTime", "Time", "ptr"), (8, "containerStatuses", "ContainerStatus", "rep"),
        (9, "qosClass", S, "always"), (10, "initContainerStatuses", "ContainerStatus", "rep"),
        (11, "nominatedNodeName", S, "always"), (14, "resize", S, "always"),
        (17, "observedGeneration", "int64", "always"),
    ],
    "PodCondition": [
        (1, "type", S, "always"), (2, "status", S, "always"), (3, "lastProbeTime", "Time", "always"),
        (4, "lastTransitionTime", "Time", "always"), (5, "reason", S, "always"), (6, "message", S, "always"),
        (7, "observedGeneration", "int64", "always"),
    ],
    "ContainerStatus": [
        (1, "name", S, "always"), (2, "state", "ContainerState", "always"),
        (3, "lastState", "ContainerState", "always"), (4, "ready", "bool", "always"),
        (5, "restartCount", "int32", "always"), (6, "image", S, "always"), (7, "imageID", S, "always"),
        (8, "containerID", S, "always"), (9, "started", "bool", "ptr"),
        (10, "allocatedResources", "Quantity", "map"), (11, "resources", "ResourceRequirements", "ptr"),
    ],
    "ContainerState": [(1, "waiting", "Empty", "ptr"), (2, "running", "Empty", "ptr"),
                       (3, "terminated", "Empty", "ptr")],
    "Empty": [],
    "Node": [(1, "metadata", "ObjectMeta", "always"), (2, "spec", "NodeSpec", "always"),
             (3, "status", "NodeStatus", "always")],
    "NodeSpec": [
        (1, "podCIDR", S, "always"), (2, "externalID", S, "always"), (3, "providerID", S, "always"),
        (4, "unschedulable", "bool", "always"), (5, "taints", "Taint", "rep"), (7, "podCIDRs", S, "rep"),
    ],
    "Taint": [(1, "key", S, "always"), (2, "value", S, "always"), (3, "effect", S, "always"),
              (4, "timeAdded", "Time", "ptr")],
    "NodeStatus": [
        (1, "capacity", "Quantity", "map"), (2, "allocatable", "Quantity", "map"), (3, "phase", S, "always"),
        (4, "conditions", "NodeCondition", "rep"), (5, "addresses", "NodeAddress", "rep"),
        (6, "daemonEndpoints", "NodeDaemonEndpoints", "always"), (7, "nodeInfo", "NodeSystemInfo", "always"),
        (8, "images", "ContainerImage", "rep"), (9, "volumesInUse", S, "rep"),
    ],
    "NodeCondition": [
        (1, "type", S, "always"), (2, "status", S, "always"), (3, "lastHeartbeatTime", "Time", "always"),
        (4, "lastTransitionTime", "Time", "always"), (5, "reason", S, "always"), (6, "message", S, "always"),
    ],
    "NodeAddress": [(1, "type", S, "always"), (2, "address", S, "always")],
    "NodeDaemonEndpoints": [(1, "kubeletEndpoint", "DaemonEndpoint", "always")],
    "DaemonEndpoint": [(1, "Port", "int32", "always")],
    "NodeSystemInfo": [(n, name, S, "always") for n, name in enumerate(
        ["machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
         "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture"], start=1)],
    "ContainerImage": [(1, "names", S, "rep"), (2, "sizeBytes", "int64", "always")],
    "NodeList": [(1, "metadata", "ListMeta", "always"), (2, "items", "Node", "rep")],
}


def varint(value):
    value &= (1 << 64) - 1  # negative ints are two's complement, 10 bytes
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(number, wire_type):
    return varint(number << 3 | wire_type)


def length_delimited(number, payload):
    return tag(number, 2) + varint(len(payload)) + payload


def canonical_quantity(text):
    """resource.Quantity.String() after ParseQuantity (apimachinery/pkg/api/resource/quantity.go)."""
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    i = 0
    while i < len(body) and (body[i].isdigit() or body[i] == "."):
        i += 1
    number, suffix = body[:i], body[i:]
    decimal = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
    binary = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
    if suffix in binary:
        fmt, value = "BinarySI", Fraction(number) * 2 ** binary[suffix]
    elif suffix in decimal:
        fmt, value = "DecimalSI", Fraction(number) * Fraction(10) ** decimal[suffix]
    else:  # e3, E-2
        fmt, value = "DecimalExponent", Fraction(number) * Fraction(10) ** int(suffix[1:])
    # Round up (away from zero) to nano units, cap at the int64 maximum.
    nanos = math.ceil(value * 10**9)
    nanos = min(nanos, (2**63 - 1) * 10**9) * sign
    if nanos == 0:
        return "0"
    if fmt == "BinarySI" and abs(nanos) >= 1024 * 10**9 and nanos % 10**9 == 0:
        amount, exponent = nanos // 10**9, 0
        while amount % 1024 == 0:
            amount, exponent = amount // 1024, exponent + 1
        return str(amount) + ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exponent]
    mantissa, exponent = abs(nanos), -9
    while mantissa % 10 == 0:
        mantissa, exponent = mantissa // 10, exponent + 1
    while exponent % 3:  # lower to a multiple of three
        mantissa, exponent = mantissa * 10, exponent - 1
    mantissa *= 1 if nanos > 0 else -1
    if fmt == "DecimalExponent":
        return str(mantissa) + ("" if exponent == 0 else "e%d" % exponent)
    return str(mantissa) + {v: k for k, v in decimal.items()}[exponent]


def time_message(value):
    if not value:
        return b""
    seconds = int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() // 1)
    return tag(1, 0) + varint(seconds) + tag(2, 0) + varint(0)


def scalar(number, kind, value):
    if kind == S:
        return length_delimited(number, value.encode())
    if kind in ("int32", "int64"):
        return tag(number, 0) + varint(int(value))
    if kind == "bool":
        return tag(number, 0) + varint(1 if value else 0)
    if kind == "Time":
        return length_delimited(number, time_message(value))
    if kind == "Quantity":
        return length_delimited(number, length_delimited(1, canonical_quantity(value).encode()))
    return length_delimited(number, encode(kind, value or {}))


ZERO = {S: "", "int32": 0, "int64": 0, "bool": False, "Time": None}


def encode(kind, obj):
    out = b""
    for number, name, field_kind, presence in sorted(SCHEMA[kind], key=lambda f: f[0]):
        if presence == "inline":
            out += length_delimited(number, encode(field_kind, obj))
            continue
        names = name if isinstance(name, tuple) else (name,)
        value = next((obj[n] for n in names if n in obj), None)
        if presence == "always":
            out += scalar(number, field_kind, ZERO.get(field_kind, {}) if value is None else value)
        elif presence == "ptr":
            if value is not None:
                out += scalar(number, field_kind, value)
        elif presence == "rep":
            for item in value or []:
                out += scalar(number, field_kind, item)
        elif presence == "map":
            for key in sorted(value or {}):
                out += length_delimited(number, scalar(1, S, key) + scalar(2, field_kind, value[key]))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "pod.json")) as f:
        pod = json.load(f)
    with open(os.path.join(here, "node.json")) as f:
        node = json.load(f)
    outputs = {
        "pod.hex": encode("Pod", pod),
        "node.hex": encode("Node", node),
        "nodelist.hex": encode("NodeList", {"items": [node, {"metadata": {"name": "second"}}]}),
    }
    for name, data in outputs.items():
        with open(os.path.join(here, name), "w") as f:
            f.write(data.hex() + "\n")
        print(name, len(data), "bytes")


if __name__ == "__main__":
    main()
