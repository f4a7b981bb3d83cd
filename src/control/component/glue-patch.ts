// Deploy-time fixes to the instantiation glue that jco generates, applied once before the glue
// is cached. Each fix keeps the glue's behaviour and removes a cost it has on Node 20.

const PROMISING_CALL = 'WebAssembly.promising(';

/**
 * jco 1.35 wraps `WebAssembly.promising(…)` in try/catch for runtimes without JSPI. On Node 20
 * that call throws a TypeError, and V8 re-parses the whole enclosing function (the ~40k-line
 * instantiate body) to word the message: about 16 ms per call, two calls per instance. Binding
 * the name to the identity function gives the value the catch block would have chosen.
 */
const PROMISING_PRELUDE = 'const warpPromising = typeof WebAssembly.promising === \'function\'' +
  ' ? WebAssembly.promising : (fn) => fn;\n';

export function patchGlue(glue: string): string {
  if (!glue.includes(PROMISING_CALL)) return glue;
  return PROMISING_PRELUDE + glue.replaceAll(PROMISING_CALL, 'warpPromising(');
}

/** Bumped when patchGlue changes, so that cached glue is made again. */
export const GLUE_PATCH_VERSION = 1;
