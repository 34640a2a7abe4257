// Where the kernel module comes from. Each package entry (index.ts for Node/Deno/Bun, browser.ts,
// workerd.ts) hands `init` a WasmSource that knows how its platform reaches the `.wasm` files
// shipped in dist/; this file holds the platform-neutral parts. Nothing here imports a `node:`
// module, so browser bundles never see one.
import { UnsupportedRuntimeError } from '../errors.js';
import type { WasmBytes, WasmModule } from './types.js';

/** The kernel modules in dist/: the single-thread build and the shared-memory (threads) build. */
export type WasmFile = 'simdconv.wasm' | 'simdconv-mt.wasm';

/** How one platform obtains and compiles the kernel module. */
export interface WasmSource {
  /** The platform family, for messages: 'node' (also Deno, Bun), 'browser' or 'workerd'. */
  readonly platform: 'node' | 'browser' | 'workerd';
  /** Compiles the named module shipped with the package (the zero-configuration path). */
  module(file: WasmFile): Promise<WasmModule>;
  /** Compiles `init({ bytes })`. */
  fromBytes(bytes: WasmBytes): Promise<WasmModule>;
  /** Compiles `init({ url })`: a URL, or a string resolved the platform's way (Node: a path). */
  fromUrl(url: string | URL): Promise<WasmModule>;
}

/**
 * Compiles module bytes. A failure (not wasm, truncated, a Content-Security-Policy without
 * 'wasm-unsafe-eval') is an UnsupportedRuntimeError for `argument`, describing `what` was compiled;
 * for the package's own module (`argument` null) the message names no argument and ends with `fix`.
 */
export async function compileBytes(bytes: WasmBytes, argument: string | null = 'bytes', what = 'bytes', fix = PACKAGE_FIX): Promise<WasmModule> {
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (e) {
    throw compileError((e as Error).message, argument, what, fix);
  }
}

function compileError(message: string, argument: string | null, what: string, fix: string): UnsupportedRuntimeError {
  const csp = /Content.Security.Policy|unsafe-eval/i.test(message);
  const expected = csp ? "a page whose Content-Security-Policy allows WebAssembly: add 'wasm-unsafe-eval' to script-src" : 'the simdconv kernel module';
  const got = csp ? `a policy that blocks compiling ${what} (${message})` : `${what} that do not compile (${message})`;
  if (argument !== null) return new UnsupportedRuntimeError('init', argument, expected, got);
  return new UnsupportedRuntimeError('init', 'simdconv.wasm', expected, got, csp
    ? `init: the page's Content-Security-Policy blocks compiling ${what} (${message}): add 'wasm-unsafe-eval' to script-src.`
    : `init: ${what} did not compile as the simdconv kernel module (${message}). Fix: ${fix}.`);
}

/**
 * Fetches and compiles a module: streaming compilation when the server says `application/wasm`,
 * else (wrong content type, or streaming refused by a proxy or the engine) from the whole body.
 * A CSP must allow `'wasm-unsafe-eval'` (or `'unsafe-eval'`) for either. `argument` is the init
 * option that gave the URL, or null for the package's own module: then a failure names no
 * argument, says what was tried and how the module is found instead (`fix`).
 */
export async function fetchModule(url: URL, argument: 'url' | null, fix = PACKAGE_FIX): Promise<WasmModule> {
  const fail = (got: string, expected: string) => argument === null
    ? new UnsupportedRuntimeError('init', 'simdconv.wasm', expected, got,
      `init: the simdconv kernel module was not found: ${got}. Fix: ${fix}.`)
    : new UnsupportedRuntimeError('init', argument, expected, got);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw fail(`fetching ${url.href} failed (${(e as Error).message})`, 'a reachable simdconv .wasm');
  }
  if (!response.ok) {
    throw fail(`${url.href} answered HTTP ${response.status}`, 'a URL serving the simdconv .wasm');
  }
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.startsWith('application/wasm')) {
    try {
      return await WebAssembly.compileStreaming(response.clone());
    } catch {
      // Fall through: compiling the bytes gives the engine's own message if they are bad.
    }
  }
  const bytes = await response.arrayBuffer();
  if (argument === null && !isWasm(bytes)) {
    // A dev server's fallback page or a CDN error page, answered with 200.
    throw fail(`${url.href} answered HTTP ${response.status} with ${type || 'no content type'}, not WebAssembly`, 'a URL serving the simdconv .wasm');
  }
  return compileBytes(bytes, argument, `the bytes of ${url.href}`, fix);
}

/** How to supply the module when the package's own URL fails (bundles, pages). */
export const PACKAGE_FIX = "import 'simdconv/inline' instead of 'simdconv' (the kernels embedded in the JavaScript), " +
  "or serve simdconv.wasm from node_modules/simdconv/dist/ and pass init({ url: '<its URL>' })";

/** Starts with the WebAssembly magic number `\0asm`. */
function isWasm(bytes: ArrayBuffer): boolean {
  const b = new Uint8Array(bytes, 0, Math.min(4, bytes.byteLength));
  return b.length === 4 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;
}
