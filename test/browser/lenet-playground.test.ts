// The LeNet playground page (playground/lenet.html) in real Chromium (`npm run test:browser`,
// project browser-apps): starts playground/serve.ts and drives headless Chromium through
// playwright-core. The data is a small subset of Fashion-MNIST (the first 1,536 training and 500
// test images, cut from the Debian dataset-fashion-mnist files and gzipped again); skipped where
// the dataset is not installed. Two servers: one cross-origin isolated that serves the subset
// (the page loads it by itself and trains on 2 threads where the machine has 2 cores), one
// without COOP/COEP or data (the page says it uses one thread; the files come through the file
// picker). Leaves screenshots in test-results/lenet-<width>-<stage>.png.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputTable, leNet, trainStep } from '../../playground/lenet-model.js';
import { CSP, FASHION_MNIST_DIR, ISOLATION, startPlayground, type Playground } from '../../playground/serve.js';
import * as sc from '../../src/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../runtimes/harness.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const FILES = { 'train-images-idx3-ubyte.gz': 1536, 'train-labels-idx1-ubyte.gz': 1536, 't10k-images-idx3-ubyte.gz': 500, 't10k-labels-idx1-ubyte.gz': 500 };
const haveData = Object.keys(FILES).every((f) => existsSync(join(FASHION_MNIST_DIR, f)));

/** The first `n` items of an IDX file (gzip in, gzip out). */
function subset(gz: Buffer, n: number): Buffer {
  const raw = gunzipSync(gz);
  const rank = raw[3]!;
  const dims = Array.from({ length: rank }, (_, d) => raw.readUInt32BE(4 + 4 * d));
  const item = dims.slice(1).reduce((a, b) => a * b, 1);
  const header = Buffer.from(raw.subarray(0, 4 + 4 * rank));
  header.writeUInt32BE(n, 4);
  return gzipSync(Buffer.concat([header, raw.subarray(4 + 4 * rank, 4 + 4 * rank + n * item)]));
}

let dir: string;
let isolated: Playground;
let plain: Playground;
let browser: Browser;

beforeAll(async () => {
  if (!haveData) return;
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`);
  dir = mkdtempSync(join(tmpdir(), 'simdconv-lenet-'));
  for (const [f, n] of Object.entries(FILES)) writeFileSync(join(dir, f), subset(readFileSync(join(FASHION_MNIST_DIR, f)), n));
  isolated = await startPlayground({ port: 0, dataDir: dir });
  plain = await startPlayground({ port: 0, isolated: false, dataDir: null });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await isolated?.close();
  await plain?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A page of `url` at `width` CSS pixels, with its console errors, page errors and CSP violations collected. */
async function open(url: string, width: number, touch = false): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true, hasTouch: touch });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { page, problems };
}

/** Starts recording every text #progress shows (a MutationObserver in the page). */
async function recordProgress(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { progressTexts: string[] };
    w.progressTexts = [];
    const el = document.getElementById('progress')!;
    new MutationObserver(() => w.progressTexts.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
  });
  return () => page.evaluate(() => (window as unknown as { progressTexts: string[] }).progressTexts);
}

/** The loss of each run of batches the progress texts showed, in order (a text repeats when an epoch ends or training stops). */
function losses(texts: string[]): number[] {
  const byBatch = new Map<string, number>();
  for (const t of texts) {
    const m = /Epoch (\d+)\/\d+, batch (\d+)\/\d+: loss (\d+\.\d+)/.exec(t);
    if (m) byBatch.set(`${m[1]}.${m[2]}`, Number(m[3]));
  }
  return [...byBatch.values()];
}

/** How many pixels of a canvas are near `rgb`. */
function countColour(page: Page, id: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(({ id, rgb }) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let o = 0; o < px.length; o += 4) if (Math.abs(px[o]! - rgb[0]) < 40 && Math.abs(px[o + 1]! - rgb[1]) < 40 && Math.abs(px[o + 2]! - rgb[2]) < 40) n++;
    return n;
  }, { id, rgb });
}

/** The pixels of every canvas in a grid element, and their sizes. */
function gridPixels(page: Page, id: string): Promise<{ w: number; h: number; cssW: number; px: number[] }[]> {
  return page.$$eval(`#${id} canvas`, (cs) => (cs as HTMLCanvasElement[]).map((c) => ({
    w: c.width, h: c.height, cssW: c.getBoundingClientRect().width,
    px: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data),
  })));
}

/** Whole at this width: no sideways scroll, no NaN or Infinity in the text; saves a screenshot. */
async function expectWhole(page: Page, width: number, stage: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}lenet-${width}-${stage}.png`, fullPage: true });
  const r = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth,
    text: document.body.innerText,
    outside: Array.from(document.querySelectorAll('main *'), (e) => [e, e.getBoundingClientRect()] as const)
      .filter(([, b]) => b.width > 0 && (b.left < -0.5 || b.right > innerWidth + 0.5))
      .map(([e]) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`),
  }));
  expect(r.scrollWidth, `${stage}: page wider than the viewport`).toBeLessThanOrEqual(r.innerWidth);
  expect(r.outside, `${stage}: elements outside the viewport`).toEqual([]);
  expect(r.text).not.toMatch(/NaN|Infinity|undefined/);
}

/**
 * The page's training run in Node on the same subset: the mean loss of each run of `every`
 * batches, as the page prints it (the seed is the worker's, 0; Adam lr 1e-3).
 */
async function nodeLosses(o: { epochs: number; batchSize: number; every: number }): Promise<string[]> {
  await sc.init();
  const read = (f: string) => readFileSync(join(dir, f));
  const { train } = await sc.data.fashionMnistFromBytes({
    trainImages: read('train-images-idx3-ubyte.gz'), trainLabels: read('train-labels-idx1-ubyte.gz'),
    testImages: read('t10k-images-idx3-ubyte.gz'), testLabels: read('t10k-labels-idx1-ubyte.gz'),
  });
  const table = inputTable(train);
  using model = leNet(0);
  const opt = new sc.optim.Adam(model, { lr: 1e-3 });
  const out: string[] = [];
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      let sum = 0, count = 0;
      for (const idx of sc.data.batchIndices(train.count, { batchSize: o.batchSize, seed: 0, epoch })) {
        sum += trainStep(model, opt, train, idx, table)[0];
        if (++count === o.every) out.push((sum / count).toFixed(3)), (sum = 0), (count = 0);
      }
      if (count > 0) out.push((sum / count).toFixed(3));
    }
  } finally {
    opt.dispose();
  }
  return out;
}

/** Draws a trouser-like shape (two legs from a waistband) on the drawing canvas with the mouse. */
async function drawTrousers(page: Page): Promise<void> {
  await page.locator('#draw-canvas').scrollIntoViewIfNeeded();
  const box = (await page.locator('#draw-canvas').boundingBox())!;
  const at = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
  const strokes: [[number, number], [number, number]][] = [
    [[0.3, 0.12], [0.7, 0.12]], [[0.35, 0.12], [0.3, 0.9]], [[0.65, 0.12], [0.7, 0.9]], [[0.42, 0.15], [0.4, 0.85]], [[0.58, 0.15], [0.6, 0.85]],
  ];
  for (const [from, to] of strokes) {
    await page.mouse.move(...at(...from));
    await page.mouse.down();
    await page.mouse.move(...at(...to), { steps: 12 });
    await page.mouse.up();
  }
}

describe.skipIf(!haveData)('the LeNet playground server', { timeout: 120_000 }, () => {
  it('serves the page, its bundles and the pool worker with the CSP and COOP/COEP; the dataset from its folder', async () => {
    for (const [path, type] of [['lenet.html', 'text/html'], ['lenet.js', 'text/javascript'], ['lenet-worker.js', 'text/javascript'], ['worker.js', 'text/javascript'],
      ['simdconv-mt.wasm', 'application/wasm'], ['data/fashion-mnist/t10k-labels-idx1-ubyte.gz', 'application/gzip']]) {
      const r = await fetch(new URL(path!, isolated.url));
      expect([path, r.status]).toEqual([path, 200]);
      expect(r.headers.get('content-type')).toMatch(new RegExp(`^${type}`));
      expect(r.headers.get('content-security-policy')).toBe(CSP);
      for (const [k, v] of Object.entries(ISOLATION)) expect(r.headers.get(k)).toBe(v);
      await r.arrayBuffer();
    }
    expect((await fetch(new URL('data/fashion-mnist/passwd', isolated.url))).status).toBe(404);
    expect((await fetch(new URL('data/fashion-mnist/..%2f..%2fetc%2fpasswd', isolated.url))).status).toBe(404);
    const r = await fetch(new URL('lenet.html', plain.url));
    expect([r.status, r.headers.get('cross-origin-opener-policy'), r.headers.get('cross-origin-embedder-policy')]).toEqual([200, null, null]);
    expect((await fetch(new URL('data/fashion-mnist/t10k-labels-idx1-ubyte.gz', plain.url))).status).toBe(404);
  });
});

describe.skipIf(!haveData)('the LeNet page, cross-origin isolated, 1280 px wide', { timeout: 120_000 }, () => {
  let page: Page;
  let problems: string[];
  let progress: () => Promise<string[]>;
  let filtersBefore: number[][];

  beforeAll(async () => {
    ({ page, problems } = await open(`${isolated.url}lenet.html`, 1280));
  }, 60_000);
  afterAll(() => page?.context().close());

  it('says it trains on threads, and loads the dataset the server provides by itself', async () => {
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const threads = Math.min(8, cores);
    expect(await page.getAttribute('body', 'data-threads')).toBe(String(threads));
    expect(await page.textContent('#status')).toContain(`Ready: training runs on ${threads} thread${threads === 1 ? '' : 's'} (the page is cross-origin isolated).`);
    await page.waitForSelector('body[data-data="loaded"]', { timeout: 30_000 });
    expect(await page.textContent('#data-info')).toBe('Loaded 1,536 training and 500 test images of 28×28 pixels.');
    expect(await page.$$eval('#file-list li.have', (els) => els.length)).toBe(4);
    expect(await page.inputValue('#limit')).toBe('1536');
  });

  it('draws the six first-layer filters and their feature maps for test image 0 before training', async () => {
    await page.waitForFunction(() => Number(document.body.dataset.inspected ?? 0) >= 1);
    expect(await page.textContent('#test-info')).toMatch(/^Test image 0 \(Ankle boot\): the network says .* \(\d+\.\d%\)\.$/);
    const filters = await gridPixels(page, 'filters');
    const maps = await gridPixels(page, 'maps');
    expect(filters.map((f) => [f.w, f.h])).toEqual(Array(6).fill([5, 5]));
    expect(maps.map((f) => [f.w, f.h])).toEqual(Array(6).fill([28, 28]));
    for (const g of [...filters, ...maps]) {
      expect(g.cssW).toBeGreaterThanOrEqual(30); // visible
      expect(new Set(g.px).size).toBeGreaterThan(3); // not one flat colour
    }
    filtersBefore = filters.map((f) => f.px);
    await expectWhole(page, 1280, 'loaded');
  });

  it('trains 2 epochs of 24 batches of 64: the loss falls (as in Node), both plots draw, test accuracy is reported, the filters change', async () => {
    await page.fill('#epochs', '2');
    await page.fill('#batch-size', '64');
    await page.fill('#every', '2');
    progress = await recordProgress(page);
    await page.click('#train');
    await page.waitForSelector('body[data-state="done"]', { timeout: 120_000 });
    const texts = await progress();
    const l = losses(texts);
    expect(l.length).toBe(24);
    expect(l[0]).toBeGreaterThan(1.8); // about ln 10 at the start
    expect(Math.max(...l.slice(-3))).toBeLessThan(l[0]! - 0.4);
    // The same training in Node (one thread): the same losses, to the 3 decimals shown.
    expect(l.map((v) => v.toFixed(3))).toEqual(await nodeLosses({ epochs: 2, batchSize: 64, every: 2 }));
    const final = (await page.textContent('#progress'))!;
    expect(final).toMatch(/^Done\. Epoch 2\/2, batch 24\/24: loss \d\.\d{3}, train acc \d\.\d{3}, [\d,]+ img\/s on \d threads?\. Epoch 2: train acc \d\.\d{3}, test acc (\d\.\d{3}) \(500 test images\)\.$/);
    expect(Number(/test acc (\d\.\d{3}) \(500/.exec(final)![1])).toBeGreaterThan(0.3); // chance is 0.1
    expect(await countColour(page, 'loss-canvas', [214, 39, 40])).toBeGreaterThan(100);
    expect(await countColour(page, 'acc-canvas', [31, 119, 180])).toBeGreaterThan(100);
    expect(await countColour(page, 'acc-canvas', [255, 127, 14])).toBeGreaterThan(20); // the two test-accuracy dots
    const after = await gridPixels(page, 'filters');
    expect(after.map((f) => f.px)).not.toEqual(filtersBefore);
    expect(await page.textContent('#train')).toBe('Train again');
    await expectWhole(page, 1280, 'trained');
  });

  it('shows another test image with its class when asked', async () => {
    const n = Number(await page.getAttribute('body', 'data-inspected'));
    await page.click('#next-image');
    await page.waitForFunction((n) => Number(document.body.dataset.inspected) > n, n);
    expect(await page.inputValue('#test-index')).toBe('1');
    expect(await page.textContent('#test-info')).toMatch(/^Test image 1 \(Pullover\): the network says /);
  });

  it('a drawing made with the mouse gets a predicted class and ten probabilities that sum to 1', async () => {
    await drawTrousers(page);
    await page.waitForFunction(() => Number(document.body.dataset.predictions ?? 0) >= 1);
    await page.waitForTimeout(300); // the last stroke's answer
    const text = (await page.textContent('#predicted'))!;
    expect(text).toMatch(/^It looks like: (T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot) \(\d+\.\d%\)$/);
    const values = await page.$$eval('#prediction .bar > span:last-child', (els) => els.map((e) => parseFloat(e.textContent!)));
    expect(values).toHaveLength(10);
    expect(Math.abs(values.reduce((a, b) => a + b, 0) - 100)).toBeLessThan(1);
    expect(await page.$$eval('#prediction .bar.best', (els) => els.length)).toBe(1);
    await expectWhole(page, 1280, 'drawn');
    await page.click('#clear');
    expect(await page.textContent('#predicted')).toBe('Draw something to see what the network thinks it is.');
  });

  it('saves the weights as a stateDict JSON with PyTorch names', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-weights')]);
    expect(download.suggestedFilename()).toBe('lenet-state-dict.json');
    const state = JSON.parse(readFileSync((await download.path())!, 'utf8')) as Record<string, { shape: number[] }>;
    expect(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.shape]))).toEqual({
      '0.weight': [6, 1, 5, 5], '0.bias': [6], '3.weight': [16, 6, 5, 5], '3.bias': [16],
      '7.weight': [120, 400], '7.bias': [120], '9.weight': [84, 120], '9.bias': [84], '11.weight': [10, 84], '11.bias': [10],
    });
  });

  it('saw no console errors, page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!haveData)('the LeNet page without cross-origin isolation, 390 px wide', { timeout: 120_000 }, () => {
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ({ page, problems } = await open(`${plain.url}lenet.html`, 390, true));
  }, 60_000);
  afterAll(() => page?.context().close());

  it('says it uses one thread and asks for the files', async () => {
    expect(await page.getAttribute('body', 'data-threads')).toBe('1');
    expect(await page.textContent('#status')).toBe('Ready: training runs on 1 thread (the page is not cross-origin isolated: serve it with COOP/COEP headers for more).');
    await page.waitForFunction(() => document.getElementById('data-info')!.textContent!.includes('does not provide'));
    expect(await page.isDisabled('#train')).toBe(true);
    await expectWhole(page, 390, 'start');
  });

  it('says which file is broken when one is truncated, and trains nothing', async () => {
    const file = (name: string) => ({ name, mimeType: 'application/gzip', buffer: readFileSync(join(dir, name)) });
    const labels = gunzipSync(readFileSync(join(dir, 't10k-labels-idx1-ubyte.gz')));
    await page.setInputFiles('#files', [file('train-images-idx3-ubyte.gz'), file('train-labels-idx1-ubyte.gz'), file('t10k-images-idx3-ubyte.gz'),
      { name: 't10k-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: labels.subarray(0, 300) }]);
    await page.waitForFunction(() => document.getElementById('data-info')!.classList.contains('error'));
    expect(await page.textContent('#data-info')).toMatch(/^These files could not be read: IdxFormatError: .*/);
    expect(await page.isDisabled('#train')).toBe(true);
    expect(await page.$$eval('#file-list li.missing', (els) => els.length)).toBe(4); // choose them again
    await expectWhole(page, 390, 'broken');
  });

  it('takes the four files from the file picker (two at a time), then trains', async () => {
    const file = (name: string) => ({ name, mimeType: 'application/gzip', buffer: readFileSync(join(dir, name)) });
    await page.setInputFiles('#files', [file('train-images-idx3-ubyte.gz'), file('t10k-labels-idx1-ubyte.gz')]);
    await page.waitForFunction(() => document.getElementById('data-info')!.textContent!.startsWith('Still needed'));
    expect(await page.textContent('#data-info')).toBe('Still needed: train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz.');
    await page.setInputFiles('#files', [file('train-labels-idx1-ubyte.gz'), file('t10k-images-idx3-ubyte.gz')]);
    await page.waitForSelector('body[data-data="loaded"]', { timeout: 30_000 });
    expect(await page.textContent('#data-info')).toBe('Loaded 1,536 training and 500 test images of 28×28 pixels.');
    await expectWhole(page, 390, 'loaded');
  });

  it('stops and resumes where it stopped', async () => {
    await page.fill('#epochs', '3');
    await page.fill('#batch-size', '32');
    await page.fill('#every', '4');
    const progress = await recordProgress(page);
    await page.click('#train');
    // Stop as soon as a batch is reported, from inside the page: a click sent by the test after
    // polling can arrive seconds late on a loaded machine, after all 3 epochs are done.
    await page.evaluate(() => new Promise<void>((resolve) => {
      const p = document.getElementById('progress')!;
      const check = (): void => {
        if (!/batch \d+\/48/.test(p.textContent!)) return;
        observer.disconnect();
        (document.getElementById('train') as HTMLButtonElement).click(); // Stop
        resolve();
      };
      const observer = new MutationObserver(check);
      observer.observe(p, { childList: true, characterData: true, subtree: true });
      check();
    }));
    await page.waitForSelector('body[data-state="stopped"]');
    expect(await page.textContent('#train')).toBe('Resume');
    const stoppedAt = (await page.textContent('#progress'))!;
    const [, epoch, batch] = /^Stopped\. Epoch (\d)\/3, batch (\d+)\/48: /.exec(stoppedAt)!.map(Number);
    await page.waitForTimeout(500);
    expect(await page.textContent('#progress')).toBe(stoppedAt); // nothing runs while stopped
    const before = (await progress()).length;
    await expectWhole(page, 390, 'stopped');
    await page.click('#train'); // Resume
    await page.waitForSelector('body[data-state="done"]', { timeout: 120_000 });
    const texts = await progress();
    // The first batch reported after resuming comes after the one it stopped at: not a new start.
    const next = texts.slice(before).map((t) => /^Epoch (\d)\/3, batch (\d+)\/48: /.exec(t)).find((m) => m !== null && !(Number(m[1]) === epoch && Number(m[2]) === batch))!;
    expect(Number(next[1]) * 100 + Number(next[2])).toBeGreaterThan(epoch! * 100 + batch!);
    expect(Number(next[1]) * 100 + Number(next[2])).toBeLessThanOrEqual(batch === 48 ? (epoch! + 1) * 100 + 4 : epoch! * 100 + batch! + 4);
    const l = losses(texts);
    expect(l.length).toBeGreaterThanOrEqual(35); // 12 runs of 4 batches per epoch; one split by the stop
    expect(Math.max(...l.slice(-3))).toBeLessThan(l[0]! - 0.4);
    expect(await page.textContent('#progress')).toMatch(/^Done\. Epoch 3\/3, batch 48\/48: .* Epoch 3: train acc \d\.\d{3}, test acc \d\.\d{3} \(500 test images\)\.$/);
    await expectWhole(page, 390, 'trained');
  });

  it('draws with a finger: a touch stroke paints a line and gets a prediction', async () => {
    const canvas = page.locator('#draw-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const cdp = await page.context().newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', y: number) => cdp.send('Input.dispatchTouchEvent', {
      type, touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + box.width / 2, y: box.y + y * box.height }],
    });
    const asked = Number(await page.getAttribute('body', 'data-predictions') ?? 0);
    await touch('touchStart', 0.1);
    for (let k = 1; k <= 10; k++) await touch('touchMove', 0.1 + 0.08 * k);
    await touch('touchEnd', 0.9);
    await page.waitForFunction((n) => Number(document.body.dataset.predictions ?? 0) > n, asked);
    // A vertical white line down the middle of the canvas, black beside it.
    const column = await page.evaluate(() => {
      const c = document.getElementById('draw-canvas') as HTMLCanvasElement;
      const ctx = c.getContext('2d')!;
      const at = (x: number, y: number) => ctx.getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data[0];
      return [0.2, 0.5, 0.8].map((y) => [at(0.5, y), at(0.1, y)]);
    });
    expect(column).toEqual([[255, 0], [255, 0], [255, 0]]);
    expect(await page.textContent('#predicted')).toMatch(/^It looks like: .* \(\d+\.\d%\)$/);
  });

  it('predicts a mouse drawing at 390 px', async () => {
    await page.click('#clear');
    await drawTrousers(page);
    await page.waitForFunction(() => Number(document.body.dataset.predictions ?? 0) >= 1);
    expect(await page.textContent('#predicted')).toMatch(/^It looks like: .* \(\d+\.\d%\)$/);
    await expectWhole(page, 390, 'drawn');
  });

  it('saw no console errors, page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
