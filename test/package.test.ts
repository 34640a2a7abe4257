// The published package, as npm packs it (`npm pack`, of the built dist/): what it ships, that
// installing the tarball into a fresh project prints no warning (no install script: the build is
// `prepack`, not `prepare`), that it ships no source map pointing at sources it does not ship,
// and that its JavaScript carries no source comments but keeps the bundler hints.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './runtimes/harness.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & { scripts: Record<string, string> };
let dir = '';
let tarball = '';
let files: string[] = [];

function npm(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn', NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'simdconv-pack-'));
  // --ignore-scripts: pack the dist/ the suite was built with instead of rebuilding it (prepack).
  const r = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  expect(r.status, r.stderr).toBe(0);
  const [info] = JSON.parse(r.stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(dir, info.filename);
  files = info.files.map((f) => f.path);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package', () => {
  it('ships LICENSE (MIT, as package.json says), the README, dist/ and nothing else', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the simdconv authors\n/);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/browser.js', 'dist/inline.js',
      'dist/wasm/simdconv-base64.js', 'dist/workerd.js', 'dist/simdconv.wasm', 'dist/simdconv-mt.wasm']));
    expect(files.filter((f) => !/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
  });

  it('says where it lives: repository, homepage, bugs, keywords', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/simdconv/simdconv.git' });
    expect(pkg.homepage).toBe('https://github.com/simdconv/simdconv#readme');
    expect(pkg.bugs).toEqual({ url: 'https://github.com/simdconv/simdconv/issues' });
    expect((pkg.keywords as string[]).length).toBeGreaterThan(5);
  });

  it('has no install script (preinstall, install, postinstall, prepare)', () => {
    expect(Object.keys(pkg.scripts).filter((s) => /^(pre|post)?install$|^prepare$/.test(s))).toEqual([]);
  });

  it('installs into a fresh project with scripts enabled and prints no warning', () => {
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const r = npm(['install', tarball, '--ignore-scripts=false', '--no-audit', '--no-fund', '--prefer-offline'], project);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    // Its declarations type-check a consumer with skipLibCheck off: the shipped .d.ts set is
    // closed (scripts/prune-dts.mjs kept everything the entries reach) and types the public API.
    writeFileSync(join(project, 'use.ts'), [
      "import * as sc from 'simdconv';",
      "import { toPNG, type RGBAImage } from 'simdconv/image';",
      "import { Conv2d, type Module } from 'simdconv/nn';",
      "import { SGD } from 'simdconv/optim';",
      "export async function run(): Promise<number> {",
      "  await sc.init();",
      "  const net = new sc.nn.Sequential(new sc.nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 }), new sc.nn.ReLU(), new sc.nn.Flatten());",
      "  const opt: sc.optim.Optimizer = new sc.optim.Adam(net, { lr: 1e-3 });",
      "  const x: sc.Tensor = sc.rand([1, 1, 5, 5]);",
      "  const step = sc.compile(() => { const l = net.forward(x).square().sum(); l.backward(); opt.step(); opt.zeroGrad(); return l; });",
      "  const e: sc.SimdconvError | undefined = undefined;",
      "  const img: RGBAImage | undefined = undefined; void toPNG; void img; void e;",
      "  // The subpaths are the same classes as the namespaces (one module instance).",
      "  const layer: Module = new Conv2d({ outChannels: 1, kernelSize: 1 }); const same: sc.nn.Conv2d = layer as Conv2d; void new SGD(same, { lr: 1 });",
      "  return step().item() + sc.data.pixelStats({ count: 1, rows: 1, cols: 1, images: new Uint8Array(1), labels: new Uint8Array(1) }).mean;",
      "}",
    ].join('\n'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'ESNext.Disposable', 'DOM'], types: [],
      strict: true, skipLibCheck: false, noEmit: true }, files: ['use.ts'] }));
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8' });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  }, 120_000);

  it('ships the declarations its entries reach and no internal ones (scripts/prune-dts.mjs)', () => {
    const dts = new Set(files.filter((f) => f.endsWith('.d.ts')));
    for (const f of dts) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = join(f, '..', m[1]!.replace(/\.js$/, '.d.ts'));
        expect(dts.has(target), `${f} imports ${m[1]}`).toBe(true);
      }
    }
    for (const internal of ['dist/wasm/kernels.d.ts', 'dist/threads/protocol.d.ts', 'dist/ops/conv-forward.d.ts']) expect(dts.has(internal), internal).toBe(false);
    for (const entry of ['dist/index.d.ts', 'dist/browser.d.ts', 'dist/inline.d.ts', 'dist/workerd.d.ts', 'dist/image.d.ts', 'dist/nn/index.d.ts', 'dist/optim/index.d.ts']) expect(dts.has(entry), entry).toBe(true);
  });

  it('ships no source maps (they would name src/ files the package does not ship)', () => {
    expect(files.some((f) => f.endsWith('.js.map'))).toBe(false);
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    for (const f of files.filter((x) => x.endsWith('.js'))) {
      expect(readFileSync(join(ROOT, f), 'utf8'), f).not.toMatch(/sourceMappingURL/);
    }
  });

  it("ships JavaScript without source comments, but with the bundler hints of its dynamic imports (scripts/compact-js.mjs)", () => {
    const js = files.filter((x) => x.endsWith('.js') && x.startsWith('dist/') && !x.startsWith('dist/wasm/simdconv-base64'));
    let headers = 0;
    for (const f of js) {
      // Each source file's header comment (its first line, when that is a // comment) is gone.
      let first = '';
      try {
        first = readFileSync(join(ROOT, 'src', f.slice('dist/'.length, -'.js'.length) + '.ts'), 'utf8').split('\n')[0]!;
      } catch {
        continue;
      }
      if (!first.startsWith('// ') || first.length < 20) continue;
      headers++;
      expect(readFileSync(join(ROOT, f), 'utf8'), f).not.toContain(first.slice(3));
    }
    expect(headers).toBeGreaterThan(20);
    // The Node-only imports that bundlers must leave alone keep both hints, next to the import.
    for (const f of ['dist/threads/setup.js', 'dist/threads/env.js']) {
      const code = readFileSync(join(ROOT, f), 'utf8');
      expect(code, f).toMatch(/import\(\s*\/\* @vite-ignore \*\/\s*\/\* webpackIgnore: true \*\//);
    }
    // The .d.ts keep their TSDoc (what editors show).
    expect(readFileSync(join(ROOT, 'dist/ops/conv.d.ts'), 'utf8')).toMatch(/\/\*\*/);
  });
});

