// Determinism in Chromium: test/determinism/cases.ts run against the BUILT package in headless
// Chromium must give exactly the hashes of expected.json, like Node, Deno, Bun and workerd
// (test/determinism/runtimes.test.ts). expected.json is a LOCK (values this code produced): see
// test/determinism/determinism.test.ts for the oracles behind it.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runIn, withChromium } from '../runtimes/harness.js';

const expected = JSON.parse(readFileSync(new URL('../determinism/expected.json', import.meta.url), 'utf8')) as Record<string, string>;

it('chromium gives the hashes of expected.json', async () => {
  const o = await withChromium((browser) => runIn('chromium', { file: 'test/determinism/runtime-case.ts' }, { browser, timeoutMs: 60_000 }));
  expect(o.error, `chromium threw:\n${o.error?.stack}\n${o.output}`).toBeUndefined();
  expect(o.ok).toBe(true);
  const got = o.value as Record<string, string>;
  expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
  expect(Object.keys(expected).filter((k) => got[k] !== expected[k]), 'cases whose hash differs from expected.json').toEqual([]);
}, 120_000);
