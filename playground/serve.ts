// `npm run playground`: serves the playground page on http://127.0.0.1:<port>/ (port 5173, or
// $PORT, or --port N; 0 picks a free one). playground/main.ts and the simdconv sources it imports
// are bundled by esbuild in memory, rebuilt on every page load; the kernels are served from dist/
// (`npm run build:wasm`). Every response carries a strict Content-Security-Policy: scripts only from
// this origin, plus 'wasm-unsafe-eval' to compile WebAssembly.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { context, type BuildContext } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  map: 'application/json; charset=utf-8',
  wasm: 'application/wasm',
};

/** Static files: URL path -> file on disk. */
const FILES: Record<string, string> = {
  '/': `${here}index.html`,
  '/index.html': `${here}index.html`,
  '/style.css': `${here}style.css`,
  // The browser entry fetches new URL('./<file>', import.meta.url): beside /main.js.
  '/simdconv.wasm': `${root}dist/simdconv.wasm`,
  '/simdconv-mt.wasm': `${root}dist/simdconv-mt.wasm`,
};

export interface Playground {
  /** The page's URL, e.g. `http://127.0.0.1:5173/`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the playground server. `port` 0 picks a free port. */
export async function startPlayground(options: { port?: number; host?: string } = {}): Promise<Playground> {
  const host = options.host ?? '127.0.0.1';
  const bundler = await context({
    entryPoints: { main: `${here}main.ts` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    sourcemap: 'linked',
    outdir: `${here}out`, // names only: nothing is written (write: false)
    write: false,
    logLevel: 'silent',
  });
  const server = createServer((req, res) => {
    handle(req, res, bundler).catch((e: unknown) => send(res, 500, 'txt', `playground: ${(e as Error).message}\n`));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 5173, host, () => resolve());
    });
  } catch (e) {
    await bundler.dispose();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bundler.dispose();
    },
  };
}

function send(res: ServerResponse, status: number, ext: string, body: string | Uint8Array): void {
  res.writeHead(status, {
    'Content-Type': TYPES[ext] ?? 'text/plain; charset=utf-8',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse, bundler: BuildContext): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'txt', 'method not allowed\n');
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/main.js' || path === '/main.js.map') {
    let result;
    try {
      result = await bundler.rebuild();
    } catch (e) {
      const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
      const text = errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('\n') || String(e);
      console.error(`playground: build failed\n${text}`);
      return send(res, 500, 'txt', `build failed\n${text}\n`);
    }
    const file = result.outputFiles!.find((f) => f.path.endsWith(path.slice(1)));
    return file ? send(res, 200, path.endsWith('.map') ? 'map' : 'js', file.contents) : send(res, 404, 'txt', 'not found\n');
  }
  const file = FILES[path];
  if (file === undefined) return send(res, path === '/favicon.ico' ? 204 : 404, 'txt', path === '/favicon.ico' ? '' : 'not found\n');
  let body: Uint8Array;
  try {
    body = await readFile(file);
  } catch {
    const hint = file.endsWith('.wasm') ? ' (run `npm run build:wasm`)' : '';
    return send(res, 404, 'txt', `not found: ${path}${hint}\n`);
  }
  send(res, 200, file.slice(file.lastIndexOf('.') + 1), body);
}

// Run as a script: serve until interrupted.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = process.argv.indexOf('--port');
  const asked = arg > 0 ? process.argv[arg + 1] : process.env.PORT;
  const port = asked === undefined ? undefined : Number(asked);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    console.error(`playground: --port / PORT must be a port number, got ${asked}`);
    process.exit(2);
  }
  let pg: Playground;
  try {
    pg = await startPlayground({ port });
  } catch (e) {
    // The default port is taken: take any free one (an explicit port is an error).
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port !== undefined) throw e;
    pg = await startPlayground({ port: 0 });
  }
  console.log(`simdconv playground: ${pg.url}  (Ctrl+C to stop)`);
  const stop = () => void pg.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
