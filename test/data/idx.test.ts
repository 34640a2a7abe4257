// The IDX reader (src/data/idx.ts): every element type from the committed fixtures (raw and gzip,
// made by test/fixtures/make_idx_fixtures.mjs), and corrupt / truncated variants made here: every
// prefix, every header byte changed, random corruptions (fast-check) — always a SimdconvError
// (never another error, never a hang).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdxFormatError, isGzip, parseIdx, readIdx, type Idx } from '../../src/data/idx.js';
import { SimdconvError } from '../../src/errors.js';

const DIR = new URL('../fixtures/idx/', import.meta.url);
const MANIFEST = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8'), (_, v) => (v === '-0' ? -0 : v));
const CASES = Object.entries(MANIFEST.cases as Record<string, { type: string; shape: number[]; data: number[] }>);
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

function expectCase(got: Idx, want: { type: string; shape: number[]; data: number[] }): void {
  expect(got.type).toBe(want.type);
  expect(got.shape).toEqual(want.shape);
  expect(got.data.constructor.name.toLowerCase()).toBe(`${want.type}array`);
  expect(Array.from(got.data as ArrayLike<number>)).toEqual(want.data);
}

/** Resolves to the error a call throws or rejects with (undefined when it succeeds). */
async function errorOf(f: () => unknown): Promise<unknown> {
  try {
    await f();
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('readIdx / parseIdx', () => {
  it.each(CASES)('%s: raw (sync and async) and gzip give the manifest values', async (name, want) => {
    const raw = file(`${name}.idx`);
    const gz = file(`${name}.idx.gz`);
    expect(isGzip(gz) && !isGzip(raw)).toBe(true);
    expectCase(parseIdx(raw), want);
    expectCase(await readIdx(raw), want);
    expectCase(await readIdx(gz), want);
    expectCase(parseIdx(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)), want);
    const e = await errorOf(() => parseIdx(gz));
    expect(e).toBeInstanceOf(IdxFormatError);
    expect((e as IdxFormatError).message).toMatch(/gzip/);
  });

  it('accepts any typed-array view at an offset and never aliases the input', () => {
    const raw = file('int16.idx');
    const padded = new Uint8Array(raw.length + 3);
    padded.set(raw, 3);
    const idx = parseIdx(new DataView(padded.buffer, 3, raw.length));
    expect(Array.from(idx.data)).toEqual([-32768, -1, 258, 32767]);
    const u8 = parseIdx(file('labels-ubyte.idx'));
    const src = file('labels-ubyte.idx');
    const again = parseIdx(src);
    src[8] = 77;
    expect(Array.from(again.data)).toEqual(Array.from(u8.data));
  });

  it.each([
    ['empty input', [], 'magic'],
    ['nonzero magic', [1, 0, 8, 1, 0, 0, 0, 0], 'magic'],
    ['unknown type code 0x0A', [0, 0, 0x0a, 1, 0, 0, 0, 0], 'type'],
    ['zero dimensions', [0, 0, 8, 0], 'dims'],
    ['17 dimensions', [0, 0, 8, 17], 'dims'],
    ['dims cut short', [0, 0, 8, 2, 0, 0, 0, 1, 0, 0], 'dims'],
    ['one data byte short', [0, 0, 8, 1, 0, 0, 0, 3, 1, 2], 'data'],
    ['trailing bytes', [0, 0, 8, 1, 0, 0, 0, 1, 1, 2], 'data'],
    ['int32 data not a multiple of 4', [0, 0, 0x0c, 1, 0, 0, 0, 1, 0, 0, 1], 'data'],
    ['huge dims', [0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1], 'data'],
  ])('%s is an IdxFormatError naming the %s', async (_, bytes, part) => {
    const b = new Uint8Array(bytes as number[]);
    for (const f of [() => parseIdx(b), () => readIdx(b)]) {
      const e = await errorOf(f);
      expect(e).toBeInstanceOf(IdxFormatError);
      expect(e).toBeInstanceOf(SimdconvError);
      expect((e as IdxFormatError).argument).toBe(part);
    }
  });

  it('rejects a non-buffer argument with a SimdconvError', async () => {
    for (const v of [null, 'abc', 42, [0, 0, 8, 1]]) {
      expect(await errorOf(() => parseIdx(v as never))).toBeInstanceOf(SimdconvError);
      expect(await errorOf(() => readIdx(v as never))).toBeInstanceOf(SimdconvError);
    }
  });

  it.each(CASES.map(([n]) => n))('%s: every truncation of the raw and the gzip file is a SimdconvError', async (name) => {
    for (const ext of ['idx', 'idx.gz']) {
      const full = file(`${name}.${ext}`);
      for (let len = 0; len < full.length; len++) {
        const e = await errorOf(() => readIdx(full.subarray(0, len)));
        expect(e, `${ext} cut at ${len}`).toBeInstanceOf(SimdconvError);
      }
    }
  });

  it('a gzip stream with a broken CRC or corrupt deflate data is an IdxFormatError naming gzip', async () => {
    const gz = file('images-ubyte.idx.gz');
    const badCrc = gz.slice();
    badCrc[gz.length - 6] ^= 0xff;
    const badData = gz.slice();
    badData[12] ^= 0x55;
    for (const b of [badCrc, badData]) {
      const e = await errorOf(() => readIdx(b));
      expect(e).toBeInstanceOf(IdxFormatError);
    }
    expect(((await errorOf(() => readIdx(badCrc))) as IdxFormatError).argument).toBe('gzip');
  });

  it('property: corrupting raw or gzip bytes gives a valid parse or a SimdconvError, never anything else', async () => {
    const sources = CASES.flatMap(([n]) => [file(`${n}.idx`), file(`${n}.idx.gz`)]);
    await fc.assert(fc.asyncProperty(
      fc.nat({ max: sources.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.option(fc.nat(), { nil: undefined }),
      async (which, flips, cut) => {
        const b = sources[which].slice();
        for (const [at, x] of flips) b[at % b.length] ^= x;
        const input = cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
        const e = await errorOf(() => readIdx(input));
        if (e !== undefined) expect(e).toBeInstanceOf(SimdconvError);
      }), { numRuns: 300, seed: 14 });
  });

  it('property: arbitrary bytes (and gzip of arbitrary bytes) never throw anything but a SimdconvError', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.boolean(), async (bytes, gz) => {
      const e = await errorOf(() => readIdx(gz ? gzipSync(bytes) : bytes));
      if (e !== undefined) expect(e).toBeInstanceOf(SimdconvError);
    }), { numRuns: 300, seed: 14 });
  });

  it('the usage lines of the doc comments hold', async () => {
    const idx = parseIdx(new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]));
    expect([idx.type, idx.shape, Array.from(idx.data)]).toEqual(['uint8', [2, 3], [1, 2, 3, 4, 5, 6]]);
    expect(Array.from((await readIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9]))).data)).toEqual([7, 9]);
    const e = await errorOf(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1, 2])));
    expect([e instanceof SimdconvError, (e as IdxFormatError).argument]).toEqual([true, 'data']);
  });

  it('a valid header with a zero dimension reads as an empty array', () => {
    const idx = parseIdx(new Uint8Array([0, 0, 0x0d, 2, 0, 0, 0, 0, 0, 0, 0, 9]));
    expect(idx.shape).toEqual([0, 9]);
    expect(idx.data).toBeInstanceOf(Float32Array);
    expect(idx.data.length).toBe(0);
  });
});
