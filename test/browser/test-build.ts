// The browser entry the Chromium unit tests import in place of src/index.ts
// (vitest.browser.config.ts redirects their `../src/index.js`): the browser API, with an `init`
// whose default modules are the test builds of the kernels (both twins of every kernel, so
// `setKernelVariant('scalar')` works). The release modules in dist/ export only the SIMD twins.
import type { InitOptions } from '../../src/wasm/runtime.js';
import { initEntry } from '../../src/entry.js';
import { browserSource } from '../../src/wasm/source-browser.js';
import type { WasmSource } from '../../src/wasm/source.js';
import { TEST_BUILDS } from '../helpers/test-builds.js';

export * from '../../src/browser.js';

const testSource: WasmSource = browserSource({
  'simdconv.wasm': () => TEST_BUILDS['simdconv.wasm'],
  'simdconv-mt.wasm': () => TEST_BUILDS['simdconv-mt.wasm'],
});

/** `init` of the browser entry, loading the test builds by default. */
export function init(options?: InitOptions): Promise<void> {
  return initEntry(options, testSource);
}
