// A short-lived thread that runs binaryen's log-execution pass. binaryen costs about 1 s to load
// and 80 MB of memory here, so it lives in its own thread, which ends when deploys stop coming,
// and the node's idle memory does not carry it.

import { parentPort } from 'node:worker_threads';

import binaryen from 'binaryen';

export interface PassRequest {
  id: number;
  bytes: Uint8Array;
}

export type PassReply =
  | { id: number; bytes: Uint8Array }
  | { id: number; error: string };

/**
 * The proposals V8 in Node 20 runs. Anything newer (binaryen's compact imports, say) would make
 * binaryen write a module that Node cannot load.
 */
function nodeFeatures(): number {
  const f = binaryen.Features;
  return f.MVP | f.Atomics | f.MutableGlobals | f.NontrappingFPToInt | f.SIMD128 | f.BulkMemory |
    f.BulkMemoryOpt | f.SignExt | f.ReferenceTypes | f.Multivalue | f.TailCall |
    f.ExceptionHandling;
}

/** Loop headers and calls between two looks at the interrupt flag. */
const FUEL = 10_000;
/** Large enough for the countdown to be inlined, small enough to leave the guest's code alone. */
const INLINE_MAX = 20;

/**
 * binaryen's log-execution pass puts `call $log_execution` at every function entry and loop
 * header, importing it from the module the guest already imports from. That import is replaced
 * by `env.log_execution`, the worker's check, and `$log_execution` becomes a local function that
 * counts down a fuel global and calls the check once per FUEL ticks; it is then inlined. On a
 * tight prime-counting loop here: a host call per iteration costs 6×, a call to the fuel
 * function 5×, the inlined countdown 1.7×.
 */
function instrument(bytes: Uint8Array): Uint8Array {
  const m = binaryen.readBinary(bytes);
  try {
    m.setFeatures(nodeFeatures());
    m.runPasses(['log-execution']);
    m.removeFunction('log_execution');
    m.addFunctionImport('warp_check', 'env', 'log_execution', binaryen.i32, binaryen.none);
    m.addGlobal('warp_fuel', binaryen.i32, true, m.i32.const(FUEL));
    const fuel = () => m.global.get('warp_fuel', binaryen.i32);
    m.addFunction('log_execution', binaryen.i32, binaryen.none, [], m.block(null, [
      m.global.set('warp_fuel', m.i32.sub(fuel(), m.i32.const(1))),
      m.if(m.i32.le_s(fuel(), m.i32.const(0)), m.block(null, [
        m.global.set('warp_fuel', m.i32.const(FUEL)),
        m.call('warp_check', [m.local.get(0, binaryen.i32)], binaryen.none),
      ])),
    ]));
    binaryen.setAlwaysInlineMaxSize(INLINE_MAX);
    binaryen.setFlexibleInlineMaxSize(INLINE_MAX);
    binaryen.setOneCallerInlineMaxSize(0);
    m.runPasses(['inlining']);
    if (!m.validate()) throw new Error('the instrumented module does not validate');
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

parentPort?.on('message', ({ id, bytes }: PassRequest) => {
  let reply: PassReply;
  try {
    reply = { id, bytes: instrument(bytes) };
  } catch (err) {
    reply = { id, error: (err as Error).message };
  }
  parentPort?.postMessage(reply);
});
