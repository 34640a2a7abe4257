// `npm run test:bundlers` (after `npm run test:bundlers:install`): test/bundlers/bundlers.e2e.ts,
// apart from the main suite because the bundlers are installed apart (test/bundlers/package.json).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/bundlers/bundlers.e2e.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
