// Browser-mode setup (vitest.browser.config.ts): a few unit tests read `process.env` for optional
// knobs (fuzz run counts, verbosity). Browsers have no `process`; give them an empty env. The
// object has no `versions.node`, so simdconv still sees a browser.
const g = globalThis as { process?: { env: Record<string, string | undefined> } };
g.process ??= { env: {} };
