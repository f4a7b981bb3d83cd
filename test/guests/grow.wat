;; grow: a test guest that grows memory a page at a time until refused, then traps.
(module
  ;; No maximum, so only the host's memory limit (or the engine's) can stop the growth.
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $more
      (br_if $more
        (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
