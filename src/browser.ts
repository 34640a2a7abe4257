// The browser entry (package.json exports `browser`): the public API from core.ts and an `init`
// that fetches the .wasm from beside the package (bundlers emit it as an asset). Nothing in this
// entry's module graph references a `node:` module.
import { init as initWith, type InitOptions } from './wasm/runtime.js';
import { browserSource } from './wasm/source-browser.js';

export * from './core.js';

/**
 * Loads and instantiates the kernels. Call once and await it; later calls return at once. With no
 * options, the `.wasm` is fetched from beside the package (`new URL('./simdconv.wasm',
 * import.meta.url)`, compiled while streaming); `module`, `bytes` or `url` supply it instead.
 * A Content-Security-Policy must allow `'wasm-unsafe-eval'` in `script-src`.
 * @example
 * import * as sc from 'simdconv';
 * await sc.init();
 */
export function init(options?: InitOptions): Promise<void> {
  return initWith(options, browserSource);
}
