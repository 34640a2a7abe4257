// The playground page in real Chromium (`npm run test:browser`, project browser-apps): runs in Node,
// starts playground/serve.ts and drives headless Chromium through playwright-core (the Debian
// package at /usr/bin/chromium, or $CHROMIUM_PATH). Colours are read back from the page's
// canvases at the centre of each cell. Leaves screenshots in test-results/: playground.png, and
// playground-<width>-<stage>.png from the layout checks at 1280 and 390 CSS pixels wide.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP, startPlayground, type Playground } from '../../playground/serve.js';
import * as sc from '../../src/index.js';
import { toPNG } from '../../src/image.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../runtimes/harness.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

type RGBA = [number, number, number, number];
const WHITE: RGBA = [255, 255, 255, 255];
const BLACK: RGBA = [0, 0, 0, 255];
const RED: RGBA = [255, 0, 0, 255];
const BLUE: RGBA = [0, 0, 255, 255];

let pg: Playground;
let browser: Browser;
let page: Page;
/** Console errors, uncaught exceptions and CSP violations seen by the page. */
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`);
  await sc.init();
  pg = await startPlayground({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(pg.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  await pg?.close();
});

/** The colour at the centre of each cell of a canvas that draws an h x w grid. */
async function cells(id: string, h: number, w: number): Promise<RGBA[][]> {
  return page.evaluate(({ id, h, w }) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const ch = c.height / h;
    const cw = c.width / w;
    return Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => {
      const o = (Math.floor((i + 0.5) * ch) * c.width + Math.floor((j + 0.5) * cw)) * 4;
      return [px[o]!, px[o + 1]!, px[o + 2]!, px[o + 3]!] as [number, number, number, number];
    }));
  }, { id, h, w });
}

async function canvasSize(id: string): Promise<[number, number]> {
  return page.$eval(`#${id}`, (c) => [(c as HTMLCanvasElement).height, (c as HTMLCanvasElement).width] as [number, number]);
}

/** An h x w grid whose colour at (i, j) is f(i, j). */
const grid = (h: number, w: number, f: (i: number, j: number) => RGBA) =>
  Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => f(i, j)));

describe('playground server', () => {
  it('serves the page, the bundle and the kernels with a strict CSP; .wasm as application/wasm', async () => {
    for (const [path, type] of [['', 'text/html'], ['main.js', 'text/javascript'], ['style.css', 'text/css'], ['simdconv.wasm', 'application/wasm']]) {
      const r = await fetch(new URL(path!, pg.url));
      expect([path, r.status]).toEqual([path, 200]);
      expect(r.headers.get('content-type')).toMatch(new RegExp(`^${type}`));
      expect(r.headers.get('content-security-policy')).toBe(CSP);
      await r.arrayBuffer();
    }
    expect(CSP).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect((await fetch(new URL('nope.js', pg.url))).status).toBe(404);
  });
});

describe('playground page in Chromium', () => {
  it('draws the lesson: X, and Y = corr2d(X, [1, -1]) with +1 red, -1 blue, 0 white', async () => {
    await page.selectOption('#image-preset', 'lesson');
    await page.selectOption('#kernel-select', '0');
    expect(await page.$$eval('#kernel-grid input', (els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['1', '-1']);
    expect(await cells('input-canvas', 6, 8)).toEqual(grid(6, 8, (_, j) => (j >= 2 && j < 6 ? BLACK : WHITE)));
    const [h, w] = await canvasSize('feature-canvas');
    expect(h / 6).toBe(w / 7); // 6 x 7 square cells
    expect(await cells('feature-canvas', 6, 7)).toEqual(grid(6, 7, (_, j) => (j === 1 ? RED : j === 5 ? BLUE : WHITE)));
    expect(await page.textContent('#feature-info')).toContain('Y is 6×7, values in [-1.000, 1.000]');
  });

  it('the transposed kernel finds nothing: all white (and so does K on the transposed image)', async () => {
    await page.selectOption('#kernel-select', '1'); // K.T = [[1], [-1]]
    expect(await cells('feature-canvas', 5, 8)).toEqual(grid(5, 8, () => WHITE));
    await page.selectOption('#kernel-select', '0');
    await page.selectOption('#image-preset', 'lesson-t');
    expect(await cells('feature-canvas', 8, 5)).toEqual(grid(8, 5, () => WHITE));
    await page.selectOption('#image-preset', 'lesson');
  });

  it('painting a black column on a blank image with the mouse makes a red and a blue column', async () => {
    await page.selectOption('#image-preset', 'blank'); // 8 x 8 white
    const box = (await page.locator('#input-canvas').boundingBox())!;
    const at = (i: number, j: number) => [box.x + ((j + 0.5) * box.width) / 8, box.y + ((i + 0.5) * box.height) / 8] as const;
    await page.mouse.move(...at(0, 3));
    await page.mouse.down();
    await page.mouse.move(...at(7, 3), { steps: 16 });
    await page.mouse.up();
    expect(await cells('input-canvas', 8, 8)).toEqual(grid(8, 8, (_, j) => (j === 3 ? BLACK : WHITE)));
    // Y[:, j] = X[:, j] - X[:, j + 1]: +1 left of the black column, -1 on it.
    expect(await cells('feature-canvas', 8, 7)).toEqual(grid(8, 7, (_, j) => (j === 2 ? RED : j === 3 ? BLUE : WHITE)));
    // Clicking a black cell paints it white again.
    await page.mouse.click(...at(4, 3));
    expect((await cells('input-canvas', 8, 8))[4]![3]).toEqual(WHITE);
  });

  it('editing the kernel numbers flips the colours', async () => {
    await page.selectOption('#image-preset', 'lesson');
    const inputs = page.locator('#kernel-grid input');
    await inputs.nth(0).fill('-1');
    await inputs.nth(1).fill('1');
    expect(await page.inputValue('#kernel-select')).toBe('custom');
    expect(await cells('feature-canvas', 6, 7)).toEqual(grid(6, 7, (_, j) => (j === 1 ? BLUE : j === 5 ? RED : WHITE)));
    await page.selectOption('#kernel-select', '0');
  });

  it('loads a PNG file (decoded by the browser, read with fromImageData)', async () => {
    // 5 x 9: white left of column 4, black from it on.
    const png = sc.tidy(() => toPNG(sc.tensor(Float32Array.from({ length: 45 }, (_, k) => (k % 9 < 4 ? 1 : 0)), [5, 9]), { normalize: [0, 1] }));
    await page.setInputFiles('#file', { name: 'edge.png', mimeType: 'image/png', buffer: Buffer.from(png) });
    await page.waitForFunction(() => {
      const c = document.getElementById('input-canvas') as HTMLCanvasElement;
      return c.width * 5 === c.height * 9;
    });
    expect(await cells('input-canvas', 5, 9)).toEqual(grid(5, 9, (_, j) => (j < 4 ? WHITE : BLACK)));
    expect(await cells('feature-canvas', 5, 8)).toEqual(grid(5, 8, (_, j) => (j === 3 ? RED : WHITE)));
    expect(await page.inputValue('#image-preset')).toBe('file');
    await page.selectOption('#image-preset', 'lesson');
    expect(await page.inputValue('#file')).toBe('');
  });

  it('saves the feature map as a PNG (toPNG in the browser)', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-png')]);
    expect(download.suggestedFilename()).toBe('feature-map.png');
    const img = decode(readFileSync((await download.path())!));
    const [h, w] = await canvasSize('feature-canvas');
    expect([img.height, img.width]).toEqual([h, w]);
    const at = (i: number, j: number) => Array.from(img.data.subarray((i * img.width + j) * 4, (i * img.width + j) * 4 + 4));
    const centre = (k: number) => Math.floor(((k + 0.5) * w) / 7);
    expect([at(centre(3), centre(1)), at(centre(3), centre(3)), at(centre(3), centre(5))]).toEqual([RED, WHITE, BLUE]);
  });

  it('learns the kernel: a decreasing loss curve is drawn and the learned kernel is the one Node learns, close to [1, -1]', async () => {
    await page.selectOption('#image-preset', 'lesson');
    await page.selectOption('#kernel-select', '0');
    await page.fill('#epochs', '10');
    await page.fill('#lr', '0.03');
    await page.click('#learn');
    await page.waitForFunction(() => document.getElementById('learn-status')!.textContent!.includes('done'), null, { timeout: 30_000 });

    // The same training in Node, on the same seed: the page must print the same numbers.
    const expected = sc.tidy(() => {
      const X = sc.ones([6, 8]);
      X.set([null, [2, 6]], 0);
      const X4 = X.reshape([1, 1, 6, 8]);
      const Y4 = sc.corr2d(X, sc.tensor([[1, -1]])).reshape([1, 1, 6, 7]);
      const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
      const opt = new sc.optim.SGD(conv, { lr: 3e-2 });
      const { losses } = sc.fitSync({ optimizer: opt, epochs: 10, loss: () => sc.nn.squaredError(conv.forward(X4), Y4).sum() });
      const w = Array.from(conv.weight!.data());
      conv.dispose();
      return { losses, w };
    });
    const text = (await page.textContent('#learned-kernel'))!;
    const learned = [...text.matchAll(/-?\d+\.\d+/g)].map((m) => Number(m[0]));
    expect(learned).toHaveLength(2);
    expect(learned).toEqual(expected.w.map((v) => Number(v.toFixed(3))));
    expect(Math.abs(learned[0]! - 1)).toBeLessThan(0.1);
    expect(Math.abs(learned[1]! + 1)).toBeLessThan(0.1);
    const status = (await page.textContent('#learn-status'))!;
    expect(status).toContain(`epoch 10/10, loss ${expected.losses[9]!.toFixed(3)} (epoch 1: ${expected.losses[0]!.toFixed(3)})`);
    const [lp, ln] = (await cells('learned-canvas', 1, 2))[0]!;
    expect(lp![0]).toBeGreaterThan(240); // reddish: positive
    expect(ln![2]).toBeGreaterThan(240); // bluish: negative

    // The curve: red pixels in most columns of the plot, going down (y grows) from left to right.
    const curve = await page.evaluate(() => {
      const c = document.getElementById('loss-canvas') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const ys: (number | null)[] = [];
      for (let x = 0; x < c.width; x++) {
        let sum = 0;
        let n = 0;
        for (let y = 0; y < c.height; y++) {
          const o = (y * c.width + x) * 4;
          if (px[o]! > 150 && px[o + 1]! < 110 && px[o + 2]! < 110) (sum += y), n++;
        }
        ys.push(n > 0 ? sum / n : null);
      }
      return { width: c.width, height: c.height, ys };
    });
    const drawn = curve.ys.map((y, x) => [x, y] as const).filter((p): p is readonly [number, number] => p[1] !== null);
    expect(drawn.length).toBeGreaterThan(curve.width * 0.6);
    for (let k = 1; k < drawn.length; k++) expect(drawn[k]![1]).toBeGreaterThanOrEqual(drawn[k - 1]![1] - 3);
    expect(drawn[0]![1]).toBeLessThan(curve.height * 0.25); // starts high (the largest loss is at the top)
    expect(drawn[drawn.length - 1]![1]).toBeGreaterThan(curve.height * 0.6); // ends near 0

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}playground.png`, fullPage: true });
  });

  it('saw no console errors, page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});

/** A picture larger than the page keeps (600 x 400): smooth shading and a dark square. */
function bigPicture(): Buffer {
  const [h, w] = [400, 600];
  const data = Float32Array.from({ length: h * w }, (_, k) => {
    const i = Math.floor(k / w), j = k % w;
    const inSquare = i > 120 && i < 260 && j > 200 && j < 380;
    return inSquare ? 0.1 : 0.5 + 0.4 * Math.sin(i / 37) * Math.cos(j / 53);
  });
  return Buffer.from(sc.tidy(() => toPNG(sc.tensor(data, [h, w]), { normalize: [0, 1] })));
}

describe.each([1280, 390])('playground layout at %i CSS pixels wide', (width) => {
  let p: Page;
  const seen: string[] = [];

  beforeAll(async () => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    p = await context.newPage();
    p.on('console', (m) => {
      if (m.type() === 'error') seen.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
    await p.goto(pg.url);
    await p.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  });

  afterAll(() => p?.context().close());

  /**
   * What a person sees is whole: no sideways scroll, no non-finite number in the text, every
   * kernel input inside the viewport and its panel and wide enough to read, kernel pictures of a
   * visible size. Saves a full-page screenshot of `stage`.
   */
  async function expectWhole(stage: string): Promise<void> {
    const r = await p.evaluate(() => {
      const panel = document.getElementById('kernel-panel')!.getBoundingClientRect();
      const inputs = Array.from(document.querySelectorAll('#kernel-grid input'), (e) => e.getBoundingClientRect());
      const size = (id: string) => {
        const b = document.getElementById(id)!.getBoundingClientRect();
        return [b.width, b.height];
      };
      return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth,
        text: document.body.innerText,
        inputs: inputs.map((b) => ({ left: b.left, right: b.right, width: b.width, inPanel: b.left >= panel.left && b.right <= panel.right })),
        learned: size('learned-canvas'),
        truth: size('true-canvas'),
      };
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await p.screenshot({ path: `${ARTIFACTS}playground-${width}-${stage}.png`, fullPage: true });
    expect(r.scrollWidth, `${stage}: page wider than the viewport`).toBeLessThanOrEqual(r.innerWidth);
    expect(r.text).not.toMatch(/NaN|Infinity/);
    for (const b of r.inputs) {
      expect(b.inPanel, `${stage}: a kernel input leaves its panel`).toBe(true);
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(r.innerWidth);
      expect(b.width).toBeGreaterThanOrEqual(40);
    }
    for (const [w, h] of [r.learned, r.truth]) {
      expect(w, `${stage}: kernel picture ${w}x${h}`).toBeGreaterThanOrEqual(30);
      expect(h).toBeGreaterThanOrEqual(30);
    }
  }

  it('on load: whole, with both kernel pictures drawn at a visible size before training', async () => {
    await expectWhole('start');
    expect(await p.textContent('#learned-kernel')).toBe('not trained yet');
  });

  it('a 5x5 kernel: all five columns of inputs visible', async () => {
    await p.selectOption('#kernel-select', { label: 'Gaussian σ = 1, 5×5 (kernels.gaussian(1, 5))' });
    expect(await p.locator('#kernel-grid input').count()).toBe(25);
    await expectWhole('5x5');
  });

  it('a 600x400 picture is scaled to 128x85 and the page says so', async () => {
    await p.setInputFiles('#file', { name: 'big.png', mimeType: 'image/png', buffer: bigPicture() });
    await p.waitForFunction(() => document.getElementById('input-info')!.textContent!.includes('scaled'));
    expect(await p.textContent('#input-info')).toContain('big.png is 600×400 pixels: scaled down to 128×85 (at most 128 a side)');
    await expectWhole('picture');
  });

  it('learns the 5x5 kernel on the picture with the proposed step: the loss falls below half, the kernel prints at 3 decimals', async () => {
    const lr = Number(await p.inputValue('#lr'));
    expect(lr).toBeGreaterThan(0);
    expect(await p.textContent('#lr-info')).toMatch(/1\/\(2λ\) ≈ .*steps above 1\/λ ≈ /);
    await p.fill('#epochs', '20');
    await p.click('#learn');
    await p.waitForFunction(() => /done|Stopped/.test(document.getElementById('learn-status')!.textContent!), null, { timeout: 60_000 });
    const status = (await p.textContent('#learn-status'))!;
    const m = /^epoch 20\/20, loss (\S+) \(epoch 1: (\S+)\) — done$/.exec(status);
    expect(m, status).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(Number(m![2]) / 2);
    const text = (await p.textContent('#learned-kernel'))!;
    const numbers = text.match(/-?[\d.e+]+/g)!;
    expect(numbers).toHaveLength(25);
    for (const n of numbers) expect(n).toMatch(/^-?\d+\.\d{3}$/);
    await expectWhole('trained');
  });

  it('a step far above the limit: stopped and explained before anything overflows; the true kernel keeps its colours', async () => {
    const info = (await p.textContent('#lr-info'))!;
    const limit = Number(/steps above 1\/λ ≈ (\S+) diverge/.exec(info)![1]);
    const trueKernelPixels = () => p.evaluate(() => {
      const c = document.getElementById('true-canvas') as HTMLCanvasElement;
      const o = (Math.floor(c.height / 2) * c.width + Math.floor(c.width / 2)) * 4; // the centre cell first
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return [...px.subarray(o, o + 4), ...px];
    });
    const before = await trueKernelPixels();
    await p.fill('#lr', String(limit * 20));
    await p.click('#learn');
    // (The status still says "done" from the run before: wait for the stop itself.)
    await p.waitForFunction(() => /Stopped/.test(document.getElementById('learn-status')!.textContent!), null, { timeout: 60_000 });
    expect(await p.textContent('#learn-status')).toMatch(/^Stopped at epoch \d+: the loss grew from .* use the proposed /);
    // The true kernel's picture is the one drawn before training (the colour scale is its own,
    // not the diverged weights'): its centre stays saturated red.
    expect(await trueKernelPixels()).toEqual(before);
    const [r, g, b] = before.slice(0, 3);
    expect([r, g! < 64, b! < 64]).toEqual([255, true, true]);
    await expectWhole('diverged');
    expect(seen).toEqual([]);
  });
});
