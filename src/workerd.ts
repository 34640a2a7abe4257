// The Workers entry (package.json exports `workerd`, `worker`): the public API from core.ts and an
// `init` that uses the kernel module imported below. Workers forbid compiling WebAssembly at run
// time; the Workers bundler (wrangler; miniflare with a CompiledWasm rule) turns this import of
// the .wasm into a WebAssembly.Module.
import simdconvWasm from './simdconv.wasm';
import type { InitOptions } from './wasm/runtime.js';
import { initEntry } from './entry.js';
import { workerdSource } from './wasm/source-workerd.js';

export * from './core.js';

const source = workerdSource(simdconvWasm);

/**
 * Loads and instantiates the kernels. Call once and await it; later calls return at once. With no
 * options, the module imported with this entry is used; `module` supplies another one.
 * @example
 * // not run in Node: a Cloudflare Workers module (its `export default { fetch }` is the Worker)
 * import * as sc from 'simdconv';
 * export default { async fetch() { await sc.init(); return Response.json(sc.ones([2]).toArray()); } };
 */
export function init(options?: InitOptions): Promise<void> {
  return initEntry(options, source);
}
