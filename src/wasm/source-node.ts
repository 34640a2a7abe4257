// The module source of the Node, Deno and Bun entry (dist/index.js): the `.wasm` files are read
// from disk beside this module with node:fs. `node:` modules are imported lazily, so this module
// still loads where they do not exist (the "default" export condition) and falls back to fetch.
import { UnsupportedRuntimeError } from '../errors.js';
import { compileBytes, fetchModule, type WasmFile, type WasmSource } from './source.js';

/** A string with a URL scheme (not a Windows drive letter such as `C:\`). */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

export const nodeSource: WasmSource = {
  platform: 'node',
  // From dist/wasm/ the modules are in dist/. From src/wasm/ (tests, tsx) they are not beside the
  // sources: fall back to the built ones in dist/.
  module: (file: WasmFile) => fromUrl(new URL(`../${file}`, import.meta.url), new URL(`../../dist/${file}`, import.meta.url)),
  fromBytes: (bytes) => compileBytes(bytes),
  fromUrl: async (url) => {
    if (url instanceof URL) return fromUrl(url);
    if (HAS_SCHEME.test(url)) return fromUrl(new URL(url));
    const fsUrl = await nodeUrl();
    if (fsUrl === null) return fromUrl(new URL(url, globalThis.location?.href));
    return fromUrl(fsUrl.pathToFileURL(url)); // a path, relative to the working directory
  },
};

async function nodeUrl(): Promise<typeof import('node:url') | null> {
  try {
    return await import('node:url');
  } catch {
    return null;
  }
}

/** Reads `file:` URLs through node:fs (Node's fetch cannot), anything else by fetch. */
async function fromUrl(u: URL, devFallback?: URL): Promise<WebAssembly.Module> {
  if (u.protocol !== 'file:') return fetchModule(u);
  let fs: typeof import('node:fs/promises');
  let url: typeof import('node:url');
  try {
    [fs, url] = await Promise.all([import('node:fs/promises'), import('node:url')]);
  } catch {
    return fetchModule(u); // no node:fs here; a runtime whose fetch reads files may still succeed
  }
  let bytes: BufferSource;
  try {
    bytes = (await fs.readFile(url.fileURLToPath(u))) as Uint8Array<ArrayBuffer>; // never shared
  } catch (e) {
    if (devFallback && (e as { code?: string }).code === 'ENOENT') return fromUrl(devFallback);
    throw new UnsupportedRuntimeError('init', 'url', 'a readable simdconv .wasm', `${u.href} (${(e as Error).message})`);
  }
  return compileBytes(bytes, 'url', `the bytes of ${u.href}`);
}
