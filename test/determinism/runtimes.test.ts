// Determinism across runtimes and thread counts: test/determinism/cases.ts run against the BUILT
// package in Node, Deno, Bun, workerd (miniflare), and in Node with a pool of two threads, must
// give exactly the hashes of expected.json. See test/runtimes/harness.ts. Chromium (a Debian
// package, so `npm run test:browser`): test/browser/determinism.test.ts. expected.json is a LOCK
// (values this code produced): see test/determinism/determinism.test.ts for the oracles behind it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runIn, type Outcome, type Runtime } from '../runtimes/harness.js';

const expected = JSON.parse(readFileSync(new URL('./expected.json', import.meta.url), 'utf8')) as Record<string, string>;
const RUNTIMES: Runtime[] = ['node', 'deno', 'bun', 'workerd'];
const runs = new Map<string, Outcome>();

beforeAll(async () => {
  const file = 'test/determinism/runtime-case.ts';
  const rest = await Promise.all([
    ...(['node', 'deno', 'bun', 'workerd'] as const).map((r) => runIn(r, { file })),
    runIn('node', { file: 'test/determinism/threads-case.ts' }),
  ]);
  (['node', 'deno', 'bun', 'workerd'] as const).forEach((r, i) => runs.set(r, rest[i]!));
  runs.set('node, 2 threads', rest[4]!);
}, 180_000);

function value(name: string): unknown {
  const o = runs.get(name)!;
  expect(o.error, `${name} threw:\n${o.error?.stack}\n${o.output}`).toBeUndefined();
  expect(o.ok).toBe(true);
  return o.value;
}

function expectHashes(got: Record<string, string>): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
  const differ = Object.keys(expected).filter((k) => got[k] !== expected[k]);
  expect(differ, 'cases whose hash differs from expected.json').toEqual([]);
}

describe('determinism across runtimes (the built package)', () => {
  it.each(RUNTIMES)('%s gives the hashes of expected.json', (r) => {
    expectHashes(value(r) as Record<string, string>);
  });

  it('Node with init({ threads: 2 }) gives the same hashes, and really ran on two threads', () => {
    const v = value('node, 2 threads') as { threads: number; hashes: Record<string, string> };
    expect(v.threads).toBe(2);
    expectHashes(v.hashes);
  });
});
