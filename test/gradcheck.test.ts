// Gradient checks for every differentiable op: autograd's gradient of sum(f(x) * R) against
// float64 central differences of a float64 re-implementation of f, plus (libStep) central
// differences of the library's own float32 forward. See test/helpers/gradcheck.ts.
// Table-driven; every case runs under both kernel variants ('simd' and 'scalar').
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { record } from '../src/autograd/node.js';
import { Gen, fromValues, gradcheck, ref, type Arr64, type CheckInput, type GradcheckOptions } from './helpers/gradcheck.js';
import { conv2dRef, convolve2dRef, corr2dRef, type ConvRefOptions } from './reference/conv.js';

beforeAll(async () => {
  await sc.init();
});

interface Case {
  name: string;
  inputs: (g: Gen) => CheckInput[];
  f: GradcheckOptions['f'];
  ref: GradcheckOptions['ref'];
  /** Library finite-difference step: 0.5 for ops linear in each input, 1e-2 for smooth ones. */
  libStep?: number | null;
  rtol?: number;
  atol?: number;
  libTol?: number;
}

const LINEAR = 0.5;
const SMOOTH = 1e-2;

// ---- elementwise binary ops, every broadcasting pattern -------------------------------------------

type BinName = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
const binRef: Record<BinName, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
};
/** Input domains: div keeps b away from 0, pow keeps a > 0; max/min use a grid so ties are exact. */
const binGen: Record<BinName, (g: Gen, sa: number[], sb: number[]) => [Arr64, Arr64]> = {
  add: (g, sa, sb) => [g.uniform(sa), g.uniform(sb)],
  sub: (g, sa, sb) => [g.uniform(sa), g.uniform(sb)],
  mul: (g, sa, sb) => [g.uniform(sa, -2, 2), g.uniform(sb, -2, 2)],
  div: (g, sa, sb) => [g.uniform(sa, -2, 2), g.away(sb, 0.5, 2)],
  pow: (g, sa, sb) => [g.uniform(sa, 0.5, 2), g.uniform(sb, -2, 2)],
  maximum: (g, sa, sb) => [g.grid(sa, 0.125, -0.5, 0.5), g.grid(sb, 0.125, -0.5, 0.5)],
  minimum: (g, sa, sb) => [g.grid(sa, 0.125, -0.5, 0.5), g.grid(sb, 0.125, -0.5, 0.5)],
};
const binStep: Record<BinName, number> = { add: LINEAR, sub: LINEAR, mul: LINEAR, div: SMOOTH, pow: SMOOTH, maximum: SMOOTH, minimum: SMOOTH };

const BROADCASTS: [string, number[], number[]][] = [
  ['same shape', [3, 4], [3, 4]],
  ['row [4]', [3, 4], [4]],
  ['row [1, 4]', [3, 4], [1, 4]],
  ['column [3, 1]', [3, 4], [3, 1]],
  ['[1, 1]', [3, 4], [1, 1]],
  ['0-d tensor', [3, 4], []],
  ['0-d tensor on the left', [], [3, 4]],
  ['rank-differing, smaller on the left', [4], [2, 3, 4]],
  ['both broadcast', [2, 1, 4], [3, 1]],
  ['outer [3, 1] x [1, 5]', [3, 1], [1, 5]],
  ['SIMD tail: [2, 9] x [9]', [2, 9], [9]],
];

const BIN_OPS: BinName[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];

function binaryCases(): Case[] {
  const cases: Case[] = [];
  for (const op of BIN_OPS) {
    for (const [label, sa, sb] of BROADCASTS) {
      cases.push({
        name: `${op} ${label} [${sa}] , [${sb}]`,
        inputs: (g) => binGen[op](g, sa, sb),
        f: ([a, b]) => sc[op](a!, b!),
        ref: ([a, b]) => ref.binary(a!, b!, binRef[op]),
        libStep: binStep[op],
      });
    }
    // Only one side requires grad (the other's gradient must not be computed).
    cases.push({
      name: `${op} only a requires grad`,
      inputs: (g) => {
        const [a, b] = binGen[op](g, [3, 4], [4]);
        return [a, { ...b, requiresGrad: false }];
      },
      f: ([a, b]) => sc[op](a!, b!),
      ref: ([a, b]) => ref.binary(a!, b!, binRef[op]),
    });
    cases.push({
      name: `${op} only b requires grad`,
      inputs: (g) => {
        const [a, b] = binGen[op](g, [3, 1], [3, 4]);
        return [{ ...a, requiresGrad: false }, b];
      },
      f: ([a, b]) => sc[op](a!, b!),
      ref: ([a, b]) => ref.binary(a!, b!, binRef[op]),
    });
  }
  // Exact ties: the gradient is split evenly (as is the central difference).
  for (const op of ['maximum', 'minimum'] as const) {
    cases.push({
      name: `${op} with ties`,
      inputs: () => [fromValues([1, 2, 3, -1, 0.5, 0], [2, 3]), fromValues([1, 0, 3, -1, 0.75, 0], [2, 3])],
      f: ([a, b]) => sc[op](a!, b!),
      ref: ([a, b]) => ref.binary(a!, b!, binRef[op]),
      libStep: SMOOTH,
    });
    cases.push({
      name: `${op} with ties, broadcast`,
      inputs: () => [fromValues([0, 1, 2, 1, 1, 0], [2, 3]), fromValues([1, 1, 0], [3])],
      f: ([a, b]) => sc[op](a!, b!),
      ref: ([a, b]) => ref.binary(a!, b!, binRef[op]),
      libStep: SMOOTH,
    });
  }
  return cases;
}

// ---- a number on either side -------------------------------------------------------------------

function scalarCases(): Case[] {
  const S = [2, 9];
  const c = (name: string, gen: (g: Gen) => Arr64, f: (t: sc.Tensor) => sc.Tensor, r: (x: number) => number, libStep: number): Case => ({
    name,
    inputs: (g) => [gen(g)],
    f: ([t]) => f(t!),
    ref: ([t]) => ref.unary(t!, r),
    libStep,
  });
  const cases: Case[] = [
    c('add(t, 2.5)', (g) => g.uniform(S), (t) => sc.add(t, 2.5), (x) => x + 2.5, LINEAR),
    c('add(2.5, t)', (g) => g.uniform(S), (t) => sc.add(2.5, t), (x) => 2.5 + x, LINEAR),
    c('sub(t, 2.5)', (g) => g.uniform(S), (t) => sc.sub(t, 2.5), (x) => x - 2.5, LINEAR),
    c('sub(2.5, t)', (g) => g.uniform(S), (t) => sc.sub(2.5, t), (x) => 2.5 - x, LINEAR),
    c('mul(t, -1.5)', (g) => g.uniform(S), (t) => sc.mul(t, -1.5), (x) => x * Math.fround(-1.5), LINEAR),
    c('mul(-1.5, t)', (g) => g.uniform(S), (t) => sc.mul(-1.5, t), (x) => Math.fround(-1.5) * x, LINEAR),
    c('div(t, 2.5)', (g) => g.uniform(S), (t) => sc.div(t, 2.5), (x) => x / 2.5, LINEAR),
    c('div(2.5, t)', (g) => g.away(S, 0.5, 2), (t) => sc.div(2.5, t), (x) => 2.5 / x, SMOOTH),
    c('pow(2, t)', (g) => g.uniform(S, -2, 2), (t) => sc.pow(2, t), (x) => 2 ** x, SMOOTH),
    c('pow(0.5, t)', (g) => g.uniform(S, -2, 2), (t) => sc.pow(0.5, t), (x) => 0.5 ** x, SMOOTH),
    c('maximum(t, 0.25)', (g) => g.grid(S, 0.125, -1, 1), (t) => sc.maximum(t, 0.25), (x) => Math.max(x, 0.25), SMOOTH),
    c('maximum(0.25, t)', (g) => g.grid(S, 0.125, -1, 1), (t) => sc.maximum(0.25, t), (x) => Math.max(0.25, x), SMOOTH),
    c('minimum(t, 0.25)', (g) => g.grid(S, 0.125, -1, 1), (t) => sc.minimum(t, 0.25), (x) => Math.min(x, 0.25), SMOOTH),
    c('minimum(0.25, t)', (g) => g.grid(S, 0.125, -1, 1), (t) => sc.minimum(0.25, t), (x) => Math.min(0.25, x), SMOOTH),
  ];
  // pow(t, p): the kernels special-case p = 2, 1, 0.5, -1, 0, 3; others use Mathf.pow.
  // Integer exponents are checked on negative bases too.
  // (negative exponents: a smaller library step, the third derivative is large near 0.3)
  for (const p of [2, 3, 4, 5, 1, 0, -1, -2]) {
    cases.push(c(`pow(t, ${p}), t of both signs`, (g) => g.away(S, 0.3, 1.5), (t) => sc.pow(t, p), (x) => x ** p, p < 0 ? 2e-3 : SMOOTH));
  }
  for (const p of [0.5, -0.5, 1.5, 2.5, -1.5]) {
    cases.push(c(`pow(t, ${p}), t > 0`, (g) => g.uniform(S, 0.3, 2), (t) => sc.pow(t, p), (x) => x ** p, SMOOTH));
  }
  return cases;
}

// ---- unary ops -----------------------------------------------------------------------------------

type UnName = 'neg' | 'abs' | 'square' | 'sqrt' | 'exp' | 'log' | 'relu' | 'sign';
const unRef: Record<UnName, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  square: (x) => x * x,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  relu: (x) => Math.max(x, 0),
  sign: Math.sign,
};
const unGen: Record<UnName, (g: Gen, s: number[]) => Arr64> = {
  neg: (g, s) => g.uniform(s, -2, 2),
  // away from the kink, plus an exact 0 (gradient 0, like the central difference)
  abs: (g, s) => {
    const a = g.away(s, 0.1, 2);
    a.data[1] = 0;
    return a;
  },
  square: (g, s) => g.uniform(s, -2, 2),
  sqrt: (g, s) => g.uniform(s, 0.3, 3),
  exp: (g, s) => g.uniform(s, -2, 2),
  log: (g, s) => g.uniform(s, 0.3, 3),
  relu: (g, s) => g.away(s, 0.1, 2),
  sign: (g, s) => g.away(s, 0.1, 2),
};
const UN_OPS: UnName[] = ['neg', 'abs', 'square', 'sqrt', 'exp', 'log', 'relu', 'sign'];

function unaryCases(): Case[] {
  const cases: Case[] = [];
  for (const op of UN_OPS) {
    for (const s of [[2, 9], [7], [1]]) {
      cases.push({
        name: `${op} [${s}]`,
        inputs: (g) => [unGen[op](g, s)],
        f: ([t]) => sc[op](t!),
        ref: ([t]) => ref.unary(t!, unRef[op]),
        libStep: op === 'neg' || op === 'relu' || op === 'abs' || op === 'sign' ? LINEAR / 10 : SMOOTH,
      });
    }
    // the method form (sign has none)
    if (op !== 'sign') cases.push({
      name: `Tensor#${op}`,
      inputs: (g) => [unGen[op](g, [3, 3])],
      f: ([t]) => t![op as Exclude<UnName, 'sign'>](),
      ref: ([t]) => ref.unary(t!, unRef[op]),
    });
  }
  return cases;
}

// ---- reductions --------------------------------------------------------------------------------

function reductionCases(): Case[] {
  const cases: Case[] = [];
  const axesList: [number | number[] | undefined, boolean][] = [
    [undefined, false], [undefined, true], [0, false], [1, false], [-1, false], [2, true], [[0, 2], false],
    [[0, 2], true], [[1, 2], false], [[0, 1], true], [[0, 1, 2], false], [[-1, 0], false],
  ];
  for (const op of ['sum', 'mean'] as const) {
    for (const [axis, keep] of axesList) {
      cases.push({
        name: `${op}(axis ${JSON.stringify(axis)}, keepDims ${keep}) of [2, 3, 4]`,
        inputs: (g) => [g.uniform([2, 3, 4])],
        f: ([t]) => sc[op](t!, axis, keep),
        ref: ([t]) => ref[op](t!, axis, keep),
        libStep: LINEAR,
      });
    }
    cases.push({
      name: `${op} of [17] (SIMD tail)`,
      inputs: (g) => [g.uniform([17])],
      f: ([t]) => t![op](),
      ref: ([t]) => ref[op](t!),
      libStep: LINEAR,
    });
    cases.push({
      name: `${op} of a 0-d tensor`,
      inputs: (g) => [g.uniform([])],
      f: ([t]) => t![op](),
      ref: ([t]) => ref[op](t!),
      libStep: LINEAR,
    });
    cases.push({
      name: `${op}(1) of [3, 1, 5] (an axis of length 1)`,
      inputs: (g) => [g.uniform([3, 1, 5])],
      f: ([t]) => t![op](1),
      ref: ([t]) => ref[op](t!, 1),
      libStep: LINEAR,
    });
  }
  return cases;
}

// ---- shape ops -----------------------------------------------------------------------------------

function shapeCases(): Case[] {
  const X = [2, 3, 4];
  const c = (name: string, f: (t: sc.Tensor) => sc.Tensor, r: (a: Arr64) => Arr64, shape = X): Case => ({
    name,
    inputs: (g) => [g.uniform(shape)],
    f: ([t]) => f(t!),
    ref: ([t]) => r(t!),
    libStep: LINEAR,
  });
  type Idx = Parameters<typeof ref.slice>[1];
  const sl = (index: Idx, shape = X): Case =>
    c(`slice ${JSON.stringify(index)} of [${shape}]`, (t) => t.slice(index as sc.IndexSpec), (a) => ref.slice(a, index), shape);
  return [
    c('reshape [6, 4]', (t) => sc.reshape(t, [6, 4]), (a) => ref.reshape(a, [6, 4])),
    c('reshape [-1]', (t) => t.reshape([-1]), (a) => ref.reshape(a, [-1])),
    c('reshape [4, -1, 3]', (t) => t.reshape([4, -1, 3]), (a) => ref.reshape(a, [4, -1, 3])),
    c('flatten', (t) => t.flatten(), (a) => ref.reshape(a, [-1])),
    c('reshape to 0-d', (t) => t.reshape([]), (a) => ref.reshape(a, []), [1, 1]),
    c('transpose() reverses', (t) => sc.transpose(t), (a) => ref.transpose(a)),
    c('transpose(0, 2)', (t) => t.transpose(0, 2), (a) => ref.transpose(a, [2, 1, 0])),
    c('transpose(-1, 1)', (t) => t.transpose(-1, 1), (a) => ref.transpose(a, [0, 2, 1])),
    c('transpose([2, 0, 1])', (t) => t.transpose([2, 0, 1]), (a) => ref.transpose(a, [2, 0, 1])),
    c('transpose([1, 2, 0])', (t) => t.transpose([1, 2, 0]), (a) => ref.transpose(a, [1, 2, 0])),
    c('T of [5, 9]', (t) => t.T, (a) => ref.transpose(a), [5, 9]),
    c('flip() all axes', (t) => sc.flip(t), (a) => ref.flip(a)),
    c('flip(1)', (t) => t.flip(1), (a) => ref.flip(a, 1)),
    c('flip([0, 2])', (t) => t.flip([0, 2]), (a) => ref.flip(a, [0, 2])),
    c('flip(-1) of [17]', (t) => t.flip(-1), (a) => ref.flip(a, -1), [17]),
    sl([null, [1, 3]]),
    sl([[0, null, 2]]),
    sl([1]),
    sl([null, -1, [null, null, 3]]),
    sl([[-2, null], 1, [1, 4, 2]]),
    sl([null, [0, 3, 2], [3, 0]]),
    sl([0, 2, 3]),
    sl([[1, 5, 2], [2, 17, 3]], [6, 17]),
    c('clone', (t) => sc.clone(t), (a) => a),
    c('Tensor#clone', (t) => t.clone(), (a) => a),
    c('transpose then reshape', (t) => t.transpose([1, 0, 2]).reshape([3, 8]), (a) => ref.reshape(ref.transpose(a, [1, 0, 2]), [3, 8])),
  ];
}

// ---- composites: fan-out, shared non-leaves, chains ----------------------------------------------

function compositeCases(): Case[] {
  return [
    {
      name: 'x * x (one leaf twice in one op)',
      inputs: (g) => [g.uniform([2, 5])],
      f: ([x]) => sc.mul(x!, x!),
      ref: ([x]) => ref.binary(x!, x!, (a, b) => a * b),
      libStep: SMOOTH,
    },
    {
      name: 'x + x',
      inputs: (g) => [g.uniform([2, 5])],
      f: ([x]) => sc.add(x!, x!),
      ref: ([x]) => ref.binary(x!, x!, (a, b) => a + b),
      libStep: LINEAR,
    },
    {
      name: 'y = 2x; y*y + y (a shared non-leaf)',
      inputs: (g) => [g.uniform([3, 3])],
      f: ([x]) => {
        const y = x!.mul(2);
        return y.mul(y).add(y);
      },
      ref: ([x]) => ref.unary(x!, (v) => 4 * v * v + 2 * v),
      libStep: SMOOTH,
    },
    {
      name: 'x * exp(x) + x / 3 - log(x)',
      inputs: (g) => [g.uniform([7], 0.5, 2)],
      f: ([x]) => x!.mul(x!.exp()).add(x!.div(3)).sub(x!.log()),
      ref: ([x]) => ref.unary(x!, (v) => v * Math.exp(v) + v / 3 - Math.log(v)),
      libStep: SMOOTH,
    },
    {
      name: 'variance along axis 1: (x - mean(x, 1, keep))².mean(1)',
      inputs: (g) => [g.uniform([3, 6])],
      f: ([x]) => x!.sub(x!.mean(1, true)).square().mean(1),
      ref: ([x]) => ref.mean(ref.unary(ref.binary(x!, ref.mean(x!, 1, true), (a, b) => a - b), (v) => v * v), 1),
      libStep: SMOOTH,
    },
    {
      name: 'two inputs, broadcasting chain: relu(a*b + a).sum(0) / b.square().sum()',
      inputs: (g) => [g.away([4, 3], 0.3, 1.5), g.uniform([3], 0.5, 1.5)],
      f: ([a, b]) => a!.mul(b!).add(a!).relu().sum(0).div(b!.square().sum()),
      ref: ([a, b]) => {
        const s = ref.sum(ref.unary(ref.binary(ref.binary(a!, b!, (x, y) => x * y), a!, (x, y) => x + y), (v) => Math.max(v, 0)), 0);
        const d = ref.sum(ref.unary(b!, (v) => v * v));
        return ref.binary(s, d, (x, y) => x / y);
      },
    },
    {
      name: 'slice + flip + transpose chain with reuse',
      inputs: (g) => [g.uniform([4, 5])],
      f: ([x]) => x!.slice([[1, 4], [0, 5, 2]]).flip(0).T.mul(x!.slice([[0, 3], 1]).reshape([1, 3])),
      ref: ([x]) => ref.binary(ref.transpose(ref.flip(ref.slice(x!, [[1, 4], [0, 5, 2]]), 0)), ref.reshape(ref.slice(x!, [[0, 3], 1]), [1, 3]), (a, b) => a * b),
      libStep: LINEAR,
    },
    {
      name: 'conv2d -> relu -> mean over space (with bias)',
      inputs: (g) => [g.uniform([2, 2, 5, 5]), g.uniform([3, 2, 3, 3]), g.uniform([3], -0.2, 0.2)],
      f: ([x, w, b]) => sc.conv2d(x!, w!, { bias: b!, padding: 1 }).relu().mean([2, 3]),
      ref: ([x, w, b]) => {
        const y = conv2dRef(x!.data, x!.shape, w!.data, w!.shape, { bias: b!.data, padding: 1 });
        return ref.mean(ref.unary({ data: y.data, shape: y.shape }, (v) => Math.max(v, 0)), [2, 3]);
      },
    },
  ];
}

// ---- convolutions --------------------------------------------------------------------------------

function corrCases(): Case[] {
  const shapes: [number[], number[]][] = [
    [[6, 8], [1, 2]], [[3, 5], [2, 2]], [[4, 9], [3, 3]], [[5, 12], [2, 4]], [[3, 17], [1, 1]],
    [[7, 7], [7, 7]], [[4, 21], [3, 5]], [[2, 3], [2, 1]],
  ];
  const cases: Case[] = [];
  for (const op of ['corr2d', 'convolve2d'] as const) {
    const r = op === 'corr2d' ? corr2dRef : convolve2dRef;
    for (const [xs, ks] of shapes) {
      cases.push({
        name: `${op} X [${xs}] K [${ks}]`,
        inputs: (g) => [g.uniform(xs), g.uniform(ks)],
        f: ([X, K]) => sc[op](X!, K!),
        ref: ([X, K]) => r(X!.data, X!.shape, K!.data, K!.shape),
        libStep: LINEAR,
      });
    }
    cases.push({
      name: `${op} only K requires grad`,
      inputs: (g) => [{ ...g.uniform([4, 6]), requiresGrad: false }, g.uniform([2, 3])],
      f: ([X, K]) => sc[op](X!, K!),
      ref: ([X, K]) => r(X!.data, X!.shape, K!.data, K!.shape),
    });
    cases.push({
      name: `${op} only X requires grad`,
      inputs: (g) => [g.uniform([4, 6]), { ...g.uniform([2, 3]), requiresGrad: false }],
      f: ([X, K]) => sc[op](X!, K!),
      ref: ([X, K]) => r(X!.data, X!.shape, K!.data, K!.shape),
    });
  }
  return cases;
}

interface ConvSpec {
  name: string;
  x: number[];
  w: number[];
  opts?: Omit<sc.Conv2dOptions, 'bias'>;
  bias?: boolean;
  /** Which of x, w, bias require grad (default all). */
  grad?: [boolean, boolean, boolean?];
}

const CONV: ConvSpec[] = [
  { name: 'basic 3x3', x: [2, 3, 5, 6], w: [4, 3, 3, 3] },
  { name: 'bias', x: [2, 3, 5, 6], w: [4, 3, 3, 3], bias: true },
  { name: 'stride 2', x: [1, 2, 7, 8], w: [3, 2, 3, 3], opts: { stride: 2 } },
  { name: 'stride [1, 2], padding 1', x: [1, 2, 6, 9], w: [2, 2, 3, 3], opts: { stride: [1, 2], padding: 1 }, bias: true },
  { name: "padding 'same', odd kernel", x: [1, 2, 5, 7], w: [2, 2, 3, 3], opts: { padding: 'same' } },
  { name: "padding 'same', even kernel (asymmetric)", x: [1, 2, 5, 7], w: [2, 2, 2, 4], opts: { padding: 'same' } },
  { name: "padding 'same', stride 2", x: [1, 2, 7, 6], w: [2, 2, 3, 3], opts: { padding: 'same', stride: 2 } },
  { name: 'padding [1, 2]', x: [1, 2, 4, 5], w: [2, 2, 3, 3], opts: { padding: [1, 2] } },
  { name: 'padding [[0, 1], [2, 0]]', x: [1, 2, 4, 5], w: [2, 2, 3, 2], opts: { padding: [[0, 1], [2, 0]] } },
  { name: "padding 'valid'", x: [1, 2, 4, 5], w: [2, 2, 2, 2], opts: { padding: 'valid' } },
  { name: 'dilation 2', x: [1, 2, 7, 8], w: [2, 2, 3, 3], opts: { dilation: 2 } },
  { name: "dilation [2, 1], padding 'same'", x: [1, 2, 6, 6], w: [2, 2, 3, 2], opts: { dilation: [2, 1], padding: 'same' } },
  { name: 'groups 2', x: [1, 4, 5, 6], w: [6, 2, 3, 3], opts: { groups: 2 }, bias: true },
  { name: 'depthwise (direct path), padding 1', x: [2, 3, 5, 6], w: [3, 1, 3, 3], opts: { groups: 3, padding: 1 } },
  { name: 'depthwise with multiplier 2', x: [1, 2, 5, 6], w: [4, 1, 3, 3], opts: { groups: 2 }, bias: true },
  { name: 'single channel (the lesson)', x: [1, 1, 6, 8], w: [1, 1, 1, 2] },
  { name: 'pointwise 1x1', x: [2, 3, 4, 5], w: [4, 3, 1, 1], bias: true },
  { name: "mode 'convolution' with asymmetric padding", x: [1, 2, 5, 6], w: [3, 2, 2, 3], opts: { mode: 'convolution', padding: [[1, 0], [0, 2]] } },
  { name: "mode 'convolution', depthwise direct", x: [1, 2, 5, 6], w: [2, 1, 3, 2], opts: { mode: 'convolution', groups: 2 } },
  { name: "mode 'convolution', stride 2, dilation 2", x: [1, 2, 9, 9], w: [2, 2, 2, 3], opts: { mode: 'convolution', stride: 2, dilation: 2 } },
  { name: 'NHWC basic with bias', x: [2, 5, 6, 3], w: [4, 3, 3, 3], opts: { layout: 'NHWC' }, bias: true },
  { name: "NHWC stride 2, 'same', dilation 2, groups 2", x: [1, 7, 8, 4], w: [4, 2, 3, 3], opts: { layout: 'NHWC', stride: 2, padding: 'same', dilation: 2, groups: 2 } },
  { name: "NHWC mode 'convolution', groups 2", x: [1, 5, 6, 4], w: [4, 2, 2, 3], opts: { layout: 'NHWC', mode: 'convolution', groups: 2 }, bias: true },
  { name: 'NHWC depthwise', x: [1, 5, 6, 3], w: [3, 1, 3, 3], opts: { layout: 'NHWC', groups: 3, padding: 1 } },
  { name: '3-D unbatched NCHW, padding 1, bias', x: [3, 5, 6], w: [2, 3, 3, 3], opts: { padding: 1 }, bias: true },
  { name: '3-D unbatched NHWC, stride 2', x: [5, 6, 3], w: [2, 3, 2, 2], opts: { layout: 'NHWC', stride: 2 } },
  { name: 'wide output (19 columns)', x: [1, 1, 3, 21], w: [1, 1, 2, 3] },
  { name: 'wide output (9 columns), 2 channels', x: [1, 2, 4, 13], w: [3, 2, 1, 5] },
  {
    name: 'everything: stride [2, 1], dilation [1, 2], padding [[1, 2], [0, 1]], groups 2, bias', x: [2, 4, 9, 8], w: [4, 2, 3, 2],
    opts: { stride: [2, 1], dilation: [1, 2], padding: [[1, 2], [0, 1]], groups: 2 }, bias: true,
  },
  { name: 'only x requires grad', x: [1, 2, 5, 6], w: [3, 2, 3, 3], bias: true, grad: [true, false, false] },
  { name: 'only w requires grad', x: [1, 2, 5, 6], w: [3, 2, 3, 3], bias: true, grad: [false, true, false] },
  { name: 'only bias requires grad', x: [1, 2, 5, 6], w: [3, 2, 3, 3], bias: true, grad: [false, false, true] },
  { name: 'only bias requires grad, NHWC', x: [1, 5, 6, 2], w: [3, 2, 3, 3], opts: { layout: 'NHWC' }, bias: true, grad: [false, false, true] },
];

function convCases(): Case[] {
  return CONV.map((s) => {
    const [gx, gw, gb] = s.grad ?? [true, true, true];
    return {
      name: `conv2d ${s.name}: x [${s.x}] w [${s.w}]`,
      inputs: (g: Gen) => {
        const ins: CheckInput[] = [{ ...g.uniform(s.x), requiresGrad: gx }, { ...g.uniform(s.w), requiresGrad: gw }];
        if (s.bias) ins.push({ ...g.uniform([s.w[0]!]), requiresGrad: gb ?? true });
        return ins;
      },
      f: ([x, w, b]: sc.Tensor[]) => sc.conv2d(x!, w!, { ...s.opts, ...(b ? { bias: b } : {}) }),
      ref: ([x, w, b]: Arr64[]) => {
        const o: ConvRefOptions = { ...(s.opts as ConvRefOptions), ...(b ? { bias: b.data } : {}) };
        const y = conv2dRef(x!.data, x!.shape, w!.data, w!.shape, o);
        return { data: y.data, shape: y.shape };
      },
      libStep: LINEAR,
    };
  });
}

const ALL: [string, Case[]][] = [
  ['binary ops with broadcasting', binaryCases()],
  ['a number on either side', scalarCases()],
  ['unary ops', unaryCases()],
  ['reductions', reductionCases()],
  ['shape ops', shapeCases()],
  ['composites', compositeCases()],
  ['corr2d / convolve2d', corrCases()],
  ['conv2d', convCases()],
];

const VARIANTS: KernelVariant[] = ['simd', 'scalar'];

describe.each(VARIANTS)('gradcheck (%s kernels)', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  afterAll(() => setKernelVariant('simd'));

  for (const [group, cases] of ALL) {
    describe(group, () => {
      it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
        const before = sc.memory();
        const report = gradcheck({
          f: c.f, ref: c.ref, inputs: c.inputs(new Gen(1000 + i)), seed: 7 + i,
          libStep: c.libStep, rtol: c.rtol, atol: c.atol, libTol: c.libTol,
        });
        if (process.env.GRADCHECK_VERBOSE) console.log(`${variant} ${c.name}: worst ${report.worst.toExponential(2)}`);
        expect(report.failures).toEqual([]);
        expect(report.checked).toBeGreaterThan(0);
        // the check itself frees every tensor it made
        expect(sc.memory().tensors).toBe(before.tensors);
      });
    });
  }
});

// ---- conventions at non-differentiable points (PyTorch's) ---------------------------------------

describe.each(VARIANTS)('gradients at kinks (%s kernels)', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  afterAll(() => setKernelVariant('simd'));

  const gradOf = (values: number[], f: (t: sc.Tensor) => sc.Tensor): number[] =>
    sc.tidy(() => {
      const x = sc.variable(values);
      f(x).sum().backward();
      const g = Array.from(x.grad!.data());
      x.zeroGrad();
      return g;
    });

  it('relu: 0 at 0 (and below)', () => {
    expect(gradOf([-1, 0, 2, -0], (t) => t.relu())).toEqual([0, 0, 1, 0]);
  });
  it('abs: 0 at 0, ±1 elsewhere', () => {
    expect(gradOf([-2, 0, 3], (t) => t.abs())).toEqual([-1, 0, 1]);
  });
  it('sign: gradient 0 everywhere', () => {
    expect(gradOf([-2, 0, 3], (t) => sc.sign(t)).map(Math.abs)).toEqual([0, 0, 0]);
  });
  it('maximum / minimum: a tie splits the gradient evenly', () => {
    sc.tidy(() => {
      for (const op of ['maximum', 'minimum'] as const) {
        const a = sc.variable([1, 2, 5]);
        const b = sc.variable([1, 3, 4]);
        sc[op](a, b).sum().backward();
        expect(Array.from(a.grad!.data()), op).toEqual(op === 'maximum' ? [0.5, 0, 1] : [0.5, 1, 0]);
        expect(Array.from(b.grad!.data()), op).toEqual(op === 'maximum' ? [0.5, 1, 0] : [0.5, 0, 1]);
        a.zeroGrad();
        b.zeroGrad();
      }
    });
  });
  it('pow(t, p) at t = 0: 0 for p = 0 and p = 2, 1 for p = 1; 3t² for p = 3 at negative t', () => {
    expect(gradOf([0, 1], (t) => t.pow(0))).toEqual([0, 0]);
    expect(gradOf([0, -1], (t) => t.pow(2))).toEqual([0, -2]);
    expect(gradOf([0, -3], (t) => t.pow(1))).toEqual([1, 1]);
    expect(gradOf([-2, 0], (t) => t.pow(3))).toEqual([12, 0]);
  });
});

// ---- the checker itself catches wrong gradients ----------------------------------------------------

describe('gradcheck detects errors', () => {
  /** y = 2x whose backward rule (deliberately) returns 3·gy. */
  function wrongDouble(x: sc.Tensor): sc.Tensor {
    const y = sc.noGrad(() => x.mul(2));
    record(y, 'WrongDouble', [x], (gy) => [sc.mul(gy, 3)]);
    return y;
  }

  it('a wrong backward rule is reported by both numerical sides', () => {
    const report = gradcheck({
      f: ([x]) => wrongDouble(x!),
      ref: ([x]) => ref.unary(x!, (v) => 2 * v),
      inputs: [new Gen(1).uniform([5])],
      libStep: LINEAR,
    });
    expect(report.failures.some((m) => m.includes('autograd') && m.includes('float64 finite difference'))).toBe(true);
    expect(report.failures.some((m) => m.includes('library finite difference'))).toBe(false);
  });

  it('a reference that disagrees with the forward is reported', () => {
    const report = gradcheck({
      f: ([x]) => x!.mul(2),
      ref: ([x]) => ref.unary(x!, (v) => 3 * v),
      inputs: [new Gen(2).uniform([5])],
      libStep: LINEAR,
    });
    expect(report.failures.some((m) => m.startsWith('forward'))).toBe(true);
    expect(report.failures.some((m) => m.includes('library finite difference'))).toBe(true);
  });

  it('a one-element indexing error in a gradient is reported', () => {
    // transpose's gradient is the inverse permutation; using the same (non-involutive) permutation is wrong
    const report = gradcheck({
      f: ([x]) => {
        const y = sc.noGrad(() => x!.transpose([1, 2, 0]));
        record(y, 'WrongTranspose', [x], (gy) => [gy.reshape([2, 3, 4])]);
        return y;
      },
      ref: ([x]) => ref.transpose(x!, [1, 2, 0]),
      inputs: [new Gen(3).uniform([2, 3, 4])],
    });
    expect(report.failures.length).toBeGreaterThan(0);
  });

  it('correct gradients give an empty report with a tiny worst error', () => {
    const report = gradcheck({
      f: ([x]) => x!.exp(),
      ref: ([x]) => ref.unary(x!, Math.exp),
      inputs: [new Gen(4).uniform([9])],
      libStep: SMOOTH,
    });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(9);
    expect(report.worst).toBeLessThan(1e-5);
  });
});
