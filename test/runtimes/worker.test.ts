// A Cloudflare Worker importing simdconv (test/runtimes/cases/worker.ts), bundled the way wrangler
// does (esbuild, export conditions workerd/worker/browser, the .wasm as a CompiledWasm module),
// run in workerd by miniflare and queried with dispatchFetch: on a current compatibility date and
// on 2023-01-01, before Workers had FinalizationRegistry (2025-05-05), where it must load too.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, WORKERD_DATE, bundle, runIn, withWorker } from './harness.js';

type MF = Parameters<Parameters<typeof withWorker>[2]>[0];

/** Before FinalizationRegistry (Workers compatibility date 2025-05-05), after WebAssembly modules. */
const OLD_DATE = '2023-01-01';

it(`a Worker on ${OLD_DATE} has no FinalizationRegistry, one on ${WORKERD_DATE} has (the dates below differ in that)`, async () => {
  const code = 'export default () => typeof FinalizationRegistry;';
  expect((await runIn('workerd', { code }, { compatibilityDate: OLD_DATE })).value).toBe('undefined');
  expect((await runIn('workerd', { code }, { compatibilityDate: WORKERD_DATE })).value).toBe('function');
});

describe.each([WORKERD_DATE, OLD_DATE])('a Worker importing simdconv (miniflare / workerd, compatibility date %s)', (date) => {
  let mf: MF;
  let stop: () => void;
  let inputs: string[];

  beforeAll(async () => {
    const entry = join(ROOT, 'test/runtimes/cases/worker.ts');
    const b = await bundle(`export { default } from ${JSON.stringify(entry)};`, entry, 'workerd');
    inputs = b.inputs;
    await new Promise<void>((ready, fail) => {
      withWorker(b.file, date, (m) => {
        mf = m;
        ready();
        return new Promise<void>((done) => (stop = done));
      }).catch(fail);
    });
  }, 60_000);

  afterAll(() => stop?.());

  const post = async (body: unknown) => {
    const res = await mf.dispatchFetch('http://localhost/', { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('is bundled from the workerd entry, with the .wasm imported as a module and no Node or browser loader', () => {
    expect(inputs).toContain('dist/workerd.js');
    expect(inputs.filter((f) => /source-(node|browser)|dist\/(index|browser)\.js/.test(f))).toEqual([]);
  });

  it('answers corr2d of the lesson: [[19, 25], [37, 43]]', async () => {
    const r = await post({ X: [[0, 1, 2], [3, 4, 5], [6, 7, 8]], K: [[0, 1], [2, 3]] });
    expect(r).toEqual({ status: 200, json: { Y: [[19, 25], [37, 43]], live: 0 } });
  });

  it('answers the edge detector on a second request (init once, no leaked tensors)', async () => {
    const X = Array.from({ length: 6 }, () => [1, 1, 0, 0, 0, 0, 1, 1]);
    const r = await post({ X, K: [[1, -1]] });
    expect(r).toEqual({ status: 200, json: { Y: Array(6).fill([0, 1, 0, 0, 0, -1, 0]), live: 0 } });
  });

  it("answers 400 with simdconv's message for a kernel larger than the image", async () => {
    const r = await post({ X: [[1, 2], [3, 4]], K: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'ShapeError' });
    expect(r.json.message).toMatch(/^corr2d: .*3x3.*2x2/);
  });
});
