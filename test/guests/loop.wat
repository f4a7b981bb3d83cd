;; loop: a test guest that spins forever without output, so only the host's deadline stops it.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop
      (br 0))))
