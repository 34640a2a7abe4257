// Every mainstream bundler builds a tiny simdconv app (test/bundlers/app) with no configuration
// beyond its entry, the build is served on localhost and loaded in headless Chromium, and the page
// must show the lesson's corr2d result. esbuild, webpack 5, Rollup (with node-resolve, which it
// needs for any package), Parcel and Vite. Bundlers that emit `new URL('./simdconv.wasm',
// import.meta.url)` as an asset (webpack, Parcel, Vite) take the default entry; the others
// (esbuild, Rollup) take `simdconv/inline`, and the default entry there must fail with the URL
// tried, its status and that fix.
//
// `npm run test:bundlers:install && npm run test:bundlers`; needs a built dist/ and
// /usr/bin/chromium (CHROMIUM_PATH overrides).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openPage, serveDir, withChromium } from '../runtimes/harness.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const WORK = join(HERE, '.work');
const requireHere = createRequire(join(HERE, 'package.json'));

// The bundlers' APIs as used here (typed locally: the typecheck runs before they are installed).
type Webpack = (options: object, done: (e: Error | null, stats?: { hasErrors(): boolean; toString(preset: string): string }) => void) => void;
interface Rollup { rollup(options: object): Promise<{ write(options: object): Promise<unknown>; close(): Promise<void> }> }
interface NodeResolve { nodeResolve(options: object): object }
interface ParcelCore { Parcel: new (options: object) => { run(): Promise<{ type: string }> } }

interface PageResult { ok: boolean; text: string; error?: { name: string; message: string; argument?: string } }

let browser: Browser;
let closeBrowser: () => void;

beforeAll(async () => {
  // simdconv "installed" as npm would publish it: package.json and its `files`, in a node_modules
  // that every app below resolves 'simdconv' from.
  rmSync(WORK, { recursive: true, force: true });
  const installed = join(WORK, 'node_modules/simdconv');
  mkdirSync(installed, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  for (const f of pkg.files) cpSync(join(ROOT, f), join(installed, f), { recursive: true });
  await new Promise<void>((ready) => {
    void withChromium((b) => {
      browser = b;
      ready();
      return new Promise<void>((done) => (closeBrowser = done));
    });
  });
});

afterAll(() => {
  closeBrowser?.();
  rmSync(WORK, { recursive: true, force: true });
});

/** A fresh copy of the app for one build; returns its source and output directories. */
function app(name: string, html?: string): { src: string; out: string } {
  const src = join(WORK, name, 'src');
  const out = join(WORK, name, 'out');
  cpSync(join(HERE, 'app'), src, { recursive: true });
  if (html !== undefined) writeFileSync(join(src, 'index.html'), html);
  return { src, out };
}

/** The page every bundler gets or writes: `script` is its <script> tag. */
const page = (script: string) =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>simdconv app</title></head>\n<body><pre id="out">loading</pre>\n${script}\n</body></html>\n`;

const CSP = { 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'" };

/** Serves a build (under a strict CSP unless `headers` says otherwise; content `types` by extension) and runs its page. */
async function load(out: string, headers: Record<string, string> = CSP, types: Record<string, string> = {}): Promise<{ result: PageResult; requests: string[] }> {
  const server = await serveDir(out, { headers, types });
  try {
    const run = await openPage(browser, server.url);
    const result = (run.result ?? { ok: false, text: `no result; page errors: ${run.pageErrors.join('; ')}; console errors: ${run.consoleErrors.join('; ')}; CSP violations: ${run.violations.join('; ')}` }) as PageResult;
    return { result, requests: [...server.requests] };
  } finally {
    await server.close();
  }
}

function expectLesson(r: PageResult): void {
  expect(r.error, r.text).toBeUndefined();
  expect(r.ok, r.text).toBe(true);
  expect(r.text).toContain('corr2d(X, K) = [[19,25],[37,43]]');
  expect(r.text).toContain('edges row = [0,1,0,0,0,-1,0]');
  expect(r.text).toContain('live tensors = 0');
}

async function esbuild(entry: string, format: 'esm' | 'iife'): Promise<string> {
  const { build } = await import('esbuild');
  const { src, out } = app(`esbuild-${entry}-${format}`);
  await build({ entryPoints: [join(src, entry)], bundle: true, format, outfile: join(out, 'main.js'), logLevel: 'silent' });
  writeFileSync(join(out, 'index.html'), page(`<script ${format === 'esm' ? 'type="module" ' : ''}src="./main.js"></script>`));
  return out;
}

describe('esbuild (no loader: it does not emit new URL() assets)', () => {
  it('simdconv/inline: the page shows the lesson', async () => {
    const { result, requests } = await load(await esbuild('main-inline.js', 'esm'));
    expectLesson(result);
    expect(requests.filter((p) => p.endsWith('.wasm'))).toEqual([]);
  });

  it("simdconv: init fails with the URL tried, its status and the one-line fix, naming no argument", async () => {
    const { result } = await load(await esbuild('main.js', 'esm'));
    expect(result.ok).toBe(false);
    expect(result.error!.name).toBe('UnsupportedRuntimeError');
    expect(result.error!.message).toMatch(/^init: the simdconv kernel module was not found: http:\/\/127\.0\.0\.1:\d+\/simdconv\.wasm answered HTTP 404\. Fix: import 'simdconv\/inline' instead of 'simdconv'.*init\(\{ url/);
    expect(result.error!.message).not.toMatch(/argument/);
    expect(result.text).toContain('simdconv/inline');
  });

  it("simdconv with a server that answers every path with its page: init says it got HTML, not WebAssembly", async () => {
    const out = await esbuild('main.js', 'esm');
    writeFileSync(join(out, 'simdconv.wasm'), page('')); // a dev server's fallback page
    const { result } = await load(out, { ...CSP }, { '.wasm': 'text/html; charset=utf-8' });
    expect(result.ok).toBe(false);
    expect(result.error!.message).toMatch(/^init: the simdconv kernel module was not found: http:\/\/127\.0\.0\.1:\d+\/simdconv\.wasm answered HTTP 200 with text\/html; charset=utf-8, not WebAssembly\. Fix: import 'simdconv\/inline'/);
    expect(result.error!.message).not.toMatch(/argument/);
  });

  it('simdconv in an IIFE bundle (no import.meta.url): init says so and gives the fix', async () => {
    const { result } = await load(await esbuild('main.js', 'iife'));
    expect(result.ok).toBe(false);
    expect(result.error!.message).toMatch(/^init: cannot locate simdconv\.wasm: this bundle has no import\.meta\.url .*Fix: import 'simdconv\/inline'/);
    expect(result.error!.message).not.toMatch(/argument/);
  });
});

describe('webpack 5 (zero config: mode, entry, output path)', () => {
  it('simdconv: the .wasm is emitted as an asset and the page shows the lesson', async () => {
    const webpack = requireHere('webpack') as Webpack;
    const { src, out } = app('webpack');
    const stats = await new Promise<NonNullable<Parameters<Parameters<Webpack>[1]>[1]>>((done, fail) => {
      webpack({ mode: 'production', entry: join(src, 'main.js'), output: { path: out } }, (e, s) => (e ? fail(e) : done(s!)));
    });
    expect(stats.hasErrors(), stats.toString('errors-only')).toBe(false);
    writeFileSync(join(out, 'index.html'), page('<script src="./main.js"></script>'));
    const { result, requests } = await load(out);
    expectLesson(result);
    expect(requests.some((p) => p.endsWith('.wasm'))).toBe(true);
  });
});

describe('Rollup (node-resolve for the browser, nothing else)', () => {
  it('simdconv/inline: the page shows the lesson', async () => {
    const { rollup } = await import(requireHere.resolve('rollup')) as Rollup;
    const { nodeResolve } = await import(requireHere.resolve('@rollup/plugin-node-resolve')) as NodeResolve;
    const { src, out } = app('rollup');
    const bundle = await rollup({ input: join(src, 'main-inline.js'), plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
    await bundle.write({ file: join(out, 'main.js'), format: 'es' });
    await bundle.close();
    writeFileSync(join(out, 'index.html'), page('<script type="module" src="./main.js"></script>'));
    expectLesson((await load(out)).result);
  });
});

describe('Parcel (zero config: the page is the entry)', () => {
  it('simdconv: the .wasm is emitted as an asset and the page shows the lesson', async () => {
    const { Parcel } = await import(requireHere.resolve('@parcel/core')) as ParcelCore;
    const { src, out } = app('parcel', page('<script type="module" src="./main.js"></script>'));
    const parcel = new Parcel({
      entries: join(src, 'index.html'),
      defaultConfig: requireHere.resolve('@parcel/config-default'),
      mode: 'production',
      cacheDir: join(WORK, 'parcel-cache'),
      shouldDisableCache: true,
      logLevel: 'error',
      defaultTargetOptions: { distDir: out, publicUrl: './' },
    });
    const event = await parcel.run();
    expect(event.type).toBe('buildSuccess');
    // No CSP: Parcel's page carries an inline import map, which script-src 'self' blocks.
    const { result, requests } = await load(out, {});
    expectLesson(result);
    expect(requests.some((p) => p.endsWith('.wasm'))).toBe(true);
  });
});

describe('Vite (zero config: the page is the entry)', () => {
  it('simdconv: the .wasm is emitted as an asset and the page shows the lesson', async () => {
    const { build } = await import('vite');
    const { src, out } = app('vite', page('<script type="module" src="./main.js"></script>'));
    await build({ root: src, configFile: false, logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    const { result, requests } = await load(out);
    expectLesson(result);
    expect(requests.some((p) => p.endsWith('.wasm'))).toBe(true);
  });
});
