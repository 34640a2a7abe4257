// The footprint a browser app pays for the lesson: an app that uses only init, tensor, corr2d,
// nn.Conv2d, optim.SGD and autograd, bundled from the built browser entry (dist/browser.js, as a
// user's bundler sees the package: `sideEffects: false`, tree-shaken, minified), plus the .wasm
// it fetches (dist/simdconv.wasm), must stay within 60 KB gzipped in all. The module's own
// limit is in build.test.ts.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Most gzipped bytes the lesson app (its JavaScript bundle and the .wasm) may have: issue 12's 60 KiB.
 */
const MAX_GZIPPED_BYTES = 60 * 1024;

const browserEntry = fileURLToPath(new URL('../dist/browser.js', import.meta.url));
const wasm = readFileSync(new URL('../dist/simdconv.wasm', import.meta.url));

/** The lesson's ops, nothing else: corr2d on the edge image, then learning the kernel [1, -1]. */
const APP = `
import { init, tensor, corr2d, nn, optim } from ${JSON.stringify(browserEntry)};
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

describe('bundle size', () => {
  it(`the lesson app bundled for the browser, with its .wasm, is at most ${MAX_GZIPPED_BYTES} bytes gzipped`, async () => {
    const result = await build({
      stdin: { contents: APP, resolveDir: process.cwd(), sourcefile: 'app.mjs', loader: 'js' },
      bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
      metafile: true,
    });
    const js = result.outputFiles[0]!.contents;
    const jsGzipped = gzipSync(js, { level: 9 }).length;
    const wasmGzipped = gzipSync(wasm, { level: 9 }).length;
    console.log(`lesson app: bundle ${js.length} bytes (${jsGzipped} gzipped) + simdconv.wasm ${wasm.length} bytes (${wasmGzipped} gzipped)`);
    // The bundle really holds the package (a broken import would bundle almost nothing).
    expect(Object.keys(result.metafile!.inputs).some((p) => p.endsWith('dist/ops/conv.js'))).toBe(true);
    expect(jsGzipped).toBeGreaterThan(5 * 1024);
    expect(jsGzipped + wasmGzipped).toBeLessThanOrEqual(MAX_GZIPPED_BYTES);
  });
});
