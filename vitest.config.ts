import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: one fork per core keeps wasm timing-sensitive tests and the machine responsive.
    pool: 'forks',
    maxWorkers: 2,
  },
});
