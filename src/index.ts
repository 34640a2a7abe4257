// simdconv: 2-D convolution and its gradients in WebAssembly SIMD, with tensors and autograd.
// `import * as sc from 'simdconv'; await sc.init();` then every op is synchronous.
//
// The Node, Deno and Bun entry (package.json exports `node`, `deno`, `bun`, `default`): the public
// API from core.ts (add new exports there) and an `init` that reads the .wasm with node:fs.
import type { InitOptions } from './wasm/runtime.js';
import { initEntry } from './entry.js';
import { nodeSource } from './wasm/source-node.js';

export * from './core.js';

/**
 * Loads and instantiates the kernels. Call once and await it; later calls return at once. With no
 * options, the `.wasm` shipped in the package is read from disk; `module`, `bytes` or `url` (a URL
 * or a path) supply it instead.
 * @example
 * import * as sc from 'simdconv';
 * await sc.init();
 * sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toString();
 */
export function init(options?: InitOptions): Promise<void> {
  return initEntry(options, nodeSource);
}
