// The module source of the Workers entry (dist/workerd.js, export conditions `workerd` and
// `worker`). Workers forbid compiling WebAssembly at run time (no WebAssembly.compile of bytes, no
// compileStreaming): the module must be imported as a module, `import wasm from './simdconv.wasm'`,
// which the Workers bundler (wrangler, or miniflare's CompiledWasm rule) turns into a
// WebAssembly.Module. Workers have no threads, so only the single-thread build exists here.
import { UnsupportedRuntimeError, describe } from '../errors.js';
import { type WasmFile, type WasmSource } from './source.js';

const IMPORT_IT = "a WebAssembly.Module: Workers cannot compile WebAssembly at run time, so import it (import wasm from 'simdconv/simdconv.wasm') and pass init({ module: wasm })";

/** A source whose only module is `simdconv`, the one the entry imported. */
export function workerdSource(simdconv: WebAssembly.Module): WasmSource {
  return {
    platform: 'workerd',
    module: async (file: WasmFile) => {
      if (file !== 'simdconv.wasm') {
        throw new UnsupportedRuntimeError('init', 'module', 'simdconv.wasm (Workers run one thread)', `'${file}'`);
      }
      if (!(simdconv instanceof WebAssembly.Module)) {
        throw new UnsupportedRuntimeError('init', 'module', IMPORT_IT, `${describe(simdconv)} from importing simdconv.wasm (configure .wasm imports as CompiledWasm modules)`);
      }
      return simdconv;
    },
    // Other hosts with the `worker` condition (a Web Worker bundle) may still compile at run time.
    fromBytes: (bytes) => compileHere('bytes', bytes as BufferSource),
    fromUrl: async (url) => {
      const u = url instanceof URL ? url : new URL(url, globalThis.location?.href);
      const response = await fetch(u);
      if (!response.ok) {
        throw new UnsupportedRuntimeError('init', 'url', 'a URL serving the simdconv .wasm', `${u.href} answering ${response.status}`);
      }
      return compileHere('url', await response.arrayBuffer());
    },
  };
}

/** Compiles, turning workerd's refusal ("Wasm code generation disallowed by embedder") into advice. */
async function compileHere(argument: 'bytes' | 'url', bytes: BufferSource): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new UnsupportedRuntimeError('init', argument, IMPORT_IT, `${argument === 'url' ? 'a URL' : 'bytes'}, which this runtime did not compile (${(e as Error).message})`);
  }
}
