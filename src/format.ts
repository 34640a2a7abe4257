// PyTorch-compatible tensor printing (torch/_tensor_str.py defaults: precision 4, line width 80,
// summarise above 1000 elements with 3 edge items). Python rounds half to even on the exact
// binary value; so do we.
import { stridesOf } from './layout.js';

const PRECISION = 4;
const LINE_WIDTH = 80;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/** Python's `'{:.Nf}'` / `'{:.Ne}'` for a finite double. */
function pyFormat(x: number, digits: number, sci: boolean): string {
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s = sci ? a.toExponential(digits) : a.toFixed(digits);
  // JS rounds exact ties away from zero; Python rounds them to even. Detect an exact tie by
  // looking at the exact expansion one digit further.
  const longer = sci ? a.toExponential(Math.min(digits + 25, 100)) : a.toFixed(Math.min(digits + 25, 100));
  const mant = sci ? longer.slice(0, longer.indexOf('e')) : longer;
  const cut = mant.length - 25;
  if (/^50*$/.test(mant.slice(cut))) {
    // Tie: keep the truncated value if its last digit is even.
    const truncated = mant.slice(0, cut).replace(/\.$/, '');
    const last = truncated.charCodeAt(truncated.length - 1) - 48;
    if (last % 2 === 0) s = sci ? truncated + longer.slice(longer.indexOf('e')) : truncated;
  }
  if (sci) {
    // Python writes at least two exponent digits: 1.0000e-05.
    s = s.replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return (neg ? '-' : '') + s;
}

interface Formatter {
  width: number;
  format(x: number): string;
}

function makeFormatter(values: Float32Array): Formatter {
  let intMode = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  let any = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v !== Math.ceil(v)) intMode = false;
    const a = Math.abs(v);
    if (a !== 0) {
      any = true;
      if (a > maxAbs) maxAbs = a;
      if (a < minAbs) minAbs = a;
    }
  }
  let sci = false;
  if (any) {
    if (intMode) sci = maxAbs / minAbs > 1000 || maxAbs > 1e8;
    else sci = maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4;
  }
  const fmt = (x: number): string => {
    if (Number.isNaN(x)) return 'nan';
    if (x === Infinity) return 'inf';
    if (x === -Infinity) return '-inf';
    if (sci) return pyFormat(x, PRECISION, true);
    if (intMode) return pyFormat(x, 0, false) + '.';
    return pyFormat(x, PRECISION, false);
  };
  let width = 0;
  for (let i = 0; i < values.length; i++) width = Math.max(width, fmt(values[i]!).length);
  return { width, format: (x) => fmt(x).padStart(width) };
}

/** The elements a summarised print shows (PyTorch's get_summarized_data, flattened). */
function shownValues(data: Float32Array, shape: readonly number[], summarize: boolean): Float32Array {
  if (!summarize) return data;
  const out: number[] = [];
  const strides = stridesOf(shape);
  const walk = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      out.push(data[offset]!);
      return;
    }
    for (const i of axisIndices(shape[axis]!, true)) if (i >= 0) walk(axis + 1, offset + i * strides[axis]!);
  };
  walk(0, 0);
  return Float32Array.from(out);
}

/** Indices shown along an axis; -1 stands for the '...' marker. */
function axisIndices(n: number, summarize: boolean): number[] {
  if (summarize && n > 2 * EDGE_ITEMS) {
    const idx: number[] = [];
    for (let i = 0; i < EDGE_ITEMS; i++) idx.push(i);
    idx.push(-1);
    for (let i = n - EDGE_ITEMS; i < n; i++) idx.push(i);
    return idx;
  }
  return Array.from({ length: n }, (_, i) => i);
}

/** `tensor([...]<suffix>)` exactly as PyTorch prints a float32 tensor. */
export function formatTensor(data: Float32Array, shape: readonly number[], suffix = ''): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  if (data.length === 0) {
    return `${prefix}[]${shape.length > 1 || shape[0] !== 0 ? `, size=(${shape.join(', ')})` : ''}${suffix})`;
  }
  const summarize = data.length > THRESHOLD;
  const f = makeFormatter(shownValues(data, shape, summarize));
  const strides = stridesOf(shape);
  const str = (axis: number, offset: number, ind: number): string => {
    const dim = shape.length - axis;
    if (dim === 0) return f.format(data[offset]!);
    const n = shape[axis]!;
    const idx = axisIndices(n, summarize);
    if (dim === 1) {
      const elems = idx.map((i) => (i < 0 ? '...' : f.format(data[offset + i]!)));
      const perLine = Math.max(Math.floor((LINE_WIDTH - ind) / (f.width + 2)), 1);
      const lines: string[] = [];
      for (let i = 0; i < elems.length; i += perLine) lines.push(elems.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(ind + 1)) + ']';
    }
    const parts = idx.map((i) => (i < 0 ? '...' : str(axis + 1, offset + i * strides[axis]!, ind + 1)));
    return '[' + parts.join(',' + '\n'.repeat(dim - 1) + ' '.repeat(ind + 1)) + ']';
  };
  return prefix + str(0, 0, indent) + suffix + ')';
}
