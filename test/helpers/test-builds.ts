// Where the test builds of the kernel modules are (asconfig.json targets `test` and
// `test-threads`): every kernel with its SIMD and scalar twins. `npm run build:wasm` writes them
// and derives the release modules in dist/ from them (scripts/release-wasm.mjs). No `node:`
// import here: the browser tests use it too.
import type { WasmFile } from '../../src/wasm/source.js';

/** The test build standing in for each release module. */
export const TEST_BUILDS: Record<WasmFile, URL> = {
  'simdconv.wasm': new URL('../../build/simdconv-test.wasm', import.meta.url),
  'simdconv-mt.wasm': new URL('../../build/simdconv-mt-test.wasm', import.meta.url),
};
