/// Guests that call the anchor's `handle.*` functions (WebAssembly text, compiled by the host).
enum HandleGuests {
    /// Filter records a Normal event about node a1 (no related object: the SDK sends an empty one), PreBind one
    /// with an unsupported type, Reserve hands `eventf` bytes that are not JSON.
    static let eventing = #"""
        (module
          (import "k8s.io/scheduler" "handle.eventrecorder.eventf" (func $eventf (param i32 i32)))
          (memory (export "memory") 1)
          (data (i32.const 1024) "{\"RegardingReference\":{\"Kind\":\"Node\",\"APIVersion\":\"v1\",\"Name\":\"a1\",\"Namespace\":\"\",\"UID\":\"\",\"ResourceVersion\":\"\"},\"RelatedReference\":{\"Kind\":\"\",\"APIVersion\":\"\",\"Name\":\"\",\"Namespace\":\"\",\"UID\":\"\",\"ResourceVersion\":\"\"},\"Eventtype\":\"Normal\",\"Reason\":\"GuestScored\",\"Action\":\"Scoring\",\"Note\":\"score 7 for a1\"}")
          (data (i32.const 2048) "{\"RegardingReference\":{\"Kind\":\"Node\",\"APIVersion\":\"v1\",\"Name\":\"a1\",\"Namespace\":\"\",\"UID\":\"\",\"ResourceVersion\":\"\"},\"RelatedReference\":{\"Kind\":\"\",\"APIVersion\":\"\",\"Name\":\"\",\"Namespace\":\"\",\"UID\":\"\",\"ResourceVersion\":\"\"},\"Eventtype\":\"Info\",\"Reason\":\"GuestScored\",\"Action\":\"Scoring\",\"Note\":\"score 7 for a1\"}")
          (data (i32.const 3072) "not json")
          (func (export "filter") (result i32) (call $eventf (i32.const 1024) (i32.const 302)) (i32.const 0))
          (func (export "prebind") (result i32) (call $eventf (i32.const 2048) (i32.const 300)) (i32.const 0))
          (func (export "reserve") (result i32) (call $eventf (i32.const 3072) (i32.const 8)) (i32.const 0))
        )
        """#

    /// Permit on a node whose name starts with "w" makes the pod wait a minute. On any other node it looks up
    /// the pod with UID `uid-w` (`get_waiting_pod`), logs that pod's name from the protobuf bytes (or
    /// "missing"), rejects it (`reject_waiting_pod`), logs `rejected=<0|1>`, records a Warning event about it,
    /// and allows its own pod.
    static let gate = #"""
        (module
          (import "k8s.io/scheduler" "currentNodeName" (func $nodeName (param i32 i32) (result i32)))
          (import "k8s.io/scheduler" "handle.get_waiting_pod" (func $get (param i32 i32 i32 i32)))
          (import "k8s.io/scheduler" "handle.reject_waiting_pod" (func $reject (param i32 i32 i32 i32)))
          (import "k8s.io/scheduler" "handle.eventrecorder.eventf" (func $eventf (param i32 i32)))
          (import "k8s.io/klog" "log" (func $log (param i32 i32 i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "uid-w")
          (data (i32.const 32) "missing")
          (data (i32.const 48) "rejected=?")
          (data (i32.const 1024) "{\"RegardingReference\":{\"Kind\":\"Pod\",\"APIVersion\":\"v1\",\"Name\":\"w\",\"Namespace\":\"default\",\"UID\":\"uid-w\",\"ResourceVersion\":\"\"},\"RelatedReference\":{\"Kind\":\"Node\",\"APIVersion\":\"v1\",\"Name\":\"kill-node\",\"Namespace\":\"\",\"UID\":\"\",\"ResourceVersion\":\"\"},\"Eventtype\":\"Warning\",\"Reason\":\"RejectedByGuest\",\"Action\":\"Permit\",\"Note\":\"removed by the guest\"}")
          (func (export "permit") (result i64)
            (drop (call $nodeName (i32.const 4096) (i32.const 256)))
            (if (i32.eq (i32.load8_u (i32.const 4096)) (i32.const 119))
              (then (return (i64.or (i64.shl (i64.const 4) (i64.const 32)) (i64.const 60000)))))
            ;; Pod bytes start with ObjectMeta (field 1) whose first field is the name: 0a <len> 0a <n> name.
            (i32.store8 (i32.const 8192) (i32.const 0))
            (call $get (i32.const 0) (i32.const 5) (i32.const 8192) (i32.const 4096))
            (if (i32.eq (i32.load8_u (i32.const 8192)) (i32.const 10))
              (then (call $log (i32.const 0) (i32.const 8196) (i32.load8_u (i32.const 8195))))
              (else (call $log (i32.const 0) (i32.const 32) (i32.const 7))))
            (call $reject (i32.const 0) (i32.const 5) (i32.const 12288) (i32.const 8))
            (i32.store8 (i32.const 57) (i32.add (i32.const 48) (i32.wrap_i64 (i64.load (i32.const 12288)))))
            (call $log (i32.const 0) (i32.const 48) (i32.const 10))
            (call $eventf (i32.const 1024) (i32.const 337))
            (i64.const 0))
        )
        """#
}
