// The playground page: an input image you can paint on or load, a kernel from sc.kernels (or your
// own numbers), the feature map corr2d(X, K) drawn live with a diverging colormap, and a panel
// that learns the kernel back from (X, Y) as the lesson does. Plain DOM; bundled by playground/serve.ts.
import * as sc from '../src/browser.js';
import { fromImageData, toImageData, toPNG, type Colormap, type ImageOptions } from '../src/image.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`playground: no element #${id}`);
  return el as T;
};

const statusEl = $<HTMLParagraphElement>('status');
const inputCanvas = $<HTMLCanvasElement>('input-canvas');
const featureCanvas = $<HTMLCanvasElement>('feature-canvas');
const lossCanvas = $<HTMLCanvasElement>('loss-canvas');
const learnedCanvas = $<HTMLCanvasElement>('learned-canvas');
const trueCanvas = $<HTMLCanvasElement>('true-canvas');
const kernelSelect = $<HTMLSelectElement>('kernel-select');
const kernelGrid = $<HTMLDivElement>('kernel-grid');
const colormapSelect = $<HTMLSelectElement>('colormap');
const featureInfo = $<HTMLParagraphElement>('feature-info');
const learnStatus = $<HTMLParagraphElement>('learn-status');
const learnedText = $<HTMLPreElement>('learned-kernel');
const trueText = $<HTMLPreElement>('true-kernel');
const inputInfo = $<HTMLParagraphElement>('input-info');
const lrInput = $<HTMLInputElement>('lr');
const lrInfo = $<HTMLParagraphElement>('lr-info');

/** Largest side of the drawn image, in CSS pixels; cells are at most MAX_CELL pixels. */
const MAX_PX = 320;
const MAX_CELL = 48;
/** A loaded picture is scaled down to at most this many pixels on its longer side (the page says so). */
const MAX_LOADED = 128;
/** Kernel pictures: cells of at most this many CSS pixels, the picture at most KERNEL_PX a side. */
const KERNEL_CELL = 32;
const KERNEL_PX = 160;
const PAINT_HINT = 'Click or drag on the image to paint: black (0) on white cells, white (1) on black ones.';

// ---- state ---------------------------------------------------------------------------------------

/** A 2-D array of numbers, row-major. */
interface Grid {
  h: number;
  w: number;
  data: Float32Array;
}

/** The input image, 0 (black) .. 1 (white). */
let image: Grid = { h: 6, w: 8, data: new Float32Array(48) };
/** The kernel. */
let kernel: Grid = { h: 1, w: 2, data: Float32Array.from([1, -1]) };
let colormap: Colormap = 'bwr';

// ---- presets -------------------------------------------------------------------------------------

/** Builds an image with simdconv ops and takes its pixels. */
function fromTensor(make: () => sc.Tensor): Grid {
  return sc.tidy(() => {
    const t = make();
    return { h: t.shape[0]!, w: t.shape[1]!, data: t.data() };
  });
}

/** The lesson's X: 6 x 8 ones, the middle four columns zero (X[:, 2:6] = 0). */
function lessonImage(): sc.Tensor {
  const X = sc.ones([6, 8]);
  X.set([null, [2, 6]], 0);
  return X;
}

const IMAGES: Record<string, () => sc.Tensor> = {
  lesson: lessonImage,
  'lesson-t': () => lessonImage().T,
  diagonal: () => sc.tensor(Float32Array.from({ length: 64 }, (_, k) => (k % 8 > Math.floor(k / 8) ? 1 : 0)), [8, 8]),
  square: () => sc.ones([10, 10]).set([[3, 7], [3, 7]], 0),
  checker: () => sc.tensor(Float32Array.from({ length: 64 }, (_, k) => ((k % 8 >> 1) + (Math.floor(k / 8) >> 1)) % 2), [8, 8]),
  blank: () => sc.ones([8, 8]),
};

const KERNELS: [string, () => sc.Tensor][] = [
  ['the lesson’s K = [1, −1] (kernels.edgeVertical)', () => sc.kernels.edgeVertical()],
  ['its transpose K.T (kernels.edgeHorizontal)', () => sc.kernels.edgeHorizontal()],
  ['diagonal edge (kernels.edgeDiagonal)', () => sc.kernels.edgeDiagonal()],
  ['anti-diagonal edge (kernels.edgeAntiDiagonal)', () => sc.kernels.edgeAntiDiagonal()],
  ['Sobel ∂/∂x (kernels.sobelX)', () => sc.kernels.sobelX()],
  ['Sobel ∂/∂y (kernels.sobelY)', () => sc.kernels.sobelY()],
  ['Prewitt ∂/∂x (kernels.prewittX)', () => sc.kernels.prewittX()],
  ['Prewitt ∂/∂y (kernels.prewittY)', () => sc.kernels.prewittY()],
  ['second derivative [1, −2, 1] (kernels.secondDerivative)', () => sc.kernels.secondDerivative()],
  ['third derivative (kernels.finiteDifference(3))', () => sc.kernels.finiteDifference(3)],
  ['Laplacian (kernels.laplacian)', () => sc.kernels.laplacian()],
  ['Laplacian with diagonals', () => sc.kernels.laplacian({ diagonals: true })],
  ['box sum 3×3 (kernels.boxSum(3))', () => sc.kernels.boxSum(3)],
  ['Gaussian σ = 1, 5×5 (kernels.gaussian(1, 5))', () => sc.kernels.gaussian(1, 5)],
  ['sharpen (kernels.sharpen)', () => sc.kernels.sharpen()],
  ['emboss (kernels.emboss)', () => sc.kernels.emboss()],
];
const CUSTOM = 'custom';

// ---- drawing -------------------------------------------------------------------------------------

/** Pixels per image cell, the same for the input and the feature map so that they line up. */
function cellSize(): number {
  return Math.max(1, Math.min(MAX_CELL, Math.floor(MAX_PX / Math.max(image.h, image.w))));
}

/** Draws a picture of `t` on `canvas`, `cell` pixels per element, with grid lines when cells are large. */
function draw(canvas: HTMLCanvasElement, t: sc.Tensor, options: ImageOptions, cell: number): void {
  const pixels = toImageData(t, { ...options, scale: cell }) as ImageData;
  canvas.width = pixels.width;
  canvas.height = pixels.height;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(pixels, 0, 0);
  if (cell < 8) return;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.15)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = cell; x < pixels.width; x += cell) ctx.moveTo(x + 0.5, 0), ctx.lineTo(x + 0.5, pixels.height);
  for (let y = cell; y < pixels.height; y += cell) ctx.moveTo(0, y + 0.5), ctx.lineTo(pixels.width, y + 0.5);
  ctx.stroke();
}

function clear(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')!.clearRect(0, 0, canvas.width, canvas.height);
}

const fmt = (v: number) => (Math.abs(v) < 5e-4 ? '0.000' : Math.abs(v) < 1e4 ? v.toFixed(3) : v.toExponential(2));

/** `[[a, b], [c, d]]` with 3 decimals (2-digit exponents from 10^4 on, so a row never runs long). */
function kernelText(values: ArrayLike<number>, h: number, w: number): string {
  const rows: string[] = [];
  for (let i = 0; i < h; i++) rows.push(`[${Array.from({ length: w }, (_, j) => fmt(values[i * w + j]!)).join(', ')}]`);
  return `[${rows.join(',\n ')}]`;
}

/** Redraws the input and the feature map from the current image, kernel and colormap. */
function update(): void {
  const cell = cellSize();
  sc.tidy(() => {
    const X = sc.tensor(image.data, [image.h, image.w]);
    draw(inputCanvas, X, { colormap: 'gray', normalize: [0, 1] }, cell);
    if (kernel.h > image.h || kernel.w > image.w) {
      clear(featureCanvas);
      featureInfo.textContent = `The kernel (${kernel.h}×${kernel.w}) is larger than the image (${image.h}×${image.w}).`;
      featureInfo.classList.add('error');
      return;
    }
    featureInfo.classList.remove('error');
    const Y = sc.corr2d(X, sc.tensor(kernel.data, [kernel.h, kernel.w]));
    draw(featureCanvas, Y, { colormap }, cell);
    const lo = Y.min().item();
    const hi = Y.max().item();
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    const scale = colormap === 'bwr' || colormap === 'coolwarm'
      ? `colours span ±${fmt(m)}: blue −${fmt(m)}, ${colormap === 'bwr' ? 'white' : 'light grey'} 0, red +${fmt(m)}`
      : `colours span [${fmt(lo)}, ${fmt(hi)}]`;
    featureInfo.textContent = `Y is ${Y.shape[0]}×${Y.shape[1]}, values in [${fmt(lo)}, ${fmt(hi)}]; ${scale}.`;
  });
  trueText.textContent = kernelText(kernel.data, kernel.h, kernel.w);
}

// ---- a stable step -------------------------------------------------------------------------------

/**
 * The largest eigenvalue λ of AᵀA, where A (one row per output pixel, one column per kernel tap)
 * maps a kernel to corr2d(X, kernel). The loss Σ (A w − y)² has Hessian 2AᵀA, so gradient descent
 * converges for steps below 1/λ and diverges above. Power iteration with simdconv's own ops:
 * A v = corr2d(X, v) and Aᵀ u = corr2d(X, u) (the kernel gradient). It starts from all ones, near
 * the top eigenvector for images ≥ 0 (Perron), and stops when λ settles to 1e-4.
 */
function lambdaMax(): number {
  return sc.tidy(() => {
    const X = sc.tensor(image.data, [image.h, image.w]);
    let v = sc.ones([kernel.h, kernel.w]);
    let lambda = 0;
    for (let k = 0; k < 100; k++) {
      const g = sc.corr2d(X, sc.corr2d(X, v));
      const norm = Math.sqrt(g.square().sum().item());
      const next = norm / Math.sqrt(v.square().sum().item());
      if (norm === 0 || !Number.isFinite(norm)) return next;
      v = g.div(norm);
      if (Math.abs(next - lambda) <= 1e-4 * next) return next;
      lambda = next;
    }
    return lambda;
  });
}

/** The step the page proposes, 1/(2λ): half the stability limit (see lambdaMax). */
let stable = { lambda: 1, step: 0.5 };

/** Rounds a step down to 2 significant digits (so it stays below the limit it was derived from). */
const roundDown = (x: number) => {
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.floor(x / p) * p;
};

function proposeStep(): void {
  if (kernel.h > image.h || kernel.w > image.w) return;
  const lambda = lambdaMax();
  stable = lambda > 0 ? { lambda, step: Number(roundDown(1 / (2 * lambda)).toPrecision(2)) } : { lambda: 0, step: 0.1 };
  lrInput.value = String(stable.step);
  lrInfo.textContent = lambda > 0
    ? `Proposed for this image and kernel: 1/(2λ) ≈ ${stable.step}, where λ = ${lambda.toPrecision(3)} is the largest eigenvalue of AᵀA (A: the image patches, one row per output pixel); steps above 1/λ ≈ ${(1 / lambda).toPrecision(2)} diverge.`
    : 'The image is blank: the loss does not depend on the kernel.';
}

// ---- the kernel editor ---------------------------------------------------------------------------

function buildKernelSelect(): void {
  KERNELS.forEach(([label], i) => kernelSelect.add(new Option(label, String(i))));
  kernelSelect.add(new Option('custom (your numbers)', CUSTOM));
}

function setKernel(t: sc.Tensor): void {
  kernel = { h: t.shape[0]!, w: t.shape[1]!, data: t.data() };
  t.dispose();
  buildKernelGrid();
}

function buildKernelGrid(): void {
  kernelGrid.replaceChildren();
  kernelGrid.style.gridTemplateColumns = `repeat(${kernel.w}, minmax(0, 6em))`;
  for (let k = 0; k < kernel.data.length; k++) {
    const input = document.createElement('input');
    // Text, not type=number: no spin buttons eating the digits of a narrow cell.
    input.type = 'text';
    input.inputMode = 'decimal';
    input.spellcheck = false;
    input.value = String(Number(kernel.data[k]!.toPrecision(3)));
    input.setAttribute('aria-label', `K[${Math.floor(k / kernel.w)}, ${k % kernel.w}]`);
    input.addEventListener('input', () => {
      const v = Number(input.value);
      const ok = input.value.trim() !== '' && Number.isFinite(v);
      input.classList.toggle('invalid', !ok);
      if (!ok) return;
      kernel.data[k] = v;
      kernelSelect.value = CUSTOM;
      changed();
    });
    kernelGrid.append(input);
  }
}

// ---- painting and loading ------------------------------------------------------------------------

/** The image cell under a pointer event, or null outside. */
function cellAt(e: PointerEvent): number | null {
  const r = inputCanvas.getBoundingClientRect();
  const j = Math.floor(((e.clientX - r.left) / r.width) * image.w);
  const i = Math.floor(((e.clientY - r.top) / r.height) * image.h);
  return i >= 0 && i < image.h && j >= 0 && j < image.w ? i * image.w + j : null;
}

let brush: number | null = null;

function paint(e: PointerEvent): void {
  const k = cellAt(e);
  if (k === null || brush === null || image.data[k] === brush) return;
  image.data[k] = brush;
  changed();
}

inputCanvas.addEventListener('pointerdown', (e) => {
  const k = cellAt(e);
  if (k === null) return;
  brush = image.data[k]! >= 0.5 ? 0 : 1; // paint the opposite of the first cell touched
  inputCanvas.setPointerCapture(e.pointerId);
  paint(e);
});
inputCanvas.addEventListener('pointermove', (e) => {
  if (brush !== null) paint(e);
});
const endStroke = () => {
  brush = null;
};
inputCanvas.addEventListener('pointerup', endStroke);
inputCanvas.addEventListener('pointercancel', endStroke);

/** Loads a picture file as a gray image, scaled down to at most MAX_LOADED pixels a side. */
async function loadFile(file: File): Promise<void> {
  const bitmap = await createImageBitmap(file);
  const s = Math.min(1, MAX_LOADED / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * s));
  const h = Math.max(1, Math.round(bitmap.height * s));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, w, h);
  const [W, H] = [bitmap.width, bitmap.height];
  image = fromTensor(() => fromImageData(ctx.getImageData(0, 0, w, h)));
  $<HTMLSelectElement>('image-preset').value = 'file';
  bitmap.close();
  changed();
  inputInfo.textContent = (s < 1
    ? `${file.name} is ${W}×${H} pixels: scaled down to ${w}×${h} (at most ${MAX_LOADED} a side) so painting and training stay interactive. `
    : `${file.name}: ${w}×${h} pixels. `) + PAINT_HINT;
}

// ---- learning the kernel -------------------------------------------------------------------------

interface Run {
  conv: sc.nn.Conv2d;
  opt: sc.optim.SGD;
  X4: sc.Tensor;
  Y4: sc.Tensor;
  losses: number[];
  epochs: number;
  lr: number;
  /** The true kernel, to compare with. */
  kernel: Grid;
}

let run: Run | null = null;
let frame = 0;

function stopRun(): void {
  stopAnimation();
  if (run) {
    run.conv.dispose();
    run.X4.dispose();
    run.Y4.dispose();
    run = null;
  }
}

/** A fresh layer and optimizer on the current image and kernel: exactly the lesson's setup. */
function newRun(): Run | null {
  const epochs = Number($<HTMLInputElement>('epochs').value);
  const lr = Number(lrInput.value);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 1000) return fail('Epochs must be an integer from 1 to 1000.');
  if (!(lr > 0 && Number.isFinite(lr))) return fail('The learning rate must be a number > 0.');
  if (kernel.h > image.h || kernel.w > image.w) return fail('The kernel is larger than the image.');
  stopRun();
  const X4 = sc.tensor(image.data, [1, 1, image.h, image.w]);
  const Y4 = sc.tidy(() => sc.conv2d(X4, sc.tensor(kernel.data, [1, 1, kernel.h, kernel.w])));
  const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [kernel.h, kernel.w], bias: false, seed: 0 });
  const opt = new sc.optim.SGD(conv, { lr });
  return { conv, opt, X4, Y4, losses: [], epochs, lr, kernel: { ...kernel, data: kernel.data.slice() } };
}

function fail(message: string): null {
  learnStatus.textContent = message;
  learnStatus.classList.add('error');
  return null;
}

/** The loss grew this many times over its first value: the steps diverge. */
const DIVERGED = 1e4;

/**
 * One epoch: the loss (before the update), backward, w -= lr * grad. Returns whether to go on.
 * A run whose loss grows DIVERGED-fold (or overflows) stops there and says why, before the
 * weights overflow, so the page never shows a non-finite number.
 */
function step(r: Run): boolean {
  const l = sc.tidy(() => sc.nn.squaredError(r.conv.forward(r.X4), r.Y4).sum());
  const loss = l.item();
  const first = r.losses[0] ?? loss;
  if (!Number.isFinite(loss) || loss > DIVERGED * Math.max(first, 1e-12)) {
    l.dispose();
    stopAnimation();
    r.epochs = r.losses.length; // the run is over
    const limit = stable.lambda > 0 ? `1/λ ≈ ${(1 / stable.lambda).toPrecision(2)}` : 'the stable limit';
    fail(`Stopped at epoch ${r.losses.length + 1}: the loss grew from ${fmt(first)} to ${Number.isFinite(loss) ? fmt(loss) : 'beyond float32'}. ` +
      `The step ${Number(r.lr.toPrecision(3))} is above ${limit} for this image and kernel, so each step overshoots; use the proposed ${stable.step}.`);
    return false;
  }
  r.conv.zeroGrad();
  l.backward();
  r.opt.step();
  r.losses.push(loss);
  l.dispose();
  showRun(r);
  return r.losses.length < r.epochs;
}

function showRun(r: Run): void {
  drawLoss(r.losses, r.epochs);
  // The layer makes its weight at the first forward (its input channels are taken from the input).
  if (r.conv.hasLazyParameters) return;
  const w = r.conv.weight.data();
  learnedText.textContent = kernelText(w, r.kernel.h, r.kernel.w);
  drawKernels(r.kernel, w);
  const n = r.losses.length;
  learnStatus.classList.remove('error');
  learnStatus.textContent = n === 0 ? '' : `epoch ${n}/${r.epochs}, loss ${r.losses[n - 1]!.toFixed(3)}` +
    (n > 1 ? ` (epoch 1: ${r.losses[0]!.toFixed(3)})` : '') + (n === r.epochs ? ' — done' : '');
}

/** The loss curve: epochs across, loss up (0 at the bottom), in red over white. */
function drawLoss(losses: number[], epochs: number): void {
  const ctx = lossCanvas.getContext('2d')!;
  const { width, height } = lossCanvas;
  const left = 48, right = 12, top = 12, bottom = 28;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = '#999';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left + 0.5, top);
  ctx.lineTo(left + 0.5, height - bottom + 0.5);
  ctx.lineTo(width - right, height - bottom + 0.5);
  ctx.stroke();
  const finite = losses.filter(Number.isFinite);
  const ymax = finite.length > 0 ? Math.max(...finite) : 1;
  ctx.fillStyle = '#555';
  ctx.font = '11px sans-serif';
  ctx.textAlign = 'right';
  ctx.fillText(ymax.toPrecision(3), left - 4, top + 8);
  ctx.fillText('0', left - 4, height - bottom);
  ctx.textAlign = 'center';
  ctx.fillText(`epoch (1 to ${epochs})`, left + (width - left - right) / 2, height - 8);
  const x = (e: number) => left + ((e - 1) / Math.max(epochs - 1, 1)) * (width - left - right);
  const y = (l: number) => top + (1 - Math.min(l, ymax) / ymax) * (height - top - bottom);
  ctx.strokeStyle = ctx.fillStyle = '#d62728';
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((l, i) => (Number.isFinite(l) ? (i === 0 ? ctx.moveTo(x(1), y(l)) : ctx.lineTo(x(i + 1), y(l))) : undefined));
  ctx.stroke();
  losses.forEach((l, i) => {
    if (!Number.isFinite(l)) return;
    ctx.beginPath();
    ctx.arc(x(i + 1), y(l), 3, 0, 2 * Math.PI);
    ctx.fill();
  });
}

function learn(): void {
  const r = newRun();
  if (r === null) return;
  run = r;
  showRun(r);
  const tick = () => {
    frame = 0;
    if (run === r && step(r)) frame = requestAnimationFrame(tick);
  };
  frame = requestAnimationFrame(tick);
}

function stepOnce(): void {
  stopAnimation();
  if (run === null || run.losses.length >= run.epochs) {
    run = newRun();
    if (run === null) return;
  }
  step(run);
}

/**
 * The true kernel and the learned one (null: not trained yet, drawn as a grey grid of the same
 * size), in one colour scale: the true kernel's ±max|K|, learned values beyond it saturate.
 */
function drawKernels(k: Grid, learned: Float32Array | null): void {
  let m = 0;
  for (const v of k.data) m = Math.max(m, Math.abs(v));
  if (m === 0 && learned) for (const v of learned) m = Math.max(m, Math.abs(v));
  if (!(m > 0)) m = 1;
  const cell = Math.max(4, Math.min(KERNEL_CELL, Math.floor(KERNEL_PX / Math.max(k.h, k.w))));
  const options: ImageOptions = { colormap: 'bwr', normalize: [-m, m] };
  sc.tidy(() => {
    draw(trueCanvas, sc.tensor(k.data, [k.h, k.w]), options, cell);
    if (learned) draw(learnedCanvas, sc.tensor(learned, [k.h, k.w]), options, cell);
    else draw(learnedCanvas, sc.full([k.h, k.w], 0.85), { colormap: 'gray', normalize: [0, 1] }, cell);
  });
}

function stopAnimation(): void {
  cancelAnimationFrame(frame);
  frame = 0;
}

function resetLearning(): void {
  stopRun();
  drawLoss([], Number($<HTMLInputElement>('epochs').value) || 10);
  learnedText.textContent = 'not trained yet';
  drawKernels(kernel, null);
  learnStatus.classList.remove('error');
  learnStatus.textContent = 'Press Learn to train a layer on this image and feature map.';
}

// ---- wiring --------------------------------------------------------------------------------------

/** The image or the kernel changed: redraw, and forget a training run made on the old ones. */
function changed(): void {
  update();
  proposeStep();
  resetLearning();
}

/** Runs an event handler, showing any error in the status line. */
function guard<A extends unknown[]>(fn: (...a: A) => unknown): (...a: A) => void {
  return (...a) => {
    Promise.resolve()
      .then(() => fn(...a))
      .catch((e: unknown) => {
        statusEl.textContent = `Error: ${(e as Error).message}`;
        statusEl.classList.add('error');
      });
  };
}

async function main(): Promise<void> {
  await sc.init();
  buildKernelSelect();
  image = fromTensor(IMAGES.lesson!);
  setKernel(KERNELS[0]![1]());
  $<HTMLSelectElement>('image-preset').addEventListener('change', guard((e: Event) => {
    image = fromTensor(IMAGES[(e.target as HTMLSelectElement).value]!);
    $<HTMLInputElement>('file').value = '';
    inputInfo.textContent = PAINT_HINT;
    changed();
  }));
  kernelSelect.addEventListener('change', guard(() => {
    if (kernelSelect.value === CUSTOM) return;
    setKernel(KERNELS[Number(kernelSelect.value)]![1]());
    changed();
  }));
  colormapSelect.addEventListener('change', guard(() => {
    colormap = colormapSelect.value as Colormap;
    update();
  }));
  $<HTMLInputElement>('file').addEventListener('change', guard(async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) await loadFile(file);
  }));
  $<HTMLButtonElement>('save-png').addEventListener('click', guard(() => {
    const png = sc.tidy(() => toPNG(sc.corr2d(sc.tensor(image.data, [image.h, image.w]), sc.tensor(kernel.data, [kernel.h, kernel.w])),
      { colormap, scale: cellSize() }));
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    a.download = 'feature-map.png';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }));
  $<HTMLButtonElement>('learn').addEventListener('click', guard(learn));
  $<HTMLButtonElement>('step').addEventListener('click', guard(stepOnce));
  changed();
  statusEl.textContent = 'Ready: the WebAssembly SIMD kernels are loaded. Every picture below is computed by simdconv in this page.';
  document.body.dataset.ready = 'true';
}

guard(main)();
