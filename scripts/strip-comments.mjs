// Reprints the JavaScript that tsc wrote to dist/ without its comments (run by `npm run build:ts`
// after tsc). The comments of src/ are documentation for readers of the source; in the package
// they were a fifth of the tarball (esbuild keeps only the doc blocks of class members). The .d.ts
// files keep every TSDoc comment (what editors show),
// and esbuild keeps the bundler hints inside import() (`/* @vite-ignore */`,
// `/* webpackIgnore: true */`) that the threads and environment probes rely on; the build check
// in test/package.test.ts fails if those hints go. Code is otherwise unchanged: no minification,
// no renaming, the same ES2022 syntax.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

const dist = new URL('../dist/', import.meta.url);

function* jsFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* jsFiles(p);
    else if (e.name.endsWith('.js')) yield p;
  }
}

let before = 0, after = 0, files = 0;
for (const file of jsFiles(dist.pathname)) {
  const code = readFileSync(file, 'utf8');
  const out = transformSync(code, { loader: 'js', format: 'esm', target: 'es2022', legalComments: 'none', charset: 'utf8' }).code;
  writeFileSync(file, out);
  before += code.length;
  after += out.length;
  files++;
}
console.log(`strip-comments: ${files} files in dist/, ${before} -> ${after} characters`);
