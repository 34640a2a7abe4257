// The inline entry (package.json exports `./inline`): the public API from core.ts and an `init`
// whose kernel module is embedded in the JavaScript (gzip + base64, about 40 KB), for bundlers that do
// not emit `new URL('./simdconv.wasm', import.meta.url)` assets (esbuild, Rollup without a
// plugin) and for single-file builds. Nothing in this entry's module graph references a `node:`
// module.
import type { InitOptions } from './wasm/runtime.js';
import { initEntry } from './entry.js';
import { inlineSource } from './wasm/source-inline.js';

export * from './core.js';

/**
 * Loads and instantiates the kernels embedded in this entry. Call once and await it; later calls
 * return at once. `module`, `bytes` or `url` supply another module instead. Runs on one thread.
 * A Content-Security-Policy must allow `'wasm-unsafe-eval'` in `script-src`.
 * @example
 * import * as inline from 'simdconv/inline';
 * await inline.init();
 * inline.corr2d(inline.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), inline.tensor([[0, 1], [2, 3]])).toArray()   // => [[19, 25], [37, 43]]
 */
export function init(options?: InitOptions): Promise<void> {
  return initEntry(options, inlineSource);
}
