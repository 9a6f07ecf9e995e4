// A NodeNumber guest in C for swift-kube-scheduler (and kube-scheduler-wasm-extension): scores 10 on nodes whose
// name ends in the same digit as the pod's name, 0 elsewhere (the anchor's examples/nodenumber). Build with
// ./build.sh; no libc, no WASI: only the host's k8s.io/scheduler functions.

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("k8s.io/scheduler", "currentPod") unsigned current_pod(void *buf, unsigned limit);
IMPORT("k8s.io/scheduler", "currentNodeName") unsigned current_node_name(void *buf, unsigned limit);
IMPORT("k8s.io/scheduler", "result.cluster_events") void result_cluster_events(const void *buf, unsigned len);

// The host returns the full size and writes only when it fits: 64 KiB holds any pod this example expects;
// a larger one is treated as "no number".
static unsigned char pod[65536];
static char node[256];
// PreScore's cycle state: the pod's last digit, or -1.
static int pod_digit = -1;

static unsigned varint(const unsigned char **p, const unsigned char *end) {
    unsigned value = 0, shift = 0;
    while (*p < end) {
        unsigned char b = *(*p)++;
        value |= (unsigned)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    return value;
}

// Finds length-delimited field `field` in [p, end); returns its start and stores its length.
static const unsigned char *field_bytes(const unsigned char *p, const unsigned char *end, unsigned field,
                                        unsigned *len) {
    while (p < end) {
        unsigned key = varint(&p, end);
        unsigned wire = key & 7;
        if (wire == 0) { varint(&p, end); continue; }
        if (wire == 5) { p += 4; continue; }
        if (wire == 1) { p += 8; continue; }
        if (wire != 2) return 0;
        unsigned n = varint(&p, end);
        if ((key >> 3) == field) { *len = n; return p; }
        p += n;
    }
    return 0;
}

static int last_digit(const char *s, unsigned n) {
    if (n == 0) return -1;
    char c = s[n - 1];
    return (c >= '0' && c <= '9') ? c - '0' : -1;
}

// Requeue pods this plugin rejected when a node is added (the SDK's GVK Node = 1, ActionType Add = 1).
EXPORT("enqueue") void enqueue(void) {
    static const unsigned events[2] = {1, 1};
    result_cluster_events(events, sizeof events);
}

EXPORT("prescore") int prescore(void) {
    pod_digit = -1;
    unsigned size = current_pod(pod, sizeof pod);
    if (size == 0 || size > sizeof pod) return 0;
    unsigned meta_len = 0, name_len = 0;
    const unsigned char *meta = field_bytes(pod, pod + size, 1, &meta_len);  // Pod.metadata
    if (!meta) return 0;
    const unsigned char *name = field_bytes(meta, meta + meta_len, 1, &name_len);  // ObjectMeta.name
    if (name) pod_digit = last_digit((const char *)name, name_len);
    return 0;  // Success
}

EXPORT("score") long long score(void) {
    unsigned n = current_node_name(node, sizeof node);
    if (n > sizeof node) n = 0;
    int match = pod_digit < 0 || last_digit(node, n) == pod_digit;
    long long points = match ? 10 : 0;
    return points << 32;  // score << 32 | status (0 = Success)
}
