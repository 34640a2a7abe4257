// The LeNet page: loads the Fashion-MNIST files (from this server, a file picker or a drop),
// hands them to the Web Worker (lenet-worker.ts) that trains LeNet, and draws what it reports:
// loss and accuracy plots, the first layer's filters and feature maps, and the class
// probabilities of a drawing. The main thread only draws; it never computes or waits.
import type { DatasetFiles, FromWorker, RunState, ToWorker, TrainSettings } from './lenet-protocol.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`lenet page: no element #${id}`);
  return el as T;
};

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** Where `npm run playground` serves the dataset when the machine has it (dataset-fashion-mnist). */
const SERVER_DATA = '/data/fashion-mnist/';
const FILE_NAMES: Record<keyof DatasetFiles, string> = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};
const ROLES = Object.keys(FILE_NAMES) as (keyof DatasetFiles)[];

const statusEl = $<HTMLParagraphElement>('status');
const dataInfo = $<HTMLParagraphElement>('data-info');
const fileList = $<HTMLUListElement>('file-list');
const progressEl = $<HTMLParagraphElement>('progress');
const trainBtn = $<HTMLButtonElement>('train');
const resetBtn = $<HTMLButtonElement>('reset');
const saveBtn = $<HTMLButtonElement>('save-weights');
const lossCanvas = $<HTMLCanvasElement>('loss-canvas');
const accCanvas = $<HTMLCanvasElement>('acc-canvas');
const testIndex = $<HTMLInputElement>('test-index');
const testCanvas = $<HTMLCanvasElement>('test-canvas');
const testInfo = $<HTMLParagraphElement>('test-info');
const drawCanvas = $<HTMLCanvasElement>('draw-canvas');
const predictionEl = $<HTMLDivElement>('prediction');
const settingInputs = ['epochs', 'batch-size', 'lr', 'limit', 'every'].map((id) => $<HTMLInputElement>(id));

/** A number for the page: fixed decimals, or a dash when it is not finite (never NaN or Infinity). */
const fmt = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '—');
const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');

// ---- the worker -------------------------------------------------------------------------------

const worker = new Worker(new URL('./lenet-worker.js', import.meta.url), { type: 'module', name: 'lenet' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);

let threadsText = '';
let state: RunState = 'idle';
let hasData = false;
let counts = { train: 0, test: 0 };
/** Plot points: loss and training accuracy per progress message, test accuracy per epoch (x = images seen). */
let lossPts: [number, number][] = [];
let accPts: [number, number][] = [];
let testPts: [number, number][] = [];
let epochs = 0;
let last: Extract<FromWorker, { type: 'progress' }> | null = null;
let epochLine = '';

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'ready':
      threadsText = m.isolated
        ? `${m.threads} thread${m.threads === 1 ? '' : 's'} (the page is cross-origin isolated)`
        : '1 thread (the page is not cross-origin isolated: serve it with COOP/COEP headers for more)';
      statusEl.textContent = `Ready: training runs on ${threadsText}.`;
      document.body.dataset.threads = String(m.threads);
      document.body.dataset.ready = 'true';
      void loadFromServer();
      break;
    case 'data':
      dataInfo.classList.remove('error');
      hasData = true;
      counts = { train: m.train, test: m.test };
      dataInfo.textContent = `Loaded ${int(m.train)} training and ${int(m.test)} test images of ${m.rows}×${m.cols} pixels.`;
      testIndex.max = String(m.test - 1);
      $<HTMLInputElement>('limit').value = String(m.train);
      document.body.dataset.data = 'loaded';
      break;
    case 'state':
      state = m.state;
      epochs = m.epochs;
      if (m.state === 'idle') {
        lossPts = [];
        accPts = [];
        testPts = [];
        last = null;
        epochLine = '';
        progressEl.textContent = hasData ? 'Ready to train.' : 'Load the data to start.';
        drawPlots();
      } else if (m.state === 'stopped') {
        progressEl.textContent = `Stopped. ${progressText()}`;
      } else if (m.state === 'done') {
        progressEl.textContent = `Done. ${progressText()}`;
      }
      document.body.dataset.state = m.state;
      updateButtons();
      break;
    case 'progress':
      last = m;
      lossPts.push([m.images, m.loss]);
      accPts.push([m.images, m.acc]);
      progressEl.textContent = progressText();
      drawPlots();
      break;
    case 'epoch':
      testPts.push([m.images, m.testAcc]);
      epochLine = `Epoch ${m.epoch}: train acc ${fmt(m.trainAcc, 3)}, test acc ${fmt(m.testAcc, 3)} (${int(m.tested)} test images).`;
      progressEl.textContent = progressText();
      drawPlots();
      break;
    case 'inspect':
      showInspection(m);
      break;
    case 'prediction':
      showPrediction(m.id, m.probabilities);
      break;
    case 'weights': {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([m.json], { type: 'application/json' }));
      a.download = 'lenet-state-dict.json';
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      break;
    }
    case 'error':
      if (m.during === 'data') {
        dataInfo.textContent = `These files could not be read: ${m.message}`;
        dataInfo.classList.add('error');
        listFiles();
      } else {
        statusEl.textContent = m.message;
        statusEl.classList.add('error');
      }
      break;
  }
};
worker.onerror = (e) => {
  statusEl.textContent = `The worker failed: ${e.message || 'it did not load'}`;
  statusEl.classList.add('error');
};

function progressText(): string {
  if (!last) return epochLine;
  const p = last;
  return `Epoch ${p.epoch}/${epochs}, batch ${p.batch}/${p.batches}: loss ${fmt(p.loss, 3)}, train acc ${fmt(p.acc, 3)}, `
    + `${int(p.imgPerSec)} img/s on ${threadsText.replace(/ \(.*/, '')}. ${epochLine}`;
}

function updateButtons(): void {
  trainBtn.disabled = !hasData;
  trainBtn.textContent = state === 'training' ? 'Stop' : state === 'stopped' ? 'Resume' : state === 'done' ? 'Train again' : 'Train';
  resetBtn.disabled = !hasData || state === 'training' || state === 'idle';
  saveBtn.disabled = !hasData || state === 'training';
  for (const input of settingInputs) input.disabled = state === 'training' || (state === 'stopped' && input.id !== 'epochs');
}

/** The settings, each clamped to its input's range (an empty or bad field takes its default). */
function settings(): TrainSettings {
  const read = (id: string, fallback: number, lo: number, hi: number, integer = true) => {
    const v = Number($<HTMLInputElement>(id).value);
    return Number.isFinite(v) && v >= lo ? Math.min(hi, integer ? Math.floor(v) : v) : fallback;
  };
  return {
    epochs: read('epochs', 2, 1, 50),
    batchSize: read('batch-size', 256, 1, 1024),
    lr: read('lr', 1e-3, 1e-6, 1, false),
    limit: read('limit', counts.train, 1, counts.train),
    every: read('every', 5, 1, 100),
  };
}

trainBtn.addEventListener('click', () => {
  if (state === 'training') {
    send({ type: 'stop' });
    return;
  }
  send({ type: 'train', settings: settings() });
});
resetBtn.addEventListener('click', () => send({ type: 'reset' }));
saveBtn.addEventListener('click', () => send({ type: 'weights' }));

// ---- data -------------------------------------------------------------------------------------

const chosen: Partial<Record<keyof DatasetFiles, File | ArrayBuffer>> = {};

/** Which file a name is: train/test (t10k) and images/labels (idx3/idx1). */
function roleOf(name: string): keyof DatasetFiles | null {
  const n = name.toLowerCase();
  const test = /t10k|test/.test(n), train = /train/.test(n);
  const images = /images|idx3/.test(n), labels = /labels|idx1/.test(n);
  if (test === train || images === labels) return null;
  return `${test ? 'test' : 'train'}${images ? 'Images' : 'Labels'}` as keyof DatasetFiles;
}

function listFiles(): void {
  fileList.replaceChildren(...ROLES.map((r) => {
    const li = document.createElement('li');
    const f = chosen[r];
    li.className = f ? 'have' : 'missing';
    li.textContent = `${f ? '✓' : '○'} ${FILE_NAMES[r]}${f instanceof File && f.name !== FILE_NAMES[r] ? ` (${f.name})` : ''}`;
    return li;
  }));
}

async function useFiles(picked: Iterable<File>): Promise<void> {
  const unknown: string[] = [];
  for (const f of picked) {
    const r = roleOf(f.name);
    if (r) chosen[r] = f;
    else unknown.push(f.name);
  }
  listFiles();
  const missing = ROLES.filter((r) => !chosen[r]);
  if (unknown.length > 0) dataInfo.textContent = `Not recognised by name: ${unknown.join(', ')}. `;
  else dataInfo.textContent = '';
  if (missing.length > 0) {
    dataInfo.textContent += `Still needed: ${missing.map((r) => FILE_NAMES[r]).join(', ')}.`;
    return;
  }
  dataInfo.textContent = 'Reading the files…';
  const bufs = await Promise.all(ROLES.map(async (r) => {
    const f = chosen[r]!;
    return f instanceof File ? f.arrayBuffer() : f;
  }));
  const files = Object.fromEntries(ROLES.map((r, i) => [r, bufs[i]!])) as unknown as DatasetFiles;
  for (const r of ROLES) delete chosen[r]; // the buffers move to the worker
  send({ type: 'data', files }, bufs);
}

/** The dataset from this server, when it serves it (npm run playground on a machine that has it). */
async function loadFromServer(): Promise<void> {
  try {
    const index = (await (await fetch(SERVER_DATA)).json()) as { files: string[] };
    if (!ROLES.every((r) => index.files.includes(FILE_NAMES[r]))) throw new Error('not served');
    const got = await Promise.all(ROLES.map(async (r) => {
      const res = await fetch(SERVER_DATA + FILE_NAMES[r]);
      if (!res.ok) throw new Error(`${res.status}`);
      return res.arrayBuffer();
    }));
    ROLES.forEach((r, i) => (chosen[r] = got[i]!));
    listFiles();
    dataInfo.textContent = 'Reading the dataset this server provides…';
    const files = Object.fromEntries(ROLES.map((r, i) => [r, got[i]!])) as unknown as DatasetFiles;
    send({ type: 'data', files }, got);
  } catch {
    listFiles();
    dataInfo.textContent = 'This server does not provide the dataset: choose or drop the four files above.';
  }
}

const fileInput = $<HTMLInputElement>('files');
fileInput.addEventListener('change', () => {
  void useFiles(Array.from(fileInput.files ?? []));
  fileInput.value = '';
});
const dropzone = $<HTMLLabelElement>('dropzone');
dropzone.addEventListener('dragover', (e) => {
  e.preventDefault();
  dropzone.classList.add('over');
});
dropzone.addEventListener('dragleave', () => dropzone.classList.remove('over'));
dropzone.addEventListener('drop', (e) => {
  e.preventDefault();
  dropzone.classList.remove('over');
  void useFiles(Array.from(e.dataTransfer?.files ?? []));
});

// ---- plots ------------------------------------------------------------------------------------

/** Sizes a canvas's drawing buffer to its displayed width (times the pixel ratio); returns its CSS size. */
function fit(canvas: HTMLCanvasElement, cssHeight: number): [CanvasRenderingContext2D, number, number] {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(100, canvas.clientWidth || canvas.parentElement!.clientWidth);
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return [ctx, w, cssHeight];
}

interface Series { pts: [number, number][]; color: string; dots?: boolean }

/** A line plot with its axes: x from 0 to the last x, y over [y0, y1] with a grid line every `yStep`. */
function plot(canvas: HTMLCanvasElement, series: Series[], y0: number, y1: number, yStep: number, yLabel: (v: number) => string): void {
  const [ctx, w, h] = fit(canvas, 200);
  const left = 44, right = 10, top = 8, bottom = 26;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const xMax = Math.max(1, ...series.flatMap((s) => s.pts.map((p) => p[0])));
  const X = (x: number) => left + (x / xMax) * (w - left - right);
  const Y = (y: number) => top + (1 - (Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0)) * (h - top - bottom);
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#e3e3e3';
  ctx.fillStyle = '#555';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let k = 0; k <= Math.round((y1 - y0) / yStep); k++) {
    const v = y0 + k * yStep;
    ctx.beginPath();
    ctx.moveTo(left, Y(v));
    ctx.lineTo(w - right, Y(v));
    ctx.stroke();
    ctx.fillText(yLabel(v), left - 6, Y(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText('0', X(0), h - bottom + 6);
  const empty = series.every((s) => s.pts.length === 0);
  if (empty) {
    ctx.textBaseline = 'middle';
    ctx.fillText('drawn as the network trains', (left + w - right) / 2, (top + h - bottom) / 2);
  } else {
    ctx.textAlign = 'right';
    ctx.fillText(`${int(xMax)} images`, w - right, h - bottom + 6);
  }
  ctx.strokeStyle = '#999';
  ctx.beginPath();
  ctx.moveTo(left, top);
  ctx.lineTo(left, h - bottom);
  ctx.lineTo(w - right, h - bottom);
  ctx.stroke();
  for (const s of series) {
    const pts = s.pts.filter((p) => Number.isFinite(p[1]));
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(X(x), Y(y)) : ctx.lineTo(X(x), Y(y))));
    ctx.stroke();
    if (s.dots || pts.length === 1) {
      for (const [x, y] of pts) {
        ctx.beginPath();
        ctx.arc(X(x), Y(y), 4, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
}

const LOSS_COLOR = '#d62728', TRAIN_COLOR = '#1f77b4', TEST_COLOR = '#ff7f0e';

function drawPlots(): void {
  const top = Math.max(0.5, ...lossPts.map((p) => p[1]).filter(Number.isFinite));
  const step = [0.1, 0.25, 0.5, 1, 2, 5, 10].find((s) => top / s <= 6) ?? Math.ceil(top / 6); // at most 6 grid steps
  const yMax = Math.ceil(top / step) * step;
  plot(lossCanvas, [{ pts: lossPts, color: LOSS_COLOR }], 0, yMax, step, (v) => String(Number(v.toFixed(2))));
  plot(accCanvas, [{ pts: accPts, color: TRAIN_COLOR }, { pts: testPts, color: TEST_COLOR, dots: true }], 0, 1, 0.25, (v) => v.toFixed(2));
}
new ResizeObserver(() => drawPlots()).observe(lossCanvas.parentElement!);

// ---- filters and feature maps -----------------------------------------------------------------

/** Draws `values` ([h, w], row-major) on `canvas` in blue–white–red, symmetric around 0. */
function drawDiverging(canvas: HTMLCanvasElement, values: Float32Array, h: number, w: number): void {
  canvas.width = w;
  canvas.height = h;
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  const img = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const t = m > 0 && Number.isFinite(values[i]!) ? values[i]! / m : 0; // -1 .. 1
    const fade = Math.round(255 * (1 - Math.abs(t)));
    img.data.set(t >= 0 ? [255, fade, fade, 255] : [fade, fade, 255, 255], i * 4);
  }
  canvas.getContext('2d')!.putImageData(img, 0, 0);
}

/** Draws bytes ([h, w]) in gray, 0 black. */
function drawGray(canvas: HTMLCanvasElement, bytes: Uint8Array, h: number, w: number): void {
  canvas.width = w;
  canvas.height = h;
  const img = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) img.data.set([bytes[i]!, bytes[i]!, bytes[i]!, 255], i * 4);
  canvas.getContext('2d')!.putImageData(img, 0, 0);
}

/** `n` canvases in a grid element (made once). */
function canvases(id: string, n: number): HTMLCanvasElement[] {
  const grid = $<HTMLDivElement>(id);
  while (grid.children.length < n) grid.append(document.createElement('canvas'));
  while (grid.children.length > n) grid.lastElementChild!.remove();
  return Array.from(grid.children) as HTMLCanvasElement[];
}

let shownImage: Uint8Array | null = null;

function showInspection(m: Extract<FromWorker, { type: 'inspect' }>): void {
  const side = Math.round(Math.sqrt(m.image.length));
  shownImage = m.image;
  if (document.activeElement !== testIndex) testIndex.value = String(m.index);
  drawGray(testCanvas, m.image, side, side);
  const best = argmax(m.probabilities);
  testInfo.textContent = `Test image ${m.index} (${CLASSES[m.label]}): the network says ${CLASSES[best]} (${pct(m.probabilities[best]!)}).`;
  const k = m.kernel, hw = side * side;
  canvases('filters', m.channels).forEach((c, i) => {
    drawDiverging(c, m.filters.subarray(i * k * k, (i + 1) * k * k), k, k);
    c.setAttribute('aria-label', `filter ${i}`);
  });
  canvases('maps', m.channels).forEach((c, i) => {
    drawDiverging(c, m.maps.subarray(i * hw, (i + 1) * hw), side, side);
    c.setAttribute('aria-label', `feature map ${i}`);
  });
  document.body.dataset.inspected = String(Number(document.body.dataset.inspected ?? 0) + 1);
}

function inspectChosen(delta = 0): void {
  const max = Math.max(0, counts.test - 1);
  const v = Math.floor(Number(testIndex.value));
  const i = Math.max(0, Math.min(max, (Number.isFinite(v) ? v : 0) + delta));
  testIndex.value = String(i);
  if (hasData) send({ type: 'inspect', index: i });
}
testIndex.addEventListener('change', () => inspectChosen());
$<HTMLButtonElement>('prev-image').addEventListener('click', () => inspectChosen(-1));
$<HTMLButtonElement>('next-image').addEventListener('click', () => inspectChosen(1));

// ---- drawing and prediction -------------------------------------------------------------------

const draw = drawCanvas.getContext('2d')!;
const small = document.createElement('canvas');
small.width = small.height = 28;
const smallCtx = small.getContext('2d', { willReadFrequently: true })!;

function clearDrawing(): void {
  draw.fillStyle = '#000';
  draw.fillRect(0, 0, drawCanvas.width, drawCanvas.height);
  showBars(null);
}

/** The drawing at 28 x 28, as the model takes it: gray / 255. */
function drawingPixels(): Float32Array {
  smallCtx.imageSmoothingEnabled = true;
  smallCtx.imageSmoothingQuality = 'high';
  smallCtx.clearRect(0, 0, 28, 28);
  smallCtx.drawImage(drawCanvas, 0, 0, 28, 28);
  const d = smallCtx.getImageData(0, 0, 28, 28).data;
  return Float32Array.from({ length: 784 }, (_, i) => (0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!) / 255);
}

/** One prediction in flight at a time; a drawing changed meanwhile is sent when it returns. */
let asked = 0, answered = 0, dirty = false;
function requestPrediction(): void {
  if (document.body.dataset.ready !== 'true') return;
  if (asked !== answered) {
    dirty = true;
    return;
  }
  dirty = false;
  const pixels = drawingPixels();
  send({ type: 'predict', id: ++asked, pixels }, [pixels.buffer]);
}

function showPrediction(id: number, p: Float32Array): void {
  answered = id;
  showBars(p);
  document.body.dataset.predictions = String(id);
  if (dirty) requestPrediction();
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return best;
}

function showBars(p: Float32Array | null): void {
  const best = p ? argmax(p) : -1;
  predictionEl.replaceChildren(...CLASSES.map((name, k) => {
    const row = document.createElement('div');
    row.className = k === best ? 'bar best' : 'bar';
    const label = document.createElement('span');
    label.textContent = name;
    const track = document.createElement('span');
    track.className = 'track';
    const fill = document.createElement('span');
    const v = p && Number.isFinite(p[k]!) ? p[k]! : 0;
    fill.style.width = `${(100 * v).toFixed(1)}%`;
    track.append(fill);
    const value = document.createElement('span');
    value.textContent = p ? pct(p[k]!) : '';
    row.append(label, track, value);
    return row;
  }));
  const head = document.createElement('p');
  head.id = 'predicted';
  head.textContent = p ? `It looks like: ${CLASSES[best]} (${pct(p[best]!)})` : 'Draw something to see what the network thinks it is.';
  predictionEl.prepend(head);
}

let drawing = false;
let lastPt: [number, number] | null = null;
function pointAt(e: PointerEvent): [number, number] {
  const r = drawCanvas.getBoundingClientRect();
  return [((e.clientX - r.left) / r.width) * drawCanvas.width, ((e.clientY - r.top) / r.height) * drawCanvas.height];
}
function stroke(to: [number, number]): void {
  const from = lastPt ?? to;
  draw.strokeStyle = '#fff';
  draw.lineWidth = 24;
  draw.lineCap = 'round';
  draw.lineJoin = 'round';
  draw.beginPath();
  draw.moveTo(from[0], from[1]);
  draw.lineTo(to[0], to[1]);
  draw.stroke();
  lastPt = to;
  requestPrediction();
}
drawCanvas.addEventListener('pointerdown', (e) => {
  drawing = true;
  lastPt = null;
  drawCanvas.setPointerCapture(e.pointerId);
  stroke(pointAt(e));
});
drawCanvas.addEventListener('pointermove', (e) => {
  if (drawing) stroke(pointAt(e));
});
const end = () => {
  drawing = false;
  lastPt = null;
};
drawCanvas.addEventListener('pointerup', end);
drawCanvas.addEventListener('pointercancel', end);
$<HTMLButtonElement>('clear').addEventListener('click', clearDrawing);
$<HTMLButtonElement>('use-image').addEventListener('click', () => {
  if (!shownImage) return;
  const side = Math.round(Math.sqrt(shownImage.length));
  drawGray(small, shownImage, side, side);
  draw.imageSmoothingEnabled = false;
  draw.drawImage(small, 0, 0, drawCanvas.width, drawCanvas.height);
  requestPrediction();
});

clearDrawing();
listFiles();
drawPlots();
updateButtons();
