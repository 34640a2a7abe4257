// The module source of the Node, Deno and Bun entry (dist/index.js): the `.wasm` files are read
// from disk beside this module with node:fs. `node:` modules are imported lazily, so this module
// still loads where they do not exist (the "default" export condition) and falls back to fetch.
import { UnsupportedRuntimeError } from '../errors.js';
import { compileBytes, fetchModule, type WasmFile, type WasmSource } from './source.js';

/** How to supply the module when the package's own file is missing (e.g. in a bundle). */
const NODE_FIX = "import 'simdconv/inline' instead of 'simdconv' (the kernels embedded in the JavaScript), " +
  "or pass init({ url: '<path of node_modules/simdconv/dist/simdconv.wasm>' })";

/** A string with a URL scheme (not a Windows drive letter such as `C:\`). */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

export const nodeSource: WasmSource = {
  platform: 'node',
  // From dist/wasm/ the modules are in dist/. From src/wasm/ (tests, tsx) they are not beside the
  // sources: fall back to the built ones in dist/.
  module: (file: WasmFile) => fromUrl(new URL(`../${file}`, import.meta.url), null, new URL(`../../dist/${file}`, import.meta.url)),
  fromBytes: (bytes) => compileBytes(bytes),
  fromUrl: async (url) => {
    if (url instanceof URL) return fromUrl(url, 'url');
    if (HAS_SCHEME.test(url)) return fromUrl(new URL(url), 'url');
    const fsUrl = await nodeUrl();
    if (fsUrl === null) return fromUrl(new URL(url, globalThis.location?.href), 'url');
    return fromUrl(fsUrl.pathToFileURL(url), 'url'); // a path, relative to the working directory
  },
};

async function nodeUrl(): Promise<typeof import('node:url') | null> {
  try {
    return await import('node:url');
  } catch {
    return null;
  }
}

/**
 * Reads `file:` URLs through node:fs (Node's fetch cannot), anything else by fetch. `argument` is
 * the init option that gave the URL, null for the package's own module (see fetchModule).
 */
async function fromUrl(u: URL, argument: 'url' | null, devFallback?: URL): Promise<WebAssembly.Module> {
  if (u.protocol !== 'file:') return fetchModule(u, argument, NODE_FIX);
  let fs: typeof import('node:fs/promises');
  let url: typeof import('node:url');
  try {
    [fs, url] = await Promise.all([import('node:fs/promises'), import('node:url')]);
  } catch {
    return fetchModule(u, argument, NODE_FIX); // no node:fs here; a runtime whose fetch reads files may still succeed
  }
  let bytes: BufferSource;
  try {
    bytes = (await fs.readFile(url.fileURLToPath(u))) as Uint8Array<ArrayBuffer>; // never shared
  } catch (e) {
    if (devFallback && (e as { code?: string }).code === 'ENOENT') {
      // Report the URL beside the entry, not the source-tree fallback, if neither exists.
      return fromUrl(devFallback, argument).catch(() => Promise.reject(notFound(u, e as Error, argument)));
    }
    throw notFound(u, e as Error, argument);
  }
  return compileBytes(bytes, argument, `the bytes of ${u.href}`, NODE_FIX);
}

function notFound(u: URL, e: Error, argument: 'url' | null): UnsupportedRuntimeError {
  const got = `${u.href} (${e.message})`;
  return argument === null
    ? new UnsupportedRuntimeError('init', 'simdconv.wasm', 'a readable simdconv .wasm', got,
      `init: the simdconv kernel module was not found: reading ${got} failed. Fix: ${NODE_FIX}.`)
    : new UnsupportedRuntimeError('init', argument, 'a readable simdconv .wasm', got);
}
