// What every package entry's `init` does (index.ts, browser.ts, workerd.ts, inline.ts): attach
// the Tensor methods, then load the kernels with this platform's wasm source and the worker pool.
// The entries are the only modules that join the layers this way (see ARCHITECTURE.md).
import { init, type InitOptions } from './wasm/runtime.js';
import type { WasmSource } from './wasm/source.js';
import { threadSupport } from './threads/setup.js';
import { attachTensorMethods } from './ops/methods.js';

/** init() of a package entry whose platform finds the `.wasm` files through `source`. */
export function initEntry(options: InitOptions | undefined, source: WasmSource): Promise<void> {
  attachTensorMethods();
  return init(options, source, threadSupport);
}
