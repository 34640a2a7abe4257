// `npm run test:browser`: the browser half of the suite, in headless Chromium (the Debian
// package at /usr/bin/chromium; CHROMIUM_PATH overrides).
//
// - project "chromium": the unit tests below, in Vitest browser mode. They import
//   '../src/index.js' (the Node entry); here that import is redirected to test/browser/test-build.ts:
//   the browser entry (src/browser.ts) whose `init` fetches the test builds of the kernels (both
//   twins of every kernel; dist/ ships only the SIMD twins) the browser way. node:fs / node:url (used
//   by a few tests to read fixtures) are served by test/browser/node-shims.ts.
// - project "browser-apps": Node-side tests that build and load pages in Chromium through
//   playwright-core (test/browser/*.test.ts: a Vite production build under a CSP, COOP/COEP).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type Plugin } from 'vitest/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/runtimes/harness.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const nodeEntry = `${root}src/index.ts`;
const browserEntry = `${root}test/browser/test-build.ts`;
const shims = `${root}test/browser/node-shims.ts`;

/**
 * Unit tests that run unchanged in Chromium. Not here: build, init-sources, lesson (they read
 * dist/ or spawn Node), image (Node file output), train (its progress tests spy on
 * process.stderr, and its leak counts assume Node's lazy finalizers), runtimes/ (Node-side).
 */
const UNIT = [
  'autograd', 'conv', 'conv.property', 'errors', 'gradcheck', 'init', 'matmul', 'memory', 'nn', 'optim',
  'receptive', 'tensor', 'torch', ...['corr2d', 'corr2d-grad', 'gemm', 'im2col', 'bias', 'elementwise-binary', 'elementwise-unary', 'reduce', 'copy', 'random'].map((k) => `kernels/${k}`),
].map((f) => `test/${f}.test.ts`);

/** Imports of the Node entry from the tests become the browser test entry; node:fs/url become shims. */
const browserEntryPlugin: Plugin = {
  name: 'simdconv-browser-entry',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (source === 'node:fs' || source === 'node:url') return shims;
    if (!importer || !/\/src\/index\.js$/.test(source)) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved?.id === nodeEntry ? browserEntry : null;
  },
};

/**
 * src/browser.ts fetches new URL('./simdconv.wasm', import.meta.url), which is dist/simdconv.wasm
 * once built; unbundled, that is /src/simdconv.wasm: serve the built modules there.
 */
const builtWasmPlugin: Plugin = {
  name: 'simdconv-built-wasm',
  configureServer(server) {
    server.middlewares.use((req, res, next) => {
      const file = /^\/src\/(simdconv(?:-mt)?\.wasm)(?:\?|$)/.exec(req.url ?? '')?.[1];
      if (file === undefined) return next();
      res.setHeader('Content-Type', 'application/wasm');
      res.end(readFileSync(`${root}dist/${file}`));
    });
  },
};

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        plugins: [browserEntryPlugin, builtWasmPlugin],
        test: {
          name: 'chromium',
          include: UNIT,
          setupFiles: ['test/browser/setup.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        test: {
          name: 'browser-apps',
          include: ['test/browser/**/*.test.ts'],
          pool: 'forks',
        },
      },
    ],
  },
});
