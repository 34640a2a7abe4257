// The browser entry (package.json exports `browser`): the public API from core.ts and an `init`
// that fetches the .wasm from beside this file (bundlers emit it as an asset). Nothing in this
// entry's module graph references a `node:` module.
import type { InitOptions } from './wasm/runtime.js';
import { initEntry } from './entry.js';
import { browserSource } from './wasm/source-browser.js';

export * from './core.js';

// From dist/browser.js the modules are in dist/. The literals must stay in this file: bundlers
// resolve them against the file that contains them.
const source = browserSource({
  'simdconv.wasm': () => new URL('./simdconv.wasm', import.meta.url),
  'simdconv-mt.wasm': () => new URL('./simdconv-mt.wasm', import.meta.url),
});

/**
 * Loads and instantiates the kernels. Call once and await it; later calls return at once. With no
 * options, the `.wasm` is fetched from beside the package (`new URL('./simdconv.wasm',
 * import.meta.url)`, compiled while streaming); `module`, `bytes` or `url` supply it instead.
 * A Content-Security-Policy must allow `'wasm-unsafe-eval'` in `script-src`. A bundler that does
 * not emit the `.wasm` (esbuild, Rollup without a plugin) needs the `simdconv/inline` entry.
 * @example
 * import * as sc from 'simdconv';
 * await sc.init();
 */
export function init(options?: InitOptions): Promise<void> {
  return initEntry(options, source);
}
