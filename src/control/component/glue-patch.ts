// Deploy-time fixes to the instantiation glue that jco 1.35 generates, applied once before the
// glue is cached. Each fix keeps the glue's behaviour and removes a cost it has on Node 20.
// A fix whose pattern is missing (another jco version) is skipped: slower, still correct.

/**
 * The glue wraps `WebAssembly.promising(…)` in try/catch for runtimes without JSPI. On Node 20
 * that call throws a TypeError, and V8 re-parses the whole enclosing function (the ~40k-line
 * instantiate body) to word the message: about 16 ms per call, two calls per instance. Binding
 * the name to the identity function gives the value the catch block would have chosen.
 */
const PROMISING_CALL = 'WebAssembly.promising(';
const PROMISING_PRELUDE = 'const warpPromising = typeof WebAssembly.promising === \'function\'' +
  ' ? WebAssembly.promising : (fn) => fn;\n';

/**
 * Every host call logs through `_debugLog`, which reads `process.env.JCO_DEBUG` each time: about
 * 0.25 ms of a 0.8 ms /health request. The variable is read once, when the glue is imported.
 */
const DEBUG_CHECK = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
const DEBUG_PRELUDE = 'const warpJcoDebug = Boolean(globalThis?.process?.env?.JCO_DEBUG);\n';

export function patchGlue(glue: string): string {
  let patched = glue;
  let prelude = '';
  if (patched.includes(PROMISING_CALL)) {
    patched = patched.replaceAll(PROMISING_CALL, 'warpPromising(');
    prelude += PROMISING_PRELUDE;
  }
  if (patched.includes(DEBUG_CHECK)) {
    patched = patched.replaceAll(DEBUG_CHECK, 'if (!warpJcoDebug) { return; }');
    prelude += DEBUG_PRELUDE;
  }
  return prelude + patched;
}

/** Bumped when patchGlue changes, so that cached glue is made again. */
export const GLUE_PATCH_VERSION = 2;
