// The release modules must really be SIMD builds with no imports but their memory, export only
// the SIMD twins and fit in 64 KiB; the test builds (build/*-test.wasm, what the unit tests load)
// export both twins of every kernel. An accidental scalar build (SIMD disabled in asconfig), a
// stray import or a scalar twin shipped is caught here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { KERNEL_NAMES, setKernelVariant } from '../src/wasm/kernels.js';
import { TEST_BUILDS } from './helpers/test-builds.js';

const RELEASE_URL = new URL('../dist/simdconv.wasm', import.meta.url);
const bytes = readFileSync(RELEASE_URL);
const RELEASE_MT_URL = new URL('../dist/simdconv-mt.wasm', import.meta.url);

/**
 * Most bytes a release module may have: issue 12's 64 KiB. The modules are 61,515 and 61,518
 * bytes (3.9 KB to spare): a kernel that adds more must first make room.
 */
const MAX_RELEASE_BYTES = 64 * 1024;

/** Exports of every build that are not kernel twins (`memory` is the imported memory, re-exported). */
const EXTRAS = ['copy_f32', 'heap_base', 'memory'];

const exportNames = (m: WebAssembly.Module): string[] => WebAssembly.Module.exports(m).map((e) => e.name).sort();
const simdTwins = KERNEL_NAMES.map((k) => `${k}_f32_simd`);
const scalarTwins = KERNEL_NAMES.map((k) => `${k}_f32_scalar`);

/** A cursor over module bytes: single bytes and unsigned LEB128 numbers. */
class Reader {
  constructor(readonly b: Uint8Array, public p = 0) {}
  byte(): number {
    return this.b[this.p++]!;
  }
  leb(): number {
    let result = 0, shift = 0, byte: number;
    do {
      byte = this.byte();
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  }
}

/** The bytes of the module's section `id` (2: imports, 10: code). */
function section(b: Uint8Array, id: number): Uint8Array {
  const r = new Reader(b, 8);
  while (r.p < b.length) {
    const sid = r.byte();
    const size = r.leb();
    if (sid === id) return b.subarray(r.p, r.p + size);
    r.p += size;
  }
  throw new Error(`no section ${id}`);
}

/** The bytes of the code section. */
const codeSection = (b: Uint8Array): Uint8Array => section(b, 10);

/** Occurrences of a SIMD instruction (0xFD prefix + LEB128 opcode) in the code. */
function count(code: Uint8Array, opcode: number[]): number {
  let n = 0;
  outer: for (let i = 0; i + opcode.length < code.length; i++) {
    if (code[i] !== 0xfd) continue;
    for (let j = 0; j < opcode.length; j++) if (code[i + 1 + j] !== opcode[j]) continue outer;
    n++;
  }
  return n;
}

describe('release wasm', () => {
  const module = new WebAssembly.Module(bytes);
  const code = codeSection(new Uint8Array(bytes));

  it('imports nothing but env.memory', () => {
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });

  it('contains f32x4 arithmetic and v128 loads/stores', () => {
    expect(count(code, [0xe4, 0x01])).toBeGreaterThan(20); // f32x4.add
    expect(count(code, [0xe6, 0x01])).toBeGreaterThan(20); // f32x4.mul
    expect(count(code, [0x00])).toBeGreaterThan(50); // v128.load
    expect(count(code, [0x0b])).toBeGreaterThan(20); // v128.store
  });

  it('exports exactly the SIMD twin of every kernel (no scalar twin ships)', () => {
    expect(exportNames(module)).toEqual([...EXTRAS, ...simdTwins].sort());
  });

  it(`is at most ${MAX_RELEASE_BYTES} bytes`, () => {
    expect(bytes.length).toBeLessThanOrEqual(MAX_RELEASE_BYTES);
  });

  it("refuses setKernelVariant('scalar') with a clear error, and keeps running the SIMD kernels", async () => {
    await sc.init({ url: RELEASE_URL });
    expect(() => setKernelVariant('scalar')).toThrow(sc.UnsupportedRuntimeError);
    expect(() => setKernelVariant('scalar')).toThrow(/test build of the kernels.*'scalar' with a release module/);
    expect(sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray()).toEqual([[19, 25], [37, 43]]);
    setKernelVariant('simd');
  });
});

describe.each([
  ['simdconv-test.wasm', TEST_BUILDS['simdconv.wasm'], RELEASE_URL],
  ['simdconv-mt-test.wasm', TEST_BUILDS['simdconv-mt.wasm'], RELEASE_MT_URL],
])('test build %s', (_, testUrl, releaseUrl) => {
  const test = new WebAssembly.Module(readFileSync(testUrl));

  it('exports both twins of every kernel: the release module plus the scalar twins', () => {
    const release = exportNames(new WebAssembly.Module(readFileSync(releaseUrl)));
    expect(exportNames(test)).toEqual([...release, ...scalarTwins].sort());
  });

  it('imports the same memory as its release module', () => {
    expect(memoryImportLimits(new Uint8Array(readFileSync(testUrl)))).toEqual(memoryImportLimits(new Uint8Array(readFileSync(releaseUrl))));
  });
});

/**
 * The limits of the module's memory import (import section, id 2; the module has exactly one
 * import, checked separately): flags (bit 0: has a maximum, bit 1: shared), initial and maximum pages.
 */
function memoryImportLimits(b: Uint8Array): { flags: number; initial: number; maximum?: number } {
  const r = new Reader(section(b, 2));
  if (r.leb() !== 1) throw new Error('expected exactly one import');
  for (let name = 0; name < 2; name++) { // module and field names
    const length = r.leb();
    r.p += length;
  }
  if (r.byte() !== 0x02) throw new Error('the import is not a memory');
  const flags = r.byte();
  const initial = r.leb();
  return flags & 1 ? { flags, initial, maximum: r.leb() } : { flags, initial };
}

describe('threads wasm (simdconv-mt.wasm)', () => {
  const mt = readFileSync(RELEASE_MT_URL);
  const module = new WebAssembly.Module(mt);

  it('imports nothing but a shared env.memory, with the maximum the heap assumes', async () => {
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const { SHARED_MAX_PAGES } = await import('../src/wasm/memory.js');
    expect(memoryImportLimits(new Uint8Array(mt))).toEqual({ flags: 3, initial: 1, maximum: SHARED_MAX_PAGES });
    // The single-thread build's memory is neither shared nor bounded.
    expect(memoryImportLimits(new Uint8Array(bytes))).toEqual({ flags: 0, initial: 1 });
  });

  it(`is at most ${MAX_RELEASE_BYTES} bytes`, () => {
    expect(mt.length).toBeLessThanOrEqual(MAX_RELEASE_BYTES);
  });

  it('has the same exports and SIMD code as the single-thread build', () => {
    expect(exportNames(module)).toEqual(exportNames(new WebAssembly.Module(bytes)));
    const code = codeSection(new Uint8Array(mt));
    expect(count(code, [0xe4, 0x01])).toBe(count(codeSection(new Uint8Array(bytes)), [0xe4, 0x01])); // f32x4.add
  });
});

describe('inline entry (simdconv/inline)', () => {
  it('embeds exactly dist/simdconv.wasm, gzip-compressed and base64-encoded', async () => {
    const { simdconvWasmGzipBase64 } = (await import(new URL('../dist/wasm/simdconv-base64.js', import.meta.url).href)) as { simdconvWasmGzipBase64: string };
    const embedded = gunzipSync(Buffer.from(simdconvWasmGzipBase64, 'base64'));
    expect(embedded.equals(bytes)).toBe(true);
    expect(simdconvWasmGzipBase64.length).toBeLessThan(bytes.length * 0.6);
  });
});

/**
 * Most bytes the npm tarball may have: under issue 12's 214 kB. It was 272.5 kB; the 64 KiB
 * modules, the gzip-compressed inline module and JavaScript without comments or indentation
 * (scripts/compact-js.mjs) brought it to 209 kB; sc.compile (compile.ts, wasm/capture.ts, its
 * docs) added 4.5 kB; shipping only the declarations the entries reach (scripts/prune-dts.mjs)
 * took 11.5 kB off; conv_oc, the nn/optim subpaths and this session's kernels brought it back to
 * about 210 kB; claimed parts, Winograd, the SIMD transpose in copy_strided and the weight
 * gradient's per-part steps brought it to 213.65 kB. The budget is the issue's 214 kB.
 */
const MAX_PACK_BYTES = 214 * 1000;

describe('npm pack', () => {
  it(`makes a tarball of at most ${MAX_PACK_BYTES} bytes from the built dist/`, () => {
    // --ignore-scripts: dist/ is already built; prepack would rebuild it.
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: new URL('..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [info] = JSON.parse(out) as { size: number; files: { path: string }[] }[];
    expect(info!.files.some((f) => f.path === 'dist/simdconv.wasm')).toBe(true);
    expect(info!.size).toBeLessThanOrEqual(MAX_PACK_BYTES);
  }, 60_000);
});
