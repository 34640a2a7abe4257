// `npm run playground`: serves the playground pages on http://127.0.0.1:<port>/ (port 5173, or
// $PORT, or --port N; 0 picks a free one): the lesson's page at / and LeNet on Fashion-MNIST at
// /lenet.html. The pages' scripts (main.ts, lenet.ts, its worker lenet-worker.ts, and the
// simdconv thread-pool worker src/threads/worker.ts that `new URL('./worker.js', import.meta.url)`
// finds beside them) are bundled by esbuild in memory, rebuilt on every request; the kernels are
// served from dist/ (`npm run build:wasm`). Every response carries a strict
// Content-Security-Policy (scripts only from this origin, plus 'wasm-unsafe-eval' to compile
// WebAssembly) and, unless --no-isolation, COOP/COEP headers that make the pages cross-origin
// isolated, so simdconv can use threads. The Fashion-MNIST files are served at
// /data/fashion-mnist/<file> from /usr/share/datasets/fashion-mnist/ (Debian's
// dataset-fashion-mnist) when they are there.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  json: 'application/json; charset=utf-8',
  wasm: 'application/wasm',
  gz: 'application/gzip',
};

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, hence threads). */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Where Debian's dataset-fashion-mnist puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** The files served under /data/fashion-mnist/. */
const DATA_FILES = new Set(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);

/** The bundles: URL path -> entry point. */
const BUNDLES: Record<string, string> = {
  main: `${here}main.ts`,
  lenet: `${here}lenet.ts`,
  'lenet-worker': `${here}lenet-worker.ts`,
  worker: `${root}src/threads/worker.ts`,
};

/** Static files: URL path -> file on disk. */
const FILES: Record<string, string> = {
  '/': `${here}index.html`,
  '/index.html': `${here}index.html`,
  '/lenet.html': `${here}lenet.html`,
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

export interface PlaygroundOptions {
  /** 0 picks a free port (default 5173). */
  port?: number;
  host?: string;
  /** Send COOP/COEP so the pages are cross-origin isolated (default true). */
  isolated?: boolean;
  /** The folder of the Fashion-MNIST files served at /data/fashion-mnist/ (default FASHION_MNIST_DIR; null serves none). */
  dataDir?: string | null;
}

/** How a request is answered: the bundler and the options. */
interface Site {
  bundler: BuildContext;
  headers: Record<string, string>;
  dataDir: string | null;
}

/** Starts the playground server. */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const host = options.host ?? '127.0.0.1';
  const bundler = await context({
    entryPoints: BUNDLES,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    sourcemap: 'linked',
    outdir: `${here}out`, // names only: nothing is written (write: false)
    write: false,
    logLevel: 'silent',
  });
  const site: Site = {
    bundler,
    headers: options.isolated === false ? {} : ISOLATION,
    dataDir: options.dataDir === undefined ? FASHION_MNIST_DIR : options.dataDir,
  };
  const server = createServer((req, res) => {
    handle(req, res, site).catch((e: unknown) => send(res, site, 500, 'txt', `playground: ${(e as Error).message}\n`));
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

function send(res: ServerResponse, site: Site, status: number, ext: string, body: string | Uint8Array): void {
  res.writeHead(status, {
    ...site.headers,
    'Content-Type': TYPES[ext] ?? 'text/plain; charset=utf-8',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse, site: Site): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, site, 405, 'txt', 'method not allowed\n');
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const bundle = /^\/([\w-]+)\.js(\.map)?$/.exec(path)?.[1];
  if (bundle !== undefined && bundle in BUNDLES) {
    let result;
    try {
      result = await site.bundler.rebuild();
    } catch (e) {
      const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
      const text = errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('\n') || String(e);
      console.error(`playground: build failed\n${text}`);
      return send(res, site, 500, 'txt', `build failed\n${text}\n`);
    }
    const file = result.outputFiles!.find((f) => f.path.endsWith(path));
    return file ? send(res, site, 200, path.endsWith('.map') ? 'map' : 'js', file.contents) : send(res, site, 404, 'txt', 'not found\n');
  }
  if (path === '/data/fashion-mnist/') {
    // Which files this server has, so the page asks only for those (a 404 is a console error).
    const have = site.dataDir === null ? [] : [...DATA_FILES].filter((f) => existsSync(join(site.dataDir!, f)));
    return send(res, site, 200, 'json', JSON.stringify({ files: have }));
  }
  const data = /^\/data\/fashion-mnist\/([^/]+)$/.exec(path)?.[1];
  const file = data !== undefined ? (site.dataDir !== null && DATA_FILES.has(data) ? join(site.dataDir, data) : undefined) : FILES[path];
  if (file === undefined) return send(res, site, path === '/favicon.ico' ? 204 : 404, 'txt', path === '/favicon.ico' ? '' : 'not found\n');
  let body: Uint8Array;
  try {
    body = await readFile(file);
  } catch {
    const hint = file.endsWith('.wasm') ? ' (run `npm run build:wasm`)' : '';
    return send(res, site, 404, 'txt', `not found: ${path}${hint}\n`);
  }
  send(res, site, 200, file.slice(file.lastIndexOf('.') + 1), body);
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
  const isolated = !process.argv.includes('--no-isolation');
  let pg: Playground;
  try {
    pg = await startPlayground({ port, isolated });
  } catch (e) {
    // The default port is taken: take any free one (an explicit port is an error).
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port !== undefined) throw e;
    pg = await startPlayground({ port: 0, isolated });
  }
  console.log(`simdconv playground: ${pg.url}  and LeNet on Fashion-MNIST: ${pg.url}lenet.html  (Ctrl+C to stop)`);
  const stop = () => void pg.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
