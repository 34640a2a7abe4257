// The Node entry the unit tests import in place of src/index.ts (vitest.config.ts redirects
// their `../src/index.js`): the same API, with an `init` whose default modules are the test
// builds of the kernels (build/simdconv-test.wasm and build/simdconv-mt-test.wasm, both twins
// of every kernel, so `setKernelVariant('scalar')` works). `init({ url | bytes | module })`
// still loads what it is given. The release modules in dist/ export only the SIMD twins.
import type { InitOptions } from '../../src/wasm/runtime.js';
import { initEntry } from '../../src/entry.js';
import { nodeSource } from '../../src/wasm/source-node.js';
import type { WasmFile, WasmSource } from '../../src/wasm/source.js';
import { TEST_BUILDS } from './test-builds.js';

export * from '../../src/index.js';

const testSource: WasmSource = { ...nodeSource, module: (file: WasmFile) => nodeSource.fromUrl(TEST_BUILDS[file]) };

/** `init` of the Node entry, loading the test builds by default. */
export function init(options?: InitOptions): Promise<void> {
  return initEntry(options, testSource);
}
