;; crlf-header: a test guest whose header value smuggles a bare CR, which the host must reject.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; The CR is followed by more header text, not LF, so no CRLF-tolerant parser can excuse it
  ;; as a line ending; RFC 9110 section 5.5 forbids CR inside a field value.
  (data (i32.const 16) "content-type: text/plain\nx-evil: a\0dinjected: yes\n\nbody")

  (func (export "_start")
    ;; One iovec at offset 0: base 16, length of the data segment above.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 54))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
