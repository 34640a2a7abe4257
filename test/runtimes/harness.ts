// Runs a script against the BUILT simdconv package in another runtime and returns its JSON result.
//
//   const r = await runIn('deno', { file: 'test/runtimes/cases/lesson.ts' });
//   r.ok, r.value (what the script's default export returned), r.error, r.entry, r.ms
//
// The script is an ES module (JS or TS) whose default export is a function (may be async)
// returning a JSON-serialisable value. It imports 'simdconv' like a user would; relative imports
// are bundled with it. The package is "installed" into a throwaway consumer project (its
// package.json and dist/, the files npm would publish, plus symlinks to its runtime
// dependencies), so the runtime resolves 'simdconv' through the package's `exports` conditions:
//
// - node, deno, bun: the script is bundled with 'simdconv' and node: modules left external, then
//   run by the runtime from the consumer project (conditions node / deno / bun).
// - workerd: the script is bundled like wrangler does (conditions workerd, worker, browser; .wasm
//   imports left as CompiledWasm modules) into a Worker whose fetch handler returns the result;
//   miniflare runs it and the harness fetches it with dispatchFetch.
// - chromium: the script is bundled for the browser (condition browser; a `node:` import anywhere
//   fails the bundle), served with the package's .wasm files by a static server (optional
//   headers: CSP, COOP/COEP; optional .wasm content type), and run in headless Chromium through
//   playwright-core. CSP violations and console errors are reported.
//
// Needs a built dist/ (`npm run build`). Chromium is the Debian package at /usr/bin/chromium
// (CHROMIUM_PATH overrides).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { Browser } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The launch flags that work on this machine (no sandbox, no GPU, no network side traffic). */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export type Runtime = 'node' | 'deno' | 'bun' | 'workerd' | 'chromium';
export const CLI_RUNTIMES = ['node', 'deno', 'bun'] as const;

/** A module to run: source text (JS, or TS with `ts: true`) or a file path (relative to the repo). */
export type Script = { code: string; ts?: boolean } | { file: string };

export interface RunOptions {
  /** Milliseconds before the run is abandoned (default 60 s). */
  timeoutMs?: number;
  /** chromium: headers on every response (e.g. a Content-Security-Policy, COOP/COEP). */
  headers?: Record<string, string>;
  /** chromium: the content type the .wasm files are served with (default application/wasm). */
  wasmContentType?: string;
  /** chromium: reuse a launched browser (see withChromium) instead of launching one. */
  browser?: Browser;
  /** workerd: the Worker's compatibility date (default WORKERD_DATE). */
  compatibilityDate?: string;
}

/** The compatibility date Workers run with unless a test asks for another. */
export const WORKERD_DATE = '2026-04-01';

export interface Outcome {
  runtime: Runtime;
  /** The script's default export returned (`value`) or threw (`error`). */
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; stack: string };
  /** What 'simdconv' resolved to: a URL (node, deno, bun) or the bundled entry file (workerd, chromium). */
  entry: string | null;
  /** workerd, chromium: the simdconv files in the bundle, relative to the package root. */
  bundled?: string[];
  /** chromium: CSP violations ("directive blocked-uri") and console errors seen by the page. */
  violations?: string[];
  consoleErrors?: string[];
  /** Wall time of the whole run (bundle + start + script), ms. */
  ms: number;
  /** The runtime's stdout/stderr (node, deno, bun, workerd), for diagnosis. */
  output: string;
}

const MARK = '@@simdconv-result@@';

/** The runner's catch block: the same in every runtime. */
const CAPTURE = `
  try { out.value = await main(); out.ok = true; }
  catch (e) { out.ok = false; out.error = { name: String(e?.name ?? 'Error'), message: String(e?.message ?? e), stack: String(e?.stack ?? '') }; }`;

let consumerDir: string | null = null;

/**
 * A throwaway project with simdconv installed from this repository's package.json and dist/ (a
 * copy taken on first use in this process), and its runtime dependencies symlinked.
 */
export function consumer(): string {
  if (consumerDir) return consumerDir;
  for (const f of ['dist/index.js', 'dist/browser.js', 'dist/workerd.js', 'dist/simdconv.wasm']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`runtime harness: ${f} is missing; run \`npm run build\` first`);
  }
  removeStaleConsumers();
  const dir = mkdtempSync(join(tmpdir(), `simdconv-consumer-${process.pid}-`));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files?: string[]; dependencies?: Record<string, string> };
  const installed = join(dir, 'node_modules/simdconv');
  mkdirSync(installed, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  for (const f of pkg.files ?? ['dist']) cpSync(join(ROOT, f), join(installed, f), { recursive: true });
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    mkdirSync(dirname(join(dir, 'node_modules', dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'simdconv-consumer', private: true, type: 'module', dependencies: { simdconv: '*' },
  }, null, 2));
  consumerDir = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Removes consumer projects left by processes that no longer exist (a test worker killed before
 * its exit hook ran).
 */
function removeStaleConsumers(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = /^simdconv-consumer-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch (e) {
      if ((e as { code?: string }).code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

let counter = 0;

/** Writes a code script into the consumer project; returns the module's absolute path. */
function scriptPath(script: Script): string {
  if ('file' in script) return resolve(ROOT, script.file);
  const path = join(consumer(), `case-${process.pid}-${++counter}.${script.ts ? 'ts' : 'mjs'}`);
  writeFileSync(path, script.code);
  return path;
}

/** Resolves 'simdconv' (and its subpaths) from the consumer project, with the build's conditions. */
const fromConsumer: Plugin = {
  name: 'simdconv-from-consumer',
  setup(b) {
    b.onResolve({ filter: /^simdconv(\/.*)?$/ }, async (args) => {
      if (args.pluginData === 'consumer') return undefined;
      return b.resolve(args.path, { kind: args.kind, resolveDir: consumer(), pluginData: 'consumer' });
    });
  },
};

interface Bundle { file: string; dir: string; inputs: string[] }

/**
 * Bundles `runner` (an entry module's source that imports the case at `casePath`) with esbuild.
 * 'workerd' and 'browser' bundle simdconv the way wrangler and browser bundlers do; 'cli' keeps
 * simdconv and node: modules external for the runtime to resolve.
 */
export async function bundle(runner: string, casePath: string, target: 'cli' | 'workerd' | 'browser'): Promise<Bundle> {
  const dir = mkdtempSync(join(consumer(), `bundle-${target}-`));
  const common = {
    stdin: { contents: runner, resolveDir: dirname(casePath), sourcefile: 'runner.mjs', loader: 'js' as const },
    bundle: true, format: 'esm' as const, outfile: join(dir, 'main.mjs'), metafile: true, logLevel: 'silent' as const,
    target: 'es2022',
  };
  const result = target === 'cli'
    ? await build({ ...common, platform: 'neutral', mainFields: ['module', 'main'], external: ['simdconv', 'simdconv/*', 'node:*'] })
    : target === 'workerd'
      ? await build({
        ...common, platform: 'neutral', mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'browser'],
        external: ['*.wasm'], plugins: [fromConsumer],
      })
      : await build({ ...common, platform: 'browser', conditions: ['browser'], plugins: [fromConsumer] });
  const pkgRoot = join(consumer(), 'node_modules/simdconv');
  const inputs = Object.keys(result.metafile!.inputs)
    .map((p) => resolve(process.cwd(), p))
    .filter((p) => p.startsWith(pkgRoot + '/'))
    .map((p) => relative(pkgRoot, p));
  return { file: join(dir, 'main.mjs'), dir, inputs };
}

/** The entry file among a bundle's simdconv inputs (dist/index.js, dist/browser.js or dist/workerd.js). */
function entryOf(inputs: string[]): string | null {
  return inputs.find((p) => /^dist\/(index|browser|workerd)\.js$/.test(p)) ?? null;
}

/** Runs a script in `runtime` against the built package; see the file comment. */
export async function runIn(runtime: Runtime, script: Script, options: RunOptions = {}): Promise<Outcome> {
  const t0 = performance.now();
  const casePath = scriptPath(script);
  const imp = JSON.stringify(casePath);
  let outcome: Omit<Outcome, 'ms' | 'runtime'>;
  if (runtime === 'workerd') {
    const b = await bundle(`import main from ${imp};
      export default { async fetch() { const out = {}; ${CAPTURE} return Response.json(out); } };`, casePath, 'workerd');
    outcome = await withWorker(b.file, options.compatibilityDate, async (mf) => {
      const res = await mf.dispatchFetch('http://localhost/');
      return { ...(await res.json() as Pick<Outcome, 'ok' | 'value' | 'error'>), entry: entryOf(b.inputs), bundled: b.inputs, output: '' };
    });
  } else if (runtime === 'chromium') {
    outcome = await runInChromium(imp, casePath, options);
  } else {
    const b = await bundle(`const out = { entry: null };
      try { out.entry = import.meta.resolve('simdconv'); } catch {}
      const { default: main } = await import(${imp}); ${CAPTURE}
      console.log(${JSON.stringify('\n' + MARK)} + JSON.stringify(out));`, casePath, 'cli');
    const { code, output } = await exec(runtime, b.file, options.timeoutMs ?? 60_000);
    const at = output.lastIndexOf(MARK);
    outcome = at < 0
      ? { ok: false, entry: null, output, error: { name: 'RunnerError', message: `${runtime} exited with ${code} and no result`, stack: output } }
      : { ...JSON.parse(output.slice(at + MARK.length).split('\n')[0]!) as Pick<Outcome, 'ok' | 'value' | 'error' | 'entry'>, output };
  }
  return { runtime, ...outcome, ms: Math.round(performance.now() - t0) };
}

/** The command line that runs a module file in a CLI runtime. */
function command(runtime: 'node' | 'deno' | 'bun', file: string): [string, string[]] {
  switch (runtime) {
    case 'node': return [process.execPath, [file]];
    case 'deno': return [join(BIN, 'deno'), ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-env', file]];
    case 'bun': return [join(BIN, 'bun'), [file]];
  }
}

function exec(runtime: string, file: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const [cmd, args] = command(runtime as 'node', file);
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, {
      cwd: consumer(),
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

/**
 * Runs a bundled Worker (one ES module whose .wasm imports, e.g. "./simdconv.wasm", are left
 * external) in miniflare/workerd, with the package's .wasm files as CompiledWasm modules beside
 * it, as wrangler uploads them, on `compatibilityDate` (default WORKERD_DATE).
 */
export async function withWorker<T>(mainFile: string, compatibilityDate: string | undefined, fn: (mf: import('miniflare').Miniflare) => Promise<T>): Promise<T> {
  const { Miniflare } = await import('miniflare');
  const dist = join(consumer(), 'node_modules/simdconv/dist');
  const modules: { type: 'ESModule' | 'CompiledWasm'; path: string; contents: string | Uint8Array }[] = [
    { type: 'ESModule', path: 'main.mjs', contents: readFileSync(mainFile, 'utf8') },
  ];
  for (const f of ['simdconv.wasm', 'simdconv-mt.wasm']) {
    if (existsSync(join(dist, f))) modules.push({ type: 'CompiledWasm', path: f, contents: readFileSync(join(dist, f)) });
  }
  const mf = new Miniflare({ modules, compatibilityDate: compatibilityDate ?? WORKERD_DATE });
  try {
    await mf.ready;
    return await fn(mf);
  } finally {
    await mf.dispose();
  }
}

export interface Served {
  url: string;
  close(): Promise<void>;
  /** Paths requested so far, in order. */
  requests: string[];
}

export interface ServeOptions {
  /** Headers on every response. */
  headers?: Record<string, string>;
  /** Content types by extension (".wasm": "application/wasm" by default). */
  types?: Record<string, string>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.map': 'application/json',
};

/**
 * A static HTTP server on 127.0.0.1: `lookup(path)` maps a URL path to a file (or returns null for
 * 404); `/` serves `/index.html`. Every response carries `headers`.
 */
export async function serve(lookup: (path: string) => string | null, options: ServeOptions = {}): Promise<Served> {
  const types = { ...TYPES, ...options.types };
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = lookup(path === '/' ? '/index.html' : path);
    for (const [k, v] of Object.entries(options.headers ?? {})) res.setHeader(k, v);
    if (file === null || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** Serves a directory (e.g. a Vite build's outDir). */
export function serveDir(dir: string, options: ServeOptions = {}): Promise<Served> {
  const root = resolve(dir);
  return serve((p) => {
    const file = resolve(root, '.' + p);
    return file.startsWith(root + '/') ? file : null;
  }, options);
}

/** Launches headless Chromium (playwright-core, the system binary), runs `fn`, closes it. */
export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

export interface PageRun {
  /** What the page put in `window[resultKey]`. */
  result: unknown;
  /** CSP violations ("directive blocked-uri"), from securitypolicyviolation events and the console. */
  violations: string[];
  consoleErrors: string[];
  pageErrors: string[];
}

/**
 * Opens `url`, waits until `window[resultKey]` is set (or `timeoutMs`), and collects CSP
 * violations, console errors and uncaught page errors on the way.
 */
export async function openPage(browser: Browser, url: string, resultKey = '__simdconvResult', timeoutMs = 30_000): Promise<PageRun> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.exposeFunction('__simdconvViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __simdconvViolation(v: string): void }).__simdconvViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  try {
    await page.goto(url);
    const handle = await page.waitForFunction((k) => (window as unknown as Record<string, unknown>)[k] !== undefined, resultKey, { timeout: timeoutMs })
      .catch(() => null);
    const result = handle === null ? undefined : await page.evaluate((k) => (window as unknown as Record<string, unknown>)[k], resultKey);
    return { result, violations, consoleErrors, pageErrors };
  } finally {
    await context.close();
  }
}

async function runInChromium(imp: string, casePath: string, options: RunOptions): Promise<Omit<Outcome, 'ms' | 'runtime'>> {
  const b = await bundle(`import main from ${imp};
    const out = {}; ${CAPTURE}
    window.__simdconvResult = out;`, casePath, 'browser');
  const dist = join(consumer(), 'node_modules/simdconv/dist');
  writeFileSync(join(b.dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>simdconv</title><script type="module" src="/app/main.mjs"></script>\n');
  // The bundle keeps the package's `new URL('…/simdconv.wasm', import.meta.url)`: any path ending
  // in a shipped .wasm's name serves that file.
  const server = await serve((p) => {
    if (p.endsWith('.wasm')) return join(dist, basename(p));
    if (p === '/index.html') return join(b.dir, 'index.html');
    return p.startsWith('/app/') ? join(b.dir, p.slice(5)) : null;
  }, { headers: options.headers, types: options.wasmContentType ? { '.wasm': options.wasmContentType } : {} });
  try {
    const go = (browser: Browser) => openPage(browser, server.url, '__simdconvResult', options.timeoutMs ?? 60_000);
    const page = options.browser ? await go(options.browser) : await withChromium(go);
    const r = (page.result ?? {
      ok: false, error: { name: 'PageError', message: `no result; page errors: ${page.pageErrors.join('; ')}`, stack: '' },
    }) as Pick<Outcome, 'ok' | 'value' | 'error'>;
    return {
      ...r, entry: entryOf(b.inputs), bundled: b.inputs, violations: page.violations,
      consoleErrors: page.consoleErrors, output: page.pageErrors.join('\n'),
    };
  } finally {
    await server.close();
  }
}
