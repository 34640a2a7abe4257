// A Vite production build of a small app that imports 'simdconv' with no configuration
// (test/browser/vite-app), served by a static server with a strict Content-Security-Policy, and
// loaded in Chromium: the page must show the lesson's numbers, with no CSP violation and no
// console error. Variants: COOP/COEP (cross-origin isolated), a wrong .wasm content type (the
// non-streaming fallback), a CSP without 'wasm-unsafe-eval' (must fail with one clear error:
// the check that a violation would be seen), and the same app from the Vite dev server.
// Part of `npm run test:browser` (needs /usr/bin/chromium); the package must be built.
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, consumer, openPage, serveDir, withChromium, type Served } from '../runtimes/harness.js';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

let appRoot = '';
let outDir = '';
let warnings: string[] = [];
let browser: Browser;
let closeBrowser: () => void;

beforeAll(async () => {
  // The app and the lesson case, copied into a project where simdconv is installed from dist/.
  const app = join(consumer(), 'app');
  cpSync(join(ROOT, 'test/browser/vite-app'), join(app, 'test/browser/vite-app'), { recursive: true });
  cpSync(join(ROOT, 'test/runtimes/cases'), join(app, 'test/runtimes/cases'), { recursive: true });
  const { build, createLogger } = await import('vite');
  const logger = createLogger('warn');
  warnings = [];
  logger.warn = (msg) => void warnings.push(msg);
  logger.warnOnce = logger.warn;
  outDir = join(app, 'out');
  appRoot = join(app, 'test/browser/vite-app');
  await build({
    root: appRoot,
    configFile: false,
    logLevel: 'warn',
    customLogger: logger,
    build: { outDir, emptyOutDir: true },
  });
  // One browser for every page of this file.
  await new Promise<void>((ready) => {
    void withChromium((b) => {
      browser = b;
      ready();
      return new Promise<void>((done) => (closeBrowser = done));
    });
  });
}, 120_000);

afterAll(() => closeBrowser?.());

async function load(headers: Record<string, string>, types: Record<string, string> = {}) {
  let server: Served | null = null;
  try {
    server = await serveDir(outDir, { headers, types });
    const page = await openPage(browser, server.url);
    return { ...page, requests: [...server.requests] };
  } finally {
    await server?.close();
  }
}

interface AppResult {
  ok: boolean;
  value?: { corr: number[][]; edges: number[][]; transposed: number[][]; kernel: number[][]; losses: number[] };
  error?: { name: string; message: string };
  unsupportedRuntime?: boolean;
  crossOriginIsolated?: boolean;
}

function expectLesson(r: AppResult): void {
  expect(r.error).toBeUndefined();
  expect(r.ok).toBe(true);
  const v = r.value!;
  expect(v.corr).toEqual([[19, 25], [37, 43]]);
  expect(v.edges).toEqual(Array(6).fill([0, 1, 0, 0, 0, -1, 0]));
  expect(v.transposed).toEqual(Array(8).fill([0, 0, 0, 0, 0]));
  // LOCK (a value this code produced: seed 0's learned kernel, printed by `npm start`). Oracle:
  // test/train.test.ts 'the losses follow float64 gradient descent from the same initial kernel',
  // whose float64 descent reaches the same four decimals.
  expect(v.kernel[0]!.map((k) => k.toFixed(4))).toEqual(['0.9766', '-0.9891']);
}

describe('Vite production build of an app importing simdconv', () => {
  it('emits the .wasm as an asset, bundles the browser entry, and references no node: module', () => {
    const assets = readdirSync(join(outDir, 'assets'));
    expect(assets.some((f) => /^simdconv-.*\.wasm$/.test(f))).toBe(true);
    const js = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(outDir, 'assets', f), 'utf8')).join('\n');
    // No import of a node: module, static or dynamic, for the bundler to follow.
    expect(js).not.toMatch(/\bfrom\s*["'`]node:|\bimport\s*\(\s*["'`]node:|\brequire\s*\(\s*["'`]node:/);
    // The Node loader (source-node.ts reads the .wasm with fs and fileURLToPath) is not bundled.
    // (sc.data.loadFashionMnist's `readFile` is a caller-given function, so that name may appear.)
    expect(js).not.toMatch(/source-node|fileURLToPath/);
    expect(js).not.toContain('Workers cannot compile WebAssembly at run time');
    expect(warnings.filter((w) => /node:|externalized|simdconv/i.test(w))).toEqual([]);
  });

  it(`under CSP "${CSP}": prints the lesson's numbers, no CSP violation, no console error`, async () => {
    const page = await load({ 'Content-Security-Policy': CSP });
    expectLesson(page.result as AppResult);
    expect(page.violations).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    expect(page.requests.filter((p) => p.endsWith('.wasm'))).toHaveLength(1);
  });

  it('under the CSP plus COOP/COEP: cross-origin isolated, same numbers, no violation', async () => {
    const page = await load({ 'Content-Security-Policy': CSP, ...ISOLATED });
    const r = page.result as AppResult;
    expectLesson(r);
    expect(r.crossOriginIsolated).toBe(true);
    expect(page.violations).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
  });

  it('with the .wasm served as application/octet-stream: compiles from the bytes instead of streaming', async () => {
    const page = await load({ 'Content-Security-Policy': CSP }, { '.wasm': 'application/octet-stream' });
    expectLesson(page.result as AppResult);
    expect(page.violations).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
  });

  it("under a CSP without 'wasm-unsafe-eval': one UnsupportedRuntimeError naming it, and the violation is seen", async () => {
    const page = await load({ 'Content-Security-Policy': "default-src 'self'; script-src 'self'" });
    const r = page.result as AppResult;
    expect(r.ok).toBe(false);
    expect(r.unsupportedRuntime).toBe(true);
    expect(r.error!.message).toMatch(/^init: .*'wasm-unsafe-eval'/);
    expect(page.violations.length).toBeGreaterThan(0);
  });

  it('also runs unbuilt from the Vite dev server', async () => {
    const { createServer } = await import('vite');
    const server = await createServer({ root: appRoot, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0 } });
    try {
      await server.listen();
      const page = await openPage(browser, server.resolvedUrls!.local[0]!);
      expectLesson(page.result as AppResult);
      expect(page.pageErrors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('errors keep their class name in a minified production build', async () => {
    const page = await load({ 'Content-Security-Policy': "default-src 'self'; script-src 'self'" });
    expect((page.result as AppResult).error!.name).toBe('UnsupportedRuntimeError');
  });
});
