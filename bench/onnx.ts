// A minimal ONNX writer for the benchmark's onnxruntime-web peer: a protobuf wire-format encoder
// and the few messages of onnx.proto the benchmark's graphs need (ModelProto, GraphProto,
// NodeProto, AttributeProto, TensorProto, ValueInfoProto). Field numbers are onnx.proto's.
// Pure functions, no dependencies: test/bench.test.ts decodes what this writes.
//
// Layouts of the graphs below are the benchmark's: x NCHW [N, C, H, W], w OIHW [Cout, C, kh, kw],
// y / dy NCHW [N, Cout, Ho, Wo]; every conv is 'valid', stride 1, dilation 1, group 1.

// ---- protobuf wire format ------------------------------------------------------------------
/** Wire types: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit. */
export const WIRE = { varint: 0, i64: 1, len: 2, i32: 5 } as const;

/** Appends protobuf fields to a growing byte list. Integers are int64 varints (negative: 10 bytes). */
export class ProtoWriter {
  private readonly out: number[] = [];

  /** Base-128 varint of a safe integer; a negative one is its 64-bit two's complement. */
  varint(v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`varint: ${v} is not a safe integer`);
    let u = BigInt.asUintN(64, BigInt(v));
    do {
      const low = Number(u & 0x7fn);
      u >>= 7n;
      this.out.push(u > 0n ? low | 0x80 : low);
    } while (u > 0n);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  int(field: number, v: number): this {
    return this.tag(field, WIRE.varint).varint(v);
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, WIRE.i32);
    for (const x of b) this.out.push(x);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE.len).varint(b.length);
    for (const x of b) this.out.push(x);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** A packed repeated varint field. */
  packedInts(field: number, vs: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

// ---- the ONNX subset -----------------------------------------------------------------------
/** TensorProto.DataType values used here. */
export const DTYPE = { float: 1, int64: 7 } as const;
/** AttributeProto.AttributeType values used here. */
export const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

export type OnnxAttr =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'string'; value: string };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: OnnxAttr[];
}

/** A constant: float values go to raw_data (little-endian f32), int64 values to int64_data. */
export type OnnxTensor =
  | { name: string; dims: number[]; dataType: 'float'; data: Float32Array }
  | { name: string; dims: number[]; dataType: 'int64'; data: number[] };

/** A graph input or output: a float32 tensor of fixed shape. */
export interface OnnxValue {
  name: string;
  dims: number[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

export interface OnnxModel {
  irVersion: number;
  /** Version of the default ('ai.onnx') operator set. */
  opset: number;
  producer: string;
  graph: OnnxGraph;
}

// onnx.proto field numbers
const F = {
  model: { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5 },
  attr: { name: 1, f: 2, i: 3, s: 4, floats: 7, ints: 8, type: 20 },
  tensor: { dims: 1, dataType: 2, int64Data: 7, name: 8, rawData: 9 },
  valueInfo: { name: 1, type: 2 },
  typeProto: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { value: 1 },
} as const;

function encodeAttr(a: OnnxAttr): ProtoWriter {
  const w = new ProtoWriter().string(F.attr.name, a.name);
  switch (a.type) {
    case 'int':
      w.int(F.attr.i, a.value);
      break;
    case 'ints':
      w.packedInts(F.attr.ints, a.value);
      break;
    case 'float':
      w.float(F.attr.f, a.value);
      break;
    case 'floats': {
      // packed fixed32
      const b = new Uint8Array(4 * a.value.length);
      const dv = new DataView(b.buffer);
      a.value.forEach((v, i) => dv.setFloat32(4 * i, v, true));
      w.bytes(F.attr.floats, b);
      break;
    }
    case 'string':
      w.string(F.attr.s, a.value);
      break;
  }
  return w.int(F.attr.type, ATTR_TYPE[a.type]);
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const s of n.inputs) w.string(F.node.input, s);
  for (const s of n.outputs) w.string(F.node.output, s);
  w.string(F.node.name, n.name).string(F.node.opType, n.opType);
  for (const a of n.attrs) w.message(F.node.attribute, encodeAttr(a));
  return w;
}

function encodeTensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter().packedInts(F.tensor.dims, t.dims).int(F.tensor.dataType, DTYPE[t.dataType]);
  if (t.dataType === 'int64') w.packedInts(F.tensor.int64Data, t.data);
  w.string(F.tensor.name, t.name);
  if (t.dataType === 'float') {
    const le = new Uint8Array(4 * t.data.length);
    const dv = new DataView(le.buffer);
    t.data.forEach((v, i) => dv.setFloat32(4 * i, v, true));
    w.bytes(F.tensor.rawData, le);
  }
  return w;
}

function encodeValue(v: OnnxValue): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.message(F.shape.dim, new ProtoWriter().int(F.dim.value, d));
  const tensorType = new ProtoWriter().int(F.tensorType.elemType, DTYPE.float).message(F.tensorType.shape, shape);
  return new ProtoWriter()
    .string(F.valueInfo.name, v.name)
    .message(F.valueInfo.type, new ProtoWriter().message(F.typeProto.tensorType, tensorType));
}

/** The serialized ModelProto. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.graph.nodes) g.message(F.graph.node, encodeNode(n));
  g.string(F.graph.name, m.graph.name);
  for (const t of m.graph.initializers) g.message(F.graph.initializer, encodeTensor(t));
  for (const v of m.graph.inputs) g.message(F.graph.input, encodeValue(v));
  for (const v of m.graph.outputs) g.message(F.graph.output, encodeValue(v));
  return new ProtoWriter()
    .int(F.model.irVersion, m.irVersion)
    .string(F.model.producerName, m.producer)
    .message(F.model.graph, g)
    .message(F.model.opsetImport, new ProtoWriter().string(F.opset.domain, '').int(F.opset.version, m.opset))
    .finish();
}

// ---- the benchmark's graphs --------------------------------------------------------------------
export interface ConvGraphDims {
  N: number; C: number; H: number; W: number; Cout: number; kh: number; kw: number;
}

/** IR version 8 / opset 17: ReduceSum takes its axes as an input, ReduceMean as an attribute. */
const IR_VERSION = 8;
const OPSET = 17;
const PRODUCER = 'simdconv-bench';

const node = (opType: string, inputs: string[], outputs: string[], attrs: OnnxAttr[] = []): OnnxNode =>
  ({ opType, inputs, outputs, name: outputs[0]!, attrs });
const ints = (name: string, value: number[]): OnnxAttr => ({ name, type: 'ints', value });
/** Stride 1, no padding, dilation 1: stated, not left to defaults. */
const convAttrs = (kh: number, kw: number): OnnxAttr[] =>
  [ints('kernel_shape', [kh, kw]), ints('strides', [1, 1]), ints('pads', [0, 0, 0, 0]), ints('dilations', [1, 1])];
const SWAP01 = [1, 0, 2, 3];
const model = (name: string, g: Omit<OnnxGraph, 'name'>): OnnxModel =>
  ({ irVersion: IR_VERSION, opset: OPSET, producer: PRODUCER, graph: { name, ...g } });
const outDims = (d: ConvGraphDims) => ({ Ho: d.H - d.kh + 1, Wo: d.W - d.kw + 1 });

/**
 * y = Conv(x, w): inputs x and w, or with `weights` given, input x and w an initializer holding
 * them (constant weights, as an inference model ships them); output y.
 */
export function convForwardGraph(d: ConvGraphDims, weights?: Float32Array): OnnxModel {
  const { Ho, Wo } = outDims(d);
  const wDims = [d.Cout, d.C, d.kh, d.kw];
  if (weights && weights.length !== wDims.reduce((a, b) => a * b, 1)) throw new RangeError(`weights: ${weights.length} values for [${wDims.join(', ')}]`);
  const x: OnnxValue = { name: 'x', dims: [d.N, d.C, d.H, d.W] };
  return model('conv_forward', {
    nodes: [node('Conv', ['x', 'w'], ['y'], convAttrs(d.kh, d.kw))],
    initializers: weights ? [{ name: 'w', dims: wDims, dataType: 'float', data: weights }] : [],
    inputs: weights ? [x] : [x, { name: 'w', dims: wDims }],
    outputs: [{ name: 'y', dims: [d.N, d.Cout, Ho, Wo] }],
  });
}

/** dx = ConvTranspose(dy, w), the input gradient of the valid conv: inputs dy, w; output dx. */
export function convGradInputGraph(d: ConvGraphDims): OnnxModel {
  const { Ho, Wo } = outDims(d);
  return model('conv_grad_input', {
    nodes: [node('ConvTranspose', ['dy', 'w'], ['dx'], convAttrs(d.kh, d.kw))],
    initializers: [],
    inputs: [{ name: 'dy', dims: [d.N, d.Cout, Ho, Wo] }, { name: 'w', dims: [d.Cout, d.C, d.kh, d.kw] }],
    outputs: [{ name: 'dx', dims: [d.N, d.C, d.H, d.W] }],
  });
}

/**
 * The filter gradient as a forward conv: dw[o,c,a,b] = sum_{n,i,j} dy[n,o,i,j] · x[n,c,i+a,j+b]
 * is Conv(xᵀ [C, N, H, W] (channels as batch), dyᵀ [Cout, N, Ho, Wo] (dy as the kernel)) =
 * [C, Cout, kh, kw], transposed back to [Cout, C, kh, kw].
 */
function gradWeightNodes(d: ConvGraphDims, x: string, dy: string, dw: string): OnnxNode[] {
  const { Ho, Wo } = outDims(d);
  return [
    node('Transpose', [x], [`${dw}_xT`], [ints('perm', SWAP01)]),
    node('Transpose', [dy], [`${dw}_dyT`], [ints('perm', SWAP01)]),
    node('Conv', [`${dw}_xT`, `${dw}_dyT`], [`${dw}_T`], convAttrs(Ho, Wo)),
    node('Transpose', [`${dw}_T`], [dw], [ints('perm', SWAP01)]),
  ];
}

/** dw through a Conv graph (see gradWeightNodes): inputs x, dy; output dw. */
export function convGradWeightGraph(d: ConvGraphDims): OnnxModel {
  const { Ho, Wo } = outDims(d);
  return model('conv_grad_weight', {
    nodes: gradWeightNodes(d, 'x', 'dy', 'dw'),
    initializers: [],
    inputs: [{ name: 'x', dims: [d.N, d.C, d.H, d.W] }, { name: 'dy', dims: [d.N, d.Cout, Ho, Wo] }],
    outputs: [{ name: 'dw', dims: [d.Cout, d.C, d.kh, d.kw] }],
  });
}

/**
 * One SGD training step of y = conv(x, w) + b under loss = mean((y - t)²):
 *   dy = (y - t) · 2/|y|, dx = ConvTranspose(dy, w), dw = the Conv graph of gradWeightNodes,
 *   db = ReduceSum(dy, [0, 2, 3]), w' = w - lr·dw, b' = b - lr·db.
 * Inputs x, w, b, t; outputs loss (scalar, before the update), dx, w', b'.
 */
export function trainStepGraph(d: ConvGraphDims, lr: number): OnnxModel {
  const { Ho, Wo } = outDims(d);
  const yDims = [d.N, d.Cout, Ho, Wo];
  const scalar = (name: string, v: number): OnnxTensor => ({ name, dims: [], dataType: 'float', data: Float32Array.of(v) });
  return model('train_step', {
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['y'], convAttrs(d.kh, d.kw)),
      node('Sub', ['y', 't'], ['r']),
      node('Mul', ['r', 'r'], ['r2']),
      node('ReduceMean', ['r2'], ['loss'], [{ name: 'keepdims', type: 'int', value: 0 }]),
      node('Mul', ['r', 'two_over_count'], ['dy']),
      node('ConvTranspose', ['dy', 'w'], ['dx'], convAttrs(d.kh, d.kw)),
      ...gradWeightNodes(d, 'x', 'dy', 'dw'),
      node('ReduceSum', ['dy', 'axes_n_h_w'], ['db'], [{ name: 'keepdims', type: 'int', value: 0 }]),
      node('Mul', ['dw', 'lr'], ['w_step']),
      node('Sub', ['w', 'w_step'], ['w_new']),
      node('Mul', ['db', 'lr'], ['b_step']),
      node('Sub', ['b', 'b_step'], ['b_new']),
    ],
    initializers: [
      scalar('two_over_count', 2 / yDims.reduce((a, b) => a * b, 1)),
      scalar('lr', lr),
      { name: 'axes_n_h_w', dims: [3], dataType: 'int64', data: [0, 2, 3] },
    ],
    inputs: [
      { name: 'x', dims: [d.N, d.C, d.H, d.W] },
      { name: 'w', dims: [d.Cout, d.C, d.kh, d.kw] },
      { name: 'b', dims: [d.Cout] },
      { name: 't', dims: yDims },
    ],
    outputs: [
      { name: 'loss', dims: [] },
      { name: 'dx', dims: [d.N, d.C, d.H, d.W] },
      { name: 'w_new', dims: [d.Cout, d.C, d.kh, d.kw] },
      { name: 'b_new', dims: [d.Cout] },
    ],
  });
}
