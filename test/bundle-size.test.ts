// The footprint a browser app pays for the lesson: an app that uses only init, tensor, corr2d,
// nn.Conv2d, optim.SGD and autograd, bundled from the built browser entry (dist/browser.js, as a
// user's bundler sees the package: `sideEffects: false`, tree-shaken, minified), plus the .wasm
// it fetches (dist/simdconv.wasm), must stay within 60 KB gzipped in all when it takes its layer
// and optimizer from the subpaths 'simdconv/nn' and 'simdconv/optim' (dist/nn/index.js,
// dist/optim/index.js), whose unused exports a bundler drops. Through the `sc.nn` / `sc.optim`
// namespace objects of the main entry every layer and optimizer comes along (esbuild cannot drop
// members of a re-exported namespace); that app has a budget of its own. The module's own limit
// is in build.test.ts.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Most gzipped bytes the lesson app (its JavaScript bundle and the .wasm) may have: issue 12's 60 KiB,
 * with the layer and optimizer imported from the subpaths; 64 KiB through the namespace objects.
 */
const MAX_GZIPPED_BYTES = 60 * 1024;
const MAX_NAMESPACE_GZIPPED_BYTES = 64 * 1024;

const browserEntry = fileURLToPath(new URL('../dist/browser.js', import.meta.url));
const nnEntry = fileURLToPath(new URL('../dist/nn/index.js', import.meta.url));
const optimEntry = fileURLToPath(new URL('../dist/optim/index.js', import.meta.url));
const wasm = readFileSync(new URL('../dist/simdconv.wasm', import.meta.url));

/** The lesson's ops, nothing else: corr2d on the edge image, then learning the kernel [1, -1]. */
const LESSON = `
await init();
const X = tensor(Array.from({ length: 6 }, () => [1, 1, 0, 0, 0, 0, 1, 1]));
const Y = corr2d(X, tensor([[1, -1]]));
const conv = new nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
const opt = new optim.SGD(conv, { lr: 3e-2 });
for (let i = 0; i < 10; i++) {
  const loss = conv.forward(X.reshape([1, 1, 6, 8])).sub(Y.reshape([1, 1, 6, 7])).square().sum();
  conv.zeroGrad();
  loss.backward();
  opt.step();
}
export const learned = conv.weight.toArray();
`;
/** As a size-minded app imports it ('simdconv', 'simdconv/nn', 'simdconv/optim'). */
const APP = `
import { init, tensor, corr2d } from ${JSON.stringify(browserEntry)};
import * as nn from ${JSON.stringify(nnEntry)};
import * as optim from ${JSON.stringify(optimEntry)};
${LESSON}`;
/** Through the main entry's namespace objects. */
const NAMESPACE_APP = `
import { init, tensor, corr2d, nn, optim } from ${JSON.stringify(browserEntry)};
${LESSON}`;

/** The app bundled and minified: its JavaScript, gzipped bytes, and the modules with code in it. */
async function bundle(app: string): Promise<{ js: Uint8Array; gz: number; inputs: string[] }> {
  const result = await build({
    stdin: { contents: app, resolveDir: process.cwd(), sourcefile: 'app.mjs', loader: 'js' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
    metafile: true,
  });
  const js = result.outputFiles[0]!.contents;
  const [output] = Object.values(result.metafile!.outputs);
  const inputs = Object.entries(output!.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([p]) => p);
  return { js, gz: gzipSync(js, { level: 9 }).length, inputs };
}

describe('bundle size', () => {
  const wasmGzipped = gzipSync(wasm, { level: 9 }).length;

  it(`the lesson app bundled for the browser, with its .wasm, is at most ${MAX_GZIPPED_BYTES} bytes gzipped`, async () => {
    const { js, gz, inputs } = await bundle(APP);
    console.log(`lesson app: bundle ${js.length} bytes (${gz} gzipped) + simdconv.wasm ${wasm.length} bytes (${wasmGzipped} gzipped)`);
    // The bundle really holds the package (a broken import would bundle almost nothing), and
    // only the layer it uses.
    expect(inputs.some((p) => p.endsWith('dist/ops/conv.js'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('dist/nn/conv2d.js'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('dist/nn/conv-transpose.js'))).toBe(false);
    expect(gz).toBeGreaterThan(5 * 1024);
    expect(gz + wasmGzipped).toBeLessThanOrEqual(MAX_GZIPPED_BYTES);
  });

  it(`through the sc.nn / sc.optim namespaces (every layer and optimizer), at most ${MAX_NAMESPACE_GZIPPED_BYTES} bytes gzipped`, async () => {
    const { js, gz, inputs } = await bundle(NAMESPACE_APP);
    console.log(`lesson app through the namespaces: bundle ${js.length} bytes (${gz} gzipped) + simdconv.wasm (${wasmGzipped} gzipped)`);
    expect(inputs.some((p) => p.endsWith('dist/nn/conv-transpose.js'))).toBe(true);
    expect(gz + wasmGzipped).toBeLessThanOrEqual(MAX_NAMESPACE_GZIPPED_BYTES);
  });
});
