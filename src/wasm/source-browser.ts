// The module source of the browser entries (dist/browser.js, dist/inline.js): the kernel module is
// fetched from URLs the entry computes itself, so each entry's `new URL('./simdconv.wasm',
// import.meta.url)` literal sits in the emitted file next to the shipped .wasm, the form bundlers
// (Vite, webpack 5, Parcel) recognise, emit as an asset and rewrite. No `node:` module is
// referenced here.
import { UnsupportedRuntimeError } from '../errors.js';
import { PACKAGE_FIX, compileBytes, fetchModule, type WasmFile, type WasmSource } from './source.js';

/** The URL of each shipped module, as the entry computes it (may throw without import.meta.url). */
export type WasmUrls = Record<WasmFile, () => URL>;

/** A browser source whose package modules are at `urls`. */
export function browserSource(urls: WasmUrls): WasmSource {
  return {
    platform: 'browser',
    module: (file: WasmFile) => {
      let url: URL;
      try {
        url = urls[file]();
      } catch (e) {
        // `import.meta.url` rewritten away (an IIFE or CommonJS bundle): nothing to resolve against.
        return Promise.reject(new UnsupportedRuntimeError('init', file, 'the URL of the simdconv module, to find its .wasm',
          `none, so ${file} cannot be located (${(e as Error).message})`,
          `init: cannot locate ${file}: this bundle has no import.meta.url to resolve './${file}' against (${(e as Error).message}). Fix: ${PACKAGE_FIX}.`));
      }
      return fetchModule(url, null);
    },
    fromBytes: (bytes) => compileBytes(bytes),
    fromUrl: (url) => fetchModule(url instanceof URL ? url : new URL(url, globalThis.location?.href), 'url'),
  };
}
