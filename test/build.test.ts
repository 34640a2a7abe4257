// The release module must really be a SIMD build with no imports but its memory: an accidental
// scalar build (SIMD disabled in asconfig) or a stray import is caught here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const bytes = readFileSync(new URL('../dist/simdconv.wasm', import.meta.url));

/** The bytes of the code section (id 10). */
function codeSection(b: Uint8Array): Uint8Array {
  let p = 8;
  const leb = (): number => {
    let result = 0, shift = 0, byte: number;
    do {
      byte = b[p++]!;
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  };
  while (p < b.length) {
    const id = b[p++]!;
    const size = leb();
    if (id === 10) return b.subarray(p, p + size);
    p += size;
  }
  throw new Error('no code section');
}

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

  it('exports every kernel as a SIMD and a scalar twin', async () => {
    const { KERNEL_NAMES } = await import('../src/wasm/kernels.js');
    const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    for (const k of KERNEL_NAMES) {
      expect(names.has(`${k}_f32_simd`), `${k}_f32_simd`).toBe(true);
      expect(names.has(`${k}_f32_scalar`), `${k}_f32_scalar`).toBe(true);
    }
  });
});
