// IDX files (the format of MNIST and Fashion-MNIST), parsed from bytes so the reader runs on every
// platform: raw bytes synchronously (parseIdx), raw or gzip-compressed asynchronously (readIdx,
// which gunzips with the platform's DecompressionStream: Node 18+, browsers, Deno, Bun, Workers).
//
// Layout: bytes 0-1 are zero, byte 2 the element type, byte 3 the number of dimensions d; then d
// dimension sizes as big-endian uint32; then the product of the sizes elements, big-endian, row
// major. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
// Every length is checked: a short, long, or inconsistent file is an IdxFormatError.
import { SimdconvError, UnsupportedRuntimeError } from '../errors.js';

/**
 * An IDX file is corrupt or truncated: `argument` names the part at fault ('magic', 'type',
 * 'dims', 'data', 'gzip'), `expected` and `got` say what was wrong.
 * @example
 * let error: any;
 * try { sc.data.parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1, 2])); } catch (e) { error = e; }
 * error instanceof sc.SimdconvError   // => true
 * error.argument                   // => 'data'
 */
export class IdxFormatError extends SimdconvError {
  override name = 'IdxFormatError';
}

/** Element types of IDX files, by type code. */
const TYPES = {
  0x08: { name: 'uint8', size: 1 },
  0x09: { name: 'int8', size: 1 },
  0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 },
  0x0d: { name: 'float32', size: 4 },
  0x0e: { name: 'float64', size: 8 },
} as const satisfies Record<number, { name: IdxType; size: number }>;

/**
 * The element type an IDX file declares (its third magic byte: 0x08 uint8 ... 0x0e float64).
 * @example
 * const t: sc.data.IdxType = sc.data.parseIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 1, 9])).type;
 * t   // => 'uint8'
 */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/**
 * The typed array of each IDX element type.
 * @example
 * const labels: sc.data.IdxArrays['uint8'] = new Uint8Array([7, 2]);
 * labels.length   // => 2
 */
export interface IdxArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/**
 * A parsed IDX file: its element type, shape and the elements in row-major order (native byte order).
 * @example
 * const idx: sc.data.Idx = sc.data.parseIdx(new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 1, 0, 0, 1, 0]));
 * [idx.type, idx.data[0]]   // => ['int32', 256]
 */
export type Idx = { [T in IdxType]: { type: T; shape: number[]; data: IdxArrays[T] } }[IdxType];

/** At most this many dimensions (MNIST files have 1 or 3). */
const MAX_DIMS = 16;

/**
 * The bytes of a file, as any binary view (a Node Buffer is a Uint8Array).
 * @example
 * const b: sc.data.Bytes = new Uint8Array([0x1f, 0x8b]).buffer;
 * sc.data.isGzip(b)   // => true
 */
export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

function toBytes(op: string, input: Bytes): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new IdxFormatError(op, 'bytes', 'a Uint8Array, ArrayBuffer or typed array', describeInput(input));
}

function describeInput(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'object'}` : typeof v;
}

/**
 * Whether the bytes start with the gzip magic 1f 8b.
 * @example sc.data.isGzip(new Uint8Array([0x1f, 0x8b, 8]))   // => true
 */
export function isGzip(input: Bytes): boolean {
  const b = toBytes('isGzip', input);
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Parses an uncompressed IDX file. Multi-byte elements are converted from big-endian into a fresh
 * typed array; uint8 / int8 data is a copy too, so the result never aliases `input`.
 * Throws IdxFormatError for gzip input (use {@link readIdx}) and for any corrupt or truncated file.
 * @example
 * const idx = sc.data.parseIdx(new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]));
 * [idx.type, idx.shape, Array.from(idx.data)]   // => ['uint8', [2, 3], [1, 2, 3, 4, 5, 6]]
 */
export function parseIdx(input: Bytes): Idx {
  return parseRaw('parseIdx', toBytes('parseIdx', input), true);
}

/**
 * Parses an IDX file, gunzipping it first when it starts with the gzip magic (1f 8b).
 * @example
 * const idx = await sc.data.readIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9]));
 * Array.from(idx.data)   // => [7, 9]
 */
export async function readIdx(input: Bytes): Promise<Idx> {
  const bytes = toBytes('readIdx', input);
  if (!isGzip(bytes)) return parseRaw('readIdx', bytes, true);
  return parseRaw('readIdx', await gunzip('readIdx', bytes), false);
}

function parseRaw(op: string, b: Uint8Array, copy: boolean): Idx {
  if (isGzip(b)) {
    throw new IdxFormatError(op, 'magic', 'an uncompressed IDX file (gzip input needs the async readIdx)', 'gzip data');
  }
  if (b.length < 4) throw new IdxFormatError(op, 'magic', 'a 4-byte IDX header', `${b.length} bytes`);
  if (b[0] !== 0 || b[1] !== 0) {
    throw new IdxFormatError(op, 'magic', 'bytes 0 and 1 to be zero', `${hex(b[0])} ${hex(b[1])}`);
  }
  const code = b[2] as keyof typeof TYPES;
  const t = TYPES[code];
  if (!t) throw new IdxFormatError(op, 'type', 'type code 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E', hex(b[2]));
  const ndim = b[3];
  if (ndim < 1 || ndim > MAX_DIMS) throw new IdxFormatError(op, 'dims', `1 to ${MAX_DIMS} dimensions`, String(ndim));
  const header = 4 + 4 * ndim;
  if (b.length < header) {
    throw new IdxFormatError(op, 'dims', `${ndim} dimension sizes (a ${header}-byte header)`, `${b.length} bytes`);
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n; // exact: checked against the byte length below before any use
  }
  const have = b.length - header;
  const need = count * t.size;
  if (need !== have) {
    throw new IdxFormatError(op, 'data', `${need} data bytes for ${t.name} shape [${shape.join(', ')}]`,
      `${have} bytes${have < need ? ' (truncated)' : ' (trailing bytes)'}`);
  }
  return { type: t.name, shape, data: elements(t.name, b, view, header, count, copy) } as Idx;
}

function elements(type: IdxType, b: Uint8Array, view: DataView, at: number, n: number, copy: boolean): IdxArrays[IdxType] {
  switch (type) {
    case 'uint8':
      return copy ? b.slice(at, at + n) : b.subarray(at, at + n);
    case 'int8':
      return new Int8Array(copy ? b.slice(at, at + n).buffer : b.buffer, copy ? 0 : b.byteOffset + at, n);
    case 'int16':
      return bigEndian(new Int16Array(n), (i) => view.getInt16(at + 2 * i, false));
    case 'int32':
      return bigEndian(new Int32Array(n), (i) => view.getInt32(at + 4 * i, false));
    case 'float32':
      return bigEndian(new Float32Array(n), (i) => view.getFloat32(at + 4 * i, false));
    case 'float64':
      return bigEndian(new Float64Array(n), (i) => view.getFloat64(at + 8 * i, false));
  }
}

/** Fills `a` with get(0), get(1), ...: the big-endian reads of a DataView. */
function bigEndian<A extends Int16Array | Int32Array | Float32Array | Float64Array>(a: A, get: (i: number) => number): A {
  for (let i = 0; i < a.length; i++) a[i] = get(i);
  return a;
}

function hex(v: number | undefined): string {
  return v === undefined ? 'nothing' : `0x${v.toString(16).padStart(2, '0').toUpperCase()}`;
}

/** Gunzips with the platform's DecompressionStream; a corrupt or truncated stream is an IdxFormatError. */
async function gunzip(op: string, bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') {
    throw new UnsupportedRuntimeError(op, 'bytes', 'a runtime with DecompressionStream to read gzip data',
      'none (gunzip the file first, then call parseIdx)');
  }
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  // Errors surface on the reading side; the writer's own promises must not go unhandled.
  writer.write(new Uint8Array(bytes)).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    throw new IdxFormatError(op, 'gzip', 'a complete, valid gzip stream', `a corrupt or truncated one (${(e as Error)?.message ?? e})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
