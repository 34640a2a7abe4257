// The benchmark's own pieces, so that they cannot rot unnoticed: the ONNX writer (decoded by a
// protobuf reader written here, and the decoded graphs evaluated in float64 against the reference
// convolution), the FLOP and byte counts of the shape table, the naive loops and the naive
// training step against the float64 reference, and the spot checks. Needs nothing from
// bench/node_modules (the peers); no timing.
import { describe, expect, it } from 'vitest';
import {
  relMaxDiff, sampleIndices, spotCheckForward, spotCheckGradInput, spotCheckGradWeight, stepCheckState, stepDisagreement,
} from '../bench/check.js';
import {
  naiveConv2dGradInputNCHW, naiveConv2dGradWeightNCHW, naiveConv2dNCHW, naiveCorr2d, naiveTrainer,
} from '../bench/naive.js';
import {
  ProtoWriter, convForwardGraph, convGradInputGraph, convGradWeightGraph, encodeModel, trainStepGraph,
  type OnnxAttr, type OnnxModel, type OnnxTensor,
} from '../bench/onnx.js';
import { SHAPES, STEP_LR, bytesOf, dims, flopsOf, makeData, type BenchShape } from '../bench/shapes.js';
import { randArray } from './helpers/random.js';
import { conv2dGradInputRef, conv2dGradWeightRef, conv2dRef } from './reference/conv.js';

// ---- a protobuf reader and an ONNX decoder, written apart from bench/onnx.ts -----------------------
interface RawField {
  field: number;
  wire: number;
  /** varint: the value (int64, two's complement); len / i32 / i64: the bytes */
  value: bigint | Uint8Array;
}

function readFields(b: Uint8Array): RawField[] {
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (p >= b.length) throw new Error('truncated varint');
      const byte = b[p++]!;
      v |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asIntN(64, v);
    }
  };
  const take = (n: number): Uint8Array => {
    if (p + n > b.length) throw new Error('truncated field');
    const out = b.subarray(p, p + n);
    p += n;
    return out;
  };
  const fields: RawField[] = [];
  while (p < b.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1) fields.push({ field, wire, value: take(8) });
    else if (wire === 2) fields.push({ field, wire, value: take(Number(varint())) });
    else if (wire === 5) fields.push({ field, wire, value: take(4) });
    else throw new Error(`wire type ${wire}`);
  }
  return fields;
}

const all = (fs: RawField[], n: number) => fs.filter((f) => f.field === n);
const one = (fs: RawField[], n: number): RawField | undefined => {
  const hits = all(fs, n);
  if (hits.length > 1) throw new Error(`field ${n} repeated`);
  return hits[0];
};
const bytesOfField = (f: RawField): Uint8Array => {
  if (!(f.value instanceof Uint8Array) || f.wire !== 2) throw new Error(`field ${f.field}: not length-delimited`);
  return f.value;
};
const str = (f: RawField | undefined): string => (f ? new TextDecoder().decode(bytesOfField(f)) : '');
const int = (f: RawField | undefined): number => (f === undefined ? 0 : Number(f.value as bigint));
const f32 = (b: Uint8Array, i = 0): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getFloat32(4 * i, true);
/** A repeated int64 field, packed or not. */
const ints = (fs: RawField[], n: number): number[] =>
  all(fs, n).flatMap((f) => (f.wire === 0 ? [Number(f.value as bigint)] : readPackedVarints(bytesOfField(f))));
function readPackedVarints(b: Uint8Array): number[] {
  // a packed field is varints back to back: read them as field-less varints
  const out: number[] = [];
  let p = 0;
  while (p < b.length) {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = b[p++]!;
      v |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
    }
    out.push(Number(BigInt.asIntN(64, v)));
  }
  return out;
}
const sub = (f: RawField) => readFields(bytesOfField(f));

// onnx.proto field numbers, from the ONNX specification
function decodeAttr(fs: RawField[]): OnnxAttr {
  const name = str(one(fs, 1));
  const type = int(one(fs, 20));
  switch (type) {
    case 1: return { name, type: 'float', value: f32(one(fs, 2)!.value as Uint8Array) };
    case 2: return { name, type: 'int', value: int(one(fs, 3)) };
    case 3: return { name, type: 'string', value: str(one(fs, 4)) };
    case 6: {
      const b = bytesOfField(one(fs, 7)!);
      return { name, type: 'floats', value: Array.from({ length: b.length / 4 }, (_, i) => f32(b, i)) };
    }
    case 7: return { name, type: 'ints', value: ints(fs, 8) };
    default: throw new Error(`attribute type ${type}`);
  }
}

function decodeTensor(fs: RawField[]): OnnxTensor {
  const name = str(one(fs, 8));
  const dims = ints(fs, 1);
  const dataType = int(one(fs, 2));
  if (dataType === 1) {
    const raw = bytesOfField(one(fs, 9)!);
    return { name, dims, dataType: 'float', data: Float32Array.from({ length: raw.length / 4 }, (_, i) => f32(raw, i)) };
  }
  if (dataType === 7) return { name, dims, dataType: 'int64', data: ints(fs, 7) };
  throw new Error(`tensor data type ${dataType}`);
}

function decodeValue(fs: RawField[]): { name: string; dims: number[] } {
  const tensorType = sub(one(sub(one(fs, 2)!), 1)!); // ValueInfoProto.type -> TypeProto.tensor_type
  expect(int(one(tensorType, 1))).toBe(1); // elem_type FLOAT
  const shape = sub(one(tensorType, 2)!);
  return { name: str(one(fs, 1)), dims: all(shape, 1).map((d) => int(one(sub(d), 1))) };
}

function decodeModel(bytes: Uint8Array): OnnxModel {
  const m = readFields(bytes);
  const opsets = all(m, 8).map(sub);
  expect(opsets).toHaveLength(1);
  expect(str(one(opsets[0]!, 1))).toBe('');
  const g = sub(one(m, 7)!);
  return {
    irVersion: int(one(m, 1)),
    opset: int(one(opsets[0]!, 2)),
    producer: str(one(m, 2)),
    graph: {
      name: str(one(g, 2)),
      nodes: all(g, 1).map(sub).map((n) => ({
        opType: str(one(n, 4)),
        inputs: all(n, 1).map(str),
        outputs: all(n, 2).map(str),
        name: str(one(n, 3)),
        attrs: all(n, 5).map(sub).map(decodeAttr),
      })),
      initializers: all(g, 5).map(sub).map(decodeTensor),
      inputs: all(g, 11).map(sub).map(decodeValue),
      outputs: all(g, 12).map(sub).map(decodeValue),
    },
  };
}

// ---- a float64 evaluator for the decoded graphs (the ops bench/onnx.ts uses) ------------------------
interface T64 {
  dims: number[];
  data: Float64Array;
}
const numel = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

function evalModel(m: OnnxModel, feeds: Record<string, T64>): Record<string, T64> {
  const env = new Map<string, T64>(Object.entries(feeds));
  for (const t of m.graph.initializers) env.set(t.name, { dims: t.dims, data: Float64Array.from(t.data) });
  const attr = (n: OnnxModel['graph']['nodes'][number], name: string) => n.attrs.find((a) => a.name === name)?.value;
  for (const n of m.graph.nodes) {
    const ins = n.inputs.map((name) => {
      const v = env.get(name);
      if (!v) throw new Error(`${n.name}: input ${name} is not defined before use`);
      return v;
    });
    let out: T64;
    switch (n.opType) {
      case 'Conv':
      case 'ConvTranspose': {
        expect(attr(n, 'strides')).toEqual([1, 1]);
        expect(attr(n, 'pads')).toEqual([0, 0, 0, 0]);
        expect(attr(n, 'dilations')).toEqual([1, 1]);
        const [x, w, b] = ins as [T64, T64, T64 | undefined];
        expect(attr(n, 'kernel_shape')).toEqual(w.dims.slice(2));
        if (n.opType === 'Conv') {
          const r = conv2dRef(x.data, x.dims, w.data, w.dims, b ? { bias: b.data } : {});
          out = { dims: r.shape, data: r.data };
        } else {
          // ConvTranspose: w is [Cin, Cout, kh, kw]; the input gradient of a conv whose weight is w
          const [N, , H, W] = x.dims as [number, number, number, number];
          const [Ci, Co, kh, kw] = w.dims as [number, number, number, number];
          const xShape = [N, Co, H + kh - 1, W + kw - 1];
          const r = conv2dGradInputRef(x.data, w.data, [Ci, Co, kh, kw], xShape);
          out = { dims: xShape, data: r.data };
        }
        break;
      }
      case 'Transpose': {
        const perm = attr(n, 'perm') as number[];
        const x = ins[0]!;
        const dims = perm.map((p) => x.dims[p]!);
        const data = new Float64Array(x.data.length);
        const strides = x.dims.map((_, i) => numel(x.dims.slice(i + 1)));
        for (let q = 0; q < data.length; q++) {
          let rem = q;
          let src = 0;
          for (let k = 0; k < dims.length; k++) {
            const stride = numel(dims.slice(k + 1));
            src += Math.floor(rem / stride) * strides[perm[k]!]!;
            rem %= stride;
          }
          data[q] = x.data[src]!;
        }
        out = { dims, data };
        break;
      }
      case 'Sub':
      case 'Mul': {
        const [a, b] = ins as [T64, T64];
        const scalar = b.data.length === 1 && a.data.length !== 1;
        if (!scalar) expect(b.dims).toEqual(a.dims);
        out = { dims: a.dims, data: a.data.map((v, i) => (n.opType === 'Sub' ? v - b.data[scalar ? 0 : i]! : v * b.data[scalar ? 0 : i]!)) };
        break;
      }
      case 'ReduceMean': {
        expect(attr(n, 'keepdims')).toBe(0);
        out = { dims: [], data: Float64Array.of(ins[0]!.data.reduce((a, b) => a + b, 0) / ins[0]!.data.length) };
        break;
      }
      case 'ReduceSum': {
        expect(attr(n, 'keepdims')).toBe(0);
        const [x, axes] = ins as [T64, T64];
        expect(Array.from(axes.data)).toEqual([0, 2, 3]);
        const [N, C, H, W] = x.dims as [number, number, number, number];
        const data = new Float64Array(C);
        for (let i = 0; i < x.data.length; i++) data[Math.floor(i / (H * W)) % C] += x.data[i]!;
        expect(N * C * H * W).toBe(x.data.length);
        out = { dims: [C], data };
        break;
      }
      default:
        throw new Error(`op ${n.opType} not evaluated here`);
    }
    expect(n.outputs).toHaveLength(1);
    env.set(n.outputs[0]!, out);
  }
  const result: Record<string, T64> = {};
  for (const o of m.graph.outputs) {
    const v = env.get(o.name);
    if (!v) throw new Error(`graph output ${o.name} is never produced`);
    expect(v.dims).toEqual(o.dims);
    result[o.name] = v;
  }
  return result;
}

const t64 = (a: ArrayLike<number>, dims: number[]): T64 => ({ dims, data: Float64Array.from(a) });
const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-12) => expect(relMaxDiff(got, want)).toBeLessThanOrEqual(tol);

// ---- tests -----------------------------------------------------------------------------------
describe('bench/onnx.ts protobuf writer', () => {
  it('writes the wire format of the protobuf documentation examples', () => {
    // "field 1 = 150" is 08 96 01; "field 2 = 'testing'" is 12 07 74 65 73 74 69 6e 67
    expect(Array.from(new ProtoWriter().int(1, 150).finish())).toEqual([0x08, 0x96, 0x01]);
    expect(Array.from(new ProtoWriter().string(2, 'testing').finish())).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    // int64 -1: ten bytes of two's complement
    expect(Array.from(new ProtoWriter().int(3, -1).finish())).toEqual([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    // fixed32 float 1.5 = 0x3fc00000 little-endian; packed [3, 270] = 03 8e 02
    expect(Array.from(new ProtoWriter().float(2, 1.5).finish())).toEqual([0x15, 0x00, 0x00, 0xc0, 0x3f]);
    expect(Array.from(new ProtoWriter().packedInts(4, [3, 270]).finish())).toEqual([0x22, 0x03, 0x03, 0x8e, 0x02]);
    expect(() => new ProtoWriter().varint(2 ** 53)).toThrow(RangeError);
  });

  it('round-trips a model with every attribute type through the decoder', () => {
    const model: OnnxModel = {
      irVersion: 8, opset: 17, producer: 'test',
      graph: {
        name: 'g',
        nodes: [{
          opType: 'Custom', inputs: ['a', ''], outputs: ['b'], name: 'n0',
          attrs: [
            { name: 'i', type: 'int', value: -7 },
            { name: 'is', type: 'ints', value: [0, 1, 300, -2] },
            { name: 'f', type: 'float', value: 0.25 },
            { name: 'fs', type: 'floats', value: [1.5, -2, 3.25] },
            { name: 's', type: 'string', value: 'é' },
          ],
        }],
        initializers: [
          { name: 'c', dims: [2, 1], dataType: 'float', data: Float32Array.of(1.5, -0.125) },
          { name: 'k', dims: [3], dataType: 'int64', data: [0, 2, 3] },
        ],
        inputs: [{ name: 'a', dims: [1, 2, 3, 4] }],
        outputs: [{ name: 'b', dims: [] }],
      },
    };
    expect(decodeModel(encodeModel(model))).toEqual(model);
  });
});

describe('bench/onnx.ts graphs, decoded and evaluated in float64', () => {
  const d = { N: 2, C: 3, H: 6, W: 7, Cout: 4, kh: 3, kw: 2 };
  const Ho = d.H - d.kh + 1;
  const Wo = d.W - d.kw + 1;
  const xShape = [d.N, d.C, d.H, d.W];
  const wShape = [d.Cout, d.C, d.kh, d.kw];
  const yShape = [d.N, d.Cout, Ho, Wo];
  const x = randArray(numel(xShape), 1);
  const w = randArray(numel(wShape), 2);
  const dy = randArray(numel(yShape), 3);

  it('every graph round-trips and is well formed', () => {
    for (const m of [convForwardGraph(d), convForwardGraph(d, w), convGradInputGraph(d), convGradWeightGraph(d), trainStepGraph(d, 0.1)]) {
      const back = decodeModel(encodeModel(m));
      expect(back).toEqual(m);
      expect(back.irVersion).toBe(8);
      expect(back.opset).toBe(17);
      const names = back.graph.nodes.map((n) => n.name);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(() => convForwardGraph(d, w.subarray(1))).toThrow(RangeError);
  });

  it('forward: Conv (weights as an input or as an initializer)', () => {
    const want = conv2dRef(x, xShape, w, wShape).data;
    close(evalModel(decodeModel(encodeModel(convForwardGraph(d))), { x: t64(x, xShape), w: t64(w, wShape) }).y!.data, want);
    close(evalModel(decodeModel(encodeModel(convForwardGraph(d, w))), { x: t64(x, xShape) }).y!.data, want);
  });

  it('input gradient: ConvTranspose of dy with w', () => {
    const got = evalModel(decodeModel(encodeModel(convGradInputGraph(d))), { dy: t64(dy, yShape), w: t64(w, wShape) }).dx!;
    expect(got.dims).toEqual(xShape);
    close(got.data, conv2dGradInputRef(dy, w, wShape, xShape).data);
  });

  it('filter gradient: a Conv of x (channels as batch) with dy as the kernel', () => {
    const got = evalModel(decodeModel(encodeModel(convGradWeightGraph(d))), { x: t64(x, xShape), dy: t64(dy, yShape) }).dw!;
    close(got.data, conv2dGradWeightRef(x, xShape, dy, wShape).data);
  });

  it('training step: loss, dX and the SGD update', () => {
    const b = randArray(d.Cout, 4);
    const t = randArray(numel(yShape), 5);
    const lr = 0.1;
    const out = evalModel(decodeModel(encodeModel(trainStepGraph(d, lr))), { x: t64(x, xShape), w: t64(w, wShape), b: t64(b, [d.Cout]), t: t64(t, yShape) });
    const y = conv2dRef(x, xShape, w, wShape, { bias: b }).data;
    const r = y.map((v, i) => v - t[i]!);
    const g = r.map((v) => (2 * v) / r.length);
    const db = new Float64Array(d.Cout);
    g.forEach((v, i) => (db[Math.floor(i / (Ho * Wo)) % d.Cout] += v));
    // the graph's constants 2/|y| and lr are float32 initializers: agreement to float32 precision
    close(out.loss!.data, [r.reduce((a, v) => a + v * v, 0) / r.length]);
    close(out.dx!.data, conv2dGradInputRef(g, w, wShape, xShape).data, 1e-7);
    close(out.w_new!.data, conv2dGradWeightRef(x, xShape, g, wShape).data.map((v, i) => w[i]! - lr * v), 1e-7);
    close(out.b_new!.data, db.map((v, i) => b[i]! - lr * v), 1e-7);
  });
});

describe('bench/shapes.ts counts', () => {
  const byId = (id: string) => dims(SHAPES.find((s) => s.id === id)!);

  it('has the DESIGN table shapes', () => {
    expect(SHAPES.map((s) => s.id)).toEqual(['a', 'b', 'c3', 'c5', 'd', 'e', 'f', 'g']);
    const spec = (s: BenchShape) => [s.N, s.C, s.H, s.W, s.Cout, s.kh, s.kw];
    expect(spec(byId('a'))).toEqual([1, 1, 6, 8, 1, 1, 2]);
    expect(spec(byId('c3'))).toEqual([1, 1, 1024, 1024, 1, 3, 3]);
    expect(spec(byId('f'))).toEqual([1, 64, 56, 56, 64, 3, 3]);
    expect(spec(byId('g'))).toEqual([16, 32, 32, 32, 32, 3, 3]);
  });

  it('counts FLOPs as 2·N·Cout·Ho·Wo·C·kh·kw, a step 3x', () => {
    expect(flopsOf(byId('a'), 'fwd')).toBe(2 * 6 * 7 * 2); // 168
    expect(flopsOf(byId('c3'), 'dx')).toBe(2 * 1022 * 1022 * 9); // 18 800 712
    expect(flopsOf(byId('d'), 'dw')).toBe(2 * 1024 * 1023 * 2);
    expect(flopsOf(byId('f'), 'fwd')).toBe(214_990_848); // 2·64·54·54·64·9
    expect(flopsOf(byId('g'), 'fwd')).toBe(265_420_800); // 2·16·32·30·30·32·9
    expect(flopsOf(byId('g'), 'step')).toBe(3 * 265_420_800);
  });

  it('counts the bytes a call must move', () => {
    // a: x 48 + w 2 + y 42 floats; step: x 48 + t 42 + dx 48 + 2·w 4 + 2·b 2
    expect(bytesOf(byId('a'), 'fwd')).toBe(4 * (48 + 2 + 42));
    expect(bytesOf(byId('a'), 'step')).toBe(4 * (48 + 42 + 48 + 4 + 2));
    // d: 1024² in, 1024·1023 out, 2 taps: about 8.4 MB for each of fwd, dX, dW
    for (const dir of ['fwd', 'dx', 'dw'] as const) expect(bytesOf(byId('d'), dir)).toBe(4 * (1024 * 1024 + 1024 * 1023 + 2));
    expect(bytesOf(byId('f'), 'fwd')).toBe(4 * (64 * 56 * 56 + 64 * 64 * 9 + 64 * 54 * 54));
  });

  it('makes deterministic data; the lesson step learns its edge map from uniform weights', () => {
    const a = makeData(SHAPES[0]!);
    expect(Array.from(a.w)).toEqual([1, -1]);
    expect(Array.from(a.step.t.subarray(0, 7))).toEqual([0, 1, 0, 0, 0, -1, 0]);
    expect(a.step.w0).not.toEqual(a.w);
    const g1 = makeData(SHAPES.find((s) => s.id === 'b')!);
    const g2 = makeData(SHAPES.find((s) => s.id === 'b')!);
    expect(g1.x).toEqual(g2.x);
    expect(g1.x).not.toEqual(g1.dy.subarray(0, g1.x.length));
    expect(Math.max(...g1.x)).toBeLessThanOrEqual(1);
    expect(Math.min(...g1.x)).toBeGreaterThanOrEqual(-1);
  });
});

describe('bench/naive.ts against the float64 reference', () => {
  const cases = [
    { N: 1, C: 1, H: 6, W: 8, Cout: 1, kh: 1, kw: 2 },
    { N: 2, C: 3, H: 7, W: 5, Cout: 2, kh: 3, kw: 2 },
    { N: 1, C: 2, H: 4, W: 9, Cout: 3, kh: 4, kw: 1 },
  ];
  for (const [k, c] of cases.entries()) {
    const Ho = c.H - c.kh + 1;
    const Wo = c.W - c.kw + 1;
    const xShape = [c.N, c.C, c.H, c.W];
    const wShape = [c.Cout, c.C, c.kh, c.kw];
    const x = randArray(numel(xShape), 10 + k);
    const w = randArray(numel(wShape), 20 + k);
    const dy = randArray(c.N * c.Cout * Ho * Wo, 30 + k);
    const args = [c.N, c.C, c.H, c.W, c.Cout, c.kh, c.kw] as const;

    it(`forward, dX, dW on ${xShape} ; ${wShape}`, () => {
      close(naiveConv2dNCHW(x, w, new Float32Array(dy.length).fill(NaN), ...args), conv2dRef(x, xShape, w, wShape).data, 1e-6);
      close(naiveConv2dGradInputNCHW(dy, w, new Float32Array(x.length).fill(NaN), ...args), conv2dGradInputRef(dy, w, wShape, xShape).data, 1e-6);
      close(naiveConv2dGradWeightNCHW(x, dy, new Float32Array(w.length).fill(NaN), ...args), conv2dGradWeightRef(x, xShape, dy, wShape).data, 1e-6);
      if (c.N === 1 && c.C === 1 && c.Cout === 1) {
        close(naiveCorr2d(x, c.H, c.W, w, c.kh, c.kw, new Float32Array(dy.length)), conv2dRef(x, xShape, w, wShape).data, 1e-6);
      }
    });

    it(`training step on ${xShape} ; ${wShape}`, () => {
      const b = randArray(c.Cout, 40 + k);
      const t = randArray(dy.length, 50 + k);
      const lr = 0.05;
      const tr = naiveTrainer(x, t, w, b, lr, ...args);
      const loss = tr.step();
      const s = tr.state();
      const y = conv2dRef(x, xShape, w, wShape, { bias: b }).data;
      const g = y.map((v, i) => (2 * (v - t[i]!)) / y.length);
      const db = new Float64Array(c.Cout);
      g.forEach((v, i) => (db[Math.floor(i / (Ho * Wo)) % c.Cout] += v));
      close([loss, s.loss], [1, 1].map(() => y.reduce((a, v, i) => a + (v - t[i]!) ** 2, 0) / y.length), 1e-6);
      close(s.dx, conv2dGradInputRef(g, w, wShape, xShape).data, 1e-6);
      close(s.w, conv2dGradWeightRef(x, xShape, g, wShape).data.map((v, i) => w[i]! - lr * v), 1e-6);
      close(s.b, db.map((v, i) => b[i]! - lr * v), 1e-6);
      // the trainer keeps its own copies: a second step moves on from the first
      expect(tr.step()).toBeLessThan(loss);
      expect(Array.from(w)).toEqual(Array.from(randArray(numel(wShape), 20 + k)));
    });
  }
  it('the step learning rate is stable on the bench shapes (loss falls)', () => {
    const s = dims(SHAPES.find((t) => t.id === 'b')!);
    const small = { ...s, H: 16, W: 16 };
    const data = makeData(small);
    const x = data.x.subarray(0, 256);
    const tr = naiveTrainer(x, data.step.t.subarray(0, 196), data.step.w0, data.step.b0, STEP_LR, 1, 1, 16, 16, 1, 3, 3);
    const losses = Array.from({ length: 20 }, () => tr.step());
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]!);
  });
});

describe('bench/check.ts', () => {
  const s = dims({ id: 't', N: 2, C: 3, H: 9, W: 8, Cout: 4, kh: 3, kw: 2 });
  const x = randArray(s.N * s.C * s.H * s.W, 60);
  const w = randArray(s.Cout * s.C * s.kh * s.kw, 61);
  const dy = randArray(s.N * s.Cout * s.Ho * s.Wo, 62);
  const y = Float32Array.from(conv2dRef(x, s.xShape, w, s.wShape).data);
  const dx = Float32Array.from(conv2dGradInputRef(dy, w, s.wShape, s.xShape).data);
  const dw = Float32Array.from(conv2dGradWeightRef(x, s.xShape, dy, s.wShape).data);

  it('samples distinct in-range indices including both ends', () => {
    const idx = sampleIndices(1000, 50);
    expect(idx).toHaveLength(50);
    expect(idx).toContain(0);
    expect(idx).toContain(999);
    expect(idx.every((i) => Number.isInteger(i) && i >= 0 && i < 1000)).toBe(true);
    expect(sampleIndices(5, 50)).toEqual([0, 1, 2, 3, 4]);
  });

  it('spot checks pass exact outputs and catch a wrong element, a NaN and a wrong layout', () => {
    expect(spotCheckForward(s, x, w, y)).toBeLessThan(1e-6);
    expect(spotCheckGradInput(s, dy, w, dx)).toBeLessThan(1e-6);
    expect(spotCheckGradWeight(s, x, dy, dw)).toBeLessThan(1e-6);
    const bad = (a: Float32Array, i: number, v: number) => {
      const c = Float32Array.from(a);
      c[i] = v;
      return c;
    };
    expect(spotCheckForward(s, x, w, bad(y, y.length - 1, y[y.length - 1]! + 1))).toBeGreaterThan(1e-2);
    expect(spotCheckGradInput(s, dy, w, bad(dx, 0, NaN))).toBeNaN();
    expect(spotCheckGradWeight(s, x, dy, bad(dw, dw.length - 1, 0))).toBeGreaterThan(1e-3);
    expect(spotCheckGradWeight(s, x, dy, dw.slice().reverse())).toBeGreaterThan(1e-2);
  });

  it('compares training step states by losses, dX and the updates', () => {
    const last = { loss: 2, dx, w: w.map((v) => v + 0.5), b: Float32Array.of(1, 2, 3, 4) };
    const ref = stepCheckState([3, 2], last, w, new Float32Array(4));
    expect(Array.from(ref.dw).every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    expect(stepDisagreement(ref, ref)).toEqual({ check: 0, loss: 0 });
    const off = stepCheckState([3, 2.2], { ...last, b: Float32Array.of(1, 2, 3, 4.4) }, w, new Float32Array(4));
    const r = stepDisagreement(off, ref);
    expect(r.loss).toBeCloseTo(0.2 / 3, 6);
    expect(r.check).toBeCloseTo(0.1, 5);
    expect(relMaxDiff([1, 2], [1])).toBe(Infinity);
  });
});
