// Live-tensor accounting for tests of the public API.
import { afterEach, beforeEach, expect } from 'vitest';
import * as sc from '../../src/index.js';

/**
 * Registers, in the calling suite, hooks that make every test free what it makes: the live-tensor
 * count (sc.memory().tensors) after the test must equal the count before it. Returns a getter of
 * that starting count for the running test.
 */
export function expectNoLeakedTensors(): () => number {
  let baseline = 0;
  beforeEach(() => {
    baseline = sc.memory().tensors;
  });
  afterEach(() => {
    expect(sc.memory().tensors, 'tensors left alive by the test').toBe(baseline);
  });
  return () => baseline;
}
