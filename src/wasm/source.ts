// Where the kernel module comes from. Each package entry (index.ts for Node/Deno/Bun, browser.ts,
// workerd.ts) hands `init` a WasmSource that knows how its platform reaches the `.wasm` files
// shipped in dist/; this file holds the platform-neutral parts. Nothing here imports a `node:`
// module, so browser bundles never see one.
import { UnsupportedRuntimeError } from '../errors.js';

/** The kernel modules in dist/: the single-thread build and the shared-memory (threads) build. */
export type WasmFile = 'simdconv.wasm' | 'simdconv-mt.wasm';

/** How one platform obtains and compiles the kernel module. */
export interface WasmSource {
  /** The platform family, for messages: 'node' (also Deno, Bun), 'browser' or 'workerd'. */
  readonly platform: 'node' | 'browser' | 'workerd';
  /** Compiles the named module shipped with the package (the zero-configuration path). */
  module(file: WasmFile): Promise<WebAssembly.Module>;
  /** Compiles `init({ bytes })`. */
  fromBytes(bytes: BufferSource): Promise<WebAssembly.Module>;
  /** Compiles `init({ url })`: a URL, or a string resolved the platform's way (Node: a path). */
  fromUrl(url: string | URL): Promise<WebAssembly.Module>;
}

/**
 * Compiles module bytes. A failure (not wasm, truncated, a Content-Security-Policy without
 * 'wasm-unsafe-eval') is an UnsupportedRuntimeError for `argument`, describing `what` was compiled.
 */
export async function compileBytes(bytes: BufferSource, argument = 'bytes', what = 'bytes'): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw compileError(e, argument, what);
  }
}

function compileError(e: unknown, argument: string, what: string): UnsupportedRuntimeError {
  const message = (e as Error).message;
  if (/Content.Security.Policy|unsafe-eval/i.test(message)) {
    return new UnsupportedRuntimeError('init', argument, "a page whose Content-Security-Policy allows WebAssembly: add 'wasm-unsafe-eval' to script-src",
      `a policy that blocks compiling ${what} (${message})`);
  }
  return new UnsupportedRuntimeError('init', argument, 'the simdconv kernel module', `${what} that do not compile (${message})`);
}

/**
 * Fetches and compiles a module: streaming compilation when the server says `application/wasm`,
 * else (wrong content type, or streaming refused by a proxy or the engine) from the whole body.
 * A CSP must allow `'wasm-unsafe-eval'` (or `'unsafe-eval'`) for either.
 */
export async function fetchModule(url: URL): Promise<WebAssembly.Module> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new UnsupportedRuntimeError('init', 'url', 'a reachable simdconv .wasm', `${url.href} (${(e as Error).message})`);
  }
  if (!response.ok) {
    throw new UnsupportedRuntimeError('init', 'url', 'a URL serving the simdconv .wasm', `${url.href} answering ${response.status}`);
  }
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.startsWith('application/wasm')) {
    try {
      return await WebAssembly.compileStreaming(response.clone());
    } catch {
      // Fall through: compiling the bytes gives the engine's own message if they are bad.
    }
  }
  return compileBytes(await response.arrayBuffer(), 'url', `the bytes of ${url.href}`);
}
