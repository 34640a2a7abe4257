// The Cloudflare Worker example (examples/worker-lenet/): bundled as wrangler does (esbuild, the
// workerd export condition, the .wasm as a CompiledWasm module, the weights JSON inlined), run in
// workerd by miniflare, and sent the first six Fashion-MNIST test images (their classes known)
// as JSON and as PNG. Its probabilities must be those of the same LeNet run here in Node
// (softmax of its logits) within 1e-5. Needs a built dist/ (`npm run build`).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leNet } from '../playground/lenet-model.js';
import * as sc from '../src/index.js';
import { ROOT, bundle, withWorker } from './runtimes/harness.js';

type MF = Parameters<Parameters<typeof withWorker>[2]>[0];

interface LenetFixture {
  stateDict: sc.nn.StateDict;
  images: { indices: number[]; shape: number[]; bytes: number[]; labels: number[] };
}
const lenet = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/lenet.json'), 'utf8')) as LenetFixture;
const N = lenet.images.labels.length;
const imageBytes = (i: number) => lenet.images.bytes.slice(i * 784, (i + 1) * 784);
const rows = (i: number) => Array.from({ length: 28 }, (_, r) => imageBytes(i).slice(r * 28, r * 28 + 28));

interface Answer {
  status: number;
  json: { label?: string; class?: number; probabilities?: number[]; error?: string; message?: string };
}

/** The fixture's LeNet run in Node: the class probabilities of every fixture image, [N][10]. */
function nodeProbabilities(): number[][] {
  return sc.tidy(() => {
    using model = new sc.nn.Sequential(
      new sc.nn.Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 5, padding: 2 }), new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }),
      new sc.nn.Conv2d({ inChannels: 4, outChannels: 8, kernelSize: 5 }), new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }),
      new sc.nn.Flatten(), new sc.nn.Linear({ inFeatures: 200, outFeatures: 32 }), new sc.nn.ReLU(), new sc.nn.Linear({ inFeatures: 32, outFeatures: 10 }));
    model.loadStateDict(lenet.stateDict);
    model.eval();
    const x = sc.tensor(Float32Array.from(lenet.images.bytes, (b) => b / 255), [N, 1, 28, 28]);
    return sc.noGrad(() => sc.softmax(model.forward(x), 1).toArray()) as number[][];
  });
}

/** A Worker bundled from `source` (an entry module's text, its imports relative to `dir`) running in miniflare until `stop`. */
async function startWorker(source: string, dir: string): Promise<{ mf: MF; stop: () => void; inputs: string[] }> {
  const b = await bundle(source, join(dir, 'entry.js'), 'workerd');
  return new Promise((ready, fail) => {
    withWorker(b.file, undefined, (mf) => new Promise<void>((stop) => ready({ mf, stop, inputs: b.inputs }))).catch(fail);
  });
}

let mf: MF;
let stop: () => void;
let inputs: string[];
let expected: number[][];

beforeAll(async () => {
  await sc.init();
  expected = nodeProbabilities();
  const entry = join(ROOT, 'examples/worker-lenet/index.js');
  ({ mf, stop, inputs } = await startWorker(`export { default } from ${JSON.stringify(entry)};`, ROOT));
}, 60_000);

afterAll(() => stop?.());

async function post(body: string | Uint8Array, type: string, method = 'POST', to = mf): Promise<Answer> {
  const res = await to.dispatchFetch('http://localhost/', { method, body, headers: { 'content-type': type } });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Answer['json'] };
}

const postJson = (body: unknown) => post(JSON.stringify(body), 'application/json');
const png = (data: number[], width = 28, height = 28) => encode({ width, height, data: Uint8Array.from(data), channels: 1, depth: 8 });

/** The largest |a - b| over two equally long arrays. */
function worst(a: number[], b: number[]): number {
  expect(a).toHaveLength(b.length);
  return Math.max(...a.map((v, k) => Math.abs(v - b[k]!)));
}

describe('the LeNet Worker in workerd (miniflare)', () => {
  it('is bundled from the workerd entry with simdconv/image, and no Node or browser loader', () => {
    expect(inputs).toContain('dist/workerd.js');
    expect(inputs).toContain('dist/image.js');
    expect(inputs.filter((f) => /source-(node|browser)|dist\/(index|browser)\.js/.test(f))).toEqual([]);
  });

  it.each(Array.from({ length: N }, (_, i) => i))('test image %i as JSON rows: its known class, the probabilities Node computes (1e-5)', async (i) => {
    const r = await postJson(rows(i));
    expect(r.status).toBe(200);
    const label = lenet.images.labels[i]!;
    expect([r.json.class, r.json.label]).toEqual([label, sc.data.FASHION_MNIST_CLASSES[label]]);
    expect(worst(r.json.probabilities!, expected[i]!)).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(r.json.probabilities!.reduce((s, p) => s + p, 0) - 1)).toBeLessThan(1e-5);
  });

  it('a flat array of 784 numbers and a PNG of the same image give the same answer', async () => {
    const fromRows = await postJson(rows(0));
    expect(await postJson(imageBytes(0))).toEqual(fromRows);
    const fromPng = await post(png(imageBytes(0)), 'image/png');
    expect(fromPng).toEqual(fromRows);
    expect(fromPng.json.label).toBe('Ankle boot');
  });

  it('an RGBA PNG (gray pixels) gives the same answer as the gray one', async () => {
    const gray = imageBytes(1);
    const rgba = encode({ width: 28, height: 28, data: Uint8Array.from(gray.flatMap((v) => [v, v, v, 255])), channels: 4, depth: 8 });
    const a = await post(rgba, 'image/png; charset=binary');
    expect(a.status).toBe(200);
    expect(worst(a.json.probabilities!, expected[1]!)).toBeLessThanOrEqual(1e-5);
  });

  it.each([
    ['27 rows', () => postJson(rows(0).slice(1)), 400, /28 rows of 28 numbers or 784 numbers, got 27 values/],
    ['a pixel above 255', () => postJson(imageBytes(0).map((v, k) => (k === 5 ? 256 : v))), 400, /pixel 5: expected a number in \[0, 255\], got 256/],
    ['a string pixel', () => postJson(imageBytes(0).map((v, k) => (k === 0 ? 'x' : v))), 400, /pixel 0: .* got "x"/],
    ['an object', () => postJson({ image: [] }), 400, /got object/],
    ['broken JSON', () => post('[1, 2', 'application/json'), 400, /not valid JSON/],
    ['a 28x27 PNG', () => post(png(imageBytes(0).slice(28), 28, 27), 'image/png'), 400, /28x28 PNG, got 28x27/],
    ['bytes that are no PNG', () => post(Uint8Array.from([1, 2, 3]), 'image/png'), 400, /fromPNG: .*PNG/],
    ['text/plain', () => post('hello', 'text/plain'), 415, /application\/json or image\/png, got text\/plain/],
    ['PUT', () => post('[]', 'application/json', 'PUT'), 405, /use POST/],
  ] as const)('refuses %s with %i and a message', async (_, send, status, message) => {
    const r = await send();
    expect(r.status).toBe(status);
    expect(r.json.message).toMatch(message);
  });

  it('still answers after the refusals; GET / says how to use it', async () => {
    const r = await postJson(rows(4));
    expect([r.status, r.json.label]).toEqual([200, 'Shirt']);
    const res = await mf.dispatchFetch('http://localhost/');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^POST a 28x28 Fashion-MNIST image/);
  });
});

describe("the Worker with the chapter's LeNet (6 and 16 channels; 120, 84 and 10 features) from a simdconv stateDict", () => {
  let other: Awaited<ReturnType<typeof startWorker>>;
  let dir: string;
  let probabilities: number[][];

  beforeAll(async () => {
    // The playground's model, Xavier-initialised from seed 3, saved as JSON as its "Save weights" does.
    using model = leNet(3);
    dir = mkdtempSync(join(tmpdir(), 'simdconv-worker-lenet-'));
    writeFileSync(join(dir, 'state.json'), JSON.stringify(model.stateDict({ json: true })));
    model.eval();
    probabilities = sc.tidy(() => sc.noGrad(() => sc.softmax(model.forward(sc.tensor(Float32Array.from(lenet.images.bytes, (b) => b / 255), [N, 1, 28, 28])), 1).toArray())) as number[][];
    const worker = join(ROOT, 'examples/worker-lenet/worker.ts');
    other = await startWorker(`import { lenetWorker } from ${JSON.stringify(worker)}; import state from './state.json'; export default lenetWorker(state);`, dir);
  }, 60_000);

  afterAll(() => {
    other?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the layer sizes from the stateDict and gives the probabilities Node computes (1e-5)', async () => {
    for (let i = 0; i < N; i++) {
      const r = await post(JSON.stringify(rows(i)), 'application/json', 'POST', other.mf);
      expect(r.status).toBe(200);
      expect(worst(r.json.probabilities!, probabilities[i]!)).toBeLessThanOrEqual(1e-5);
    }
  });
});
