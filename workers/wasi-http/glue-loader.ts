// Loading jco's instantiation glue on a worker, once per template. The glue is an ES module with
// two exports; it is evaluated as a strict function instead of imported, because Node keeps
// every imported module for the life of the thread, and each deployed version would stay.

export type CoreInstantiate = (module: WebAssembly.Module, imports: object) =>
  WebAssembly.Instance;

export interface Glue {
  instantiate(getCoreModule: (name: string) => WebAssembly.Module,
    imports: Record<string, object>, instantiateCore: CoreInstantiate): Record<string, unknown>;
}

const INSTANTIATE_EXPORT = /^export function instantiate\(/m;
const UTIL_EXPORT = /^export const _util = /m;
const ANY_EXPORT = /^export /m;

/** The glue as a function body, or null when it has other exports than jco 1.35 writes. */
function asFunctionBody(source: string): string | null {
  const body = source.replace(INSTANTIATE_EXPORT, 'function instantiate(')
    .replace(UTIL_EXPORT, 'const _util = ');
  if (ANY_EXPORT.test(body)) return null;
  return `"use strict";\n${body}\nreturn { instantiate };`;
}

export async function loadGlue(source: string): Promise<Glue> {
  const body = asFunctionBody(source);
  if (body !== null) return (new Function(body) as () => Glue)();

  const url = `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`;
  return await import(url) as Glue;
}
