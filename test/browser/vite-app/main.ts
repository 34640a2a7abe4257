// A Vite app as a user writes it: `import * as sc from 'simdconv'` and `await sc.init()`, no
// configuration. It prints the lesson's numbers into the page; test/browser/vite-app.test.ts
// builds it with `vite build` and checks them in Chromium under a strict CSP.
import * as sc from 'simdconv';
import lesson from '../../runtimes/cases/lesson.js';

const out = document.getElementById('out')!;
const report = window as unknown as { __simdconvResult?: unknown };

lesson().then(
  (r) => {
    const fmt = (v: number) => v.toFixed(4);
    out.textContent = [
      `corr2d(X, K) = ${JSON.stringify(r.corr)}`,
      `corr2d(X, [[1, -1]]) rows = ${JSON.stringify(r.edges[0])}`,
      `corr2d(X.T, [[1, -1]]) all zero = ${r.transposed.flat().every((v) => v === 0)}`,
      `losses = ${r.losses.map((l) => l.toFixed(3)).join(', ')}`,
      `learned kernel = [[${r.kernel[0]!.map(fmt).join(', ')}]]`,
      `crossOriginIsolated = ${globalThis.crossOriginIsolated === true}`,
      `live tensors = ${sc.memory().tensors}`,
    ].join('\n');
    report.__simdconvResult = { ok: true, value: r, crossOriginIsolated: globalThis.crossOriginIsolated === true };
  },
  (e: unknown) => {
    out.textContent = `error: ${String(e)}`;
    report.__simdconvResult = {
      ok: false,
      error: { name: (e as Error).name, message: (e as Error).message },
      unsupportedRuntime: e instanceof sc.UnsupportedRuntimeError,
      simdconvError: e instanceof sc.SimdconvError,
    };
  },
);
