import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const nodeEntry = `${root}src/index.ts`;
const testEntry = `${root}test/helpers/test-build.ts`;

/**
 * The tests' imports of the Node entry ('../src/index.js') become test/helpers/test-build.ts: the
 * same API, whose `init` loads the test builds of the kernels (both twins of every kernel) instead
 * of the release modules in dist/, which ship only the SIMD twins.
 */
const testBuildPlugin: Plugin = {
  name: 'simdconv-test-build',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!importer || importer === testEntry || !/\/src\/index\.js$/.test(source)) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved?.id === nodeEntry ? testEntry : null;
  },
};

export default defineConfig({
  plugins: [testBuildPlugin],
  test: {
    include: ['test/**/*.test.ts'],
    // Chromium tests: `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['**/node_modules/**', 'test/browser/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: one fork per core keeps wasm timing-sensitive tests and the machine responsive.
    pool: 'forks',
    maxWorkers: 2,
  },
});
