// The shipped declarations (dist/*.d.ts, from `npm run build`) as a consumer's compiler sees them:
// the package is linked into temporary projects that type-check a file using the whole public API
// with `tsc --noEmit`, strict and without skipLibCheck, under {DOM lib, no DOM lib} x {node16,
// bundler} resolution. And every type a public signature names is itself exported, so users can
// write it down.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

/** A consumer using every entry the package exports types for, and the types users write down. */
const CONSUMER = `
import * as sc from 'simdconv';
import * as browser from 'simdconv/browser';
import * as workerd from 'simdconv/workerd';
import * as inline from 'simdconv/inline';
import { toPNG, fromPNG, toImageData, fromImageData, COLORMAPS, type Colormap, type Normalize,
  type ImageOptions, type FromImageOptions, type RGBAImage } from 'simdconv/image';

export async function main(bytes: Uint8Array, mod: sc.WasmModule): Promise<number> {
  const options: sc.InitOptions = { bytes, threads: 'auto' };
  await sc.init(options);
  await sc.init({ module: mod });
  await sc.init({ url: new URL('file:///x.wasm') });
  await sc.init({ bytes: new ArrayBuffer(8) });
  await browser.init({ url: 'x.wasm' });
  await workerd.init({ module: mod });
  await inline.init();
  sc.setThreads(1);
  const caps: sc.Capabilities = sc.capabilities();
  const rt: sc.RuntimeName = caps.runtime;

  const data: sc.Data = [[1, 2], [3, 4]];
  const x: sc.Tensor = sc.tensor(data);
  const shape: sc.Shape = x.shape;
  const nested: sc.NestedArray = x.toArray();
  const operand: sc.Operand = 2;
  const y = sc.add(sc.mul(x, operand), sc.sub(sc.div(x, 1), sc.pow(x, 2)));
  sc.maximum(sc.minimum(x, 0), sc.neg(sc.abs(sc.square(sc.sqrt(sc.exp(sc.log(sc.relu(sc.sign(y)))))))));
  sc.sum(y); sc.mean(y, 0); sc.max(y, [0], true); sc.min(y);
  const idx: sc.IndexSpec = [[0, 1], null];
  const set: sc.SetValue = 0;
  sc.reshape(sc.transpose(sc.flip(sc.slice(sc.clone(sc.detach(y)), idx)), 1, 0), [4]);
  x.set(idx, set);
  const rnd: sc.RandomOptions = { seed: 1 };
  sc.zeros([2]); sc.ones([2]); sc.full([2], 1); sc.zerosLike(x); sc.onesLike(x); sc.arange(3); sc.eye(2);
  sc.rand([2], rnd); sc.randn([2], { ...rnd, std: 2 }); sc.manualSeed(0); sc.variable([1, 2]);
  const pad: sc.Padding = 'same';
  const pair: sc.Pair = [1, 1];
  const copts: sc.Conv2dOptions = { padding: pad, stride: pair };
  const gopts: sc.ConvGeometryOptions = { padding: 1 };
  const img = sc.ones([1, 1, 4, 4]);
  const w = sc.ones([1, 1, 3, 3]);
  sc.conv2d(img, w, copts); sc.conv2dGradInput(img, w, [1, 1, 4, 4], gopts); sc.conv2dGradWeight(img, img, [1, 1, 3, 3], gopts);
  sc.corr2d(x, x); sc.convolve2d(x, x); sc.convOutputSize(4, 3);
  const im2: sc.Im2colOptions = {}; const tp: sc.ToeplitzOptions = {};
  sc.im2col(img, 3, im2); sc.toeplitz(x, [3, 3], tp); sc.matmul(x, x);
  sc.noGrad(() => sc.isGradEnabled());
  const kept = sc.tidy(() => sc.keep(sc.ones([1])));
  const mem: { tensors: number; bytes: number; wasmBytes: number } = sc.memory();

  const conv = new sc.nn.Conv2d({ outChannels: 2, kernelSize: 3 } satisfies sc.nn.Conv2dLayerOptions);
  conv.forward(img);
  const weight: sc.Tensor = conv.weight;   // no '!': typed as Tensor, throws before a lazy layer's first forward
  const state: sc.nn.StateDict = conv.stateDict();
  const entry: sc.nn.StateEntry | undefined = state['weight'];
  const red: sc.nn.Reduction = 'mean';
  sc.nn.mseLoss(y, y, { reduction: red }); sc.nn.squaredError(y, y);
  const m: sc.nn.Module = conv;
  const params: sc.optim.Params = m;
  const sgd = new sc.optim.SGD(params, { lr: 0.1 } satisfies sc.optim.SGDOptions);
  const adam: sc.optim.Optimizer = new sc.optim.Adam([weight], { lr: 0.1 } satisfies sc.optim.AdamOptions);
  const fitOptions: sc.FitOptions = { optimizer: sgd, epochs: 1, loss: () => conv.forward(img).sum(),
    onEpoch: (p: sc.Progress) => p.loss > 0 };
  await sc.fit(fitOptions); sc.fitSync({ ...fitOptions, optimizer: adam });
  const layer: sc.ReceptiveLayer = { kernelSize: 3 };
  const infos: sc.ReceptiveFieldInfo[] = sc.receptiveField([layer, conv], [8, 8]);
  const region: sc.ReceptiveRegion = sc.receptiveFieldOf([conv], [0, 0], [8, 8]);
  const k: sc.kernels.Axis = 'x';
  sc.kernels.sobelX(); sc.kernels.gaussian(1); sc.kernels.secondDerivative({ axis: k });

  const errors: (typeof sc.SimdconvError)[] = [sc.ShapeError, sc.ArgumentError, sc.DisposedTensorError,
    sc.NotInitializedError, sc.UnsupportedRuntimeError, sc.SimdconvOutOfMemoryError, sc.AutogradError];

  const cmap: Colormap = COLORMAPS[0];
  const norm: Normalize = 'minmax';
  const io: ImageOptions = { colormap: cmap, normalize: norm };
  const fo: FromImageOptions = { channels: 1 };
  const png: Uint8Array = toPNG(x, io);
  const rgba: RGBAImage = toImageData(x, io);
  const like: RGBAImage = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
  fromPNG(png, fo); fromImageData(rgba); fromImageData(like, fo);

  using scoped = sc.ones([1]);
  void [rt, shape, nested, kept, mem, entry, infos, region, errors, inline.tensor([1]), scoped];
  return x.item();
}
`;

/** Only in the DOM variants: the DOM's own types go where the package takes its structural ones. */
const CONSUMER_DOM = `
import * as sc from 'simdconv';
import { fromImageData, toImageData } from 'simdconv/image';

export async function dom(ctx: CanvasRenderingContext2D, mod: WebAssembly.Module, buf: BufferSource): Promise<void> {
  await sc.init({ module: mod });
  await sc.init({ bytes: buf });
  const t = fromImageData(ctx.getImageData(0, 0, 4, 4));
  const img = toImageData(t);
  ctx.putImageData(img as ImageData, 0, 0);   // an ImageData in browsers
  fromImageData(img);
}
`;

const COMBINATIONS = [
  { dom: false, module: 'node16', moduleResolution: 'node16' },
  { dom: true, module: 'node16', moduleResolution: 'node16' },
  { dom: false, module: 'esnext', moduleResolution: 'bundler' },
  { dom: true, module: 'esnext', moduleResolution: 'bundler' },
] as const;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A consumer project with `simdconv` linked into node_modules: package.json, tsconfig.json, its sources. */
function project(c: (typeof COMBINATIONS)[number]): string {
  const dir = mkdtempSync(join(tmpdir(), 'simdconv-types-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules/simdconv'), 'dir');
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'es2022', lib: c.dom ? ['es2023', 'dom'] : ['es2023'],
      module: c.module, moduleResolution: c.moduleResolution, types: ['node'], strict: true, noEmit: true,
    },
    include: ['*.ts'],
  }, null, 2));
  writeFileSync(join(dir, 'consumer.ts'), CONSUMER);
  if (c.dom) writeFileSync(join(dir, 'dom.ts'), CONSUMER_DOM);
  return dir;
}

describe('the shipped declarations in a consumer project (tsc --noEmit, no skipLibCheck)', () => {
  it.each(COMBINATIONS)('DOM lib $dom, module $module, moduleResolution $moduleResolution', async (c) => {
    const dir = project(c);
    const result = await run(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], { cwd: dir })
      .then(() => '', (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`);
    expect(result).toBe('');
  }, 60_000);
});

/**
 * The package's own named types that the declarations of an entry's exports refer to (parameter,
 * return, property and base types, through exported namespaces), which neither the entry nor the
 * main entry (`entries[0]`, which users of a subpath such as `simdconv/image` import too) exports:
 * `entry: Name (declared in file)`.
 */
function unexportedTypes(entries: readonly string[]): string[] {
  const dist = join(ROOT, 'dist/');
  const files = entries.map((e) => join(dist, `${e}.d.ts`));
  const program = ts.createProgram(files, {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], types: ['node'],
  });
  const checker = program.getTypeChecker();
  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const ours = (s: ts.Symbol): boolean => (s.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(dist));
  /** An entry's exported symbols, with the members of the namespaces it exports (`export * as nn`). */
  const exportsOf = (file: string): Set<ts.Symbol> => {
    const exported = new Set<ts.Symbol>();
    const collect = (module: ts.Symbol): void => {
      for (const e of checker.getExportsOfModule(module)) {
        const s = resolve(e);
        if (exported.has(s)) continue;
        exported.add(s);
        if (s.flags & ts.SymbolFlags.ValueModule) collect(s);
      }
    };
    collect(checker.getSymbolAtLocation(program.getSourceFile(file)!)!);
    return exported;
  };
  const main = exportsOf(files[0]!);
  const missing: string[] = [];
  for (const [i, file] of files.entries()) {
    const roots = exportsOf(file);
    const exported = new Set([...roots, ...main]);
    const seen = new Set<string>();
    const visit = (node: ts.Node): void => {
      const name = ts.isTypeReferenceNode(node) ? node.typeName
        : ts.isExpressionWithTypeArguments(node) ? node.expression
        : ts.isTypeQueryNode(node) ? node.exprName : undefined;
      const target = name && checker.getSymbolAtLocation(name);
      if (target) {
        const s = resolve(target);
        if (!(s.flags & ts.SymbolFlags.TypeParameter) && ours(s) && !exported.has(s)) {
          const where = s.declarations![0]!.getSourceFile().fileName.slice(dist.length);
          const line = `${entries[i]}: ${s.name} (declared in dist/${where})`;
          if (!seen.has(line)) missing.push(line);
          seen.add(line);
        }
      }
      // Private members are declared without types in .d.ts; nothing else is skipped.
      ts.forEachChild(node, visit);
    };
    for (const s of roots) {
      if (s.flags & ts.SymbolFlags.ValueModule) continue; // a namespace: its members are roots of their own
      for (const d of s.declarations ?? []) visit(d);
    }
  }
  return missing;
}

describe('every type a public signature uses is exported', () => {
  it('from each entry (simdconv, simdconv/browser, /workerd, /inline, /image)', () => {
    expect(unexportedTypes(['index', 'browser', 'workerd', 'inline', 'image'])).toEqual([]);
  }, 60_000);
});
