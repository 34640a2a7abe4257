// nn.Sequential runs a ReLU followed by an unpadded MaxPool2d as the pooling, then the ReLU on its
// output (src/nn/sequential.ts): the output and every gradient must be bitwise those of running
// the two layers in the written order, including windows that are all negative, hold zeros or
// ties, and NaN; a padded MaxPool2d, and a pool before a ReLU, run as written.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';

beforeAll(async () => {
  await sc.init();
});

/** Bits of a float32 array, for exact comparison (NaN payloads and -0 included). */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Output and input gradient of `layers` on x, through Sequential or layer by layer. */
function run(layers: () => sc.nn.Module[], x0: Float32Array, shape: number[], sequential: boolean): number[][] {
  return sc.tidy(() => {
    const mods = layers();
    const x = sc.variable(sc.tensor(x0, shape));
    let y: sc.Tensor;
    if (sequential) y = new sc.nn.Sequential(...mods).forward(x);
    else { y = x; for (const m of mods) y = m.forward(y); }
    y.mul(sc.randn(y.shape, { seed: 5 })).sum().backward();
    return [bits(y.data()), bits(x.grad!.data())];
  });
}

describe('Sequential: ReLU then MaxPool2d', () => {
  const shape = [2, 2, 9, 8];
  const inputs: [string, () => Float32Array][] = [
    ['random', () => sc.randn(shape, { seed: 1 }).data()],
    ['mostly negative (all-negative windows)', () => sc.randn(shape, { seed: 2 }).sub(1.5).data()],
    ['zeros, -0 and ties', () => sc.randn(shape, { seed: 3 }).data().map((v, i) => (i % 5 === 0 ? -0 : Math.round(v)))],
    ['with NaN', () => { const a = sc.randn(shape, { seed: 6 }).data(); a[17] = NaN; return a; }],
  ];
  const stacks: [string, () => sc.nn.Module[]][] = [
    ['ReLU, MaxPool2d 2x2', () => [new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2 })]],
    ['ReLU, MaxPool2d 3x3 stride 2 ceilMode', () => [new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 3, stride: 2, ceilMode: true })]],
    ['ReLU, MaxPool2d padded (runs as written)', () => [new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 })]],
    ['MaxPool2d, ReLU', () => [new sc.nn.MaxPool2d({ kernelSize: 2 }), new sc.nn.ReLU()]],
    ['ReLU, MaxPool2d, ReLU, MaxPool2d', () => [new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2 }), new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2 })]],
  ];
  for (const [sn, stack] of stacks) {
    for (const [iname, input] of inputs) {
      it(`${sn}, ${iname}: bitwise the layer-by-layer output and gradients`, () => {
        const x = sc.tidy(input);
        expect(run(stack, x, shape, true)).toEqual(run(stack, x, shape, false));
      });
    }
  }
});
