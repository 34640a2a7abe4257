// The module source of the browser entry (dist/browser.js): the `.wasm` files are fetched from
// beside this module. The URLs are written as `new URL('<literal>', import.meta.url)` so bundlers
// (Vite, webpack 5, Parcel, esbuild with a loader) recognise them, emit the file and rewrite the
// URL. No `node:` module is referenced here.
import { compileBytes, fetchModule, type WasmFile, type WasmSource } from './source.js';

// From dist/wasm/ both files are in dist/. ('../../dist/' is dist/ again from dist/wasm/, and the
// built files from src/wasm/ when the sources run unbundled in a dev server or test runner.)
const URLS: Record<WasmFile, () => URL> = {
  'simdconv.wasm': () => new URL('../../dist/simdconv.wasm', import.meta.url),
  'simdconv-mt.wasm': () => new URL('../../dist/simdconv-mt.wasm', import.meta.url),
};

export const browserSource: WasmSource = {
  platform: 'browser',
  module: (file: WasmFile) => fetchModule(URLS[file]()),
  fromBytes: (bytes) => compileBytes(bytes),
  fromUrl: (url) => fetchModule(url instanceof URL ? url : new URL(url, globalThis.location?.href)),
};
