// The module source of the inline entry (dist/inline.js, `simdconv/inline`): the single-thread
// kernel module is embedded in the JavaScript, gzip-compressed and base64-encoded (decompressed at
// init with the platform's DecompressionStream: browsers, Node 18+, Deno, Bun), so any bundler or runtime that loads the
// JS has the kernels, with no asset to emit, serve or find. It is compiled at run time, so Workers
// (which forbid that) use the workerd entry instead. There is no embedded threads build: `threads`
// above 1 runs on one thread (capabilities().threads says so) unless init({ url }) supplies
// simdconv-mt.wasm.
import { UnsupportedRuntimeError } from '../errors.js';
import { simdconvWasmGzipBase64 } from './simdconv-base64.js';
import { compileBytes, fetchModule, type WasmSource } from './source.js';

let embedded: Promise<WebAssembly.Module> | null = null;

export const inlineSource: WasmSource = {
  platform: 'browser',
  // The single-thread build for either file: runtime.ts runs it on one thread.
  module: () => (embedded ??= gunzip(decodeBase64(simdconvWasmGzipBase64)).then((bytes) => compileBytes(bytes, null, 'the embedded simdconv.wasm'))),
  fromBytes: (bytes) => compileBytes(bytes),
  fromUrl: (url) => fetchModule(url instanceof URL ? url : new URL(url, globalThis.location?.href), 'url'),
};

/** Base64 to bytes, once per init (atob exists in browsers, Node, Deno, Bun and Workers). */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Gunzips the embedded module with the platform's DecompressionStream. */
async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof DecompressionStream !== 'function') {
    throw new UnsupportedRuntimeError('init', 'module', 'unpacked with DecompressionStream (browsers, Node 18+, Deno, Bun)',
      'a runtime without it; pass init({ bytes }) or init({ url }) with simdconv.wasm instead');
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
