// The worker's side of guest interruption. A shared memory holds two words: [0] the sequence
// number of the request the watchdog wants stopped, [1] the request now running here. The check
// function, linked as env.log_execution into instrumented guests, traps when they are equal.

// (module (import "warp" "flags" (memory 1 1 shared))
//   (func (export "check") (param i32)
//     (if (i32.eq (i32.atomic.load (i32.const 0)) (i32.atomic.load (i32.const 4)))
//       (then (if (i32.atomic.load (i32.const 0)) (then unreachable))))))
const CHECK_WASM = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
  0x01, 0x7f, 0x00, 0x02, 0x10, 0x01, 0x04, 0x77, 0x61, 0x72, 0x70, 0x05,
  0x66, 0x6c, 0x61, 0x67, 0x73, 0x02, 0x03, 0x01, 0x01, 0x03, 0x02, 0x01,
  0x00, 0x07, 0x09, 0x01, 0x05, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x00, 0x00,
  0x0a, 0x1e, 0x01, 0x1c, 0x00, 0x41, 0x00, 0xfe, 0x10, 0x02, 0x00, 0x41,
  0x04, 0xfe, 0x10, 0x02, 0x00, 0x46, 0x04, 0x40, 0x41, 0x00, 0xfe, 0x10,
  0x02, 0x00, 0x04, 0x40, 0x00, 0x0b, 0x0b, 0x0b,
]);

const WANTED = 0;
const RUNNING = 1;

export class Interrupter {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  readonly words = new Int32Array(this.memory.buffer, 0, 2);
  readonly check: (id: number) => void;

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(CHECK_WASM),
      { warp: { flags: this.memory } });
    this.check = instance.exports.check as (id: number) => void;
  }

  begin(seq: number): void {
    Atomics.store(this.words, RUNNING, seq | 0);
  }

  end(): void {
    Atomics.store(this.words, RUNNING, 0);
  }

  /** True when the watchdog asked to stop this request. */
  wanted(seq: number): boolean {
    return seq !== 0 && Atomics.load(this.words, WANTED) === (seq | 0);
  }
}

export const interrupter = new Interrupter();
