// Probing what this runtime's WebAssembly validates, with the smallest module that uses the
// feature. Each answer is computed once.

/** A probe of `bytes`: whether WebAssembly validates them (false without WebAssembly). */
function probe(bytes: Uint8Array<ArrayBuffer>): () => boolean {
  let answer: boolean | null = null;
  return () => {
    if (answer === null) {
      try {
        answer = typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
      } catch {
        answer = false;
      }
    }
    return answer;
  };
}

/** The smallest module using a SIMD instruction (i8x16.splat + popcnt): validates only with SIMD. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this runtime's WebAssembly has fixed-width SIMD. */
export const hasWasmSimd: () => boolean = probe(SIMD_PROBE);

/** The smallest module using f32x4.relaxed_madd: validates only where relaxed SIMD is on. */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, // magic, version
  1, 5, 1, 96, 0, 1, 123, // type: () -> v128
  3, 2, 1, 0, // function 0 has type 0
  10, 61, 1, 59, 0, // code: one body of 59 bytes, no locals
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 133, 2, // f32x4.relaxed_madd (0xfd 0x105)
  11, // end
]);

/** Whether this runtime's WebAssembly validates relaxed SIMD (f32x4.relaxed_madd). */
export const hasRelaxedSimd: () => boolean = probe(RELAXED_PROBE);
