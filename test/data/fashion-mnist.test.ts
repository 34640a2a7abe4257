// Fashion-MNIST loading (src/data/fashion-mnist.ts, fashion-mnist-node.ts): a folder made here from
// the tiny IDX fixtures (gzip and raw names), the checks on the four files, and — when Debian's
// dataset-fashion-mnist is installed — the real files, cross-checked against the images the PyTorch
// fixture script read (test/fixtures/lenet.json).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DEBIAN_DIR, loadFashionMnist } from '../../src/data/fashion-mnist-node.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, fashionMnistFromBytes, pixelStats, type ImageSet } from '../../src/data/fashion-mnist.js';
import { IdxFormatError } from '../../src/data/idx.js';
import { ArgumentError, SimdconvError } from '../../src/errors.js';
import { expectError } from '../helpers/expect-error.js';

const FIX = (name: string) => fileURLToPath(new URL(`../fixtures/idx/${name}`, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'simdconv-fmnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder with the tiny 3-image fixture as the training split (gzip) and the test split (raw names). */
function fakeFolder(): string {
  const dir = mkdtempSync(join(tmp, 'ok-'));
  copyFileSync(FIX('images-ubyte.idx.gz'), join(dir, FASHION_MNIST_FILES.trainImages));
  copyFileSync(FIX('labels-ubyte.idx.gz'), join(dir, FASHION_MNIST_FILES.trainLabels));
  copyFileSync(FIX('images-ubyte.idx'), join(dir, FASHION_MNIST_FILES.testImages.replace(/\.gz$/, '')));
  copyFileSync(FIX('labels-ubyte.idx'), join(dir, FASHION_MNIST_FILES.testLabels.replace(/\.gz$/, '')));
  return dir;
}

describe('loadFashionMnist', () => {
  it('reads gzip and raw files from a given folder', async () => {
    const { train, test } = await loadFashionMnist({ readFile, dir: fakeFolder() });
    for (const s of [train, test]) {
      expect([s.count, s.rows, s.cols]).toEqual([3, 4, 5]);
      expect(Array.from(s.labels)).toEqual([9, 0, 4]);
      expect(s.images.length).toBe(60);
      expect(s.images[1]).toBe(48);
    }
  });

  it('a folder without the files is an ArgumentError naming the file', async () => {
    const e = await loadFashionMnist({ readFile, dir: join(tmp, 'nowhere') }).catch((x) => x);
    expect(e).toBeInstanceOf(ArgumentError);
    expect(e.message).toMatch(/train-images-idx3-ubyte/);
  });

  it('names the first missing file in file order, whichever read fails first', async () => {
    // The train images' read fails last: the error still names them (it did not, when the
    // first rejection in time won).
    const slowFirst = async (path: string): Promise<Uint8Array> => {
      await new Promise((r) => setTimeout(r, path.includes('train-images') ? 30 : 0));
      throw new Error(`no ${path}`);
    };
    const e = await loadFashionMnist({ readFile: slowFirst, dir: '/nowhere' }).catch((x) => x);
    expect(e).toBeInstanceOf(ArgumentError);
    expect(e.message).toMatch(/train-images-idx3-ubyte/);
  });

  it('needs a file reader (the library itself does not touch the file system)', async () => {
    for (const bad of [undefined, {}, { readFile: 'no' }, { readFile, dir: 3 }]) {
      expect(await loadFashionMnist(bad as never).catch((x) => x)).toBeInstanceOf(ArgumentError);
    }
  });

  it('reads through any reader (a Map here), with or without a trailing slash on dir', async () => {
    const files = new Map<string, Uint8Array>();
    for (const [key, name] of Object.entries(FASHION_MNIST_FILES)) {
      files.set(`/data/${name}`, readFileSync(FIX(key.endsWith('Images') ? 'images-ubyte.idx.gz' : 'labels-ubyte.idx.gz')));
    }
    const read = async (p: string) => {
      const b = files.get(p);
      if (!b) throw new Error(`no ${p}`);
      return b;
    };
    for (const dir of ['/data', '/data/']) expect((await loadFashionMnist({ readFile: read, dir })).test.count).toBe(3);
  });

  it.each([
    ['labels of another count', 'trainLabels', 'int8.idx', 'trainLabels'],
    ['images that are not [N, rows, cols] uint8', 'trainImages', 'float32.idx', 'trainImages'],
    ['a truncated file', 'testImages', null, 'data'],
  ])('%s is an IdxFormatError', async (_, key, replacement, argument) => {
    const files = {
      trainImages: readFileSync(FIX('images-ubyte.idx')), trainLabels: readFileSync(FIX('labels-ubyte.idx')),
      testImages: readFileSync(FIX('images-ubyte.idx')), testLabels: readFileSync(FIX('labels-ubyte.idx')),
    };
    const k = key as keyof typeof files;
    files[k] = replacement ? readFileSync(FIX(replacement)) : files[k].subarray(0, files[k].length - 1);
    const e = await fashionMnistFromBytes(files).catch((x) => x);
    expect(e).toBeInstanceOf(IdxFormatError);
    expect(e.argument).toBe(argument);
  });

  it('a label outside 0..9 is an IdxFormatError', async () => {
    const bad = new Uint8Array(readFileSync(FIX('labels-ubyte.idx')));
    bad[bad.length - 1] = 10;
    const dir = fakeFolder();
    writeFileSync(join(dir, FASHION_MNIST_FILES.trainLabels), bad);
    const e = await loadFashionMnist({ readFile, dir }).catch((x) => x);
    expect(e).toBeInstanceOf(SimdconvError);
    expect(e.message).toMatch(/label 10/);
  });

  it.skipIf(!existsSync(FASHION_MNIST_DEBIAN_DIR))(`the real dataset in ${FASHION_MNIST_DEBIAN_DIR} (apt-get install dataset-fashion-mnist)`, async () => {
    const { train, test } = await loadFashionMnist({ readFile });
    expect([train.count, train.rows, train.cols, test.count]).toEqual([60000, 28, 28, 10000]);
    expect(train.images.length).toBe(60000 * 784);
    // balanced classes: 6000 / 1000 of each
    for (const [s, per] of [[train, 6000], [test, 1000]] as const) {
      const counts = new Array<number>(10).fill(0);
      s.labels.forEach((l) => counts[l]++);
      expect(counts).toEqual(new Array(10).fill(per));
    }
    // the same bytes and labels the PyTorch fixture script read with numpy
    const lenet = JSON.parse(readFileSync(new URL('../fixtures/lenet.json', import.meta.url), 'utf8'));
    const { indices, bytes, labels } = lenet.images;
    indices.forEach((k: number, i: number) => {
      expect(Array.from(test.images.subarray(k * 784, (k + 1) * 784))).toEqual(bytes.slice(i * 784, (i + 1) * 784));
      expect(test.labels[k]).toBe(labels[i]);
    });
    expect(FASHION_MNIST_CLASSES[test.labels[0]]).toBe('Ankle boot');
  }, 30_000);
});

describe('pixelStats', () => {
  const set = (images: Uint8Array): ImageSet => ({ count: images.length, rows: 1, cols: 1, images, labels: new Uint8Array(images.length) });
  /** The plain two-pass mean and population std of byte / 255, in float64. */
  const naive = (images: Uint8Array) => {
    let sum = 0;
    for (const b of images) sum += b / 255;
    const mean = sum / images.length;
    let sq = 0;
    for (const b of images) sq += (b / 255 - mean) ** 2;
    return { mean, std: Math.sqrt(sq / images.length) };
  };

  it.each([
    ['one black pixel', [0], 0, 0],
    ['one white pixel', [255], 1, 0],
    ['half black, half white', [0, 255, 255, 0], 0.5, 0.5],
    ['a constant grey', [51, 51, 51], 0.2, 0],
  ])('%s', (_, bytes, mean, std) => {
    const r = pixelStats(set(Uint8Array.from(bytes)));
    expect(r.mean).toBeCloseTo(mean, 15);
    expect(r.std).toBeCloseTo(std, 15);
  });

  it('equals the two-pass float64 mean and population std on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), (bytes) => {
      const got = pixelStats(set(bytes)), want = naive(bytes);
      expect(Math.abs(got.mean - want.mean)).toBeLessThan(1e-12);
      expect(Math.abs(got.std - want.std)).toBeLessThan(1e-12);
    }));
  });

  it.each([
    ['no images array', { count: 0, rows: 1, cols: 1, labels: new Uint8Array(0) }, /a Uint8Array/],
    ['float images', { count: 1, rows: 1, cols: 1, images: new Float32Array(1), labels: new Uint8Array(1) }, /a Uint8Array/],
    ['an empty split', { count: 0, rows: 28, cols: 28, images: new Uint8Array(0), labels: new Uint8Array(0) }, /at least one pixel/],
    ['not a set', null, /a Uint8Array/],
  ])('%s is an ArgumentError', (_, bad, message) => {
    expectError(() => pixelStats(bad as unknown as ImageSet), ArgumentError, { op: 'pixelStats', argument: 'set.images', message });
  });

  it('reads set.images once (a getter cannot swap the bytes mid-count)', () => {
    let reads = 0;
    const bytes = Uint8Array.from([0, 255]);
    const tricky = { count: 2, rows: 1, cols: 2, labels: new Uint8Array(2), get images() { reads++; return reads === 1 ? bytes : new Uint8Array(0); } };
    expect(pixelStats(tricky)).toEqual({ mean: 0.5, std: 0.5 });
    expect(reads).toBe(1);
  });

  it.skipIf(!existsSync(FASHION_MNIST_DEBIAN_DIR))('Fashion-MNIST training split: 0.2860 and 0.3530, the published Normalize constants', async () => {
    const { train } = await loadFashionMnist({ readFile });
    const r = pixelStats(train);
    expect(r.mean).toBeCloseTo(0.2860, 4);
    expect(r.std).toBeCloseTo(0.3530, 4);
  });
});
