;; recurse: a test guest whose only function calls itself until the engine's stack overflows.
(module
  (memory (export "memory") 1)
  (func $descend (param $depth i32)
    (call $descend (i32.add (local.get $depth) (i32.const 1))))
  (func (export "_start")
    (call $descend (i32.const 0))))
