// Comparing a tensor with expected values: shape first, then |got - want| <= rtol·|want| +
// atol·max(1, max|want|) elementwise, reporting the first few mismatches.
import { expect } from 'vitest';
import type * as sc from '../../src/index.js';

export function expectTensorClose(got: sc.Tensor, want: ArrayLike<number>, shape: readonly number[], what: string, rtol = 1e-5, atol = 1e-6): void {
  expect(got.shape, `${what} shape`).toEqual(shape);
  const d = got.data();
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(d[i]! - want[i]!) <= rtol * Math.abs(want[i]!) + atol * scale)) bad.push(`[${i}] got ${d[i]} want ${want[i]}`);
  }
  expect(bad.slice(0, 6), `${what}: ${bad.length} of ${want.length} off`).toEqual([]);
}
