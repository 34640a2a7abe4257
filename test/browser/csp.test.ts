// In Chromium (the built package): a CSP of `default-src 'none'; script-src 'self'
// 'wasm-unsafe-eval'; connect-src 'self'` is enough, and without 'wasm-unsafe-eval' init fails
// with one clear error. (`npm run test:browser`; the rest of the security checks are in
// test/security.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import { runIn, withChromium, type Outcome } from '../runtimes/harness.js';

describe('Content-Security-Policy (headless Chromium, the built package)', () => {
  const CASE = {
    code: `import * as sc from 'simdconv';
      export default async () => {
        try { await sc.init(); } catch (e) { return { name: e.name, message: e.message }; }
        return sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray();
      };`,
  };

  let strict: Outcome, noWasm: Outcome;
  beforeAll(async () => {
    [strict, noWasm] = await withChromium((browser) => Promise.all([
      runIn('chromium', CASE, { browser, headers: { 'Content-Security-Policy': "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'" } }),
      runIn('chromium', CASE, { browser, headers: { 'Content-Security-Policy': "default-src 'none'; script-src 'self'; connect-src 'self'" } }),
    ]));
  }, 60_000);

  it("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' is enough", () => {
    const o = strict;
    expect(o.error?.stack).toBeUndefined();
    expect(o.value).toEqual([[19, 25], [37, 43]]);
    expect(o.violations).toEqual([]);
  });

  it("without 'wasm-unsafe-eval', init fails with one UnsupportedRuntimeError that names it", () => {
    const o = noWasm;
    expect(o.ok).toBe(true);
    const v = o.value as { name: string; message: string };
    expect(v.name).toBe('UnsupportedRuntimeError');
    expect(v.message).toMatch(/wasm-unsafe-eval/);
  });
});
