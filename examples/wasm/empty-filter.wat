;; The smallest guest: a Filter that accepts every node without asking the host anything. Used to measure the
;; host's per-call overhead (BENCHMARKS.md). WasmKit compiles .wat guests itself.
(module
  (memory (export "memory") 1)
  (func (export "filter") (result i32) (i32.const 0)))
