// A Cloudflare Worker that classifies Fashion-MNIST items with a trained LeNet (see model.ts).
//
//   POST /  body: a 28x28 image, either
//           - JSON: 28 rows of 28 numbers, or 784 numbers, each in [0, 255] (as the IDX files
//             store them: 0 = background, 255 = full ink), or
//           - PNG bytes (Content-Type: image/png), 28x28, gray or colour (luma is used)
//   → 200 { "label": "Ankle boot", "class": 9, "probabilities": [10 numbers summing to 1] }
//   → 400 { "error", "message" } for a malformed image; 405 for other methods; 415 for other types.
//   GET / → a short usage text.
//
// `lenetWorker(state)` makes the handler for the weights in `state` (a state dict as
// `model.stateDict({ json: true })` or PyTorch's `state_dict()` write it); index.js is the entry
// wrangler deploys. The model is built on the first request and reused by later ones.
import * as sc from 'simdconv';
import { fromPNG } from 'simdconv/image';
import { leNetFrom } from './model.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** A request the Worker refuses, with its status. */
class BadRequest extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** What `POST /` answers. */
export interface Prediction {
  label: string;
  class: number;
  probabilities: number[];
}

/** The image of a JSON body as model input values (byte / 255, rounded to float32). */
function fromJson(body: unknown): Float32Array {
  const flat = Array.isArray(body) && body.length === SIDE && body.every((r) => Array.isArray(r)) ? (body as unknown[][]).flat() : body;
  if (!Array.isArray(flat) || flat.length !== PIXELS) {
    throw new BadRequest(400, `expected 28 rows of 28 numbers or 784 numbers, got ${Array.isArray(flat) ? `${flat.length} values` : typeof flat}`);
  }
  const x = new Float32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    const v: unknown = flat[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 255)) throw new BadRequest(400, `pixel ${i}: expected a number in [0, 255], got ${JSON.stringify(v)}`);
    x[i] = v / 255;
  }
  return x;
}

/** The image of a PNG body as model input values (sample / max, rounded to float32). */
function fromPng(bytes: ArrayBuffer): Float32Array {
  return sc.tidy(() => {
    let img: sc.Tensor;
    try {
      img = fromPNG(new Uint8Array(bytes));
    } catch (e) {
      throw new BadRequest(400, (e as Error).message);
    }
    if (img.shape[0] !== SIDE || img.shape[1] !== SIDE) throw new BadRequest(400, `expected a 28x28 PNG, got ${img.shape[1]}x${img.shape[0]}`);
    return img.data();
  });
}

async function readImage(request: Request): Promise<Float32Array> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'image/png') return fromPng(await request.arrayBuffer());
  if (type === 'application/json' || type === '') {
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      throw new BadRequest(400, 'the body is not valid JSON');
    }
    return fromJson(body);
  }
  throw new BadRequest(415, `expected Content-Type application/json or image/png, got ${type}`);
}

/** The class probabilities of one image (values as the model takes them, [784]). */
export function predict(model: sc.nn.Module, x: Float32Array): Prediction {
  const probabilities = sc.tidy(() => sc.noGrad(() => sc.softmax(model.forward(sc.tensor(x, [1, 1, SIDE, SIDE])), 1).data()));
  let best = 0;
  for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
  return { label: sc.data.FASHION_MNIST_CLASSES[best]!, class: best, probabilities: Array.from(probabilities) };
}

const USAGE = 'POST a 28x28 Fashion-MNIST image (JSON rows of numbers in [0, 255], or a PNG with Content-Type: image/png) '
  + 'for the class probabilities of a LeNet trained with simdconv.\n';

/** The Worker (`export default lenetWorker(state)`) serving the LeNet whose weights are `state`. */
export function lenetWorker(state: sc.nn.StateDict): { fetch(request: Request): Promise<Response> } {
  let model: Promise<sc.nn.Sequential> | null = null;
  const load = async () => {
    await sc.init();
    return leNetFrom(state);
  };
  return {
    async fetch(request) {
      if (request.method === 'GET') return new Response(USAGE, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
      if (request.method !== 'POST') return Response.json({ error: 'MethodNotAllowed', message: 'use POST (or GET for usage)' }, { status: 405, headers: { allow: 'GET, POST' } });
      model ??= load().catch((e: unknown) => {
        model = null; // a later request tries again
        throw e;
      });
      const m = await model;
      try {
        return Response.json(predict(m, await readImage(request)));
      } catch (e) {
        if (e instanceof BadRequest) return Response.json({ error: 'BadRequest', message: e.message }, { status: e.status });
        if (e instanceof sc.SimdconvError) return Response.json({ error: e.name, message: e.message }, { status: 400 });
        throw e;
      }
    },
  };
}
